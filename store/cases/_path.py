"""The store's check that a step belongs in the case's phase (``rules.path.BELONGS``): a network
meeting, an event, a commitment or a closing only while the participation runs, a reopening only when
it is closed. The refusal says what to do first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules.path import case_phase, out_of_place

from ..models import Referral, Subject
from ._dates import STEP_WORDS
from ._errors import CaseError

_SAID = {"path.not_started": "the case has not started: record the start (Inkorg) before {step}",
         "path.closed": "the case is closed: reopen it (Avslut) before {step}",
         "path.not_closed": "the case is not closed: there is nothing to reopen"}


def started_on(session: Session, subject_id: int) -> date | None:
    """The case's latest start (None: it never started)."""
    return session.scalar(select(func.max(Referral.started_on)).where(Referral.subject_id == subject_id))


def check_step(session: Session, subject: Subject, step: str, on: date | None = None) -> None:
    """Refuse ``step`` (a key of ``BELONGS``) out of its phase now, and, given its date ``on``, a date
    before the start."""
    start = started_on(session, subject.id)
    code = out_of_place(step, case_phase(start, subject.closed_on))
    if code:
        raise CaseError(_SAID[code].format(step=STEP_WORDS[step]), code, step=step)
    if on is not None and start is not None and on < start and step != "reopening":
        raise CaseError(f"{STEP_WORDS[step]} ({on}) cannot be before the start ({start})", "path.before_start",
                        step=step, day=on, start=start)
