"""The append-only audit log with a keyed hash chain and anchors.

Every read or write of case data appends a row: who, role, action, which subject, when. Each row's
hash is an HMAC, keyed with the audit key (``INSATS_AUDIT_KEY``; kept outside the database), over its
content and the previous row's hash: editing a row breaks its own hash, deleting one breaks the link
of the row after it, and without the key nobody can write a new chain that verifies. Database
triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) as a first line of defence.

Rows written before keyed hashes (``key_id`` NULL, plain SHA-256) are trusted only when a keyed
*seal* row vouches for them: migration 0008 wrote it once, naming the legacy rows' range and the hash
of the last of them (``seal_legacy``). An unkeyed row that no seal covers was forged: without the key
a chain can only be rebuilt in the unkeyed form, and that form no longer verifies anywhere.

What a chain alone cannot show is that its newest rows were cut off (or the database rewound to a
backup): every remaining row still verifies. An *anchor* (``anchor``) is the head of the chain (row id,
hash, time) written to the municipality's own log archive; ``verify`` with anchors reports any
anchored row that is gone or changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ._time import utc_now
from .models import AuditEntry

GENESIS = "0" * 64
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
    from .db import data_dir

    path = data_dir() / "audit.key"
    cached = _keys.get(str(path))
    if cached:
        return cached
    if not path.exists():
        from .db import private_folder
        from .identity import new_key

        private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
    _keys[str(path)] = path.read_text(encoding="utf-8").strip()
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
    from .identity import key_id

    key = audit_key()
    kid = key_id(key)
    prev = _lock_and_last_hash(session)
    at = utc_now()
    rows = []
    for subject_id in subject_ids:
        digest = _digest(prev, at, actor.who, actor.role, action, entity, subject_id, detail, key)
        rows.append({"at": at, "who": actor.who, "role": actor.role, "action": action, "entity": entity,
                     "subject_id": subject_id, "detail": detail, "prev_hash": prev, "hash": digest, "key_id": kid})
        prev = digest
    if rows:
        session.execute(AuditEntry.__table__.insert(), rows)


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


@dataclass(frozen=True)
class ChainProblem:
    row_id: int
    problem: str

    def __str__(self) -> str:
        return f"audit row {self.row_id}: {self.problem}"


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, for an archive outside Insats (one JSON line each)."""

    row_id: int
    hash: str
    at: str
    key_id: str | None

    def to_json(self) -> str:
        return json.dumps({"row_id": self.row_id, "hash": self.hash, "at": self.at, "key_id": self.key_id},
                          sort_keys=True)


def anchor(session: Session, actor: _Who) -> Anchor:
    """The newest row (an admin's task, audited first so the anchor covers its own record)."""
    from .access import guard

    guard(session, actor, "audit.verify", verb="anchor")
    session.flush()
    head = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    return Anchor(head.id, head.hash, head.at.isoformat(timespec="seconds"), head.key_id)


def read_anchors(path: str | Path) -> list[Anchor]:
    """Anchors from a file of JSON lines; raises ValueError naming the line that is not one."""
    anchors = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchors.append(Anchor(int(data["row_id"]), str(data["hash"]), str(data["at"]), data.get("key_id")))
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}, line {number}: not an anchor (expected a JSON object with row_id, hash "
                             "and at, as `insats audit anchor` writes)") from None
    return anchors


def _check_anchors(session: Session, anchors: list[Anchor]) -> list[ChainProblem]:
    problems = []
    last = session.scalar(select(func.max(AuditEntry.id))) or 0
    for a in anchors:
        held = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == a.row_id))
        if held is None:
            problems.append(ChainProblem(a.row_id, f"anchored at {a.at} but no longer in the log (which ends at row "
                                                   f"{last}): rows were removed, truncated or the database was "
                                                   "rewound to an older backup"))
        elif held != a.hash:
            problems.append(ChainProblem(a.row_id, f"anchored at {a.at} with another hash: the log was rewritten "
                                                   "from this row on"))
    return problems


def verify(session: Session, actor: _Who, batch: int = 50_000,
           anchors: list[Anchor] = ()) -> tuple[int, list[ChainProblem]]:
    """Recompute the chain (an admin's task) and check it still holds every anchor. Returns the
    number of rows checked and every problem found."""
    from .access import guard  # access builds on this module
    from .identity import key_id

    guard(session, actor, "audit.verify")
    key = audit_key()
    current = key_id(key)
    seal = _seal(session, key, current)
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
            if row.key_id is None and (seal is None or not seal.first <= row.id <= seal.last):
                problems.append(ChainProblem(row.id, "hashed without the audit key and not among the rows sealed "
                                                     "under it: the row was forged or the chain rewritten"))
            elif row.key_id not in (None, current):
                problems.append(ChainProblem(row.id, f"written with audit key {row.key_id}, but INSATS_AUDIT_KEY is "
                                                     f"{current}: set the key it was written with to check it"))
            else:
                expected = _digest(row.prev_hash, row.at, row.who, row.role, row.action, row.entity,
                                   row.subject_id, row.detail, None if row.key_id is None else key)
                if row.hash != expected:
                    problems.append(ChainProblem(row.id, "content does not match its hash: the row was edited"))
                elif seal is not None and row.id == seal.last and row.hash != seal.head:
                    problems.append(ChainProblem(row.id, "the last sealed row is not the one the seal names: the "
                                                         "rows from before audit keys were rewritten"))
            prev, prev_id, last_id = row.hash, row.id, row.id
            checked += 1
        session.expunge_all()
    return checked, problems + _check_anchors(session, list(anchors))
