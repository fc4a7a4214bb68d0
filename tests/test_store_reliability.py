"""Reliability: concurrent writers lose nothing; a killed import leaves all or none."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks.soak import plain_main
from store import make_engine, transaction
from store.audit import verify
from store.models import Assessment, AuditEntry, Referral
from store.users import add_user

from .actors import ADMIN, SETUP
from .workers import save_assessments

ROOT = Path(__file__).resolve().parents[1]


def test_eight_processes_saving_500_assessments_each(db_url):
    with plain_main(), multiprocessing.get_context("spawn").Pool(8) as pool:
        saved = pool.starmap(save_assessments, [(db_url, w, 500) for w in range(8)])
    assert saved == [500] * 8
    engine = make_engine(db_url)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Assessment)) == 4000
        checked, problems = verify(s, ADMIN)
    # one row per save, one per finalise and one per created subject; the check
    assert problems == [] and checked == 2 * 4000 + 8 + 1
    engine.dispose()


def _register(path: Path, n: int) -> None:
    lines = ["case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on"]
    lines += [f"SIG-{i:07d},polis,2025-{1 + i % 12:02d}-{1 + i % 28:02d},ja,2025-{1 + i % 12:02d}-28,,,"
              for i in range(n)]
    path.write_text("\n".join(lines) + "\n")


def _writing(engine, url: str, wal: Path | None) -> bool:
    if wal is not None:
        return wal.exists() and wal.stat().st_size > 4 * 1024 * 1024
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'INSERT INTO referrals%' "
            "OR query ILIKE 'INSERT INTO subjects%'")).scalar())


def test_sigkill_during_a_100000_row_import_leaves_all_or_none(db_url, tmp_path):
    path = tmp_path / "register.csv"
    _register(path, 100_000)
    engine = make_engine(db_url)
    wal = Path(engine.url.database + "-wal") if engine.dialect.name == "sqlite" else None
    with transaction(engine) as s:
        add_user(s, SETUP, "ivar.intake", display_name="Ivar", roles=["intake"], teams=["Standard"])
    env = dict(os.environ, INSATS_DATABASE_URL=db_url, PYTHONPATH=str(ROOT), INSATS_USER="ivar.intake")
    log = (tmp_path / "import.log").open("w")  # a file, not a pipe: a full pipe would block the import
    process = subprocess.Popen([sys.executable, "-m", "cli", "referrals", "import", str(path)], env=env, cwd=ROOT,
                               stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    writing = False
    while process.poll() is None and time.monotonic() < deadline:
        if _writing(engine, db_url, wal):
            writing = True
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    log.close()
    output = (tmp_path / "import.log").read_text()
    assert writing, f"never saw the import writing; it said: {output[-2000:]}"
    assert process.returncode == -signal.SIGKILL, f"the import ended before it was killed: {output[-2000:]}"
    engine.dispose()
    reopened = make_engine(db_url)
    with transaction(reopened) as s:
        referrals = s.scalar(select(func.count()).select_from(Referral))
        audit_rows = s.scalar(select(func.count()).select_from(AuditEntry)) - 1  # less the user's creation
        if reopened.dialect.name == "sqlite":
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert referrals in (0, 100_000) and audit_rows in (0, 100_000)
    assert referrals == audit_rows
    reopened.dispose()


def test_sqlite_writers_queue_on_the_database_lock_file_and_let_go_at_the_end(tmp_path):
    """While a transaction is open, its process holds the database's ``.writer.lock``: another process
    waits on it (woken when it ends) instead of sleeping in SQLite's busy handler. A nested transaction
    of the same thread does not wait for itself, and the lock is free again after a rollback."""
    import fcntl
    import threading

    path = tmp_path / "w.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    lock_file = Path(f"{path}.writer.lock")

    def free() -> bool:
        fd = os.open(lock_file, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process's view: a separate open file
            fcntl.flock(fd, fcntl.LOCK_UN)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)

    from store.db import _writers

    queue = _writers[engine]
    with transaction(engine) as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        assert not free()
        with queue:  # the same thread again (a refusal's audit row after a rollback, say): no self-deadlock
            assert not free()
        assert not free()
    assert free()
    entered = threading.Event()

    def second() -> None:
        with transaction(engine) as s:
            entered.set()
            s.execute(text("INSERT INTO t VALUES (2)"))

    try:
        with transaction(engine) as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
            other = threading.Thread(target=second)
            other.start()
            assert not entered.wait(0.3)  # the other thread queues behind this transaction
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    other.join(10)
    assert entered.is_set() and free()
    with transaction(engine) as s:
        assert list(s.scalars(text("SELECT x FROM t"))) == [2]
    engine.dispose()


def test_a_read_only_transaction_reads_beside_a_writer_and_refuses_to_write(engine):
    """``reading`` (who is logged in, on every page run) does not wait for the writer's lock on SQLite,
    sees what is committed, and the database refuses a write in it on both engines; the connection
    writes again afterwards (the pool hands it to a writer next)."""
    import threading

    import pytest
    from sqlalchemy.exc import DBAPIError

    from store import reading, upgrade
    from store.users import actor_for

    upgrade(engine)
    with transaction(engine) as s:
        add_user(s, SETUP, "las.are", display_name="Läs Are", roles=["assessor"], teams=[])
    with transaction(engine) as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
    holding, done = threading.Event(), threading.Event()

    def writer() -> None:  # holds the writer's lock (and SQLite's) until the reader has read
        with transaction(engine) as s:
            s.execute(text("INSERT INTO probe VALUES (1)"))
            holding.set()
            done.wait(10)

    other = threading.Thread(target=writer)
    other.start()
    assert holding.wait(10)
    try:
        began = time.monotonic()
        with reading(engine) as s:
            assert actor_for(s, "las.are").who == "las.are"
            assert s.scalar(text("SELECT count(*) FROM probe")) == 0  # the writer's row is not committed yet
        assert time.monotonic() - began < 2  # it did not queue behind the writer
    finally:
        done.set()
        other.join(10)
    with pytest.raises(DBAPIError), reading(engine) as s:
        s.execute(text("INSERT INTO probe VALUES (2)"))
    for _ in range(3):  # every pooled connection writes again
        with transaction(engine) as s:
            s.execute(text("INSERT INTO probe VALUES (3)"))
    with reading(engine) as s:
        assert s.scalar(text("SELECT count(*) FROM probe WHERE x = 2")) == 0
        assert s.scalar(text("SELECT count(*) FROM probe")) == 4
