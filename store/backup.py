"""Backups you can restore: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

Every backup gets a sidecar ``FILE.json``: the SHA-256 of the file, the schema revision, the engine,
the head of the audit chain, whether the file is encrypted and under which key, and a signature:
HMAC-SHA256 of all that under the audit key (kept outside the database), with the key's id. A
checksum alone proves nothing against someone who edits the file and recomputes it; the signature
does, unless they also hold the audit key. A restore checks signature, checksum and schema before
touching anything, refuses while the app is running on the database (``insats serve`` holds a shared
lock: a lock file for SQLite, a session-level advisory lock on PostgreSQL), verifies the audit chain
of what it restored, and is audited in the restored database.

Into an empty database (nobody to look up, e.g. after a disk was wiped) a restore is an operator's
act: authorised by the audit key that verifies the backup's signature, or, for an unsigned backup,
by an operator who names themself (``--as-operator``); either is recorded in the restored log.

Files are the caseload: backups, their partials and sidecars are 0600 in a 0700 folder when we make
it; a failed backup leaves nothing behind, and an encrypted one never exists unencrypted on disk
outside a private temporary folder.

PostgreSQL passwords never go on a command line (where ``ps`` shows them): the tools get the
connection in ``PG*`` environment variables, the password in a private ``PGPASSFILE``.
Optional encryption uses the instance key (``INSATS_SECRET_KEY``; Fernet, as for personnummer).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
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

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from . import audit
from .access import SYSTEM, Actor, guard
from .db import migrate, transaction
from .paths import data_dir, private_file, private_folder

SIDECAR = ".json"


class BackupError(RuntimeError):
    pass


# -- the lock a serving app holds ----------------------------------------------------------------
_held: list[int] = []
_held_sessions: list[Connection] = []
SERVING_LOCK_KEY = 7_305_222  # PostgreSQL advisory lock: shared by every serve, exclusive for a restore
SERVING_REFUSAL = ("the app is running on this database (insats serve holds it): stop it before a restore; "
                   "nothing was changed")


def lock_path(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    return Path(make_url(str(engine.url)).database + ".serving.lock")


def hold_serving_lock(engine: Engine) -> None:
    """Called by ``insats serve``: a shared lock for the life of the process, so that a restore
    (which needs it exclusively) cannot pull the database from under a running app. SQLite: a lock file.
    PostgreSQL: a session-level shared advisory lock on a connection of its own (autocommit, so it
    holds no transaction open), kept until the process ends; refused while a restore runs."""
    path = lock_path(engine)
    if path is None:
        conn = _lock_session(engine)
        if not conn.execute(text("SELECT pg_try_advisory_lock_shared(:k)"), {"k": SERVING_LOCK_KEY}).scalar():
            conn.close()
            raise BackupError("a restore is running on this database: start the app when it has finished")
        _held_sessions.append(conn)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    _held.append(fd)


def release_serving_lock() -> None:
    """Let go of every serving lock this process holds (tests; a serve holds it until it exits)."""
    while _held:
        os.close(_held.pop())
    while _held_sessions:
        _held_sessions.pop().close()


def _lock_session(engine: Engine) -> Connection:
    """A connection of its own for a session-level advisory lock (not from the pool, never disposed)."""
    return create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT").connect()


@contextmanager
def _nobody_serving(engine: Engine):
    path = lock_path(engine)
    if path is None:
        engine.dispose()  # our own pooled connections are not someone else's session
        conn = _lock_session(engine)
        try:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SERVING_LOCK_KEY}).scalar():
                raise BackupError(SERVING_REFUSAL)
            others = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()")).scalar()
            if others:
                raise BackupError(f"{others} other session(s) are connected to the database: stop the app (and "
                                  "other clients) before a restore; nothing was changed")
            yield  # the exclusive lock is held until the restore is done (closing the session frees it)
        finally:
            conn.close()
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(SERVING_REFUSAL) from None
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


SIGNED = ("sha256", "schema", "engine", "encrypted", "key_id", "created", "audit_head")


def _mac(meta: dict, key: str) -> str:
    """HMAC-SHA256 under the audit key of the sidecar's facts (the file's checksum among them), in a
    domain of its own: no audit-chain row can be passed off as a backup signature or back."""
    facts = json.dumps({k: meta.get(k) for k in SIGNED}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key.encode("utf-8"), b"insats:backup-signature\x1f" + facts.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _sign(meta: dict) -> dict:
    from .identity import key_id

    key = audit.audit_key()
    return {"alg": "HMAC-SHA256", "key_id": key_id(key), "mac": _mac(meta, key)}


def check_signature(source: Path, meta: dict, allow_unsigned: bool = False) -> bool:
    """Whether the backup is signed under the audit key in use (True) or an unsigned one the operator
    explicitly accepted (False). Anything else is refused before the database is touched."""
    from .identity import key_id

    signature = meta.get("signature")
    if not signature:
        if allow_unsigned:
            return False
        raise BackupError(f"{source}: the backup is not signed (taken before Insats signed backups, or its signature "
                          "was removed), so nothing shows that it is unchanged. If you know it is your own untouched "
                          "backup, restore it with --allow-unsigned (the restore log says so); nothing was changed")
    key = audit.audit_key()
    if signature.get("key_id") != key_id(key):
        raise BackupError(f"{source}: signed with audit key {signature.get('key_id')}, but the audit key in use "
                          f"(INSATS_AUDIT_KEY, else audit.key in the data folder) is {key_id(key)}: set the audit key "
                          "of the instance that took the backup; nothing was changed")
    if signature.get("alg") != "HMAC-SHA256" or not hmac.compare_digest(str(signature.get("mac", "")),
                                                                           _mac(meta, key)):
        raise BackupError(f"{source}: its signature does not match: the backup or its sidecar was changed after it "
                          "was taken (a recomputed checksum does not make it valid). Do not restore it: take an "
                          "older backup whose signature holds, and find out who changed this one; nothing was "
                          "changed")
    return True


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


def prune(folder: Path, keep: int) -> list[Path]:
    """Keep the newest ``keep`` backups in ``folder`` (by the time their sidecar records) and remove the
    older ones with their sidecars. Only files with a backup sidecar are ever touched; returns what went."""
    if keep < 1:
        raise BackupError(f"--keep {keep}: keep at least the newest backup")
    found = []
    for side in folder.glob(f"*{SIDECAR}"):
        backup_file = side.with_name(side.name[: -len(SIDECAR)])
        if not backup_file.is_file() or backup_file.is_symlink():
            continue
        try:
            created = read_sidecar(backup_file).get("created")
        except BackupError:
            continue
        if created:
            found.append((str(created), backup_file))
    gone = [path for _, path in sorted(found, reverse=True)[keep:]]
    for path in gone:
        path.unlink()
        sidecar_of(path).unlink(missing_ok=True)
    return gone


# -- backup --------------------------------------------------------------------------------------
def backup(engine: Engine, actor: Actor, target: str | Path, encrypt: bool = False) -> dict:
    """An admin's backup; audited before it is taken, so the backup holds its own record. The target
    and the key are checked first: a backup that cannot be written leaves no record and no file."""
    target = Path(target)
    _check_target(target)
    if encrypt:
        _fernet()  # no INSATS_SECRET_KEY: refused before anything is written
    with transaction(engine) as session:
        guard(session, actor, "db.backup", detail=f"backup to {target.name}{' (encrypted)' if encrypt else ''}")
    return write_backup(engine, target, encrypt=encrypt)


def _check_target(target: Path) -> None:
    """A backup replaces its target: never a link (whose target someone chose), a folder or a device."""
    if target.is_symlink():
        raise BackupError(f"{target}: is a symbolic link; give the real file's path; nothing was written")
    if target.exists() and not target.is_file():
        raise BackupError(f"{target}: is not a regular file (a folder or a device); nothing was written")


def _new_private(path: Path) -> None:
    """An empty file only its owner can read, in place of whatever stale partial (or link) was there."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))


def _dump(engine: Engine, into: Path) -> None:
    _new_private(into)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(make_url(str(engine.url)).database)
        destination = sqlite3.connect(into)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        _pg_tool(engine, "pg_dump", "--format=custom", f"--file={into}")
    os.chmod(into, 0o600)


def write_backup(engine: Engine, target: Path, encrypt: bool = False) -> dict:
    """The file and its signed sidecar, each written to a private temporary name first and renamed
    into place: never a half backup, and on any failure nothing is left behind. An encrypted backup is
    dumped into a private temporary folder and only its ciphertext reaches ``target``'s folder."""
    _check_target(target)
    fernet, key = _fernet() if encrypt else (None, None)  # the key before any byte is written
    private_folder(target.parent)
    tmp = target.with_name(target.name + ".partial")
    side_tmp = tmp.with_name(tmp.name + SIDECAR)
    try:
        if fernet is None:
            _dump(engine, tmp)
        else:
            with tempfile.TemporaryDirectory(prefix="insats-backup-") as work:  # 0700, removed at once
                plain = Path(work) / "plain"
                _dump(engine, plain)
                _new_private(tmp)
                tmp.write_bytes(fernet.encrypt(plain.read_bytes()))
        with engine.connect() as conn:
            head = conn.execute(text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
        meta = {"sha256": _sha256(tmp), "schema": schema_revision(engine), "engine": engine.dialect.name,
                "encrypted": bool(encrypt), "key_id": key, "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "audit_head": {"row_id": head.id, "hash": head.hash} if head else None}
        meta["signature"] = _sign(meta)
        _new_private(side_tmp)
        side_tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(target)
        side_tmp.replace(sidecar_of(target))
    finally:  # after the renames these are gone; after a failure they must not stay
        tmp.unlink(missing_ok=True)
        side_tmp.unlink(missing_ok=True)
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
OPERATOR = "operator:"  # the audit log's name for whoever restores into an empty database
KEY_HOLDER = "holder of audit key"


def holds_users(engine: Engine) -> bool:
    """Whether anyone can be looked up in the database (no: a new or wiped one, a restore's operator)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("users"):
            return False
        return conn.execute(text("SELECT 1 FROM users LIMIT 1")).first() is not None


def operator(name: str | None = None) -> Actor:
    """Who restores into an empty database, where no admin can be looked up: a named operator
    (``--as-operator NAME``), else the holder of the audit key (the backup's signature is the proof)."""
    if name is not None:
        name = name.strip()
        if not name or len(name) > 64 or not name.isprintable():
            raise BackupError("--as-operator: give your name or login (1-64 printable characters); nothing was changed")
    return Actor(OPERATOR + (name or KEY_HOLDER), SYSTEM)


def _is_operator(actor: Actor) -> bool:
    return SYSTEM in actor.roles and actor.who.startswith(OPERATOR)


def restore(engine: Engine, actor: Actor, source: str | Path, *, allow_unsigned: bool = False) -> tuple[int, list]:
    """An admin (or, into an empty database, an ``operator``) replaces the database with a backup.
    Checks first (signature, checksum, schema, nobody serving), verifies the audit chain after, audits
    the restore in the restored database. Returns the audit rows checked and any chain problems (the
    caller reports them)."""
    source = Path(source)
    if _is_operator(actor):
        if holds_users(engine):
            raise BackupError("the database has users: an admin restores it (--as LOGIN); an operator restores only "
                              "into an empty database; nothing was changed")
    else:
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
    signed = check_signature(source, meta, allow_unsigned)
    if not signed and actor.who == OPERATOR + KEY_HOLDER:
        raise BackupError(f"{source}: an unsigned backup proves no key: into an empty database it is restored only "
                          "by an operator who names themself (--as-operator NAME); nothing was changed")
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
    migrate(engine)  # an older backup is brought up to this version's schema
    how = "signed by " + meta["signature"]["key_id"] if signed else "UNSIGNED, accepted with --allow-unsigned"
    with transaction(engine) as session:
        audit.record(session, actor, "restore", "db", None,
                     f"from {source.name} (schema {meta['schema']}, taken {meta.get('created', '?')}, {how})")
    with transaction(engine) as session:
        return audit.verify(session, actor)


def _restore(engine: Engine, source: Path) -> None:
    if engine.dialect.name == "sqlite":
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source}: not an intact SQLite database")
            engine.dispose()
            database = Path(make_url(str(engine.url)).database)
            private_folder(database.parent)
            private_file(database)
            destination = sqlite3.connect(database)
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
