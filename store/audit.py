"""The append-only audit log with a hash chain.

Every read or write of case data appends a row: who, role, action, which subject, when. Each row's
hash covers its content and the previous row's hash, so editing a row breaks its own hash and
deleting one breaks the link of the row after it; ``verify`` names the row. Database triggers refuse
UPDATE and DELETE on the table as a first line of defence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ._time import utc_now
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 7_305_221  # PostgreSQL advisory lock that serialises appends to the chain


class _Who(Protocol):
    """What the log needs of an actor (``store.access.Actor``): a login and its roles as one word."""

    who: str

    @property
    def role(self) -> str: ...


def _digest(prev: str, at: datetime, who: str, role: str, action: str, entity: str,
            subject_id: int | None, detail: str | None) -> str:
    payload = "\x1f".join([prev, at.isoformat(timespec="microseconds"), who, role, action, entity,
                           "" if subject_id is None else str(subject_id), detail or ""])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_and_last_hash(session: Session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    # SQLite: the transaction began with BEGIN IMMEDIATE, so this session is the only writer.
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    return last or GENESIS


def record(session: Session, actor: _Who, action: str, entity: str, subject_id: int | None,
           detail: str | None = None) -> None:
    """Append one audit row in the caller's transaction."""
    record_many(session, actor, action, entity, [subject_id], detail)


def record_many(session: Session, actor: _Who, action: str, entity: str, subject_ids: list[int | None],
                detail: str | None = None) -> None:
    """Append one row per subject (bulk imports) in one locked step."""
    prev = _lock_and_last_hash(session)
    at = utc_now()
    rows = []
    for subject_id in subject_ids:
        digest = _digest(prev, at, actor.who, actor.role, action, entity, subject_id, detail)
        rows.append({"at": at, "who": actor.who, "role": actor.role, "action": action, "entity": entity,
                     "subject_id": subject_id, "detail": detail, "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        session.execute(AuditEntry.__table__.insert(), rows)


@dataclass(frozen=True)
class ChainProblem:
    row_id: int
    problem: str

    def __str__(self) -> str:
        return f"audit row {self.row_id}: {self.problem}"


def verify(session: Session, actor: _Who, batch: int = 50_000) -> tuple[int, list[ChainProblem]]:
    """Recompute the chain (an admin's task). Returns the number of rows checked and every problem found."""
    from .access import guard  # access builds on this module

    guard(session, actor, "audit.verify")
    problems: list[ChainProblem] = []
    prev, prev_id, checked, last_id = GENESIS, None, 0, 0
    while True:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.prev_hash != prev:
                where = f"after row {prev_id}" if prev_id is not None else "at the start"
                problems.append(ChainProblem(row.id, f"does not follow the row before it ({where}): "
                                                     "a row was deleted or the order changed"))
            expected = _digest(row.prev_hash, row.at, row.who, row.role, row.action, row.entity,
                               row.subject_id, row.detail)
            if row.hash != expected:
                problems.append(ChainProblem(row.id, "content does not match its hash: the row was edited"))
            prev, prev_id, last_id = row.hash, row.id, row.id
            checked += 1
        session.expunge_all()
    return checked, problems
