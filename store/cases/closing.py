"""Closing a participation: a date and a reason; a closed case can be reopened with a reason.

Retention (*gallring*) counts from the closing date, so it is recorded as data, not only as an
audit row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..access import Actor, guard
from ..models import Subject
from ._errors import CaseError

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
    subject.closed_on, subject.closed_reason = on, reason
    subject.closing_summary = (summary or "").strip() or None
    session.flush()
    return subject


def reopen_case(session: Session, actor: Actor, subject: Subject, reason: str) -> Subject:
    if not reason.strip():
        raise CaseError("reopening a case needs a reason", "case.reopen_reason")
    guard(session, actor, "case.close", subject.id, detail=f"reopened: {reason.strip()}", verb="reopen")
    subject.closed_on, subject.closed_reason, subject.closing_summary = None, None, None
    session.flush()
    return subject
