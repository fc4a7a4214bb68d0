"""What the coordinator's caseload is made from: one guarded, audited read of small per-case frames.

The aggregation that needs the database (the latest meeting per case, the commitments of that meeting,
serious events no meeting has followed) happens in SQL; ``scoring.caseload`` turns the frames into the
table (pure, vectorised), so 2,000 groups with 50,000 meetings are a handful of queries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import String, and_, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session

import instruments
from rules.dates import stored_days

from .access import Actor, guard, visible_cases
from .cases.assessments import structured_instruments
from .models import (
    REQUIRED_ORGANISATIONS,
    Assessment,
    Commitment,
    Consent,
    Event,
    Meeting,
    Member,
    Referral,
    Subject,
    Team,
)

OPEN_COMMITMENT = ("planned", "in_progress")


@dataclass(frozen=True)
class CaseloadData:
    cases: pd.DataFrame  # subject_id, case_code, started_on, answered_on, consent_required (the start's
    # referral: what it recorded, else what its route says), birth_year, birth_month
    last_meetings: pd.DataFrame  # subject_id, last_meeting_on
    assessments: pd.DataFrame  # subject_id, instrument_id, first_on, last_on (final, structured)
    members: pd.DataFrame  # subject_id, organisation: police and school members on the day
    consents: pd.DataFrame  # subject_id, consent_expires_on (the active consent's end)
    commitments: pd.DataFrame  # subject_id, commitments_overdue (of the current plan)
    events: pd.DataFrame  # subject_id, serious_events_open
    repeat_weeks: dict[str, int]  # instrument id -> weeks between assessments, when the definition says
    start_consents: pd.DataFrame  # subject_id, signed_on, valid_until, withdrawn_on, signed_by, actors
    judgments: pd.DataFrame  # subject_id, id, instrument_id, assessed_on, judgment (final, structured)
    judgment_levels: dict[str, list[str]]  # instrument id -> its ordered judgment levels


def _frame(session: Session, query, columns: list[str], dates: tuple[str, ...] = ()) -> pd.DataFrame:
    return _frame_of(session.connection().execute(query).all(), columns, dates)


def _frame_of(rows, columns: list[str], dates: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(r[: len(columns)]) for r in rows], columns=columns)
    for column in dates:
        frame[column] = stored_days(frame[column])  # text, date or datetime: the day
    return frame


def _lists(values: list) -> list[list]:
    """JSON lists as the driver hands them: text on SQLite (parsed in one go), already lists on PostgreSQL."""
    if all(isinstance(v, str) for v in values):
        return json.loads("[" + ",".join(values) + "]")
    return [json.loads(v) if isinstance(v, str) else list(v or []) for v in values]


def caseload_data(session: Session, actor: Actor, on: date, team: str | None = None) -> CaseloadData:
    guard(session, actor, "caseload.read", audited=False)
    session.flush()  # the reads below are Core statements: what this session wrote must be in the database
    started = select(Referral.subject_id, func.max(Referral.started_on).label("started_on")).where(
        Referral.started_on.is_not(None), Referral.started_on <= on).group_by(Referral.subject_id).subquery()
    active = select(Subject.id).join(started, started.c.subject_id == Subject.id).where(
        visible_cases(actor, "caseload.read"), or_(Subject.closed_on.is_(None), Subject.closed_on > on))
    if team is not None:
        active = active.join(Team, Team.id == Subject.team_id).where(Team.name == team)
    ids = active.scalar_subquery()
    cases = _frame(session, select(Subject.id, Subject.case_code, type_coerce(started.c.started_on, String),
                                   type_coerce(Referral.answered_on, String), Referral.legal_basis,
                                   Referral.consent_required, Subject.birth_year, Subject.birth_month)
                   .join(started, started.c.subject_id == Subject.id)
                   .join(Referral, and_(Referral.subject_id == Subject.id, Referral.started_on == started.c.started_on))
                   .where(Subject.id.in_(ids)),
                   ["subject_id", "case_code", "started_on", "answered_on", "legal_basis", "consent_required",
                    "birth_year", "birth_month"], ("started_on", "answered_on"))
    cases = cases.drop_duplicates("subject_id")
    routes = instruments.load_legal_bases()  # a start from before it was recorded: what its route says
    by_route = cases["legal_basis"].map(routes.consent_required)
    cases["consent_required"] = cases["consent_required"].astype(object).where(cases["consent_required"].notna(),
                                                                               by_route).astype(bool)
    last_held = (select(Meeting.subject_id, func.max(Meeting.held_on).label("held_on"))
                 .where(Meeting.subject_id.in_(ids), Meeting.held_on <= on).group_by(Meeting.subject_id).subquery())
    last_meetings = _frame(session, select(last_held.c.subject_id, type_coerce(last_held.c.held_on, String)),
                           ["subject_id", "last_meeting_on"], ("last_meeting_on",))
    structured = structured_instruments()
    assessments = _frame(session, select(Assessment.subject_id, Assessment.instrument_id,
                                         type_coerce(func.min(Assessment.assessed_on), String),
                                         type_coerce(func.max(Assessment.assessed_on), String))
                         .where(Assessment.subject_id.in_(ids), Assessment.status == "final",
                                Assessment.instrument_id.in_(structured), Assessment.assessed_on <= on)
                         .group_by(Assessment.subject_id, Assessment.instrument_id),
                         ["subject_id", "instrument_id", "first_on", "last_on"], ("first_on", "last_on"))
    members = _frame(session, select(Member.subject_id, Member.organisation).distinct().where(
        Member.subject_id.in_(ids), Member.organisation.in_(REQUIRED_ORGANISATIONS),
        or_(Member.from_on.is_(None), Member.from_on <= on), or_(Member.to_on.is_(None), Member.to_on >= on)),
        ["subject_id", "organisation"])
    consents = _frame(session, select(Consent.subject_id, type_coerce(func.max(Consent.valid_until), String)).where(
        Consent.subject_id.in_(ids), Consent.signed_on <= on, Consent.valid_until >= on,
        or_(Consent.withdrawn_on.is_(None), Consent.withdrawn_on > on)).group_by(Consent.subject_id),
        ["subject_id", "consent_expires_on"], ("consent_expires_on",))
    current = select(Meeting.id).join(last_held, and_(last_held.c.subject_id == Meeting.subject_id,
                                                      last_held.c.held_on == Meeting.held_on))
    commitments = _frame(session, select(Meeting.subject_id, func.count(Commitment.id))
                         .join(Meeting, Meeting.id == Commitment.meeting_id)
                         .where(Commitment.meeting_id.in_(current), Commitment.by_when < on,
                                Commitment.status.in_(OPEN_COMMITMENT)).group_by(Meeting.subject_id),
                         ["subject_id", "commitments_overdue"])
    followed = exists().where(Meeting.subject_id == Event.subject_id, Meeting.held_on >= Event.occurred_on,
                              Meeting.held_on <= on)
    events = _frame(session, select(Event.subject_id, func.count(Event.id)).where(
        Event.subject_id.in_(ids), Event.serious.is_(True), Event.occurred_on <= on, ~followed)
        .group_by(Event.subject_id), ["subject_id", "serious_events_open"])
    # the consents active on each start day, their lists as JSON text parsed in one go (not per cell)
    start_day = started.c.started_on
    consent_rows = session.connection().execute(
        select(Consent.subject_id, type_coerce(Consent.signed_on, String), type_coerce(Consent.valid_until, String),
               type_coerce(Consent.withdrawn_on, String), type_coerce(Consent.signed_by, String),
               type_coerce(Consent.actors, String))
        .join(started, started.c.subject_id == Consent.subject_id)
        .where(Consent.subject_id.in_(ids), Consent.signed_on <= start_day, Consent.valid_until >= start_day,
               or_(Consent.withdrawn_on.is_(None), Consent.withdrawn_on > start_day))).all()
    start_consents = _frame_of(consent_rows, ["subject_id", "signed_on", "valid_until", "withdrawn_on"],
                               ("signed_on", "valid_until", "withdrawn_on"))
    start_consents["signed_by"] = _lists([r[4] for r in consent_rows])
    start_consents["actors"] = _lists([r[5] for r in consent_rows])
    # the latest final structured assessment on or before each start (a day's ties: the scoring takes the last id)
    latest_day = (select(Assessment.subject_id, func.max(Assessment.assessed_on).label("day"))
                  .join(started, started.c.subject_id == Assessment.subject_id)
                  .where(Assessment.subject_id.in_(ids), Assessment.status == "final",
                         Assessment.instrument_id.in_(structured), Assessment.assessed_on <= start_day)
                  .group_by(Assessment.subject_id).subquery())
    judgments = _frame(session, select(Assessment.subject_id, Assessment.id, Assessment.instrument_id,
                                       type_coerce(Assessment.assessed_on, String), Assessment.judgment)
                       .join(latest_day, and_(latest_day.c.subject_id == Assessment.subject_id,
                                              latest_day.c.day == Assessment.assessed_on))
                       .where(Assessment.status == "final", Assessment.instrument_id.in_(structured)),
                       ["subject_id", "id", "instrument_id", "assessed_on", "judgment"], ("assessed_on",))
    levels = {i: instruments.load(i).risk_levels for i in structured}
    weeks = {i: instruments.load(i).repeat_weeks for i in structured}
    repeat = {i: w for i, w in weeks.items() if w}
    guard(session, actor, "caseload.read", detail=f"caseload on {on}: {len(cases)} active cases", verb="list")
    return CaseloadData(cases, last_meetings, assessments, members, consents, commitments, events, repeat,
                        start_consents, judgments, levels)
