"""`-o` writes a regular file or standard output (`-`), and refuses what it would destroy: a symlink
(its target stays as it was), a folder, a device node such as /dev/null, a fifo, a missing folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

import cli
from cli._io import write_atomically

from .test_safe_output import LOW

ROW = {"subject_id": "SIG-1", "assessed_on": "2026-01-01", "rater": "r", **LOW}


@pytest.fixture
def responses(tmp_path) -> Path:
    path = tmp_path / "in.csv"
    pd.DataFrame([ROW]).to_csv(path, index=False)
    return path


def score(responses: Path, output: str) -> int:
    return cli.main(["score", "--instrument", "savry-like", str(responses), "-o", output])


def test_a_symlink_is_refused_and_its_target_untouched(tmp_path, responses, capsys):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    assert score(responses, str(link)) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert link.is_symlink() and target.read_text() == "keep me"


def test_a_dangling_symlink_is_refused_too(tmp_path, responses, capsys):
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "not-yet")
    assert score(responses, str(link)) == 2
    assert link.is_symlink() and not (tmp_path / "not-yet").exists()


def test_a_folder_is_refused(tmp_path, responses, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    assert score(responses, str(folder)) == 2
    assert "is a folder" in capsys.readouterr().err
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_dev_null_is_refused_and_stays_a_device(responses, capsys):
    assert score(responses, "/dev/null") == 2
    err = capsys.readouterr().err
    assert "/dev/null: is a device" in err and "nothing was written" in err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path, responses, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert score(responses, str(fifo)) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_missing_folder_is_refused(tmp_path, responses, capsys):
    assert score(responses, str(tmp_path / "nowhere" / "out.csv")) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_dash_is_standard_output_and_a_regular_file_is_replaced(tmp_path, responses, capsys):
    assert score(responses, "-") == 0
    out = capsys.readouterr().out
    assert out.startswith('"subject_id",') and "SIG-1" in out
    regular = tmp_path / "out.csv"
    regular.write_text("old")
    assert score(responses, str(regular)) == 0
    assert regular.read_text() == out and not regular.is_symlink()


def test_bytes_go_to_standard_output_whole(capfdbinary):
    write_atomically("-", b"%PDF-1.7 \x00\xff binary")
    assert capfdbinary.readouterr().out == b"%PDF-1.7 \x00\xff binary"


def test_anchor_out_refuses_a_symlink(tmp_path, monkeypatch, capsys):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    (tmp_path / "anchors.jsonl").symlink_to(target)
    monkeypatch.setenv("INSATS_DATABASE_URL", f"sqlite:///{tmp_path / 'insats.sqlite'}")
    assert cli.main(["--as", "ada", "audit", "anchor", "--out", str(tmp_path / "anchors.jsonl")]) == 2
    assert "symbolic link" in capsys.readouterr().err and target.read_text() == "keep me"
