"""Backups you can restore: checked before, verified after, audited; PostgreSQL passwords never on a
command line; a PostgreSQL backup restored into a fresh cluster holds every row of every table."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import create_engine, inspect, select, text

from store import cases, make_engine, transaction, upgrade
from store.backup import BackupError, _sign, backup, head_revision, hold_serving_lock, restore, sidecar_of
from store.demo import seed_demo
from store.models import Base

from .actors import ADMIN, SETUP
from .pg import Cluster

PASSWORD = "Hemligt:lösen@1 \\x"


def _seeded(engine, n=12):
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=n, seed=5, users=False)


def _tables(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    out = {}
    with engine.connect() as conn:
        for table in [*Base.metadata.sorted_tables]:
            keys = [c for c in table.primary_key.columns] or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*keys))]
        out["alembic_version"] = [tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return out


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'insats.sqlite'}")
    upgrade(engine)
    _seeded(engine)
    yield engine
    engine.dispose()


def test_postgresql_backup_restores_into_a_fresh_cluster_with_every_row(pg_engine, tmp_path, monkeypatch):
    engine = pg_engine
    _seeded(engine, 20)
    target_file = tmp_path / "insats.dump"
    backup(engine, ADMIN, target_file)
    source_rows = _tables(engine)
    fresh = Cluster()
    try:
        server = fresh.start(password=PASSWORD)
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE insats"))
        admin.dispose()
        target = make_engine(server.rsplit("/", 1)[0] + "/insats")
        seen = []
        real_run = subprocess.run

        def watching(argv, *args, **kwargs):  # the real tool runs; we only look at what it was given
            seen.append((list(map(str, argv)), dict(kwargs.get("env") or {})))
            if "PGPASSFILE" in (kwargs.get("env") or {}):
                from pathlib import Path

                passfile = Path(kwargs["env"]["PGPASSFILE"])
                assert passfile.stat().st_mode & 0o777 == 0o600
            return real_run(argv, *args, **kwargs)

        monkeypatch.setattr(subprocess, "run", watching)
        checked, problems = restore(target, ADMIN, target_file)
        assert problems == [] and checked == len(source_rows["audit_log"]) + 2  # + the restore and the check
        assert seen and all(PASSWORD not in " ".join(argv) and "lösen" not in " ".join(argv) for argv, _ in seen)
        assert all("PGPASSWORD" not in env for _, env in seen)
        restored = _tables(target)
        for name, rows in source_rows.items():
            got = restored[name][:len(rows)] if name == "audit_log" else restored[name]
            assert got == rows, f"table {name} differs after the restore"
        assert restored["audit_log"][-2][4] == "restore"  # audited in the restored database
        target.dispose()
    finally:
        fresh.stop()


def test_sqlite_round_trip_encrypted_with_sidecar(sqlite_engine, tmp_path, monkeypatch):
    before = _tables(sqlite_engine)
    file = tmp_path / "b.sqlite"
    meta = backup(sqlite_engine, ADMIN, file, encrypt=True)
    side = json.loads(sidecar_of(file).read_text())
    assert side == meta and side["schema"] == head_revision() and side["encrypted"] and side["key_id"].startswith("k")
    assert b"SQLite format" not in file.read_bytes()[:100]  # encrypted, not a readable database
    with transaction(sqlite_engine) as s:  # work done after the backup
        for _ in range(3):
            cases.create_subject(s, SETUP)
    _, problems = restore(sqlite_engine, ADMIN, file)
    assert problems == []
    after = _tables(sqlite_engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    monkeypatch.setenv("INSATS_SECRET_KEY", "another-instance-key-0123456789-ABCDEFGHIJKL")
    with pytest.raises(BackupError, match="encrypted under key"):
        restore(sqlite_engine, ADMIN, file)


@pytest.mark.parametrize("damage", ["checksum", "sidecar missing", "newer schema", "app running"])
def test_restore_checks_first_and_changes_nothing(sqlite_engine, tmp_path, damage):
    file = tmp_path / "b.sqlite"
    backup(sqlite_engine, ADMIN, file)
    with transaction(sqlite_engine) as s:
        cases.create_subject(s, SETUP)
    before = _tables(sqlite_engine)
    expected = {"checksum": "checksum does not match", "sidecar missing": "sidecar is missing",
                "newer schema": "newer than this Insats", "app running": "the app is running"}[damage]
    if damage == "checksum":
        data = bytearray(file.read_bytes())
        data[5000] ^= 0xFF
        file.write_bytes(bytes(data))
    elif damage == "sidecar missing":
        sidecar_of(file).unlink()
    elif damage == "newer schema":
        side = json.loads(sidecar_of(file).read_text()) | {"schema": "9999"}  # as a newer Insats signs it
        sidecar_of(file).write_text(json.dumps(side | {"signature": _sign(side)}))
    else:
        hold_serving_lock(sqlite_engine)
    try:
        with pytest.raises(BackupError, match=expected):
            restore(sqlite_engine, ADMIN, file)
    finally:
        from store import backup as module

        while module._held:
            import os

            os.close(module._held.pop())
    assert _tables(sqlite_engine) == before


def test_restore_verifies_the_audit_chain_it_brought_back(sqlite_engine, tmp_path, monkeypatch, capsys):
    with sqlite_engine.begin() as conn:  # someone edited the log before the backup was taken
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET who = 'x' WHERE id = 2"))
    file = tmp_path / "b.sqlite"
    backup(sqlite_engine, ADMIN, file)
    _, problems = restore(sqlite_engine, ADMIN, file)
    assert [p.row_id for p in problems] == [2]


def test_upgrade_takes_a_backup_first(tmp_path, monkeypatch):
    from alembic import command
    from alembic.config import Config

    from store.db import MIGRATIONS

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.commit()
        connection.execute(text("INSERT INTO subjects (case_code, team_id, synthetic) VALUES ('SIG-OLD', 1, 0)"))
        connection.commit()
    saved = upgrade(engine)
    assert saved is not None and saved.parent == tmp_path / "backups" and "pre-upgrade-0002" in saved.name
    assert json.loads(sidecar_of(saved).read_text())["schema"] == "0002"
    assert upgrade(engine) is None  # nothing to migrate: no backup
    old = create_engine(f"sqlite:///{saved}")
    assert inspect(old).has_table("subjects") and "revision" not in {c["name"] for c in inspect(old).get_columns(
        "assessments")}
    with old.connect() as conn:
        assert conn.execute(text("SELECT case_code FROM subjects")).scalar() == "SIG-OLD"
    old.dispose()
    engine.dispose()
