"""Consent (samtycke): who signed, which organisations may share which information, until when.

Nothing about a case leaves the system for a recipient outside an active consent: every download or
hand-over goes through ``release``, which asks ``may_share`` and audits the outcome.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.dates import stored_day_array
from rules.partner import consent_active

from ..access import Actor, forget_case_access, guard
from ..models import Consent, Subject
from ._dates import not_after_today
from ._errors import CaseError, ConsentMissing
from .subjects import find_subject

FAMILY = "family"  # the youth and guardians: they receive what their own consent covers
# the consent's vocabularies: the form offers these, the import checks them (spellings: ``rules.words``)
CONSENT_ACTORS = ("socialtjanst", "polis", "skola", "fritid", "bup", "oppenvard")
CONSENT_CATEGORIES = ("assessment", "plan", "school", "police", "leisure", "health")
SIGNERS = ("youth", "guardian 1", "guardian 2")


def add_consent(session: Session, actor: Actor, subject: Subject, *, signed_on: date, signed_by: list[str],
                valid_until: date, actors: list[str], categories: list[str]) -> Consent:
    guard(session, actor, "consent.write", subject.id, verb="create")
    if valid_until < signed_on:
        raise CaseError("a consent cannot end before it is signed", "consent.dates")
    not_after_today(signed_on, "signed")
    if not signed_by or not actors or not categories:
        raise CaseError("a consent names who signed it, which actors may share and which information",
                        "consent.incomplete")
    consent = Consent(subject_id=subject.id, signed_on=signed_on, signed_by=signed_by, valid_until=valid_until,
                      actors=sorted(set(actors)), categories=sorted(set(categories)))
    session.add(consent)
    session.flush()
    forget_case_access(session)  # what a partner of the group sees changes with it (store.access)
    return consent


def withdraw_consent(session: Session, actor: Actor, consent: Consent | int, on: date) -> Consent:
    """The youth or guardians take their consent back from ``on``; sharing stops that day."""
    row = consent if isinstance(consent, Consent) else session.get(Consent, consent)
    if row is None:
        raise CaseError(f"no consent with id {consent}", "consent.unknown")
    guard(session, actor, "consent.write", row.subject_id, detail=f"withdrawn {row.id} from {on}", verb="update")
    if row.withdrawn_on is not None:
        raise CaseError(f"this consent was already withdrawn on {row.withdrawn_on}", "consent.withdrawn",
                        on=row.withdrawn_on)
    if on < row.signed_on:
        raise CaseError("a consent cannot be withdrawn before it was signed", "consent.dates")
    not_after_today(on, "withdrawn")
    row.withdrawn_on = on
    forget_case_access(session)  # a partner of the group sees less from the next check on
    return row


def is_active(consent: Consent, on: date) -> bool:
    return consent_active(consent.signed_on, consent.valid_until, consent.withdrawn_on, on)


def consent_rows(session: Session, subject_id: int) -> list[Consent]:
    """Unchecked: every consent of the case, newest first. For guarded callers."""
    return list(session.scalars(select(Consent).where(Consent.subject_id == subject_id)
                                .order_by(Consent.signed_on.desc(), Consent.id.desc())))


def consents_of(session: Session, actor: Actor, subject_id: int) -> list[Consent]:
    """Every consent of the case, newest first, with its state (active, expired, withdrawn)."""
    guard(session, actor, "consent.read", subject_id)
    return consent_rows(session, subject_id)


def allows(consents: list[Consent], recipient: str, category: str, on: date) -> bool:
    """The sharing rule: an active consent names the recipient (the family always) and the category."""
    return any((recipient == FAMILY or recipient in c.actors) and category in c.categories
               for c in consents if is_active(c, on))


def may_share(session: Session, actor: Actor, subject: Subject, with_actor: str, category: str, on: date) -> bool:
    """May ``with_actor`` see ``category`` of this subject on ``on``? Only under an active consent."""
    allowed = allows(consent_rows(session, subject.id), with_actor, category, on)
    guard(session, actor, "consent.share", subject.id, detail=f"{with_actor}/{category}: {allowed}", verb="check")
    return allowed


def release(session: Session, actor: Actor, case_code: str, *, recipient: str, category: str, what: str,
            on: date, verb: str = "download") -> None:
    """Before anything about the case leaves the system: refuse (``ConsentMissing``) unless an active
    consent lets ``recipient`` receive ``category``; the release is audited with what went to whom.
    ``verb``: how it leaves (``download``, or ``send`` for a notice the outbox queues)."""
    subject = find_subject(session, case_code)
    guard(session, actor, "consent.share", subject.id, audited=False)
    if not allows(consent_rows(session, subject.id), recipient, category, on):
        raise ConsentMissing(recipient, category, subject.case_code)
    guard(session, actor, "consent.share", subject.id, detail=f"{what} to {recipient} ({category})", verb=verb)


CONSENT_STATES = ("active", "expired", "withdrawn", "none")
CONSENT_COLUMNS = ["id", "subject_id", "signed_on", "valid_until", "withdrawn_on"]


def consent_states(rows: pd.DataFrame, on: date) -> pd.Series:
    """Subject id -> one word for the case head and the queue, for many cases at once: ``active`` if
    any consent covers ``on``, otherwise what became of the latest one (``withdrawn`` or
    ``expired``), or ``none`` (never one, or signed for a later start). ``rows``: ``CONSENT_COLUMNS``."""
    if rows.empty:
        return pd.Series(dtype=object)
    day = np.datetime64(on, "D")
    signed, until, withdrawn_on = (stored_day_array(rows[c].to_numpy(object))
                                   for c in ("signed_on", "valid_until", "withdrawn_on"))
    withdrawn = withdrawn_on <= day  # NaT compares False: never withdrawn
    active = (signed <= day) & (day <= until) & ~withdrawn
    # in whole arrays, not a sort and two groupbys of a frame (pandas' fixed cost was a tenth of Inkorg's run)
    order = np.lexsort((rows["id"].to_numpy(), signed, rows["subject_id"].to_numpy()))
    subject = rows["subject_id"].to_numpy()[order]
    active, withdrawn, until = active[order], withdrawn[order], until[order]
    first = np.flatnonzero(np.r_[True, subject[1:] != subject[:-1]])  # each case's rows, by signing
    latest = np.r_[first[1:] - 1, len(subject) - 1]
    state = np.select([np.logical_or.reduceat(active, first), withdrawn[latest], until[latest] < day],
                      ["active", "withdrawn", "expired"], "none").astype(object)
    return pd.Series(state, index=pd.Index(subject[first], name="subject_id"), dtype=object)


def consent_state(consents: list[Consent], on: date) -> str:
    """``consent_states`` for one case's consents: the one rule. In whole arrays it costs the case head
    under a millisecond (a plain-Python twin of it would be the rule written twice)."""
    rows = pd.DataFrame([{c: getattr(x, c) for c in CONSENT_COLUMNS} | {"subject_id": 0} for x in consents],
                        columns=CONSENT_COLUMNS)
    return consent_states(rows, on).get(0, "none")
