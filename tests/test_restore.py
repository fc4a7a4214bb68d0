"""Restore (#20 item 8): refused on both engines while `insats serve` holds the database (a lock file on
SQLite, an advisory lock on PostgreSQL), and possible into an empty database, where nobody can be
looked up: authorised by the audit key that verifies the backup, or by a named operator, and recorded
in the restored log."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, text

import cli
from store import make_engine, transaction
from store.backup import BackupError, hold_serving_lock, release_serving_lock, sidecar_of
from store.demo import seed_demo
from store.users import add_user

from .actors import SETUP
from .browser import AppServer

KEY = "restore-test-key-0123456789-abcdefghijklmnopqrstu"


def _populate(engine) -> None:
    with transaction(engine) as s:
        add_user(s, SETUP, "ada", display_name="Ada", roles=["admin"])
        seed_demo(s, SETUP, n_subjects=4, seed=7, users=False)


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    engine.dispose()  # a pooled session of the test's own would count as another client at the restore
    return count


def _log_tail(engine, n: int = 2) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT who, action FROM audit_log ORDER BY id DESC LIMIT :n"), {"n": n}).all()
    engine.dispose()
    return [tuple(r) for r in reversed(rows)]


@pytest.fixture
def source(db_url, tmp_path, monkeypatch):
    """A database with an admin and cases, on each engine, and a backup of it."""
    monkeypatch.setenv("INSATS_DATABASE_URL", db_url)
    engine = make_engine(db_url)
    _populate(engine)
    file = tmp_path / "b.backup"
    assert cli.main(["--as", "ada", "db", "backup", str(file)]) == 0
    engine.dispose()
    yield engine, file
    release_serving_lock()
    engine.dispose()


@pytest.fixture
def empty_url(request, tmp_path, db_url):
    """A new, wiped database on the same engine: no tables at all."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'wiped' / 'insats.sqlite'}"
        return
    server_url, admin = request.getfixturevalue("postgres_server")
    name = f"wiped_{abs(hash(str(tmp_path))) % 10**8}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield server_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_restore_is_refused_while_serve_holds_the_database(source, capsys):
    engine, file = source
    subjects = _count(engine, "subjects")
    hold_serving_lock(engine)
    assert cli.main(["--as", "ada", "db", "restore", str(file)]) == 2
    assert "the app is running on this database" in capsys.readouterr().err
    assert _count(engine, "subjects") == subjects
    release_serving_lock()
    assert cli.main(["--as", "ada", "db", "restore", str(file)]) == 0
    assert _log_tail(engine) == [("ada", "restore"), ("ada", "verify")]


def test_serve_does_not_start_while_a_restore_holds_postgresql(pg_engine):
    locker = create_engine(pg_engine.url, isolation_level="AUTOCOMMIT")
    with locker.connect() as conn:  # what a restore in progress holds
        conn.execute(text("SELECT pg_advisory_lock(7305222)"))
        with pytest.raises(BackupError, match="a restore is running"):
            hold_serving_lock(pg_engine)
    locker.dispose()
    hold_serving_lock(pg_engine)  # and once it is over, serve takes its share
    release_serving_lock()


def test_a_live_idle_serve_on_postgresql_blocks_a_restore(pg_engine, tmp_path, monkeypatch, capsys):
    url = pg_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    _populate(pg_engine)
    file = tmp_path / "b.dump"
    assert cli.main(["--as", "ada", "db", "backup", str(file)]) == 0
    pg_engine.dispose()
    server = AppServer(tmp_path, {"INSATS_SECRET_KEY": KEY}, launcher="insats")
    server.env["INSATS_DATABASE_URL"] = url
    server.start()
    try:
        assert cli.main(["--as", "ada", "db", "restore", str(file)]) == 2
        assert "the app is running on this database (insats serve holds it)" in capsys.readouterr().err
    finally:
        server.stop()
    for _ in range(50):  # the server's session ends with its process
        with pg_engine.connect() as conn:
            others = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()")).scalar()
        pg_engine.dispose()
        if not others:
            break
        time.sleep(0.1)
    assert cli.main(["--as", "ada", "db", "restore", str(file)]) == 0


def test_restore_into_a_wiped_database_is_authorised_by_the_audit_key(source, empty_url, monkeypatch, capsys):
    engine, file = source
    monkeypatch.setenv("INSATS_DATABASE_URL", empty_url)
    assert cli.main(["db", "restore", str(file)]) == 0, capsys.readouterr().err
    assert "audit chain intact" in capsys.readouterr().out
    target = make_engine(empty_url)
    assert _count(target, "subjects") == _count(engine, "subjects")
    assert _log_tail(target) == [("operator:holder of audit key", "restore"),
                                 ("operator:holder of audit key", "verify")]
    assert cli.main(["--as", "ada", "audit", "verify"]) == 0  # the restored admin is there again
    target.dispose()


def test_a_named_operator_is_recorded_in_the_restored_log(source, empty_url, monkeypatch, capsys):
    _, file = source
    monkeypatch.setenv("INSATS_DATABASE_URL", empty_url)
    assert cli.main(["db", "restore", str(file), "--as-operator", "Olle Drift"]) == 0, capsys.readouterr().err
    target = make_engine(empty_url)
    assert _log_tail(target) == [("operator:Olle Drift", "restore"), ("operator:Olle Drift", "verify")]
    target.dispose()


def test_an_unsigned_backup_into_an_empty_database_needs_a_named_operator(source, empty_url, monkeypatch, capsys):
    _, file = source
    side = json.loads(sidecar_of(file).read_text())
    del side["signature"]
    sidecar_of(file).write_text(json.dumps(side))
    monkeypatch.setenv("INSATS_DATABASE_URL", empty_url)
    assert cli.main(["db", "restore", str(file)]) == 2
    assert "not signed" in capsys.readouterr().err
    assert cli.main(["db", "restore", str(file), "--allow-unsigned"]) == 2
    assert "--as-operator NAME" in capsys.readouterr().err
    assert cli.main(["db", "restore", str(file), "--allow-unsigned", "--as-operator", "olle"]) == 0
    target = make_engine(empty_url)
    with target.connect() as conn:
        who, detail = conn.execute(text("SELECT who, detail FROM audit_log WHERE action = 'restore'")).one()
    assert who == "operator:olle" and "UNSIGNED" in detail
    target.dispose()


def test_an_operator_does_not_restore_over_a_database_with_users(source, capsys):
    _, file = source
    assert cli.main(["db", "restore", str(file), "--as-operator", "olle"]) == 2
    assert "an admin restores it (--as LOGIN)" in capsys.readouterr().err
    assert cli.main(["db", "restore", str(file)]) == 2  # and without --as: who is acting?
    assert "say who is acting" in capsys.readouterr().err
