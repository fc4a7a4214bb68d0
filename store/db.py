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

from . import input_rules  # noqa: F401  (checks every row at flush: registered on import)

MIGRATIONS = Path(__file__).parent / "migrations"


def data_dir() -> Path:
    """``INSATS_DATA_DIR``, else the platform's user data folder: never the working directory, so
    running ``insats`` from another folder cannot silently start an empty database."""
    configured = os.environ.get("INSATS_DATA_DIR")
    if configured:
        return Path(configured)
    return default_data_dir()


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("insats", appauthor=False))


def database_url() -> str:
    url = os.environ.get("INSATS_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{(data_dir() / 'insats.sqlite').resolve()}"


def private_folder(path: Path) -> Path:
    """The folder, created readable by its owner only (0700) when missing. An existing folder is left
    as it is (it may be one the operator chose and shares, ``INSATS_DATA_DIR=/srv/...``), except
    Insats's own default folder, which an older version made 0755 and which is narrowed."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode passes through the umask; say it exactly
    elif path.resolve() == default_data_dir().resolve() and path.stat().st_uid == os.geteuid():
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """A database file readable by its owner only (0600): created empty with that mode before SQLite
    opens it (SQLite gives its -wal and -shm files the database's mode), and an existing one of ours
    narrowed to it, so a caseload is never world-readable whatever the umask was."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = each.lstat()
        except FileNotFoundError:
            continue
        if st.st_uid == os.geteuid() and st.st_mode & 0o077 and each.is_file() and not each.is_symlink():
            os.chmod(each, 0o600)


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


def upgrade(engine: Engine, backup_first: bool = True) -> Path | None:
    """Create or migrate the schema to the newest revision (the same migrations for both engines).

    When an existing database is behind, it is first saved to ``<data dir>/backups`` (see
    ``store.backup.backup_before_upgrade``): a migration that goes wrong, or a version that turns out
    bad, can be undone with ``insats db restore``. Returns that backup's path, if one was taken."""
    from alembic import command
    from alembic.config import Config

    saved = None
    if backup_first:
        from .backup import backup_before_upgrade

        saved = backup_before_upgrade(engine)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    return saved


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
            from . import audit

            with factory() as session, session.begin():
                audit.record(session, **row)
        raise
