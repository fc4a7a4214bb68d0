"""Database engines and sessions: an embedded SQLite file by default, PostgreSQL for a city.

SQLite: ``$INSATS_DATA_DIR/insats.sqlite`` (default: the platform's user data folder, e.g.
``~/.local/share/insats``, the same from whatever folder ``insats`` runs), WAL mode, foreign keys on, and every
transaction started with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the database lock
instead of failing half-way (the audit chain needs one writer at a time).
PostgreSQL: ``INSATS_DATABASE_URL=postgresql+psycopg://...``; the audit chain is serialised with a
transaction-level advisory lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from . import (
    chain,
    input_rules,  # noqa: F401  (checks every row at flush: registered on import)
)
from .paths import data_dir, default_data_dir, private_file, private_folder  # noqa: F401  (their old home)

MIGRATIONS = Path(__file__).parent / "migrations"


def database_url() -> str:
    url = os.environ.get("INSATS_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{(data_dir() / 'insats.sqlite').resolve()}"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


class WriterQueue:
    """SQLite's one writer, waited for without sleeping.

    Every transaction here begins as SQLite's one writer (BEGIN IMMEDIATE). A connection that finds the
    lock taken sleeps in SQLite's busy handler (1, 2, 5 ... 100 ms) and tries again, so under load a
    transaction waited up to 100 ms past the moment the lock was free. Here the threads of one process
    (a server's page runs) queue on a lock, and the processes on one database (several servers) on the
    database's ``.writer.lock`` file: each is woken the moment the one before has finished. SQLite's own
    lock still decides; this only shortens the wait, and without the file (a read-only folder) the
    threads still queue."""

    def __init__(self, database: Path | None) -> None:
        self._threads = threading.RLock()
        self._file = Path(f"{database}.writer.lock") if database is not None else None
        self._fd: int | None = None
        self._depth = 0

    def __enter__(self) -> WriterQueue:
        self._threads.acquire()
        self._depth += 1
        if self._depth == 1 and self._file is not None:
            try:
                if self._fd is None:
                    self._fd = os.open(self._file, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except OSError:  # no lock file: the processes meet SQLite's own lock, as before
                self._file = None
            except BaseException:
                self._depth -= 1
                self._threads.release()
                raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None and self._file is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


_writers: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


def dispose_all() -> None:
    """Close every pooled connection this process opened (the CLI, when a command ends: a restore
    in the same process must not count them as someone else's sessions)."""
    for engine in list(_engines):
        engine.dispose()


def make_engine(url: str | None = None) -> Engine:
    engine = _make_engine(url or database_url())
    _engines.add(engine)
    return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            private_folder(Path(path).parent)
            private_file(Path(path))
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):  # a writer from the start; a reader (``reading``) beside it
            connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY)
                                       else "BEGIN IMMEDIATE")

        on_disk = path and path != ":memory:" and not path.startswith("file:")
        _writers[engine] = WriterQueue(Path(path) if on_disk else None)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (the same migrations for both engines), with no safety
    copy: ``store.schema.upgrade`` takes one first; a restore has just put its backup in place."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


READ_ONLY = "insats_read_only"


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads and is not a case's (who is logged in, checked on every page run).
    On SQLite it does not queue behind the writers: WAL lets readers run beside the one writer, where
    ``transaction`` takes the writer's lock from its first statement. The database refuses any write
    in it (``query_only`` on SQLite, ``READ ONLY`` on PostgreSQL), so an audit row can never be lost
    here unnoticed: a read that must be audited belongs in ``transaction``."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})
        try:
            with connection.begin():
                connection.exec_driver_sql("PRAGMA query_only = ON" if sqlite else "SET TRANSACTION READ ONLY")
                with Session(bind=connection, expire_on_commit=False) as session:
                    yield session
                    session.flush()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA query_only = OFF")
                connection.commit()  # the pragma's own autobegun transaction


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    def factory() -> Session:  # the audit chain's hooks are on Session itself (store.chain)
        return Session(engine, expire_on_commit=False)

    def queued():  # SQLite: in the writers' queue (WriterQueue); PostgreSQL: no queue
        return _writers.get(engine) or nullcontext()

    try:
        with queued(), factory() as session, session.begin():
            yield session
    except Exception as exc:  # the work is rolled back; a refusal that must leave a trace keeps it
        row = getattr(exc, "audit_row", None)  # AccessDenied, a personnummer check that found a case
        if row is not None:
            with queued(), factory() as session, session.begin():
                chain.record(session, **row)
        raise
