""""Mina grupper": what a partner (police, school, leisure, health) sees of the groups they are a current
member of, and what they add to them: a review of their organisation's commitment, an event, an item for
the next meeting's agenda.

Every read is checked by the one guard in the ``member`` scope (``store.access``) and audited per group.
Which groups and which views come from ``store.partners.memberships`` only; which view needs which consent
category is ``rules.partner``. What a partner is never shown is left out here, not on the page: notes
(the meeting's, an event's, an assessment's), the personnummer, another organisation's police or school
information (``sees_event``), and anything of a group they are no longer a member of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules.partner import own_commitment, sees_event
from rules.protected import redact, secrets_of

from . import chain
from .access import Actor, guard
from .cases._errors import CaseError
from .models import AgendaItem, Assessment, Commitment, Event, Goal, Meeting, Member, Subject
from .partners import Membership, membership_of, memberships

OPEN = ("planned", "in_progress")
AGENDA_MAX = 2000  # characters: an item for the agenda, not a report


@dataclass(frozen=True)
class GroupCommitment:
    """One commitment of the current plan as a partner sees it (``own``: their organisation's)."""

    id: int
    actor: str
    what: str
    by_when: date
    if_cannot: str | None
    status: str
    review: str | None
    review_note: str | None
    own: bool


@dataclass(frozen=True)
class Group:
    """One row of "Mina grupper": the case code, the next meeting and the organisation's own commitments
    (only as far as the consent lets the organisation see the plan: ``views``)."""

    subject_id: int
    case_code: str
    organisation: str
    views: frozenset[str]
    next_meeting_on: date | None = None
    commitments: tuple[GroupCommitment, ...] = ()

    @property
    def due(self) -> list[GroupCommitment]:
        """The organisation's commitments still open, soonest first: what is due."""
        return sorted((c for c in self.commitments if c.status in OPEN), key=lambda c: c.by_when)


@dataclass(frozen=True)
class Summary:
    """The assessor's final judgment (never the ratings or their notes)."""

    instrument_id: str
    assessed_on: date
    judgment: str | None


@dataclass
class GroupView:
    """One group opened from "Mina grupper": each part present only when the consent covers it."""

    group: Group
    held_on: date | None = None
    short_goals: list[str] = field(default_factory=list)
    long_goals: list[str] = field(default_factory=list)
    plan_commitments: list[GroupCommitment] = field(default_factory=list)
    events: list[tuple[date, str, bool]] | None = None  # (occurred on, kind, serious): no note
    summary: Summary | None = None


def my_groups(session: Session, actor: Actor, on: date) -> list[Group]:
    """The partner's current groups with the next meeting and their organisation's commitments, one
    audit row per group shown. A handful of queries whatever the number of groups."""
    guard(session, actor, "group.list", audited=False)
    found = _by_subject(memberships(session, on, user_id=actor.user_id))
    if not found:
        return []
    ids = sorted(found)
    codes = dict(session.execute(select(Subject.id, Subject.case_code).where(Subject.id.in_(ids))).all())
    with_plan = [i for i in ids if "meetings" in found[i].views]
    plans = _latest_meetings(session, with_plan)
    own = _own_commitments(session, actor, plans, [i for i in with_plan if "commitments" in found[i].views])
    groups = [Group(i, codes[i], found[i].organisation, found[i].views,
                    plans[i].next_meeting_on if i in plans else None, tuple(own.get(i, ())))
              for i in ids]
    chain.record_many(session, actor, "list", "group", ids, detail=f"mina grupper: {len(ids)} groups")
    return sorted(groups, key=lambda g: (g.next_meeting_on or date.max, g.case_code))


def group_view(session: Session, actor: Actor, subject_id: int, on: date) -> GroupView:
    """One group: its head, and the plan, the events and the assessment summary as far as the consent
    covers each (every part its own guarded, audited read)."""
    guard(session, actor, "group.read", subject_id, detail="group")
    member = membership_of(session, actor.user_id, subject_id, on)
    if member is None:  # the guard has just said yes: only a membership ending this very moment
        raise CaseError("no longer a member of this group", "group.not_member")
    code = session.scalar(select(Subject.case_code).where(Subject.id == subject_id))
    view = GroupView(Group(subject_id, code, member.organisation, member.views))
    if "plan" in member.views:
        view = group_plan(session, actor, subject_id, on, view)
    if "assessment_summary" in member.views:
        view.summary = group_summary(session, actor, subject_id)
    return view


def group_plan(session: Session, actor: Actor, subject_id: int, on: date, view: GroupView | None = None) -> GroupView:
    """The current plan (goals, every commitment, the next meeting) and the events the consent lets the
    organisation see, without the meeting's or the events' notes."""
    guard(session, actor, "group.plan", subject_id, detail="plan, commitments and events")
    member = membership_of(session, actor.user_id, subject_id, on)
    if view is None:
        code = session.scalar(select(Subject.case_code).where(Subject.id == subject_id))
        view = GroupView(Group(subject_id, code, member.organisation, member.views))
    plan = _latest_meetings(session, [subject_id]).get(subject_id)
    if plan is not None:
        names = _org_member_names(session, actor, [subject_id])
        goals = session.scalars(select(Goal).where(Goal.meeting_id == plan.id).order_by(Goal.id)).all()
        every = _commitments(session, [plan], member.organisation, names).get(subject_id, [])
        clean = _family_hidden(session, subject_id)
        every = [replace(c, actor=clean(c.actor), what=clean(c.what), if_cannot=c.if_cannot and clean(c.if_cannot),
                         review_note=c.review_note and clean(c.review_note)) for c in every]
        view.held_on, view.plan_commitments = plan.held_on, every
        view.group = Group(subject_id, view.group.case_code, member.organisation, member.views,
                           plan.next_meeting_on, tuple(c for c in every if c.own))
        view.short_goals = [clean(g.text) for g in goals if g.term == "short"]
        view.long_goals = [clean(g.text) for g in goals if g.term == "long"]
    view.events = [(e.occurred_on, e.kind, e.serious) for e in session.scalars(
        select(Event).where(Event.subject_id == subject_id).order_by(Event.occurred_on.desc(), Event.id.desc()))
        if sees_event(e.kind, member.categories)]
    return view


def group_summary(session: Session, actor: Actor, subject_id: int) -> Summary | None:
    """The latest final assessment's summary judgment (never a rating or a note), when there is one."""
    guard(session, actor, "group.summary", subject_id, detail="assessment summary")
    replaced = select(Assessment.replaces_id).where(Assessment.replaces_id.is_not(None))
    row = session.scalar(select(Assessment).where(
        Assessment.subject_id == subject_id, Assessment.status == "final", Assessment.occasion != "referral",
        Assessment.id.not_in(replaced)).order_by(Assessment.assessed_on.desc(), Assessment.id.desc()).limit(1))
    return None if row is None else Summary(row.instrument_id, row.assessed_on, row.judgment)


def send_agenda_item(session: Session, actor: Actor, subject_id: int, text: str, on: date) -> AgendaItem:
    """An item for the coordinator to take up at the next network meeting (shown on the plan page)."""
    guard(session, actor, "agenda.write", subject_id, detail="agenda item", verb="create")
    text = (text or "").strip()
    if not text:
        raise CaseError("write what you want taken up at the meeting", "agenda.empty")
    if len(text) > AGENDA_MAX:
        raise CaseError(f"at most {AGENDA_MAX} characters", "agenda.too_long", most=AGENDA_MAX)
    row = AgendaItem(subject_id=subject_id, sent_on=on, text=text, sent_by=actor.who,
                     organisation=actor.organisation)
    session.add(row)
    session.flush()
    return row


def agenda_items_of(session: Session, actor: Actor, subject_id: int) -> list[AgendaItem]:
    """The items sent for the next meeting: since the latest meeting was held (its own day included)."""
    guard(session, actor, "plan.read", subject_id, detail="agenda items", verb="list")
    held = session.scalar(select(func.max(Meeting.held_on)).where(Meeting.subject_id == subject_id))
    query = select(AgendaItem).where(AgendaItem.subject_id == subject_id)
    if held is not None:
        query = query.where(AgendaItem.sent_on >= held)
    return list(session.scalars(query.order_by(AgendaItem.sent_on, AgendaItem.id)))


def _family_hidden(session: Session, subject_id: int) -> Callable[[str], str]:
    """On a protected case, the youth's and the guardians' names and numbers taken out of what a partner
    reads (``rules.protected``), as out of every document that leaves the team; otherwise the text as is."""
    if not session.scalar(select(Subject.protected).where(Subject.id == subject_id)):
        return lambda text: text
    secrets = secrets_of(session.execute(select(Member.organisation, Member.name, Member.phone, Member.email)
                                         .where(Member.subject_id == subject_id)).all())
    return lambda text: redact(text, secrets)


def _by_subject(found: list[Membership]) -> dict[int, Membership]:
    """One membership per group (named twice in a group: the same organisation, the same consent)."""
    return {m.subject_id: m for m in found}


def _latest_meetings(session: Session, ids: list[int]) -> dict[int, Meeting]:
    if not ids:
        return {}
    latest = (select(Meeting.subject_id, func.max(Meeting.held_on).label("held_on"))
              .where(Meeting.subject_id.in_(ids)).group_by(Meeting.subject_id).subquery())
    rows = session.scalars(select(Meeting).join(latest, (latest.c.subject_id == Meeting.subject_id)
                                                & (latest.c.held_on == Meeting.held_on)).order_by(Meeting.id))
    return {m.subject_id: m for m in rows}  # two on one day: the later recorded


def _org_member_names(session: Session, actor: Actor, ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for subject_id, name in session.execute(select(Member.subject_id, Member.name).where(
            Member.subject_id.in_(ids), Member.organisation == actor.organisation)):
        names[subject_id].append(name)
    return names


def _commitments(session: Session, plans: list[Meeting], organisation: str,
                 names: dict[int, list[str]]) -> dict[int, list[GroupCommitment]]:
    """The plans' commitments, each marked whether it is the organisation's own."""
    subject_of = {m.id: m.subject_id for m in plans}
    out: dict[int, list[GroupCommitment]] = defaultdict(list)
    if not subject_of:
        return out
    for c in session.scalars(select(Commitment).where(Commitment.meeting_id.in_(sorted(subject_of)))
                             .order_by(Commitment.by_when, Commitment.id)):
        subject_id = subject_of[c.meeting_id]
        own = own_commitment(c.actor, organisation, names.get(subject_id, ()))
        out[subject_id].append(GroupCommitment(c.id, c.actor, c.what, c.by_when, c.if_cannot, c.status, c.review,
                                               c.review_note, own))
    return out


def _own_commitments(session: Session, actor: Actor, plans: dict[int, Meeting],
                     ids: list[int]) -> dict[int, list[GroupCommitment]]:
    names = _org_member_names(session, actor, ids)
    rows = _commitments(session, [plans[i] for i in ids if i in plans], actor.organisation or "", names)
    return {i: [c for c in found if c.own] for i, found in rows.items()}
