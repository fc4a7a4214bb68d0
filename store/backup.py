"""Backups you can restore: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

Every backup gets a sidecar ``FILE.json``: the SHA-256 of the file, the schema revision, the engine,
the head of the audit chain, whether the file is encrypted and under which key. A restore checks the
checksum and the schema before touching anything, refuses while the app is running on the database
(a serving ``insats serve`` holds a lock file; PostgreSQL is asked for other sessions), verifies the
audit chain of what it restored, and is audited in the restored database.

PostgreSQL passwords never go on a command line (where ``ps`` shows them): the tools get the
connection in ``PG*`` environment variables, the password in a private ``PGPASSFILE``.
Optional encryption uses the instance key (``INSATS_SECRET_KEY``; Fernet, as for personnummer).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from . import audit
from .access import Actor, guard
from .db import data_dir, transaction

SIDECAR = ".json"


class BackupError(RuntimeError):
    pass


# -- the lock a serving app holds ----------------------------------------------------------------
_held: list[int] = []


def lock_path(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    return Path(make_url(str(engine.url)).database + ".serving.lock")


def hold_serving_lock(engine: Engine) -> None:
    """Called by ``insats serve``: a shared lock for the life of the process, so that a restore
    (which needs it exclusively) cannot pull the database from under a running app."""
    path = lock_path(engine)
    if path is None:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    _held.append(fd)


@contextmanager
def _nobody_serving(engine: Engine):
    path = lock_path(engine)
    if path is None:
        with engine.connect() as conn:
            others = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()")).scalar()
        engine.dispose()
        if others:
            raise BackupError(f"{others} other session(s) are connected to the database: stop the app (and other "
                              "clients) before a restore; nothing was changed")
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("the app is running on this database (insats serve holds it): stop it before a "
                              "restore; nothing was changed") from None
        yield
    finally:
        os.close(fd)


# -- sidecar, checksum, encryption ---------------------------------------------------------------
def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no table yet: an empty database
            return None


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration (read once per process: the scripts do not change under it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from .db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fernet():
    from cryptography.fernet import Fernet

    from .identity import _derived, instance_key, key_id

    key = instance_key()
    return Fernet(base64.urlsafe_b64encode(_derived(b"insats:backup", key))), key_id(key)


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def read_sidecar(path: Path) -> dict:
    side = sidecar_of(path)
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{side}: the backup's sidecar is missing (it holds the checksum and schema version); "
                          "nothing was changed") from None
    except ValueError:
        raise BackupError(f"{side}: not a backup sidecar (expected JSON); nothing was changed") from None
    for field in ("sha256", "schema", "engine"):
        if field not in data:
            raise BackupError(f"{side}: field {field!r} is missing; nothing was changed")
    return data


# -- backup --------------------------------------------------------------------------------------
def backup(engine: Engine, actor: Actor, target: str | Path, encrypt: bool = False) -> dict:
    """An admin's backup; audited before it is taken, so the backup holds its own record."""
    target = Path(target)
    with transaction(engine) as session:
        guard(session, actor, "db.backup", detail=f"backup to {target.name}{' (encrypted)' if encrypt else ''}")
    return write_backup(engine, target, encrypt=encrypt)


def write_backup(engine: Engine, target: Path, encrypt: bool = False) -> dict:
    """The file and its sidecar, each written to a temporary name first (never a half backup)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(make_url(str(engine.url)).database)
        destination = sqlite3.connect(tmp)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        _pg_tool(engine, "pg_dump", "--format=custom", f"--file={tmp}")
    key = None
    if encrypt:
        fernet, key = _fernet()
        tmp.write_bytes(fernet.encrypt(tmp.read_bytes()))
    with engine.connect() as conn:
        head = conn.execute(text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    meta = {"sha256": _sha256(tmp), "schema": schema_revision(engine), "engine": engine.dialect.name,
            "encrypted": bool(encrypt), "key_id": key, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "audit_head": {"row_id": head.id, "hash": head.hash} if head else None}
    side_tmp = tmp.with_name(tmp.name + SIDECAR)
    side_tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(target)
    side_tmp.replace(sidecar_of(target))
    return meta


def backup_before_upgrade(engine: Engine) -> Path | None:
    """``insats db upgrade`` (and every start that migrates) first saves the database as it is,
    when there is something to migrate: ``<data dir>/backups/pre-upgrade-<from>-<time>``."""
    current = schema_revision(engine)
    if current is None or current == head_revision():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite" if engine.dialect.name == "sqlite" else ".dump"
    target = data_dir() / "backups" / f"pre-upgrade-{current}-{stamp}{suffix}"
    write_backup(engine, target)
    return target


# -- restore -------------------------------------------------------------------------------------
def restore(engine: Engine, actor: Actor, source: str | Path) -> tuple[int, list]:
    """An admin replaces the database with a backup. Checks first (sidecar, checksum, schema, nobody
    serving), verifies the audit chain after, audits the restore in the restored database. Returns the
    audit rows checked and any chain problems (the caller reports them)."""
    source = Path(source)
    with transaction(engine) as session:
        guard(session, actor, "db.backup", audited=False)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    meta = read_sidecar(source)
    if meta["engine"] != engine.dialect.name:
        raise BackupError(f"{source}: a {meta['engine']} backup cannot be restored into {engine.dialect.name}; "
                          "nothing was changed")
    if _sha256(source) != meta["sha256"]:
        raise BackupError(f"{source}: checksum does not match its sidecar: the file is damaged or was changed; "
                          "nothing was changed")
    head = head_revision()
    if meta["schema"] is not None and meta["schema"] > head:
        raise BackupError(f"{source}: schema {meta['schema']} is newer than this Insats ({head}): upgrade Insats "
                          "first; nothing was changed")
    with tempfile.TemporaryDirectory(prefix="insats-restore-") as work:
        plain = source
        if meta.get("encrypted"):
            from cryptography.fernet import InvalidToken

            fernet, key = _fernet()
            if meta.get("key_id") and meta["key_id"] != key:
                raise BackupError(f"{source}: encrypted under key {meta['key_id']}, INSATS_SECRET_KEY is {key}; "
                                  "nothing was changed")
            try:
                plain = Path(work) / "backup"
                plain.write_bytes(fernet.decrypt(source.read_bytes()))
            except InvalidToken:
                raise BackupError(f"{source}: cannot be decrypted with INSATS_SECRET_KEY; nothing was changed") \
                    from None
        with _nobody_serving(engine):
            _restore(engine, plain)
    from .db import upgrade

    upgrade(engine, backup_first=False)  # an older backup is brought up to this version's schema
    with transaction(engine) as session:
        audit.record(session, actor, "restore", "db", None,
                     f"from {source.name} (schema {meta['schema']}, taken {meta.get('created', '?')})")
    with transaction(engine) as session:
        return audit.verify(session, actor)


def _restore(engine: Engine, source: Path) -> None:
    if engine.dialect.name == "sqlite":
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source}: not an intact SQLite database")
            engine.dispose()
            destination = sqlite3.connect(make_url(str(engine.url)).database)
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
    _pg_tool(engine, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             "--exit-on-error", str(source), dbname_arg=True)


# -- PostgreSQL tools, with the password kept off the command line ------------------------------------
def pg_environment(engine: Engine, folder: str) -> dict[str, str]:
    """``PG*`` variables for libpq tools: host, port, user, database; the password (if any) in a
    PGPASSFILE readable by its owner only, inside ``folder``."""
    url = engine.url
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"PGHOST": url.host or "localhost", "PGPORT": str(url.port or 5432), "PGDATABASE": url.database or "",
                "PGUSER": url.username or ""})
    if url.password is not None:
        passfile = Path(folder) / "pgpass"
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        escaped = str(url.password).replace("\\", "\\\\").replace(":", "\\:")
        with os.fdopen(fd, "w") as handle:
            handle.write(f"*:*:*:*:{escaped}\n")
        env["PGPASSFILE"] = str(passfile)
    return env


def _pg_tool(engine: Engine, name: str, *args: str, dbname_arg: bool = False) -> None:
    tool = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                  reverse=True)), None)
    if tool is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    with tempfile.TemporaryDirectory(prefix="insats-pg-") as folder:
        env = pg_environment(engine, folder)
        extra = [f"--dbname={env['PGDATABASE']}"] if dbname_arg else []  # a name, never a URL with a password
        result = subprocess.run([str(tool), *extra, *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()[:500]}")
