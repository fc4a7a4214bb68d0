"""Read models for the app: what a page shows, computed here so pages hold no business logic.

Each function is one audited read. Lists (the intake queue, case search) show only pseudonymous case
codes, ages and dates, and are logged as one ``list`` row; opening a case is logged against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from . import audit
from .audit import Actor
from .cases import CaseError, active_consents, current_assessments, current_plan, referral_status
from .models import Assessment, Meeting, Referral, Subject

CONSENT_WARNING = timedelta(days=30)
QUEUE_COLUMNS = ["referral_id", "case_code", "age", "source", "received_on", "status", "waiting_days", "synthetic"]
OPEN_STATUSES = ("received", "suitable", "asked", "accepted")


def age_on(birth_year: int | None, birth_month: int | None, on: date) -> int | None:
    """Whole years at ``on``; with only a birth month known the day is taken as the 1st."""
    if birth_year is None:
        return None
    return on.year - birth_year - (1 if (birth_month or 1) > on.month else 0)


# -- intake ------------------------------------------------------------------------------------
def intake_queue(session: Session, actor: Actor, today: date, *, sources: list[str] | None = None,
                 statuses: list[str] | None = None, ages: tuple[int, int] | None = None,
                 min_waiting_days: int = 0) -> pd.DataFrame:
    """Referrals with their step on the path, the longest waiting first.

    ``waiting_days``: days since the referral's last step, for those still open (received, suitable,
    asked, accepted but not started); NaN for closed ones. Computed column-wise: the queue of a
    city (tens of thousands of referrals) is one query and a few vectorised steps.
    """
    raw_dates = [type_coerce(c, String) for c in (Referral.received_on, Referral.decided_on, Referral.asked_on,
                                                    Referral.answered_on, Referral.started_on)]
    received, decided, asked, answered, started = raw_dates  # parsed below in one vectorised step
    query = select(Referral.id, Subject.case_code, Subject.birth_year, Subject.birth_month, Referral.source,
                   received, Referral.suitable, decided, asked, Referral.accepted, answered, started,
                   Subject.synthetic).join(Subject, Subject.id == Referral.subject_id)
    if sources:
        query = query.where(Referral.source.in_(sources))
    rows = session.connection().execute(query).all()  # Core rows: no ORM loading for a whole city
    raw = pd.DataFrame(list(map(tuple, rows)), columns=[
        "referral_id", "case_code", "birth_year", "birth_month", "source", "received_on", "suitable", "decided_on",
        "asked_on", "accepted", "answered_on", "started_on", "synthetic"])
    for column in ("received_on", "decided_on", "asked_on", "answered_on", "started_on"):
        raw[column] = pd.to_datetime(raw[column], errors="coerce")
    frame = raw[["referral_id", "case_code"]].copy()
    years = pd.to_numeric(raw["birth_year"], errors="coerce")
    months = pd.to_numeric(raw["birth_month"], errors="coerce").fillna(1)
    frame["age"] = (today.year - years - (months > today.month)).astype("Int64")
    frame["source"], frame["received_on"] = raw["source"], raw["received_on"].dt.date
    frame["status"] = _statuses(raw)
    last = raw["answered_on"].fillna(raw["asked_on"]).fillna(raw["decided_on"]).fillna(raw["received_on"])
    waiting = (pd.Timestamp(today) - last).dt.days
    frame["waiting_days"] = waiting.where(frame["status"].isin(OPEN_STATUSES)).astype("Int64")
    frame["synthetic"] = raw["synthetic"].astype(bool)
    if statuses:
        frame = frame[frame["status"].isin(statuses)]
    if ages:
        frame = frame[frame["age"].between(*ages).fillna(False) | frame["age"].isna()]
    if min_waiting_days:
        frame = frame[frame["waiting_days"].fillna(-1) >= min_waiting_days]
    frame = frame.sort_values(["waiting_days", "received_on"], ascending=[False, True], na_position="last")
    audit.record(session, actor, "list", "referral", None, f"intake queue: {len(frame)} rows")
    return frame.reset_index(drop=True)[QUEUE_COLUMNS]


def _statuses(raw: pd.DataFrame) -> pd.Series:
    """``cases.referral_status`` for a whole frame at once (same rules, same order of precedence)."""
    conditions = [
        raw["started_on"].notna(),
        raw["accepted"].eq(True), raw["accepted"].eq(False),
        raw["asked_on"].notna(),
        raw["suitable"].eq(True), raw["suitable"].eq(False),
    ]
    choices = ["started", "accepted", "declined", "asked", "suitable", "not_suitable"]
    return pd.Series(np.select([c.fillna(False).to_numpy(bool) for c in conditions], choices, "received"),
                     index=raw.index)


def referral_by_id(session: Session, actor: Actor, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise CaseError(f"no referral with id {referral_id}")
    audit.record(session, actor, "read", "referral", referral.subject_id)
    return referral


def find_cases(session: Session, actor: Actor, text: str = "", limit: int = 50) -> list[str]:
    """Case codes containing ``text`` (newest first), for the case picker."""
    query = select(Subject.case_code).order_by(Subject.id.desc()).limit(limit)
    if text.strip():
        query = query.where(Subject.case_code.contains(text.strip().upper()))
    codes = list(session.scalars(query))
    audit.record(session, actor, "list", "subject", None, f"case search {text.strip()!r}: {len(codes)} codes")
    return codes


# -- one case ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseOverview:
    subject_id: int
    case_code: str
    age: int | None
    gender: str | None
    district: str | None
    synthetic: bool
    status: str | None  # of the latest referral
    consent_until: date | None  # the latest-ending active consent
    consent_actors: tuple[str, ...]
    consent_expiring: bool  # active, and ends within 30 days
    next_meeting_on: date | None
    meeting_overdue: bool
    assessments: int


def case_overview(session: Session, actor: Actor, case_code: str, today: date) -> CaseOverview:
    """The case header: who (pseudonymously), consent and its expiry, the next network meeting."""
    subject = session.scalar(select(Subject).where(Subject.case_code == case_code))
    if subject is None:
        raise CaseError(f"no case with code {case_code}")
    consents = active_consents(session, subject.id, today)
    until = max((c.valid_until for c in consents), default=None)
    actors = sorted({a for c in consents for a in c.actors})
    plan = current_plan(session, subject.id)
    latest = max(subject.referrals, key=lambda r: r.received_on, default=None)
    count = session.scalar(select(func.count()).select_from(Assessment).where(Assessment.subject_id == subject.id))
    audit.record(session, actor, "read", "subject", subject.id, "case overview")
    return CaseOverview(
        subject_id=subject.id, case_code=subject.case_code, age=age_on(subject.birth_year, subject.birth_month, today),
        gender=subject.gender, district=subject.district, synthetic=subject.synthetic,
        status=referral_status(latest) if latest else None, consent_until=until, consent_actors=tuple(actors),
        consent_expiring=until is not None and until - today <= CONSENT_WARNING,
        next_meeting_on=plan.next_meeting_on if plan else None,
        meeting_overdue=plan is not None and plan.next_meeting_on < today, assessments=count or 0,
    )


def assessments_of(session: Session, actor: Actor, subject_id: int, instrument_id: str | None = None,
                   include_drafts: bool = True) -> list[Assessment]:
    """The case's assessments in their newest versions, by date (audited as one read)."""
    rows = current_assessments(session, subject_id, include_drafts=include_drafts)
    if instrument_id:
        rows = [a for a in rows if a.instrument_id == instrument_id]
    audit.record(session, actor, "read", "assessment", subject_id, f"{len(rows)} assessments")
    return rows


def assessment_by_id(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise CaseError(f"no assessment with id {assessment_id}")
    audit.record(session, actor, "read", "assessment", row.subject_id, f"assessment {row.id}")
    return row


def plan_of(session: Session, actor: Actor, subject_id: int) -> Meeting | None:
    """The current action plan (the latest network meeting) with goals and commitments loaded."""
    plan = current_plan(session, subject_id)
    if plan is not None:
        _ = plan.goals, plan.commitments  # load while the session is open
    audit.record(session, actor, "read", "action_plan", subject_id)
    return plan


def meetings_of(session: Session, actor: Actor, subject_id: int) -> list[Meeting]:
    rows = list(session.scalars(select(Meeting).where(Meeting.subject_id == subject_id)
                                .order_by(Meeting.held_on.desc(), Meeting.id.desc())))
    for m in rows:
        _ = m.goals, m.commitments
    audit.record(session, actor, "read", "meeting", subject_id, f"{len(rows)} meetings")
    return rows

