"""The youth's network as the SIG reports run it: named members who change over time (police and school
in every group) and events logged between meetings (a serious one asks for a meeting within a week)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import timing
from rules.partner import is_member_on

from ..access import Actor, forget_case_access, guard
from ..models import EVENT_KINDS, ORGANISATIONS, REQUIRED_ORGANISATIONS, Event, Meeting, Member, Subject, User
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
    forget_case_access(session)  # a linked partner's access ends with the membership (store.access)
    return row


def members_of(session: Session, actor: Actor, subject_id: int, on: date | None = None) -> list[Member]:
    """The network (members on ``on`` when given, everyone who has been a member otherwise)."""
    guard(session, actor, "plan.read", subject_id, verb="list")
    rows = session.scalars(select(Member).where(Member.subject_id == subject_id)
                           .order_by(Member.organisation, Member.name)).all()
    return [m for m in rows if on is None or covers(m.from_on, m.to_on, on)]


def covers(from_on: date | None, to_on: date | None, on: date) -> bool:
    return is_member_on(from_on, to_on, on)


def partner_account(session: Session, login: str, organisation: str) -> User:
    """Unchecked: the active partner account ``login`` of ``organisation``, for a guarded link, or CaseError."""
    user = session.scalar(select(User).where(User.login == login.strip()))
    if user is None or not user.active or "partner" not in (user.roles or []):
        raise CaseError(f"no active partner account {login!r} (insats users add LOGIN --role partner "
                        "--organisation ORG)", "member.no_partner", login=login)
    if user.organisation != organisation:
        raise CaseError(f"{login} acts for {user.organisation}, the member for {organisation}",
                        "member.other_organisation", login=login, account=user.organisation, member=organisation)
    return user


def link_member(session: Session, actor: Actor, subject: Subject, member_name: str, login: str) -> Member:
    """Link a named member of the group to their partner account: from then on, while they are a member,
    they log in and see what the youth's consent lets their organisation see (``store.partners``)."""
    guard(session, actor, "member.link", subject.id, detail=f"member link {login}", verb="update")
    rows = session.scalars(select(Member).where(Member.subject_id == subject.id,
                                                Member.name == member_name.strip())).all()
    if len(rows) != 1:
        raise CaseError(f"{'no' if not rows else 'more than one'} member named {member_name!r} in {subject.case_code}",
                        "member.not_one", name=member_name, found=len(rows))
    row = rows[0]
    row.user_id = partner_account(session, login, row.organisation).id
    forget_case_access(session)
    return row


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
