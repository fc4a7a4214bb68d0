"""The wheel installs and runs anywhere (#24 item 4): built from a copy of the tree, installed with its
dependencies (``pip install``, from pip's cache where it holds them, else the configured index) into a
clean virtual environment outside the repository, and run from a folder outside it, as an operator
would: ``insats --version``, ``insats db upgrade``, ``insats demo seed``, ``insats serve`` until
``/_stcore/health`` answers, and a log-in in Chromium, so the pages themselves run from the wheel.

The wheel nests every package under one ``insats/`` folder (``build_backend/insats_wheel.py``): the
test also holds that no generic name (``store``, ``config`` ...) reaches the top of site-packages and that
what runs is the wheel's code, not the repository's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .browser import CHROMIUM_ARGS, chromium, log_in, settle
from .pg import free_port

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import expect, sync_playwright

pytestmark = pytest.mark.slow  # a build, a venv with every dependency and a server: about two minutes

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "config", "catalogue", "cli", "forms", "instruments", "rules", "scoring", "services", "store")
SECRET = "wheel-test-secret-0123456789-abcdefghijklmnop"  # ≥ 32 characters, ≥ 12 distinct


def build_wheel(into: Path) -> Path:
    """``pip wheel`` of a copy of the tree (setuptools writes build/ into the tree it builds)."""
    source = into / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "artifacts",
                                                                "__pycache__", ".*_cache", ".hypothesis"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(into), str(source)],
                           capture_output=True, text=True, timeout=300, cwd=into)
    assert built.returncode == 0, built.stderr[-2000:]
    return next(into.glob("insats-*.whl"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A clean virtual environment outside the repository with the wheel and its dependencies."""
    where = tmp_path_factory.mktemp("wheel")
    assert not where.resolve().is_relative_to(ROOT)
    wheel = build_wheel(where)
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    put = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile",
                          str(wheel)],
                         capture_output=True, text=True, timeout=1200, cwd=where)
    assert put.returncode == 0, put.stderr[-2000:]
    return venv, wheel, where


def environment(venv: Path, data: Path) -> dict[str, str]:
    """The operator's shell: the venv's bin first, no PYTHONPATH, no setting of the test run's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSATS_", "PYTHON", "VIRTUAL_ENV"))}
    return env | {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
                  "INSATS_DATA_DIR": str(data), "INSATS_SECRET_KEY": SECRET}


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_the_wheel_installs_nothing_at_the_top_of_site_packages_but_insats(installed):
    venv, wheel, _ = installed
    dist_info = wheel.name.split("-py3")[0] + ".dist-info"
    assert {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()} == {"insats", dist_info}
    python = str(venv / "bin" / "python")
    listed = run([python, "-c", "from importlib.metadata import files; print('\\n'.join(str(f) for f in "
                  "files('insats')))"], environment(venv, venv), venv.parent)
    placed = {line.split("/")[0] for line in listed.stdout.split()}
    assert placed == {"insats", dist_info, ".."}, placed  # "..": the insats command in the venv's bin
    for name in PACKAGES:  # no generic name importable from a plain interpreter
        bare = run([python, "-c", f"import {name}"], environment(venv, venv), venv.parent)
        assert f"No module named '{name}'" in bare.stderr, (name, bare.stderr[-500:])


def test_the_installed_wheel_upgrades_seeds_and_serves_from_outside_the_repository(installed):
    venv, wheel, where = installed
    work = where / "elsewhere"
    work.mkdir()
    env = environment(venv, work / "data")
    version = run(["insats", "--version"], env, work)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"insats {wheel.name.split('-')[1]}"
    # the code that runs is the wheel's: every package from the venv's site-packages/insats
    home = run(["python", "-c", "import insats, sys; sys.path.insert(0, insats.HOME); import importlib; print("
                f"'\\n'.join(importlib.import_module(n).__file__ for n in {PACKAGES[1:]!r}))"], env, work)
    assert home.returncode == 0, home.stderr
    assert len(home.stdout.split()) == len(PACKAGES) - 1  # app.py is Streamlit's script: the browser runs it
    for path in home.stdout.split():
        assert Path(path).resolve().is_relative_to(venv.resolve()), path
        assert "/site-packages/insats/" in path, path
    upgraded = run(["insats", "db", "upgrade"], env, work)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (work / "data" / "insats.sqlite").is_file()
    seeded = run(["insats", "demo", "seed", "--subjects", "20"], env, work)
    assert seeded.returncode == 0, seeded.stderr
    assert "synthetic demo cohort: 20 youths" in seeded.stdout
    password = re.search(r"demo\.admin\s+(\S+)", seeded.stdout).group(1)
    port = free_port()
    log = (work / "server.log").open("w")
    server = subprocess.Popen(["insats", "serve", "--port", str(port), "--address", "127.0.0.1"], env=env, cwd=work,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        began = time.monotonic()
        while True:
            assert server.poll() is None, (work / "server.log").read_text()[-2000:]
            assert time.monotonic() - began < 120, "no answer on /_stcore/health within 120 s"
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.25)
        with sync_playwright() as p:  # the pages themselves, run from the wheel: the admin lands on the log
            browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page()
            log_in(page, url, "demo.admin", password)
            settle(page)
            expect(page.get_by_role("heading", name="Logg", exact=True)).to_be_visible()
            assert page.locator("[data-testid='stException']").count() == 0
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert "Traceback" not in (work / "server.log").read_text()
