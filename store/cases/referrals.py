"""Referrals and the intake path: received → suitable → asked → accepted → started.

The path is one table (``rules.path.PATH``): the per-referral ``referral_status`` and the column-wise
``statuses`` of the intake queue both read it, so the two can never disagree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import instruments
from rules import start as start_rules

from ..access import Actor, guard
from ..models import REFERRAL_SOURCES, Ask, Assessment, Referral, Subject
from ._dates import not_after_today, not_before
from ._errors import CaseError
from .assessments import assessed_before, new_checklist, structured_instruments
from .consent import consent_rows
from .subjects import create_subject, find_subject


def _not_before(day: date, earlier: date | None, what: str, reference: str) -> None:
    """``what`` and ``reference`` are step codes (``STEP_WORDS``): a page says them in its language.
    No step is dated after today either."""
    not_after_today(day, what)
    not_before(day, earlier, what, reference)


def add_referral(session: Session, actor: Actor, subject, source: str, received_on: date,
                 checklist: Assessment | None = None, *, report_of_concern: bool = False) -> Referral:
    """``report_of_concern``: the referral is a report of concern about a child (its clocks: rules.clocks)."""
    guard(session, actor, "referral.write", subject.id, detail="received", verb="create")
    if source not in REFERRAL_SOURCES:
        raise CaseError(f"unknown referral source {source!r}; expected one of {', '.join(REFERRAL_SOURCES)}",
                        "referral.source", source=source)
    not_after_today(received_on, "received")
    referral = Referral(subject_id=subject.id, source=source, received_on=received_on,
                        checklist_id=checklist.id if checklist else None, report_of_concern=report_of_concern)
    session.add(referral)
    session.flush()
    return referral


def screen(session: Session, actor: Actor, referral: Referral, *, suitable: bool, on: date,
           reason: str | None = None, decided_by: list[str] | None = None, criteria: list[str] | None = None,
           preparation_informed_on: date | None = None) -> None:
    """The intake decision as a record: suitable or not, who took part (``decided_by``, "Name (role)"),
    the named criteria met (ids of ``instruments.load_intake_criteria``), the reason for a no, and the
    day the preparation group was informed."""
    guard(session, actor, "referral.write", referral.subject_id, detail="screened", verb="update")
    if not suitable and not (reason or "").strip():
        raise CaseError("a referral judged not suitable needs a reason", "referral.reason")
    if suitable and not criteria:  # the reports: a yes names which of the criteria the youth meets
        raise CaseError("a referral judged suitable names at least one of the criteria it meets",
                        "referral.no_criteria")
    _not_before(on, referral.received_on, "decision", "received")
    known = instruments.load_intake_criteria().ids
    unknown = [c for c in criteria or [] if c not in known]
    if unknown:
        raise CaseError(f"unknown criteria {', '.join(unknown)}; one of {', '.join(known)}", "referral.criteria",
                        criteria=", ".join(unknown))
    if preparation_informed_on is not None:
        _not_before(preparation_informed_on, on, "informed", "decision")
    referral.suitable, referral.decided_on, referral.suitable_reason = suitable, on, reason
    referral.decided_by = [p.strip() for p in decided_by or [] if p.strip()] or None
    referral.criteria = list(criteria or []) or None
    referral.preparation_informed_on = preparation_informed_on


def asks_of(session: Session, referral_id: int) -> list[Ask]:
    """Unchecked, for guarded callers: every ask of a referral, oldest first."""
    return list(session.scalars(select(Ask).where(Ask.referral_id == referral_id).order_by(Ask.asked_on, Ask.id)))


def mark_asked(session: Session, actor: Actor, referral: Referral, on: date) -> Ask:
    """Ask the youth and guardians: the first time after the decision, or again after a no (the youth
    stays for motivation and is asked several times). Every ask is kept; the first ask's date stays the
    referral's ``asked_on``."""
    guard(session, actor, "referral.write", referral.subject_id, detail="asked", verb="update")
    if referral.suitable is not True:
        raise CaseError("only a referral judged suitable can be asked", "referral.not_suitable")
    asks = asks_of(session, referral.id)
    if referral.accepted is True or (asks and asks[-1].answer is None):
        raise CaseError("the youth has already said yes, or the last ask is still unanswered",
                        "referral.already_asked")
    _not_before(on, asks[-1].answered_on if asks else referral.decided_on, "asked",
                "last_answer" if asks else "decision")
    ask = Ask(referral_id=referral.id, asked_on=on, asked_by=actor.who)
    session.add(ask)
    referral.asked_on = referral.asked_on or on
    referral.accepted, referral.answered_on = None, None  # asked again: waiting for this answer
    session.flush()
    return ask


def record_answer(session: Session, actor: Actor, referral: Referral, *, accepted: bool, on: date,
                  other_support: str | None = None) -> None:
    guard(session, actor, "referral.write", referral.subject_id, detail="answered", verb="update")
    if referral.asked_on is None:
        raise CaseError("the youth and guardians must be asked before an answer is recorded", "referral.not_asked")
    asks = asks_of(session, referral.id)
    pending = asks[-1] if asks and asks[-1].answer is None else None
    _not_before(on, pending.asked_on if pending else referral.asked_on, "answer", "asked")
    if pending is None:  # a referral from before asks were kept: its one ask, recorded now
        pending = Ask(referral_id=referral.id, asked_on=referral.asked_on, asked_by=actor.who)
        session.add(pending)
    pending.answer, pending.answered_on = accepted, on
    pending.other_support = other_support if not accepted else None
    referral.accepted, referral.answered_on = accepted, on
    referral.other_support = other_support if not accepted else None


def legal_bases() -> instruments.LegalBases:
    """The routes a start may be decided under (shipped, extended by ``INSATS_LEGAL_BASES``)."""
    return instruments.load_legal_bases()


def assessed_for_start(session: Session, actor: Actor, referral: Referral, on: date) -> bool:
    """Whether a start on ``on`` follows a final structured assessment (the start form asks for a reason
    when not); says only that, not what the assessment holds."""
    guard(session, actor, "referral.write", referral.subject_id, audited=False)
    return assessed_before(session, referral.subject_id, on)


def below_high_for_start(session: Session, actor: Actor, referral: Referral, on: date) -> bool:
    """Whether the latest final structured assessment on or before ``on`` judged the risk below high
    (the start form asks for a reason then)."""
    guard(session, actor, "referral.write", referral.subject_id, audited=False)
    return _below_high(session, referral.subject_id, on)


def _below_high(session: Session, subject_id: int, on: date) -> bool:
    latest = session.execute(select(Assessment.instrument_id, Assessment.judgment).where(
        Assessment.subject_id == subject_id, Assessment.status == "final",
        Assessment.instrument_id.in_(structured_instruments()), Assessment.assessed_on <= on)
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc()).limit(1)).first()
    if latest is None:
        return False
    return start_rules.below_threshold(instruments.load(latest[0]).risk_levels, latest[1])


def start_consent_problem(session: Session, subject: Subject, on: date) -> str | None:
    """Unchecked, for guarded callers: None when a consent active on ``on`` carries a start under a
    consent route (``rules.start``), else what is missing."""
    facts = [start_rules.ConsentFacts(c.signed_on, c.valid_until, c.withdrawn_on, c.signed_by or [], c.actors or [])
             for c in consent_rows(session, subject.id)]
    under_18 = start_rules.under_adult_age(subject.birth_year, subject.birth_month, on)
    return start_rules.start_consent_problem(facts, on, under_18)


def mark_started(session: Session, actor: Actor, referral: Referral, on: date, *, reason: str | None = None,
                 legal_basis: str | None = None, decision_on: date | None = None,
                 decision_reference: str | None = None) -> None:
    """The start decision, in the reports' order: after the youth's yes and, normally, a final structured
    assessment judging the risk high. Starting without one, or below high, needs a stated ``reason``
    (and shows in the caseload). Under a route that requires consent (no route named counts as the
    voluntary one) an active consent of the youth (and guardians, under 18) covering the social
    services, the police and the school is needed on the day (``rules.start``); under one that does not
    (LVU), the start records that no consent was required. The formal decision (legal basis, its date,
    the reference in the case-management system) goes with it."""
    guard(session, actor, "referral.write", referral.subject_id, detail="started", verb="update")
    if referral.accepted is not True:
        raise CaseError("SIG can only start after the youth and guardians said yes", "referral.not_accepted")
    _not_before(on, referral.answered_on, "start", "answer")
    reason = (reason or "").strip() or None
    if not assessed_before(session, referral.subject_id, on) and reason is None:
        raise CaseError("there is no final structured assessment on or before the start: do it first, or "
                        "state why SIG starts without one", "referral.no_assessment")
    if reason is None and _below_high(session, referral.subject_id, on):
        raise CaseError("the latest structured assessment judged the risk below high: state why SIG starts",
                        "referral.below_high")
    routes = legal_bases()
    if legal_basis is not None and routes.get(legal_basis) is None:
        raise CaseError(f"unknown legal basis {legal_basis!r}; one of {', '.join(routes.ids)}",
                        "referral.legal_basis", basis=legal_basis)
    required = routes.consent_required(legal_basis)
    if required:
        problem = start_consent_problem(session, referral.subject, on)
        if problem is not None:
            raise CaseError(f"a start under {legal_basis or 'SoL'} needs an active consent on {on}, signed by the "
                            "youth (and a guardian under 18), covering " + ", ".join(start_rules.REQUIRED_ACTORS)
                            + f": {problem}", f"referral.consent_{problem}", on=on)
    referral.started_on, referral.start_reason, referral.consent_required = on, reason, required
    referral.legal_basis, referral.decision_on = legal_basis, decision_on or (on if legal_basis else None)
    referral.decision_reference = (decision_reference or "").strip() or None


def register_referral(session: Session, actor: Actor, *, source: str, received_on: date,
                      case_code: str | None = None, checklist: dict[str, str | None] | None = None,
                      checklist_instrument: str = "irk-8", report_of_concern: bool = False,
                      **subject_fields: object) -> Referral:
    """A referral as the intake team receives it: to an existing case (by code) or a new one, with
    the referring actor's checklist stored as a final assessment of occasion ``referral``."""
    if checklist is not None and not any(v is not None for v in checklist.values()):
        # a checklist sent with nothing answered says nothing: the referrer's reasons are the point of it
        raise CaseError("the referral's checklist has no answer; answer at least one item (or 'Vet ej')",
                        "referral.empty_checklist")
    if case_code:
        subject = find_subject(session, case_code)
        guard(session, actor, "referral.write", subject.id, audited=False)
    else:
        subject = create_subject(session, actor, **subject_fields)
    if session.scalar(select(Referral.id).where(Referral.subject_id == subject.id,
                                                Referral.received_on == received_on)) is not None:
        raise CaseError(f"case {subject.case_code} already has a referral received on {received_on}",
                        "referral.duplicate", case=subject.case_code, on=received_on)
    form = None
    if checklist:
        form = new_checklist(session, actor, subject, checklist_instrument, received_on, checklist)
    return add_referral(session, actor, subject, source, received_on, checklist=form,
                        report_of_concern=report_of_concern)
