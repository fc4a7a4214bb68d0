"""The instance key behind personnummer: checked at start-up, rotated in one transaction.

Each encrypted personnummer carries the id of the key that wrote it (``subjects.pnr_key_id``), so a
changed ``INSATS_SECRET_KEY`` is caught when Insats starts ("these numbers need key kX, you gave
kY") instead of silently breaking duplicate detection and leaving old numbers unreadable.
"""

from __future__ import annotations

import os

from cryptography.fernet import InvalidToken
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import audit
from .access import Actor, guard
from .identity import decrypt_pnr, encrypt_pnr, key_id, key_problem, pnr_lookup_hash
from .models import Subject


class KeyProblem(RuntimeError):
    """The configured key cannot serve this database: too weak, missing, or not the one its rows need."""


def check_keys(session: Session) -> str | None:
    """At start-up: the key is strong enough, and every stored personnummer was written under it.

    Rows from before key ids (NULL) are adopted when the current key opens them. Returns the key id
    in use (None when no key is configured and no personnummer is stored)."""
    key = os.environ.get("INSATS_SECRET_KEY") or None
    for name, value in (("INSATS_SECRET_KEY", key), ("INSATS_AUDIT_KEY", os.environ.get("INSATS_AUDIT_KEY"))):
        problem = key_problem(value, name)
        if problem:
            raise KeyProblem(problem)
    stored = dict(session.execute(select(Subject.pnr_key_id, func.count()).where(Subject.pnr_encrypted.is_not(None))
                                  .group_by(Subject.pnr_key_id)).all())
    if not stored:
        return key_id(key) if key else None
    if key is None:
        raise KeyProblem(f"the database holds {sum(stored.values())} encrypted personnummer but INSATS_SECRET_KEY "
                         "is not set")
    current = key_id(key)
    if None in stored:
        token = session.scalar(select(Subject.pnr_encrypted).where(Subject.pnr_encrypted.is_not(None),
                                                                   Subject.pnr_key_id.is_(None)).limit(1))
        try:
            decrypt_pnr(token, key)
        except InvalidToken:
            raise KeyProblem("INSATS_SECRET_KEY does not open the personnummer stored before key ids: "
                             "set the key they were written with") from None
        session.execute(update(Subject).where(Subject.pnr_encrypted.is_not(None), Subject.pnr_key_id.is_(None))
                        .values(pnr_key_id=current))
        stored[current] = stored.get(current, 0) + stored.pop(None)
    other = {k: n for k, n in stored.items() if k != current}
    if other:
        names = ", ".join(f"{n} under {k}" for k, n in sorted(other.items()))
        raise KeyProblem(f"INSATS_SECRET_KEY is key {current}, but the database holds personnummer {names}: "
                         "set the key they were written with, or finish `insats keys rotate`")
    return current


def rotate(session: Session, actor: Actor, old_key: str, new_key: str) -> int:
    """Re-encrypt and re-hash every personnummer under ``new_key``, all or nothing (the caller's
    transaction). Returns how many. After it, ``INSATS_SECRET_KEY`` must be set to the new key."""
    guard(session, actor, "db.keys", audited=False)
    problem = key_problem(new_key, "the new key")
    if problem:
        raise KeyProblem(problem)
    old_id, new_id = key_id(old_key), key_id(new_key)
    if old_id == new_id:
        raise KeyProblem("the new key is the key in use")
    rows = session.execute(select(Subject.id, Subject.pnr_encrypted, Subject.pnr_key_id)
                           .where(Subject.pnr_encrypted.is_not(None))).all()
    changed = []
    for subject_id, token, kid in rows:
        if kid not in (None, old_id):
            raise KeyProblem(f"case {subject_id} is under key {kid}, not the current key {old_id}: nothing changed")
        try:
            pnr = decrypt_pnr(token, old_key)
        except InvalidToken:
            raise KeyProblem(f"the current key does not open case {subject_id}'s personnummer: nothing changed") \
                from None
        changed.append({"id": subject_id, "pnr_encrypted": encrypt_pnr(pnr, new_key),
                        "pnr_hash": pnr_lookup_hash(pnr, new_key), "pnr_key_id": new_id})
    if changed:  # one statement: no moment with two rows hashed under different keys
        session.execute(update(Subject), changed)
    audit.record(session, actor, "rotate", "keys", None, f"{len(changed)} personnummer: {old_id} -> {new_id}")
    return len(changed)
