"""Case operations: every read and write of case data is audited in the same transaction.

Functions take an open session (see ``store.db.transaction``) and the acting ``Actor``. They refuse
what the domain forbids - an update of a finalised assessment, a network meeting planned more than
four weeks ahead - with ``CaseError`` naming what was wrong; nothing is half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import instruments

from . import audit
from .audit import Actor
from .identity import encrypt_pnr, new_case_code, normalise_pnr, pnr_lookup_hash
from .models import (
    COMMITMENT_STATUSES,
    OCCASIONS,
    REFERRAL_SOURCES,
    Assessment,
    Commitment,
    Consent,
    Goal,
    InterventionGiven,
    Meeting,
    Outcome,
    Referral,
    Subject,
)

MAX_MEETING_INTERVAL = timedelta(weeks=4)


class CaseError(ValueError):
    """The operation is not allowed or its input is wrong; nothing was changed."""


# -- subjects ----------------------------------------------------------------------------------
def create_subject(session: Session, actor: Actor, *, birth_year: int | None = None, birth_month: int | None = None,
                   gender: str | None = None, district: str | None = None, pnr: str | None = None,
                   case_code: str | None = None, synthetic: bool = False) -> Subject:
    subject = Subject(case_code=case_code or _unique_case_code(session), birth_year=birth_year,
                      birth_month=birth_month, gender=gender, district=district, synthetic=synthetic)
    if pnr:
        normalised = normalise_pnr(pnr)
        lookup = pnr_lookup_hash(normalised)
        if session.scalar(select(Subject.id).where(Subject.pnr_hash == lookup)) is not None:
            raise CaseError("a case with this personal identity number already exists")
        subject.pnr_encrypted, subject.pnr_hash = encrypt_pnr(normalised), lookup
        year, month = int(normalised[:4]), int(normalised[4:6])
        subject.birth_year, subject.birth_month = subject.birth_year or year, subject.birth_month or month
    session.add(subject)
    session.flush()
    audit.record(session, actor, "create", "subject", subject.id)
    return subject


def _unique_case_code(session: Session) -> str:
    while True:
        code = new_case_code()
        if session.scalar(select(Subject.id).where(Subject.case_code == code)) is None:
            return code


def subject_by_code(session: Session, actor: Actor, case_code: str) -> Subject:
    subject = session.scalar(select(Subject).where(Subject.case_code == case_code))
    if subject is None:
        raise CaseError(f"no case with code {case_code}")
    audit.record(session, actor, "read", "subject", subject.id)
    return subject


def subject_by_pnr(session: Session, actor: Actor, pnr: str) -> Subject | None:
    subject = session.scalar(select(Subject).where(Subject.pnr_hash == pnr_lookup_hash(normalise_pnr(pnr))))
    audit.record(session, actor, "lookup", "subject", subject.id if subject else None,
                 "by personal identity number")
    return subject


# -- referrals ---------------------------------------------------------------------------------
def add_referral(session: Session, actor: Actor, subject: Subject, source: str, received_on: date,
                 checklist: Assessment | None = None) -> Referral:
    if source not in REFERRAL_SOURCES:
        raise CaseError(f"unknown referral source {source!r}; expected one of {', '.join(REFERRAL_SOURCES)}")
    referral = Referral(subject_id=subject.id, source=source, received_on=received_on,
                        checklist_id=checklist.id if checklist else None)
    session.add(referral)
    session.flush()
    audit.record(session, actor, "create", "referral", subject.id)
    return referral


def screen(session: Session, actor: Actor, referral: Referral, *, suitable: bool, on: date,
           reason: str | None = None) -> None:
    """Intake decision: suitable for SIG or not (with the reason, and other support offered)."""
    if not suitable and not (reason or "").strip():
        raise CaseError("a referral judged not suitable needs a reason")
    _not_before(on, referral.received_on, "the decision", "the referral was received")
    referral.suitable, referral.decided_on, referral.suitable_reason = suitable, on, reason
    audit.record(session, actor, "update", "referral", referral.subject_id, "screened")


def mark_asked(session: Session, actor: Actor, referral: Referral, on: date) -> None:
    if referral.suitable is not True:
        raise CaseError("only a referral judged suitable can be asked")
    _not_before(on, referral.decided_on, "asking", "the decision")
    referral.asked_on = on
    audit.record(session, actor, "update", "referral", referral.subject_id, "asked")


def record_answer(session: Session, actor: Actor, referral: Referral, *, accepted: bool, on: date,
                  other_support: str | None = None) -> None:
    if referral.asked_on is None:
        raise CaseError("the youth and guardians must be asked before an answer is recorded")
    _not_before(on, referral.asked_on, "the answer", "asking")
    referral.accepted, referral.answered_on = accepted, on
    referral.other_support = other_support if not accepted else None
    audit.record(session, actor, "update", "referral", referral.subject_id, "answered")


def mark_started(session: Session, actor: Actor, referral: Referral, on: date) -> None:
    if referral.accepted is not True:
        raise CaseError("SIG can only start after the youth and guardians said yes")
    _not_before(on, referral.answered_on, "the start", "the answer")
    referral.started_on = on
    audit.record(session, actor, "update", "referral", referral.subject_id, "started")


def referral_status(referral: Referral) -> str:
    """Where a referral is on the path: received, not_suitable, suitable, asked, declined, accepted, started."""
    if referral.started_on:
        return "started"
    if referral.accepted is not None:
        return "accepted" if referral.accepted else "declined"
    if referral.asked_on:
        return "asked"
    if referral.suitable is not None:
        return "suitable" if referral.suitable else "not_suitable"
    return "received"


def _not_before(day: date, earlier: date | None, what: str, reference: str) -> None:
    if earlier is not None and day < earlier:
        raise CaseError(f"{what} ({day}) cannot be before {reference} ({earlier})")


def register_referral(session: Session, actor: Actor, *, source: str, received_on: date,
                      case_code: str | None = None, checklist: dict[str, str | None] | None = None,
                      checklist_instrument: str = "irk-8", **subject_fields: object) -> Referral:
    """A referral as the intake team receives it: to an existing case (by code) or a new one, with
    the referring actor's checklist stored as a final assessment of occasion ``referral``."""
    if case_code:
        subject = session.scalar(select(Subject).where(Subject.case_code == case_code.strip().upper()))
        if subject is None:
            raise CaseError(f"no case with code {case_code}")
    else:
        subject = create_subject(session, actor, **subject_fields)
    if session.scalar(select(Referral.id).where(Referral.subject_id == subject.id,
                                                Referral.received_on == received_on)) is not None:
        raise CaseError(f"case {subject.case_code} already has a referral received on {received_on}")
    form = None
    if checklist and any(v is not None for v in checklist.values()):
        form = save_draft(session, actor, subject, checklist_instrument, occasion="referral",
                          assessed_on=received_on, ratings=checklist)
        finalise(session, actor, form)
    return add_referral(session, actor, subject, source, received_on, checklist=form)


# -- consent -----------------------------------------------------------------------------------
def add_consent(session: Session, actor: Actor, subject: Subject, *, signed_on: date, signed_by: list[str],
                valid_until: date, actors: list[str], categories: list[str]) -> Consent:
    if valid_until < signed_on:
        raise CaseError("a consent cannot end before it is signed")
    if not signed_by or not actors or not categories:
        raise CaseError("a consent names who signed it, which actors may share and which information")
    consent = Consent(subject_id=subject.id, signed_on=signed_on, signed_by=signed_by, valid_until=valid_until,
                      actors=sorted(set(actors)), categories=sorted(set(categories)))
    session.add(consent)
    session.flush()
    audit.record(session, actor, "create", "consent", subject.id)
    return consent


def withdraw_consent(session: Session, actor: Actor, consent: Consent, on: date) -> None:
    consent.withdrawn_on = on
    audit.record(session, actor, "update", "consent", consent.subject_id, "withdrawn")


def active_consents(session: Session, subject_id: int, on: date) -> list[Consent]:
    consents = session.scalars(select(Consent).where(Consent.subject_id == subject_id)).all()
    return [
        c for c in consents
        if c.signed_on <= on <= c.valid_until and (c.withdrawn_on is None or on < c.withdrawn_on)
    ]


def may_share(session: Session, actor: Actor, subject: Subject, with_actor: str, category: str, on: date) -> bool:
    """May ``with_actor`` see ``category`` of this subject on ``on``? Only under an active consent."""
    allowed = any(with_actor in c.actors and category in c.categories for c in active_consents(session, subject.id, on))
    audit.record(session, actor, "check", "consent", subject.id, f"{with_actor}/{category}: {allowed}")
    return allowed


# -- assessments -------------------------------------------------------------------------------
def _instrument_and_check(instrument_id: str, ratings: dict[str, str | None]) -> instruments.Instrument:
    inst = instruments.load(instrument_id)
    for item_id, code in ratings.items():
        if item_id not in inst.item_ids:
            raise CaseError(f"{item_id} is not an item of {instrument_id}")
        scale = inst.scales[inst.item_by_id[item_id].scale]
        if code not in (None, *inst.omission.codes) and scale.level_for(code) is None:
            raise CaseError(f"{item_id}: {code!r} is not a level of its scale")
    return inst


def save_draft(session: Session, actor: Actor, subject: Subject, instrument_id: str, *, occasion: str,
               assessed_on: date, ratings: dict[str, str | None], judgment: str | None = None,
               rationale: str | None = None, notes: dict | None = None,
               draft: Assessment | None = None) -> Assessment:
    """Create a draft, or update an existing draft (autosave). Finalised assessments are refused."""
    if occasion not in OCCASIONS:
        raise CaseError(f"unknown occasion {occasion!r}; expected one of {', '.join(OCCASIONS)}")
    inst = _instrument_and_check(instrument_id, ratings)
    if judgment is not None and (inst.judgment is None or judgment not in inst.judgment.levels):
        raise CaseError(f"judgment {judgment!r} is not a level of {instrument_id}")
    if draft is not None and draft.status != "draft":
        raise CaseError("a finalised assessment cannot be changed; make a correction instead")
    row = draft or Assessment(subject_id=subject.id, instrument_id=inst.id, instrument_version=inst.version,
                              definition_hash=inst.definition_hash, rater=actor.who, status="draft", version=1)
    row.occasion, row.assessed_on, row.ratings = occasion, assessed_on, dict(ratings)
    row.judgment, row.rationale, row.notes = judgment, rationale, notes
    if draft is None:
        session.add(row)
    session.flush()
    action = "create" if draft is None else "update"
    audit.record(session, actor, action, "assessment", subject.id, f"draft {row.id}")
    return row


def finalise(session: Session, actor: Actor, assessment: Assessment) -> Assessment:
    """Make an assessment final (immutable). An SPJ form needs its judgment and, if required, a rationale."""
    if assessment.status != "draft":
        raise CaseError("this assessment is already final")
    inst = instruments.load(assessment.instrument_id)
    if inst.judgment is not None:
        if not assessment.judgment:
            raise CaseError("make the summary judgment before finalising")
        if inst.judgment.rationale_required and not (assessment.rationale or "").strip():
            raise CaseError("write a rationale for the judgment before finalising")
    assessment.status = "final"
    assessment.finalised_at = datetime.now(UTC).replace(tzinfo=None)
    session.flush()
    audit.record(session, actor, "finalise", "assessment", assessment.subject_id, f"assessment {assessment.id}")
    return assessment


def correct(session: Session, actor: Actor, original: Assessment, reason: str, **changes: object) -> Assessment:
    """A correction of a final assessment: a new draft version pointing at the original, with a reason."""
    if original.status != "final":
        raise CaseError("only a final assessment is corrected; edit the draft instead")
    if not reason.strip():
        raise CaseError("a correction needs a reason")
    fields = {"ratings": dict(original.ratings), "judgment": original.judgment, "rationale": original.rationale,
              "notes": original.notes, "occasion": original.occasion, "assessed_on": original.assessed_on}
    fields.update(changes)
    row = Assessment(subject_id=original.subject_id, instrument_id=original.instrument_id,
                     instrument_version=original.instrument_version, definition_hash=original.definition_hash,
                     rater=actor.who, status="draft", version=original.version + 1, replaces_id=original.id,
                     correction_reason=reason, **fields)
    _instrument_and_check(original.instrument_id, row.ratings)
    session.add(row)
    session.flush()
    audit.record(session, actor, "correct", "assessment", original.subject_id, f"{original.id} -> {row.id}: {reason}")
    return row


def current_assessments(session: Session, subject_id: int, include_drafts: bool = True) -> list[Assessment]:
    """The subject's assessments by date, each in its newest version (finalised corrections replace)."""
    rows = session.scalars(
        select(Assessment).where(Assessment.subject_id == subject_id).order_by(Assessment.assessed_on, Assessment.id)
    ).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None and r.status == "final"}
    return [r for r in rows if r.id not in replaced and (include_drafts or r.status == "final")]


def history(session: Session, assessment: Assessment) -> list[Assessment]:
    """Every version of an assessment, oldest first."""
    chain = [assessment]
    while chain[0].replaces_id is not None:
        chain.insert(0, session.get(Assessment, chain[0].replaces_id))
    newer = session.scalar(select(Assessment).where(Assessment.replaces_id == chain[-1].id))
    while newer is not None:
        chain.append(newer)
        newer = session.scalar(select(Assessment).where(Assessment.replaces_id == newer.id))
    return chain


# -- action plans, interventions, outcomes -----------------------------------------------------
@dataclass
class PlanItem:
    actor: str
    what: str
    by_when: date
    status: str = "planned"
    intervention_id: str | None = None


@dataclass
class MeetingInput:
    held_on: date
    attendees: list[str]
    next_meeting_on: date | None = None
    notes: str | None = None
    short_goals: list[str] = field(default_factory=list)
    long_goals: list[str] = field(default_factory=list)
    commitments: list[PlanItem] = field(default_factory=list)
    carry_over: bool = False  # bring the previous plan's open commitments into this one


def record_meeting(session: Session, actor: Actor, subject: Subject, meeting: MeetingInput) -> Meeting:
    """A network meeting revises the action plan; the next meeting is at most four weeks later."""
    next_on = meeting.next_meeting_on or meeting.held_on + MAX_MEETING_INTERVAL
    if next_on > meeting.held_on + MAX_MEETING_INTERVAL:
        raise CaseError("the next network meeting must be at most four weeks after this one")
    if next_on <= meeting.held_on:
        raise CaseError("the next network meeting must be after this one")
    previous = current_plan(session, subject.id)
    if previous is not None and meeting.held_on < previous.held_on:
        raise CaseError(f"the latest network meeting was held on {previous.held_on}; record meetings in order")
    row = Meeting(subject_id=subject.id, held_on=meeting.held_on, attendees=meeting.attendees,
                  notes=meeting.notes, next_meeting_on=next_on)
    row.goals = [Goal(term="short", text=t) for t in meeting.short_goals] + [
        Goal(term="long", text=t) for t in meeting.long_goals]
    row.commitments = [Commitment(actor=c.actor, what=c.what, by_when=c.by_when, status=c.status,
                                  intervention_id=c.intervention_id) for c in meeting.commitments]
    if meeting.carry_over and previous is not None:
        row.commitments += [Commitment(actor=c.actor, what=c.what, by_when=max(c.by_when, next_on), status=c.status,
                                       intervention_id=c.intervention_id)
                            for c in previous.commitments if c.status in ("planned", "in_progress")]
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "meeting", subject.id)
    return row


def current_plan(session: Session, subject_id: int) -> Meeting | None:
    return session.scalar(select(Meeting).where(Meeting.subject_id == subject_id)
                          .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(1))


def add_to_plan(session: Session, actor: Actor, subject: Subject, items: list[PlanItem], today: date) -> Meeting:
    """Chosen interventions into the action plan: the current plan, or a first plan started today
    (recorded as today's network meeting, the next one in four weeks)."""
    if not items:
        raise CaseError("choose at least one intervention to add")
    plan = current_plan(session, subject.id)
    if plan is None:
        return record_meeting(session, actor, subject, MeetingInput(
            held_on=today, attendees=[actor.who], notes=None, commitments=items))
    for item in items:
        add_commitment(session, actor, plan, item)
    return plan


def meeting_overdue(plan: Meeting | None, today: date) -> bool:
    return plan is not None and plan.next_meeting_on < today


def add_commitment(session: Session, actor: Actor, plan: Meeting, item: PlanItem) -> Commitment:
    row = Commitment(actor=item.actor, what=item.what, by_when=item.by_when, status=item.status,
                     intervention_id=item.intervention_id)
    plan.commitments.append(row)  # through the relationship, so the plan in this session sees it
    session.flush()
    audit.record(session, actor, "create", "commitment", plan.subject_id)
    return row


def set_commitment_status(session: Session, actor: Actor, commitment_id: int, status: str) -> Commitment:
    """Follow-up of one commitment (planned, in progress, done, not done)."""
    if status not in COMMITMENT_STATUSES:
        raise CaseError(f"unknown status {status!r}; expected one of {', '.join(COMMITMENT_STATUSES)}")
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise CaseError(f"no commitment with id {commitment_id}")
    row.status = status
    meeting = session.get(Meeting, row.meeting_id)
    audit.record(session, actor, "update", "commitment", meeting.subject_id, f"{row.id}: {status}")
    return row


def record_intervention(session: Session, actor: Actor, subject: Subject, intervention_id: str,
                        started_on: date, ended_on: date | None = None,
                        hours: float | None = None) -> InterventionGiven:
    if intervention_id not in instruments.load_catalogue().by_id:
        raise CaseError(f"unknown intervention {intervention_id!r}")
    row = InterventionGiven(subject_id=subject.id, intervention_id=intervention_id, started_on=started_on,
                            ended_on=ended_on, hours=hours)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "intervention", subject.id)
    return row


def record_outcome(session: Session, actor: Actor, subject: Subject, **values: object) -> Outcome:
    row = Outcome(subject_id=subject.id, **values)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "outcome", subject.id)
    return row


# -- timeline ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    on: date
    kind: str  # referral | assessment | meeting | intervention | consent | outcome
    id: int
    summary: str  # plain English, for logs and the CLI
    facts: dict = field(default_factory=dict, compare=False)  # the parts, for a UI to phrase in its language


def timeline(session: Session, actor: Actor, subject: Subject) -> list[Event]:
    """Everything that happened in a case, by date. Audited as one read of the case."""
    sid = subject.id
    events: list[Event] = []
    for r in session.scalars(select(Referral).where(Referral.subject_id == sid)):
        status = referral_status(r)
        events.append(Event(r.received_on, "referral", r.id, f"{r.source}: {status}",
                            {"source": r.source, "status": status}))
    for a in current_assessments(session, sid):
        version = f" v{a.version}" if a.version > 1 else ""
        summary = f"{a.instrument_id} {a.occasion} ({a.status}{version})"
        events.append(Event(a.assessed_on, "assessment", a.id, summary, {
            "instrument": a.instrument_id, "occasion": a.occasion, "state": a.status, "version": a.version}))
    for m in session.scalars(select(Meeting).where(Meeting.subject_id == sid)):
        events.append(Event(m.held_on, "meeting", m.id, f"{len(m.commitments)} commitments",
                            {"commitments": len(m.commitments), "next": m.next_meeting_on}))
    for i in session.scalars(select(InterventionGiven).where(InterventionGiven.subject_id == sid)):
        events.append(Event(i.started_on, "intervention", i.id, i.intervention_id,
                            {"intervention": i.intervention_id}))
    for c in session.scalars(select(Consent).where(Consent.subject_id == sid)):
        events.append(Event(c.signed_on, "consent", c.id, f"valid until {c.valid_until}",
                            {"until": c.valid_until, "withdrawn": c.withdrawn_on}))
    audit.record(session, actor, "read", "timeline", sid)
    return sorted(events, key=lambda e: (e.on, e.kind, e.id))
