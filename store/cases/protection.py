"""Protected identity (*skyddade personuppgifter*): a case flag a coordinator sets or lifts, with a reason.

While it is set, ``store.access`` opens the case only to its named assessors and its team's
coordinators (and to emergency access, audited as always), and the documents made of the case carry its
case code, never a name, address or number of the youth or the family (``rules.protected``). The reason
is kept with the case (``protections``, which gallring reaches); the audit row only refers to it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.protected import is_family

from .. import audit
from .._time import utc_now
from ..access import Actor, forget_case_access, guard
from ..models import Member, Protection, Subject
from ._errors import CaseError
from .subjects import find_subject


def set_protected(session: Session, actor: Actor, case_code: str, protected: bool, reason: str) -> Subject:
    """Set (``protected=True``) or lift protected identity; the case's coordinator only, with a reason."""
    if not reason or not reason.strip():
        raise CaseError("say why the case is protected or no longer protected", "case.protect_reason")
    subject = find_subject(session, case_code)
    guard(session, actor, "case.protect", subject.id, audited=False)  # the audit row below names the reason's row
    if bool(subject.protected) == protected:
        raise CaseError(f"the case {subject.case_code} is {'already' if protected else 'not'} protected",
                        "case.protect_already" if protected else "case.protect_not", case=subject.case_code)
    row = Protection(subject_id=subject.id, protected=protected, reason=" ".join(reason.split()), set_by=actor.who,
                     set_at=utc_now())
    session.add(row)
    subject.protected = protected
    session.flush()
    if protected:
        audit.record(session, actor, "protect", "case", subject.id, f"protection {row.id}")
    else:
        audit.record(session, actor, "unprotect", "case", subject.id, f"protection {row.id}")
    forget_case_access(session)
    return subject


def protect(session: Session, actor: Actor, case_code: str, reason: str) -> Subject:
    """Protected identity on: see the module's docstring."""
    return set_protected(session, actor, case_code, True, reason)


def unprotect(session: Session, actor: Actor, case_code: str, reason: str) -> Subject:
    """Protected identity off, with the reason it no longer applies."""
    return set_protected(session, actor, case_code, False, reason)


def protections_of(session: Session, actor: Actor, subject_id: int) -> list[Protection]:
    """Each setting and lifting of protected identity, oldest first (an audited read of the case)."""
    guard(session, actor, "case.read", subject_id, detail="protections")
    return list(session.scalars(select(Protection).where(Protection.subject_id == subject_id)
                                .order_by(Protection.id)))


def shown_members(protected: bool, members: list[Member]) -> list[Member]:
    """The members a document or list may name: on a protected case, the professionals only."""
    return [m for m in members if not (protected and is_family(m.organisation))]
