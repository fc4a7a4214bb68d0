"""Backups: SQLite's online backup API (consistent while the app runs), pg_dump for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from . import audit
from .access import Actor, guard
from .db import transaction


class BackupError(RuntimeError):
    pass


def _sqlite_path(engine: Engine) -> str:
    return make_url(str(engine.url)).database


def backup(engine: Engine, actor: Actor, target: str | Path) -> None:
    """An admin's backup; audited before it is taken, so the backup holds its own record."""
    target = Path(target)
    with transaction(engine) as session:
        guard(session, actor, "db.backup", detail=f"backup to {target.name}")
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        tmp = target.with_suffix(target.suffix + ".partial")
        destination = sqlite3.connect(tmp)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        tmp.replace(target)
        return
    _pg_tool("pg_dump", "--format=custom", f"--file={target}", _pg_dsn(engine))


def restore(engine: Engine, actor: Actor, source: str | Path) -> None:
    """An admin replaces the database with a backup; audited in the restored database."""
    source = Path(source)
    with transaction(engine) as session:
        guard(session, actor, "db.backup", audited=False)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    _restore(engine, source)
    with transaction(engine) as session:
        audit.record(session, actor, "restore", "db", None, f"from {source.name}")


def _restore(engine: Engine, source: Path) -> None:
    if engine.dialect.name == "sqlite":
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source}: not an intact SQLite database")
            engine.dispose()
            destination = sqlite3.connect(_sqlite_path(engine))
            try:
                check.backup(destination)
            finally:
                destination.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source}: not a SQLite database ({exc})") from None
        finally:
            check.close()
        return
    engine.dispose()
    _pg_tool("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_pg_dsn(engine)}", str(source))


def _pg_dsn(engine: Engine) -> str:
    return make_url(str(engine.url)).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str, *args: str) -> None:
    tool = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if tool is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    result = subprocess.run([str(tool), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()}")
