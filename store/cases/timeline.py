"""Everything that happened in a case, by date, limited to what the actor's roles may read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.path import referral_status

from ..access import Actor, guard, may
from ..models import Event as NetworkEvent
from ..models import InterventionGiven, Meeting, Outcome, Referral, Reopening, Subject, User
from .assessments import area, current_rows
from .consent import consent_rows


@dataclass(frozen=True)
class Event:
    on: date
    # referral | assessment | meeting | intervention | consent | outcome | closing | reopening, or an event
    # between meetings by its own kind (``models.EVENT_KINDS``: police_report, incident, ...)
    kind: str
    id: int
    summary: str  # plain English, for logs and the CLI
    facts: dict = field(default_factory=dict, compare=False)  # the parts, for a UI to phrase in its language


def timeline(session: Session, actor: Actor, subject: Subject) -> list[Event]:
    """Audited as one read of the case; an intake worker sees the referral side only."""
    guard(session, actor, "case.read", subject.id, detail="timeline")
    sid = subject.id
    events: list[Event] = []
    if may(actor, "referral.read"):
        for r in session.scalars(select(Referral).where(Referral.subject_id == sid)):
            status = referral_status(r)
            sender = session.get(User, r.sent_by) if r.sent_by is not None else None  # a referrer's own sending
            events.append(Event(r.received_on, "referral", r.id, f"{r.source}: {status}",
                                {"source": r.source, "status": status, "basis": r.legal_basis,
                                 "consent_required": r.consent_required,
                                 "sent_by": sender.display_name if sender else None,
                                 "sent_by_organisation": sender.organisation if sender else None}))
    for a in current_rows(session, sid):
        if not may(actor, f"{area(a.occasion)}.read"):
            continue
        version = f" v{a.version}" if a.version > 1 else ""
        summary = f"{a.instrument_id} {a.occasion} ({a.status}{version})"
        events.append(Event(a.assessed_on, "assessment", a.id, summary, {
            "instrument": a.instrument_id, "occasion": a.occasion, "state": a.status, "version": a.version}))
    if may(actor, "plan.read"):
        for m in session.scalars(select(Meeting).where(Meeting.subject_id == sid)):
            events.append(Event(m.held_on, "meeting", m.id, f"{len(m.commitments)} commitments",
                                {"commitments": len(m.commitments), "next": m.next_meeting_on}))
        for i in session.scalars(select(InterventionGiven).where(InterventionGiven.subject_id == sid)):
            events.append(Event(i.started_on, "intervention", i.id, i.intervention_id,
                                {"intervention": i.intervention_id}))
        for e in session.scalars(select(NetworkEvent).where(NetworkEvent.subject_id == sid)):  # between meetings
            events.append(Event(e.occurred_on, e.kind, e.id, f"{e.kind}{' (serious)' if e.serious else ''}",
                                {"serious": e.serious}))
    if may(actor, "outcome.read"):
        for o in session.scalars(select(Outcome).where(Outcome.subject_id == sid)):
            events.append(Event(o.period_end, "outcome", o.id, f"{o.period_start} - {o.period_end}",
                                {"start": o.period_start, "end": o.period_end, "police_reports": o.police_reports,
                                 "placement_days": o.placement_days, "occupation": o.occupation}))
    if may(actor, "consent.read"):
        for c in consent_rows(session, sid):
            events.append(Event(c.signed_on, "consent", c.id, f"valid until {c.valid_until}",
                                {"until": c.valid_until, "withdrawn": c.withdrawn_on}))
    for r in session.scalars(select(Reopening).where(Reopening.subject_id == sid)):
        events.append(Event(r.reopened_on, "reopening", r.id, f"reopened (closed {r.was_closed_on})",
                            {"was_closed_on": r.was_closed_on}))
    if subject.closed_on is not None:  # the end of the participation is part of the story
        events.append(Event(subject.closed_on, "closing", subject.id, f"closed: {subject.closed_reason}",
                            {"reason": subject.closed_reason}))
    return sorted(events, key=lambda e: (e.on, e.kind, e.id))
