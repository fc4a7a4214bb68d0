"""A report of concern about a child (*orosanmälan*) and the steps the law times (``rules.clocks``).

Marking a referral a report of concern starts its clocks; each step that stops one is recorded here,
once it has happened (never after today, never before the report came in or the step it follows),
guarded by ``referral.write`` and audited. The steps themselves are the social services' (the safety
assessment, the decision whether to investigate, the investigation), recorded in their system: Insats
keeps the dates so that the intake team sees the clocks beside the SIG path, and the follow-up report
counts how often they were met.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..access import Actor, guard
from ..models import Referral
from ._dates import not_after_today, not_before
from ._errors import CaseError

RECORDED = ("safety_assessed_on", "investigation_decided_on", "investigation_opened_on", "investigation_ended_on")


def _dated(day: date, earlier: date | None, what: str, reference: str) -> None:
    not_after_today(day, what)
    not_before(day, earlier, what, reference)


def _concern(referral: Referral) -> None:
    if not referral.report_of_concern:
        raise CaseError("the referral is not marked a report of concern: mark it first", "concern.not_marked")


def mark_report_of_concern(session: Session, actor: Actor, referral: Referral, concern: bool = True) -> None:
    """Mark (or unmark) a referral a report of concern after it was registered. Unmarking a referral
    with a step of its clocks recorded is refused: the record would say a clock ran that did not."""
    guard(session, actor, "referral.write", referral.subject_id,
          detail=f"referral {referral.id}: report of concern {'yes' if concern else 'no'}", verb="update")
    if not concern and any(getattr(referral, c) is not None for c in RECORDED):
        raise CaseError("the referral's clocks have steps recorded: it stays a report of concern",
                        "concern.steps_recorded")
    referral.report_of_concern = concern


def record_safety_assessment(session: Session, actor: Actor, referral: Referral, on: date) -> None:
    """The safety assessment (skyddsbedömning): whether the child needs protection at once."""
    guard(session, actor, "referral.write", referral.subject_id,
          detail=f"referral {referral.id}: safety assessment {on}", verb="update")
    _concern(referral)
    _dated(on, referral.received_on, "safety_assessed", "received")
    referral.safety_assessed_on = on


def record_investigation_decision(session: Session, actor: Actor, referral: Referral, *, opened: bool,
                                  on: date) -> None:
    """The decision whether to investigate (förhandsbedömning ends): ``opened`` True opens an
    investigation on ``on`` and starts its clock; False closes the report without one. A decision
    cannot be changed to no investigation once the investigation's end is recorded."""
    guard(session, actor, "referral.write", referral.subject_id,
          detail=f"referral {referral.id}: investigation {'opened' if opened else 'not opened'} {on}", verb="update")
    _concern(referral)
    _dated(on, referral.received_on, "investigation_decision", "received")
    if referral.investigation_ended_on is not None and (not opened or on > referral.investigation_ended_on):
        raise CaseError("the investigation's end is recorded: the decision to open it stays before it",
                        "concern.investigation_ended", ended=referral.investigation_ended_on)
    referral.investigation_decided_on, referral.investigation_opened = on, opened
    referral.investigation_opened_on = on if opened else None


def record_investigation_end(session: Session, actor: Actor, referral: Referral, on: date) -> None:
    """The investigation is finished (its decision taken): the four months' clock stops."""
    guard(session, actor, "referral.write", referral.subject_id,
          detail=f"referral {referral.id}: investigation ended {on}", verb="update")
    _concern(referral)
    if referral.investigation_opened_on is None:
        raise CaseError("no investigation is opened on this referral: record the decision to open one first",
                        "concern.no_investigation")
    _dated(on, referral.investigation_opened_on, "investigation_end", "investigation_opened")
    referral.investigation_ended_on = on
