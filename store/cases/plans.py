"""The action plan (åtgärdsplan): network meetings, goals, each actor's commitments, interventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import instruments
from rules import timing
from rules.partner import own_commitment

from ..access import Actor, guard, refuse
from ..models import (
    COMMITMENT_REVIEWS,
    COMMITMENT_STATUSES,
    GOAL_OWNERS,
    Commitment,
    Goal,
    InterventionGiven,
    Meeting,
    Member,
    Subject,
)
from ._dates import not_after_today
from ._errors import CaseError
from ._path import check_step

MAX_MEETING_INTERVAL = timing.MEETING_INTERVAL


@dataclass
class PlanItem:
    actor: str
    what: str
    by_when: date
    status: str = "planned"
    intervention_id: str | None = None
    if_cannot: str | None = None  # what the person does if they cannot keep it


@dataclass
class MeetingInput:
    held_on: date
    attendees: list[str]
    next_meeting_on: date | None = None
    notes: str | None = None
    short_goals: list[str] = field(default_factory=list)
    long_goals: list[str] = field(default_factory=list)
    goal_owner: str | None = None  # whose the goals are: the youth, a guardian, the network
    commitments: list[PlanItem] = field(default_factory=list)
    carry_over: bool = False  # bring the previous plan's open commitments into this one
    interval_reason: str | None = None  # why the next meeting is more than four weeks away


def latest_meeting(session: Session, subject_id: int) -> Meeting | None:
    """Unchecked: the current plan (the latest network meeting). For guarded callers."""
    return session.scalar(select(Meeting).where(Meeting.subject_id == subject_id)
                          .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(1))


def current_plan(session: Session, actor: Actor, subject_id: int) -> Meeting | None:
    guard(session, actor, "plan.read", subject_id)
    return latest_meeting(session, subject_id)


def record_meeting(session: Session, actor: Actor, subject: Subject, meeting: MeetingInput) -> Meeting:
    """A network meeting that was held revises the action plan. The next one is due within four weeks:
    the reports call that a target, so a longer interval is allowed with its reason written down."""
    guard(session, actor, "plan.write", subject.id, detail="network meeting", verb="create")
    not_after_today(meeting.held_on, "meeting")
    check_step(session, subject, "meeting", meeting.held_on)
    next_on = meeting.next_meeting_on or meeting.held_on + MAX_MEETING_INTERVAL
    reason = (meeting.interval_reason or "").strip() or None
    if next_on > meeting.held_on + MAX_MEETING_INTERVAL and reason is None:
        raise CaseError("the next network meeting is more than four weeks after this one: write why",
                        "plan.interval_reason")
    if next_on <= meeting.held_on:
        raise CaseError("the next network meeting must be after this one", "plan.next_after")
    previous = latest_meeting(session, subject.id)
    if previous is not None and meeting.held_on < previous.held_on:
        raise CaseError(f"the latest network meeting was held on {previous.held_on}; record meetings in order",
                        "plan.order", on=previous.held_on)
    row = Meeting(subject_id=subject.id, held_on=meeting.held_on, attendees=meeting.attendees,
                  notes=meeting.notes, next_meeting_on=next_on,
                  interval_reason=reason if next_on > meeting.held_on + MAX_MEETING_INTERVAL else None)
    if meeting.goal_owner is not None and meeting.goal_owner not in GOAL_OWNERS:
        raise CaseError(f"unknown goal owner {meeting.goal_owner!r}; one of {', '.join(GOAL_OWNERS)}", "plan.owner")
    row.goals = [Goal(term="short", text=t, owner=meeting.goal_owner) for t in meeting.short_goals] + [
        Goal(term="long", text=t, owner=meeting.goal_owner) for t in meeting.long_goals]
    row.commitments = [Commitment(actor=c.actor, what=c.what, by_when=c.by_when, status=c.status,
                                  intervention_id=c.intervention_id, if_cannot=c.if_cannot)
                       for c in meeting.commitments]
    if meeting.carry_over and previous is not None:
        row.commitments += [Commitment(actor=c.actor, what=c.what, by_when=max(c.by_when, next_on), status=c.status,
                                       intervention_id=c.intervention_id, if_cannot=c.if_cannot)
                            for c in previous.commitments if c.status in ("planned", "in_progress")]
    session.add(row)
    session.flush()
    return row


def add_to_plan(session: Session, actor: Actor, subject: Subject, items: list[PlanItem],
                first_meeting: MeetingInput | None = None) -> Meeting:
    """Chosen interventions into the action plan: the current plan, or - when there is none yet - the
    plan of ``first_meeting``, the network meeting the user says was held (its date and who took part).
    No meeting is ever recorded that was not held."""
    if not items:
        raise CaseError("choose at least one intervention to add", "plan.nothing_chosen")
    plan = current_plan(session, actor, subject.id)
    if plan is None:
        if first_meeting is None:
            raise CaseError("there is no action plan yet: record the network meeting where it was made",
                            "plan.no_meeting")
        first_meeting.commitments = [*first_meeting.commitments, *items]
        return record_meeting(session, actor, subject, first_meeting)
    for item in items:
        add_commitment(session, actor, plan, item)
    return plan


def meeting_overdue(plan: Meeting | None, today: date) -> bool:
    return plan is not None and plan.next_meeting_on < today


def add_commitment(session: Session, actor: Actor, plan: Meeting, item: PlanItem) -> Commitment:
    guard(session, actor, "plan.write", plan.subject_id, detail="commitment", verb="create")
    check_step(session, session.get(Subject, plan.subject_id), "commitment")
    if not item.what.strip() or not item.actor.strip():
        raise CaseError("a commitment needs its person and what they do", "plan.commitment")
    row = Commitment(actor=item.actor, what=item.what, by_when=item.by_when, status=item.status,
                     intervention_id=item.intervention_id, if_cannot=(item.if_cannot or "").strip() or None)
    plan.commitments.append(row)  # through the relationship, so the plan in this session sees it
    session.flush()
    return row


def set_commitment_status(session: Session, actor: Actor, commitment_id: int, status: str) -> Commitment:
    """Follow-up of one commitment (planned, in progress, done, not done)."""
    if status not in COMMITMENT_STATUSES:
        raise CaseError(f"unknown status {status!r}; expected one of {', '.join(COMMITMENT_STATUSES)}",
                        "plan.status", status=status)
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise CaseError(f"no commitment with id {commitment_id}", "plan.no_commitment")
    meeting = session.get(Meeting, row.meeting_id)
    guard(session, actor, "plan.write", meeting.subject_id, detail=f"commitment {row.id}: {status}", verb="update")
    check_step(session, session.get(Subject, meeting.subject_id), "commitment")
    row.status = status
    return row


def review_commitment(session: Session, actor: Actor, commitment_id: int, review: str,
                      note: str | None = None) -> Commitment:
    """The next meeting's look back at one commitment: kept, partly or not kept, with a word why. The
    commitment's status follows (kept: done; not kept: not done). A partner reviews their own
    organisation's commitments only ("Mina grupper"); any other is refused and audited."""
    if review not in COMMITMENT_REVIEWS:
        raise CaseError(f"unknown review {review!r}; one of {', '.join(COMMITMENT_REVIEWS)}", "plan.review")
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise CaseError(f"no commitment with id {commitment_id}", "plan.no_commitment")
    meeting = session.get(Meeting, row.meeting_id)
    guard(session, actor, "commitment.review", meeting.subject_id, detail=f"commitment {row.id} reviewed: {review}",
          verb="update")
    if "partner" in actor.roles and not _own_commitment(session, actor, meeting.subject_id, row):
        refuse(session, actor, "commitment.review", meeting.subject_id, "access.not_own")
    check_step(session, session.get(Subject, meeting.subject_id), "commitment")
    if review != "kept" and not (note or "").strip():
        raise CaseError("say in a word why it was not (fully) kept", "plan.review_note")
    row.review, row.review_note = review, (note or "").strip() or None
    row.status = {"kept": "done", "not_kept": "not_done"}.get(review, row.status)
    return row


def _own_commitment(session: Session, actor: Actor, subject_id: int, row: Commitment) -> bool:
    """Whether the commitment is the partner's organisation's (``rules.partner.own_commitment``)."""
    names = session.scalars(select(Member.name).where(Member.subject_id == subject_id,
                                                      Member.organisation == actor.organisation)).all()
    return own_commitment(row.actor, actor.organisation or "", names)


def record_intervention(session: Session, actor: Actor, subject: Subject, intervention_id: str,
                        started_on: date, ended_on: date | None = None,
                        hours: float | None = None) -> InterventionGiven:
    guard(session, actor, "plan.write", subject.id, detail=f"intervention {intervention_id}", verb="create")
    if intervention_id not in instruments.load_catalogue().by_id:
        raise CaseError(f"unknown intervention {intervention_id!r}", "plan.intervention")
    row = InterventionGiven(subject_id=subject.id, intervention_id=intervention_id, started_on=started_on,
                            ended_on=ended_on, hours=hours)
    session.add(row)
    session.flush()
    return row
