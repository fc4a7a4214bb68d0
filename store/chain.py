"""The audit log's chain itself: the key, each row's keyed hash, appending rows, the seal over the rows
from before keys. What checks it (``verify``, ``anchor``) is ``store.audit``, which needs the access
guard; this module needs nothing above the models, so the guard itself can write here.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ._time import utc_now
from .models import AuditEntry
from .paths import data_dir

GENESIS = "0" * 64
_PENDING = "insats.audit_pending"  # Session.info: the rows recorded in this transaction, not yet written
_keys: dict[str, str] = {}
_LOCK_KEY = 7_305_221  # PostgreSQL advisory lock that serialises appends to the chain
SEAL = "seal"  # the action of the keyed row that vouches for the rows written before audit keys
_SEAL = re.compile(r"sealed (\d+) rows written before audit keys: rows (\d+)\.\.(\d+), head ([0-9a-f]{64})")


class _Who(Protocol):
    """What the log needs of an actor (``store.access.Actor``): a login and its roles as one word."""

    who: str

    @property
    def role(self) -> str: ...


def audit_key() -> str:
    """``INSATS_AUDIT_KEY``; for the embedded default, a key file made once in the data folder
    (``audit.key``, readable by its owner only). Production sets the variable from its secrets
    store, away from the database server."""
    configured = os.environ.get("INSATS_AUDIT_KEY")
    if configured:
        return configured
    path = data_dir() / "audit.key"
    cached = _keys.get(str(path))
    if cached:
        return cached
    from .identity import key_file

    _keys[str(path)] = key_file(path)
    return _keys[str(path)]


def _digest(prev: str, at: datetime, who: str, role: str, action: str, entity: str,
            subject_id: int | None, detail: str | None, key: str | None) -> str:
    """HMAC-SHA256 with the audit key; ``key=None`` is the plain SHA-256 of rows written before keys."""
    payload = "\x1f".join([prev, at.isoformat(timespec="microseconds"), who, role, action, entity,
                           "" if subject_id is None else str(subject_id), detail or ""]).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def _lock_and_last_hash(session: Session) -> str:
    """The chain's lock, then its last hash. Plain SQL on the transaction's connection: every audited
    transaction comes here (a case page: nine times a run), and building the ORM's statements was most
    of the 4 % of the page's CPU this took. Two statements: in one, PostgreSQL would read the last row
    as it stood before the lock was granted."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(_LOCK_KEY)})")
    # SQLite: the transaction began with BEGIN IMMEDIATE, so this session is the only writer.
    last = connection.exec_driver_sql(f"SELECT hash FROM {AuditEntry.__tablename__} ORDER BY id DESC LIMIT 1").scalar()
    return last or GENESIS


def record(session: Session, actor: _Who, action: str, entity: str, subject_id: int | None,
           detail: str | None = None) -> None:
    """Append one audit row in the caller's transaction."""
    record_many(session, actor, action, entity, [subject_id], detail)


def record_many(session: Session, actor: _Who, action: str, entity: str, subject_ids: list[int | None],
                detail: str | None = None) -> None:
    """Append one row per subject (bulk imports), in the caller's transaction.

    The rows are chained and written when the transaction commits (``write_pending``), all of them in
    one locked step: the chain's lock (PostgreSQL's advisory lock, which every audited transaction
    takes) is then held for the commit's last moment, not from a page's first read to its end, so
    twenty people's page runs no longer queue behind each other's pandas work. A transaction that rolls
    back drops them, as it always did; a refusal's own row is written by ``store.db.transaction``."""
    at = utc_now()
    session.info.setdefault(_PENDING, []).extend(
        (at, actor.who, actor.role, action, entity, subject_id, detail) for subject_id in subject_ids)


def write_pending(session: Session) -> None:
    """Chain and insert the rows recorded in this transaction so far (before a read of the log that must
    see them, and at every commit)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from .identity import key_id

    key = audit_key()
    kid = key_id(key)
    prev = _lock_and_last_hash(session)
    rows = []
    for at, who, role, action, entity, subject_id, detail in pending:
        digest = _digest(prev, at, who, role, action, entity, subject_id, detail, key)
        rows.append({"at": at, "who": who, "role": role, "action": action, "entity": entity,
                     "subject_id": subject_id, "detail": detail, "prev_hash": prev, "hash": digest, "key_id": kid})
        prev = digest
    session.execute(AuditEntry.__table__.insert(), rows)


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_rollback")
def _drop_at_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def seal_legacy(session: Session, actor: _Who) -> int:
    """Vouch, under the key, for the rows written before keyed hashes: once, by migration 0008.

    Why a seal and not "unkeyed rows are fine before the first keyed one": the next keyed row written
    (any log-in, or ``verify`` itself) would link to a chain rebuilt in the unkeyed form and so vouch for
    it. The seal names the legacy rows' range and the hash of the last one; rows it does not cover never
    verify unkeyed. Nothing seals automatically after the migration (a rewritten chain must not be
    sealed by the next start). Returns how many rows were sealed (0: none, or already sealed)."""
    if session.scalar(select(AuditEntry.id).where(AuditEntry.action == SEAL).limit(1)) is not None:
        return 0
    first_keyed = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.key_id.is_not(None)))
    legacy = select(func.count(), func.min(AuditEntry.id), func.max(AuditEntry.id)).where(AuditEntry.key_id.is_(None))
    if first_keyed is not None:
        legacy = legacy.where(AuditEntry.id < first_keyed)
    count, first, last = session.execute(legacy).one()
    if not count:
        return 0
    head = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == last))
    record(session, actor, SEAL, "audit", None,
           f"sealed {count} rows written before audit keys: rows {first}..{last}, head {head}")
    write_pending(session)  # a migration commits its connection, never this session: write now
    return int(count)


@dataclass(frozen=True)
class _Seal:
    first: int
    last: int
    head: str


def _seal(session: Session, key: str, current: str) -> _Seal | None:
    """The seal row whose own HMAC holds under the key (a seal in the unkeyed form is no seal)."""
    for row in session.scalars(select(AuditEntry).where(AuditEntry.action == SEAL, AuditEntry.key_id == current)
                               .order_by(AuditEntry.id)):
        found = _SEAL.fullmatch(row.detail or "")
        if found and row.hash == _digest(row.prev_hash, row.at, row.who, row.role, row.action, row.entity,
                                         row.subject_id, row.detail, key):
            return _Seal(int(found[2]), int(found[3]), found[4])
    return None


