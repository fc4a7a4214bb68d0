"""What an operations team needs: `insats health` (text and JSON, exit 3 when something needs a person),
`insats --version`, JSON log lines, and `insats db backup --keep N`."""

from __future__ import annotations

import io
import json
import logging
import os
from datetime import datetime

import pytest
from sqlalchemy import text

import cli
from services import errors, logs
from store import transaction
from store.audit import anchor
from store.users import add_user

from .actors import ADMIN, SETUP


@pytest.fixture
def db(engine, monkeypatch, capsys):
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with transaction(engine) as s:
        add_user(s, SETUP, "ada", display_name="Ada", roles=["admin"])
    capsys.readouterr()
    return engine


def _health(capsys) -> tuple[int, dict]:
    status = cli.main(["health", "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def test_health_asks_for_a_person_until_a_backup_and_an_anchor_are_recent(db, tmp_path, capsys, monkeypatch):
    status, report = _health(capsys)
    assert status == 3 and not report["ok"]
    assert report["database"] is True and report["migrations_current"] is True and report["keys_ok"] is True
    assert report["last_backup_age_hours"] is None and report["last_anchor_age_hours"] is None
    assert report["version"] and {"no backup has been taken", "no anchor has been taken"} <= set(report["problems"])

    if db.dialect.name == "sqlite":
        assert cli.main(["--as", "ada", "db", "backup", str(tmp_path / "b1.sqlite")]) == 0
    else:  # PostgreSQL backups need pg_dump (tested in test_backup); the log's record is what health reads
        with transaction(db) as s:
            from store.access import guard
            guard(s, ADMIN, "db.backup", detail="backup to nightly.dump")
    with transaction(db) as s:
        anchor(s, ADMIN)
    capsys.readouterr()
    status, report = _health(capsys)
    assert status == 0 and report["ok"] and report["problems"] == []
    assert 0 <= report["last_backup_age_hours"] < 1 and 0 <= report["last_anchor_age_hours"] < 1

    with db.begin() as conn:  # the anchor was taken two days ago (the log is append-only: a new old row)
        if db.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        conn.execute(text("UPDATE audit_log SET at = :at WHERE action = 'anchor'"),
                     {"at": datetime(2000, 1, 1)})
    status, report = _health(capsys)
    assert status == 3 and any("the last anchor is" in p for p in report["problems"])
    monkeypatch.setenv("INSATS_HEALTH_ANCHOR_HOURS", "soon")
    assert cli.main(["health"]) == 2 and "INSATS_HEALTH_ANCHOR_HOURS" in capsys.readouterr().err


def test_health_of_a_database_that_is_not_migrated_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INSATS_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert cli.main(["health"]) == 3
    out = capsys.readouterr().out
    assert "migrations_current: False" in out and "insats db upgrade" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("insats ")


def test_log_lines_as_json_hold_an_error_id_and_no_message(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setenv("INSATS_LOG_FORMAT", "json")
    logs.configure(stream=stream)
    try:
        try:
            raise ValueError("Zlatan Markörsson 20080101-2384 bor på Storgatan 1")
        except ValueError as exc:
            error_id = errors.report(exc)
        [line] = stream.getvalue().splitlines()
        record = json.loads(line)
        assert record["level"] == "error" and error_id in record["message"] and "ValueError" in record["message"]
        assert "Markörsson" not in line and "2384" not in line and "Storgatan" not in line
    finally:
        logs.configure("text", stream=io.StringIO())
        logging.getLogger("insats").handlers.clear()


def test_a_library_warning_in_json_mode_is_one_json_line_and_plain_again_in_text_mode():
    """A deprecation warning from a library (Streamlit, pandas) must not break a collector's JSON lines."""
    import warnings

    stream = io.StringIO()
    logs.configure("json", stream=stream)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("use_container_width is deprecated", DeprecationWarning, stacklevel=1)
        [line] = stream.getvalue().splitlines()
        record = json.loads(line)
        assert record["logger"] == "py.warnings" and "use_container_width" in record["message"]
    finally:
        logs.configure("text", stream=io.StringIO())
        logging.getLogger("insats").handlers.clear()
    warned = logging.getLogger("py.warnings")  # text mode: warnings are Python's own again
    assert warned.propagate and not any(getattr(h, "insats", False) for h in warned.handlers)


def test_a_mistyped_log_format_is_said_before_any_work(monkeypatch, capsys):
    monkeypatch.setenv("INSATS_LOG_FORMAT", "yaml")
    assert cli.main(["health"]) == 2 and "INSATS_LOG_FORMAT" in capsys.readouterr().err


def test_backup_keep_removes_only_the_older_backups(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    assert cli.main(["db", "upgrade"]) == 0
    from store import make_engine

    engine = make_engine(url)
    with transaction(engine) as s:
        add_user(s, SETUP, "ada", display_name="Ada", roles=["admin"])
    engine.dispose()
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup")
    for n in range(4):
        assert cli.main(["--as", "ada", "db", "backup", str(folder / f"b{n}.sqlite"), "--keep", "2"]) == 0
        side = folder / f"b{n}.sqlite.json"  # the sidecars' times are to the second: make them distinct
        meta = json.loads(side.read_text())
        meta["created"] = f"2026-01-0{n + 1}T00:00:00+00:00"
        side.write_text(json.dumps(meta))
        os.chmod(side, 0o600)
    assert cli.main(["--as", "ada", "db", "backup", str(folder / "b4.sqlite"), "--keep", "2"]) == 0
    left = sorted(p.name for p in folder.iterdir())
    assert "notes.txt" in left and "b4.sqlite" in left and "b3.sqlite" in left
    assert not {"b0.sqlite", "b1.sqlite", "b2.sqlite", "b0.sqlite.json"} & set(left)
    assert cli.main(["--as", "ada", "db", "backup", str(folder / "b5.sqlite"), "--keep", "0"]) == 2
