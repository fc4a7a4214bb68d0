"""Closing a participation: a date and a reason; a closed case can be reopened with a reason.

Retention (*gallring*) counts from the closing date, so it is recorded as data, not only as an
audit row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..access import Actor, guard
from ..models import Referral, Reopening, Subject
from ._dates import not_after_today, not_before, today
from ._errors import CaseError
from ._path import check_step

CLOSING_REASONS = ("goals_reached", "dropped_out", "moved", "placed", "transferred", "other")


def close_case(session: Session, actor: Actor, subject: Subject, on: date, reason: str,
               summary: str | None = None) -> Subject:
    """End the participation. ``summary``: the written closing summary (progress, goals met, what
    continues); required when the reason is ``other``, where it says what happened."""
    if reason not in CLOSING_REASONS:
        raise CaseError(f"unknown closing reason {reason!r}; expected one of {', '.join(CLOSING_REASONS)}",
                        "case.closing_reason", reason=reason)
    if reason == "other" and not (summary or "").strip():
        raise CaseError("say what happened when the reason is 'other'", "case.closing_other")
    guard(session, actor, "case.close", subject.id, detail=f"closed {on}: {reason}", verb="close")
    if subject.closed_on is not None:
        raise CaseError(f"the case was closed on {subject.closed_on}", "case.closed", on=subject.closed_on)
    check_step(session, subject, "closing")
    not_after_today(on, "closing")
    for step, day in _case_dates(session, subject.id):
        not_before(on, day, "closing", step, code="case.closing_date")
    subject.closed_on, subject.closed_reason = on, reason
    subject.closing_summary = (summary or "").strip() or None
    session.flush()
    return subject


def _case_dates(session: Session, subject_id: int) -> list[tuple[str, date | None]]:
    """The case's own dates a closing cannot precede: its first referral, the latest start and the
    latest reopening (step codes of ``STEP_WORDS``)."""
    first, started = session.execute(select(func.min(Referral.received_on), func.max(Referral.started_on))
                                     .where(Referral.subject_id == subject_id)).one()
    reopened = session.scalar(select(func.max(Reopening.reopened_on)).where(Reopening.subject_id == subject_id))
    return [("first_referral", first), ("start", started), ("reopened", reopened)]


def reopen_case(session: Session, actor: Actor, subject: Subject, reason: str, on: date | None = None) -> Subject:
    """Open a closed participation again. The reason is kept with the case (``reopenings``), where
    gallring reaches it; the audit row refers to it."""
    if not reason.strip():
        raise CaseError("reopening a case needs a reason", "case.reopen_reason")
    guard(session, actor, "case.close", subject.id, audited=False)  # the audit row below names the reopening
    check_step(session, subject, "reopening")
    on = on or today()
    not_after_today(on, "reopened")
    not_before(on, subject.closed_on, "reopened", "closing", code="case.closing_date")
    row = Reopening(subject_id=subject.id, reopened_on=on, was_closed_on=subject.closed_on, reason=reason.strip(),
                    reopened_by=actor.who)
    session.add(row)
    session.flush()
    audit.record(session, actor, "reopen", "case", subject.id, f"reopening {row.id}")
    subject.closed_on, subject.closed_reason, subject.closing_summary = None, None, None
    session.flush()
    return subject
