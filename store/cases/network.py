"""The youth's network as the SIG reports run it: named members who change over time (police and school
in every group) and events logged between meetings (a serious one asks for a meeting within a week)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import timing

from ..access import Actor, guard
from ..models import EVENT_KINDS, ORGANISATIONS, REQUIRED_ORGANISATIONS, Event, Meeting, Member, Subject
from ._dates import not_after_today
from ._errors import CaseError
from ._path import check_step

SERIOUS_MEETING_WITHIN = timing.SERIOUS_EVENT_MEETING_WITHIN


def add_member(session: Session, actor: Actor, subject: Subject, name: str, organisation: str,
               role: str | None = None, phone: str | None = None, email: str | None = None,
               from_on: date | None = None, to_on: date | None = None) -> Member:
    guard(session, actor, "plan.write", subject.id, detail=f"member {organisation}", verb="create")
    if not name.strip():
        raise CaseError("give the member's name", "member.name")
    if organisation not in ORGANISATIONS:
        raise CaseError(f"unknown organisation {organisation!r}; one of {', '.join(ORGANISATIONS)}",
                        "member.organisation", organisation=organisation)
    if from_on and to_on and to_on < from_on:
        raise CaseError("a member cannot leave before joining", "member.order")
    row = Member(subject_id=subject.id, name=name.strip(), organisation=organisation, role=role or None,
                 phone=phone or None, email=email or None, from_on=from_on, to_on=to_on)
    session.add(row)
    session.flush()
    return row


def end_membership(session: Session, actor: Actor, member_id: int, to_on: date) -> Member:
    row = session.get(Member, member_id)
    if row is None:
        raise CaseError(f"no member with id {member_id}", "member.none")
    guard(session, actor, "plan.write", row.subject_id, detail=f"member {row.id} leaves {to_on}", verb="update")
    if row.from_on and to_on < row.from_on:
        raise CaseError("a member cannot leave before joining", "member.order")
    row.to_on = to_on
    return row


def members_of(session: Session, actor: Actor, subject_id: int, on: date | None = None) -> list[Member]:
    """The network (members on ``on`` when given, everyone who has been a member otherwise)."""
    guard(session, actor, "plan.read", subject_id, verb="list")
    rows = session.scalars(select(Member).where(Member.subject_id == subject_id)
                           .order_by(Member.organisation, Member.name)).all()
    return [m for m in rows if on is None or covers(m.from_on, m.to_on, on)]


def covers(from_on: date | None, to_on: date | None, on: date) -> bool:
    return (from_on is None or from_on <= on) and (to_on is None or on <= to_on)


def missing_organisations(members: list[Member], on: date) -> list[str]:
    """Those of police and school with no member on ``on`` (the reports: both in every group)."""
    present = {m.organisation for m in members if covers(m.from_on, m.to_on, on)}
    return [o for o in REQUIRED_ORGANISATIONS if o not in present]


def log_event(session: Session, actor: Actor, subject: Subject, kind: str, occurred_on: date, serious: bool = False,
              note: str | None = None) -> Event:
    """Any member role logs what happened between meetings; a serious event asks for a meeting within
    a week and shows on the caseload until a meeting is held on or after it."""
    guard(session, actor, "event.write", subject.id, detail=f"{kind}{' (serious)' if serious else ''}",
          verb="create")
    if kind not in EVENT_KINDS:
        raise CaseError(f"unknown event {kind!r}; one of {', '.join(EVENT_KINDS)}", "event.kind", kind=kind)
    not_after_today(occurred_on, "event")
    check_step(session, subject, "event", occurred_on)
    row = Event(subject_id=subject.id, occurred_on=occurred_on, kind=kind, serious=serious, note=note or None,
                logged_by=actor.who)
    session.add(row)
    session.flush()
    return row


def events_of(session: Session, actor: Actor, subject_id: int) -> list[tuple[Event, bool]]:
    """Events, newest first, each with whether it is still open (serious, no meeting held since)."""
    guard(session, actor, "plan.read", subject_id, verb="list")
    return _events(session, subject_id)


def network_of(session: Session, actor: Actor, subject_id: int) -> tuple[list[Member], list[tuple[Event, bool]]]:
    """Everyone who has been a member and every event: one checked read for the case page's header and
    its two tabs (each check costs a look-up of the case)."""
    guard(session, actor, "plan.read", subject_id, detail="network and events", verb="list")
    members = session.scalars(select(Member).where(Member.subject_id == subject_id)
                              .order_by(Member.organisation, Member.name)).all()
    return list(members), _events(session, subject_id)


def _events(session: Session, subject_id: int) -> list[tuple[Event, bool]]:
    held = session.scalars(select(Meeting.held_on).where(Meeting.subject_id == subject_id)).all()
    rows = session.scalars(select(Event).where(Event.subject_id == subject_id)
                           .order_by(Event.occurred_on.desc(), Event.id.desc())).all()
    return [(e, e.serious and not any(h >= e.occurred_on for h in held)) for e in rows]
