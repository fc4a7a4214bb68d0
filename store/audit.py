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

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .access import guard
from .chain import (  # noqa: F401  (the log's API, as it always was: store.audit.record, ...)
    GENESIS,
    SEAL,
    _digest,
    _keys,
    _seal,
    _Who,
    audit_key,
    record,
    record_many,
    seal_legacy,
    write_pending,
)
from .identity import key_id
from .models import AuditEntry


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
    guard(session, actor, "audit.verify", verb="anchor")
    write_pending(session)
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
    guard(session, actor, "audit.verify")
    write_pending(session)  # the check covers its own record
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
