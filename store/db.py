"""Database engines and sessions: an embedded SQLite file by default, PostgreSQL for a city.

SQLite: ``$INSATS_DATA_DIR/insats.sqlite`` (default: the platform's user data folder, e.g.
``~/.local/share/insats``, the same from whatever folder ``insats`` runs), WAL mode, foreign keys on, and every
transaction started with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the database lock
instead of failing half-way (the audit chain needs one writer at a time).
PostgreSQL: ``INSATS_DATABASE_URL=postgresql+psycopg://...``; the audit chain is serialised with a
transaction-level advisory lock.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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
        def _begin_immediate(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

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


_factories: dict[int, sessionmaker] = {}


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    factory = _factories.setdefault(id(engine), sessionmaker(engine, expire_on_commit=False))
    try:
        with factory() as session, session.begin():
            yield session
    except Exception as exc:  # the work is rolled back; a refusal that must leave a trace keeps it
        row = getattr(exc, "audit_row", None)  # AccessDenied, a personnummer check that found a case
        if row is not None:
            with factory() as session, session.begin():
                chain.record(session, **row)
        raise
