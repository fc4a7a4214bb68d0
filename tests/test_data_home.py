"""One data home (#11 item 8): without INSATS_DATA_DIR the database is in the platform's user data
folder whatever folder `insats` runs from, and demo data never goes into a database with real cases."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import cli
from store import cases, make_engine, transaction, upgrade
from store.demo import DemoRefused, seed_demo
from store.users import SETUP, add_user


def test_the_database_is_the_same_from_any_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("INSATS_DATA_DIR", "INSATS_DATABASE_URL")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")  # where platformdirs puts user data on Linux
    said = []
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        done = subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], cwd=tmp_path / folder, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        said.append(done.stdout.strip())
        assert not (tmp_path / folder / "data").exists()  # nothing in the working directory
    assert said[0] == said[1]
    assert said[0].endswith(f"{tmp_path / 'xdg' / 'insats' / 'insats.sqlite'}")


def test_demo_seeding_refuses_a_database_with_real_cases(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        cases.create_subject(s, SETUP, birth_year=2010)  # a real case
        add_user(s, SETUP, "ada", display_name="Ada", roles=["admin"])
    with transaction(engine) as s, pytest.raises(DemoRefused, match="real cases"):
        seed_demo(s, SETUP, n_subjects=5)
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    assert cli.main(["--as", "ada", "demo", "seed", "--subjects", "5"]) == 2
    assert "holds real cases" in capsys.readouterr().err
    engine.dispose()
