"""Read models for the app: what a page shows, computed here so pages hold no business logic.

Each function is one guarded, audited read. Lists (the intake queue, case search) show only the
cases the actor's teams give them, with pseudonymous case codes, ages and dates, and are logged as
one ``list`` row; opening a case is logged against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import String, exists, func, select, type_coerce
from sqlalchemy.orm import Session

import config
from rules import clocks, path, timing
from rules.dates import add_months_all, stored_day_array, stored_days
from rules.path import OPEN_STATUSES, referral_status

from .access import Actor, case_access, guard, may, scope_of, team_opens, visible_cases
from .cases._errors import CaseError
from .cases.assessments import area, current_rows, structured_instruments
from .cases.consent import (
    CONSENT_COLUMNS,
    FAMILY,
    allows,
    consent_rows,
    consent_state,
    consent_states,
    is_active,
)
from .cases.plans import latest_meeting
from .cases.subjects import find_subject, normalise_code
from .chain import write_pending
from .input_rules import refusal, text_problem
from .models import (
    Ask,
    Assessment,
    AuditEntry,
    Consent,
    EmergencyAccess,
    Meeting,
    Outcome,
    Protection,
    Referral,
    Reopening,
    Subject,
)

CONSENT_WARNING = timing.CONSENT_WARNING
QUEUE_COLUMNS = ["referral_id", "case_code", "age", "source", "received_on", "status", "waiting_days", "consent",
                 "synthetic"]
# a report of concern's clocks (rules.clocks): each running clock's last day, and the most urgent alert
CLOCK_QUEUE_COLUMNS = ["report_of_concern", *(f"{name}_due_on" for name in clocks.CLOCKS), "clock_alert"]
QUEUE_COLUMNS += CLOCK_QUEUE_COLUMNS
_CLOCK_DATES = [c for c in clocks.CLOCK_COLUMNS if c not in ("report_of_concern", "received_on")]


def age_on(birth_year: int | None, birth_month: int | None, on: date) -> int | None:
    """Whole years at ``on``; with only a birth month known the day is taken as the 1st."""
    if birth_year is None:
        return None
    return on.year - birth_year - (1 if (birth_month or 1) > on.month else 0)


# -- intake ------------------------------------------------------------------------------------
def intake_queue(session: Session, actor: Actor, today: date, *, sources: list[str] | None = None,
                 statuses: list[str] | None = None, ages: tuple[int, int] | None = None,
                 min_waiting_days: int = 0) -> pd.DataFrame:
    """Referrals of the actor's cases with their step on the path, the longest waiting first.

    ``waiting_days``: days since the referral's last step, for those still open (received, suitable,
    asked, accepted but not started); NA for closed ones. ``consent``: active, expired, withdrawn
    or none. Computed in whole arrays and made a frame once at the end: the queue of a city (tens of
    thousands of referrals) is one query and a few vectorised steps, and a queue of sixty is not forty
    pandas steps of fixed cost (they were a third of an Inkorg run).
    """
    guard(session, actor, "referral.read", audited=False)
    raw = _referral_arrays(session, actor, sources=sources)
    now = np.datetime64(today, "D")
    years = np.array(raw["birth_year"], dtype=float)  # None -> NaN
    months = np.nan_to_num(np.array(raw["birth_month"], dtype=float), nan=1.0)
    age = today.year - years - (months > today.month)
    status = path.statuses(raw)
    last = raw["answered_on"]
    for column in ("asked_on", "decided_on", "received_on"):  # the latest step taken
        last = np.where(np.isnat(last), raw[column], last)
    waiting = (now - last).astype(float)  # whole days; NaT -> NaN
    waiting[~np.isin(status, OPEN_STATUSES)] = np.nan
    consent = _lookup(_consent_states(session, actor, today), raw["subject_id"], "none")
    concern = raw["report_of_concern"] == True  # noqa: E712 (None is not a report of concern)
    states = clocks.clock_arrays(concern, raw, today, config.concern_clocks())
    keep = np.ones(len(status), dtype=bool)
    if statuses:
        keep &= np.isin(status, statuses)
    if ages:
        keep &= np.isnan(age) | ((age >= ages[0]) & (age <= ages[1]))
    if min_waiting_days:
        keep &= np.nan_to_num(waiting, nan=-1) >= min_waiting_days
    # the longest waiting first (closed ones last), then the oldest referral
    order = np.lexsort((raw["received_on"], np.where(np.isnan(waiting), np.inf, -waiting)))
    order = order[keep[order]]
    columns = {"referral_id": raw["referral_id"].astype(np.int64), "case_code": raw["case_code"],
               "age": pd.array(age[order], dtype="Int64"), "source": raw["source"],
               "received_on": raw["received_on"].astype(object), "status": status,
               "waiting_days": pd.array(waiting[order], dtype="Int64"), "consent": consent,
               "synthetic": raw["synthetic"].astype(bool), "report_of_concern": concern}
    for name, (due, state) in states.items():  # a running clock's last day; none once met or late
        columns[f"{name}_due_on"] = np.where(np.isin(state, ("running", "soon", "passed")), due,
                                             np.datetime64("NaT")).astype(object)  # date, or None
    columns["clock_alert"] = clocks.most_urgent_of([state for _, state in states.values()])
    # kept as objects: pandas 3 would make a column of words and None into text with NaN for the gaps
    kept = {"clock_alert", *(f"{name}_due_on" for name in states)}
    frame = pd.DataFrame({c: v if isinstance(v, pd.api.extensions.ExtensionArray)
                          else pd.Series(v[order], dtype=object) if c in kept else v[order]
                          for c, v in columns.items()})
    guard(session, actor, "referral.read", detail=f"intake queue: {len(frame)} rows", verb="list")
    return frame[QUEUE_COLUMNS]


_REFERRAL_ARRAYS = ("referral_id", "subject_id", "case_code", "birth_year", "birth_month", "source", "suitable",
                    "accepted", "synthetic", "report_of_concern", *path.REFERRAL_DATES, *_CLOCK_DATES)


def _referral_arrays(session: Session, actor: Actor, *, sources: list[str] | None = None,
                     concern_only: bool = False) -> dict[str, np.ndarray]:
    """The actor's visible referrals as one array per column (one Core query, no ORM loading): dates as
    ``datetime64[D]`` (NaT for none), the rest as they are stored (None for none). Unchecked: callers guard."""
    dates = (*path.REFERRAL_DATES, *_CLOCK_DATES)
    query = select(Referral.id, Referral.subject_id, Subject.case_code, Subject.birth_year, Subject.birth_month,
                   Referral.source, Referral.suitable, Referral.accepted, Subject.synthetic,
                   Referral.report_of_concern, *[type_coerce(getattr(Referral, c), String) for c in dates]
                   ).join(Subject, Subject.id == Referral.subject_id).where(visible_cases(actor, "referral.read"))
    if sources:
        query = query.where(Referral.source.in_(sources))
    if concern_only:
        query = query.where(Referral.report_of_concern.is_(True))
    rows = session.connection().execute(query).all()
    values = list(zip(*rows, strict=True)) if rows else [()] * len(_REFERRAL_ARRAYS)
    raw = {name: np.array(column, dtype=object) for name, column in zip(_REFERRAL_ARRAYS[:10], values, strict=False)}
    raw |= {name: stored_day_array(column) for name, column in zip(dates, values[10:], strict=True)}
    return raw


def _lookup(mapping: pd.Series, keys: np.ndarray, missing: object) -> np.ndarray:
    """``mapping[key]`` for every key at once (``missing`` where it has none), by a sorted search."""
    if mapping.empty:
        return np.full(len(keys), missing, dtype=object)
    index = mapping.index.to_numpy()
    order = np.argsort(index, kind="stable")
    index, values = index[order], mapping.to_numpy(object)[order]
    keys = keys.astype(index.dtype) if len(keys) else np.empty(0, dtype=index.dtype)
    at = np.minimum(np.searchsorted(index, keys), len(index) - 1)
    return np.where(index[at] == keys, values[at], missing).astype(object)


CONCERN_ALERT_COLUMNS = ["referral_id", "case_code", "clock", "due_on", "alert"]


def concern_alerts(session: Session, actor: Actor, today: date) -> pd.DataFrame:
    """Every clock of the actor's reports of concern that has passed or runs out within the warning
    (``CONCERN_ALERT_COLUMNS``, one row per clock, the earliest due first), whatever the referral's
    place on the SIG path: the law's clocks run for a youth who declined SIG too. One audited list."""
    guard(session, actor, "referral.read", audited=False)
    raw = _referral_arrays(session, actor, concern_only=True)
    states = clocks.clock_arrays(np.ones(len(raw["referral_id"]), dtype=bool), raw, today, config.concern_clocks())
    parts = [(name, due, state, np.isin(state, clocks.ALERTS)) for name, (due, state) in states.items()]
    due = np.concatenate([d[a] for _, d, _, a in parts])
    codes = np.concatenate([raw["case_code"][a] for *_, a in parts]).astype(object)
    order = np.lexsort((codes.astype(str), due))
    frame = pd.DataFrame({"referral_id": np.concatenate([raw["referral_id"][a] for *_, a in parts]).astype(np.int64),
                          "case_code": codes, "clock": np.concatenate([np.full(a.sum(), n, dtype=object)
                                                                      for n, *_, a in parts]),
                          "due_on": due.astype(object), "alert": np.concatenate([s[a] for *_, s, a in parts])}
                         ).iloc[order].reset_index(drop=True)
    guard(session, actor, "referral.read", detail=f"concern clocks: {len(frame)} alerts", verb="list")
    return frame[CONCERN_ALERT_COLUMNS]


def _consent_states(session: Session, actor: Actor, today: date) -> pd.Series:
    """Subject id -> consent state, for the visible cases that have any consent (one Core query)."""
    columns = [type_coerce(getattr(Consent, c), String) if c.endswith("_on") or c == "valid_until"
               else getattr(Consent, c) for c in CONSENT_COLUMNS]
    rows = session.connection().execute(select(*columns).join(Subject, Subject.id == Consent.subject_id)
                                        .where(visible_cases(actor, "referral.read"))).all()
    return consent_states(pd.DataFrame(list(map(tuple, rows)), columns=CONSENT_COLUMNS), today)


def _referral(session: Session, referral_id: int) -> Referral:
    """Unchecked: the referral or its refusal; each caller guards what it reads of it."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise CaseError(f"no referral with id {referral_id}", "referral.unknown")
    return referral


def referral_by_id(session: Session, actor: Actor, referral_id: int) -> Referral:
    referral = _referral(session, referral_id)
    guard(session, actor, "referral.read", referral.subject_id, detail=f"referral {referral_id}")
    return referral


def referral_checklist(session: Session, actor: Actor, referral_id: int) -> Assessment | None:
    """The checklist the referrer sent with this referral (read and audited as such), or None."""
    referral = _referral(session, referral_id)
    guard(session, actor, "checklist.read", referral.subject_id, detail=f"checklist of referral {referral_id}")
    return session.get(Assessment, referral.checklist_id) if referral.checklist_id else None


def find_cases(session: Session, actor: Actor, text: str = "", limit: int = 50,
               include_closed: bool = False) -> list[str]:
    """Case codes of the actor's cases containing ``text`` (newest first), for the case picker. A
    closed participation leaves the list unless asked for, or searched for by its code."""
    guard(session, actor, "case.list", audited=False)
    if text_problem(text):  # no code holds a control character (and PostgreSQL cannot compare a NUL)
        return []
    query = select(Subject.case_code).where(visible_cases(actor)).order_by(Subject.id.desc()).limit(limit)
    if text.strip():
        query = query.where(Subject.case_code.contains(normalise_code(text)))
    elif not include_closed:
        query = query.where(Subject.closed_on.is_(None))
    codes = list(session.scalars(query))
    guard(session, actor, "case.list", detail=f"case search: {len(codes)} codes", verb="list")
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
    consent: str | None  # active | expired | withdrawn | none; None: not the actor's to see
    consent_until: date | None  # the earliest end among the active consents (when one runs out first)
    consent_actors: tuple[str, ...]
    consent_categories: tuple[str, ...]
    consent_expiring: bool  # active, and ends within 30 days
    shareable: frozenset[tuple[str, str]]  # (recipient, category) pairs an active consent allows today
    next_meeting_on: date | None
    meeting_overdue: bool
    assessments: int
    closed_on: date | None = None
    closed_reason: str | None = None
    closing_summary: str | None = None
    has_closing_assessment: bool = False
    # each recipient the active consents cover, and the last day any of them covers it (two consents can
    # end on different days: the header must not promise the later date for every recipient)
    consent_until_by_actor: tuple[tuple[str, date], ...] = ()
    # the actor reads this case only under emergency access, until then (UTC): the page says what it covers
    emergency_until: datetime | None = None
    protected: bool = False  # protected identity: no family name or number on the page or in its documents


def emergency_until(session: Session, actor: Actor, subject_id: int) -> datetime | None:
    """When the actor's emergency access to the case ends, if that is their only way in (not their team's
    case, not assigned to them); None otherwise. Part of a guarded read."""
    access = case_access(session, actor, subject_id)
    if not access.emergency or team_opens(access, actor, "case.read") or access.assigned:
        return None
    return session.scalar(select(func.max(EmergencyAccess.expires_at)).where(
        EmergencyAccess.subject_id == subject_id, EmergencyAccess.login == actor.who))


def case_overview(session: Session, actor: Actor, case_code: str, today: date) -> CaseOverview:
    """The case header: who (pseudonymously), consent and its expiry, the next network meeting.
    Parts the actor's roles do not cover (an intake worker: consent, plan) are left empty."""
    subject = find_subject(session, case_code)
    guard(session, actor, "case.read", subject.id, detail="case overview")
    consents = consent_rows(session, subject.id) if may(actor, "consent.read") else None
    active = [c for c in consents or [] if is_active(c, today)]
    by_actor: dict[str, date] = {}
    for c in active:
        for a in c.actors:
            by_actor[a] = max(by_actor.get(a, c.valid_until), c.valid_until)
    until = min(by_actor.values(), default=None)
    plan = latest_meeting(session, subject.id) if may(actor, "plan.read") else None
    latest = max(subject.referrals, key=lambda r: r.received_on, default=None)
    count = session.scalar(select(func.count()).select_from(Assessment).where(Assessment.subject_id == subject.id))
    return CaseOverview(
        subject_id=subject.id, case_code=subject.case_code, age=age_on(subject.birth_year, subject.birth_month, today),
        gender=subject.gender, district=subject.district, synthetic=subject.synthetic,
        status="closed" if subject.closed_on is not None else referral_status(latest) if latest else None,
        consent=None if consents is None else consent_state(consents, today), consent_until=until,
        consent_until_by_actor=tuple(sorted(by_actor.items())),
        consent_actors=tuple(sorted(by_actor)),
        consent_categories=tuple(sorted({a for c in active for a in c.categories})),
        consent_expiring=until is not None and until - today <= CONSENT_WARNING,
        shareable=frozenset((r, c) for r in {FAMILY, *(a for x in active for a in x.actors)}
                            for c in {c for x in active for c in x.categories} if allows(active, r, c, today)),
        next_meeting_on=plan.next_meeting_on if plan and subject.closed_on is None else None,  # none after closing
        meeting_overdue=plan is not None and plan.next_meeting_on < today and subject.closed_on is None,
        assessments=count or 0, closed_on=subject.closed_on, closed_reason=subject.closed_reason,
        closing_summary=subject.closing_summary,
        has_closing_assessment=session.scalar(select(func.count()).select_from(Assessment).where(
            Assessment.subject_id == subject.id, Assessment.occasion == "closing", Assessment.status == "final")) > 0,
        emergency_until=emergency_until(session, actor, subject.id), protected=bool(subject.protected),
    )


OUTCOME_VIEW = ["period_start", "period_end", "police_reports", "placement", "placement_days", "placement_cost",
                "occupation", "attendance", "concern_reports", "lvu_applications", "outpatient_cost"]


def outcomes_of(session: Session, actor: Actor, subject_id: int) -> pd.DataFrame:
    """The case's outcome periods, oldest first (one audited read)."""
    guard(session, actor, "outcome.read", subject_id, detail="outcomes")
    rows = session.execute(select(*[getattr(Outcome, c) for c in OUTCOME_VIEW])
                           .where(Outcome.subject_id == subject_id).order_by(Outcome.period_start)).all()
    return pd.DataFrame(list(map(tuple, rows)), columns=OUTCOME_VIEW)


def assessments_of(session: Session, actor: Actor, subject_id: int, instrument_id: str | None = None,
                   include_drafts: bool = True) -> list[Assessment]:
    """The case's assessments the actor may read, in their newest versions, by date (one audited read)."""
    guard(session, actor, "case.read", subject_id, audited=False)
    readable = {kind for kind in ("checklist", "assessment") if may(actor, f"{kind}.read")}
    rows = [a for a in current_rows(session, subject_id, include_drafts=include_drafts)
            if area(a.occasion) in readable and (not instrument_id or a.instrument_id == instrument_id)]
    action = "assessment.read" if "assessment" in readable else "checklist.read"
    guard(session, actor, action, subject_id, detail=f"{len(rows)} assessments")
    return rows


def assessment_by_id(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise CaseError(f"no assessment with id {assessment_id}", "assessment.unknown")
    guard(session, actor, f"{area(row.occasion)}.read", row.subject_id, detail=f"assessment {row.id}")
    return row


def plan_of(session: Session, actor: Actor, subject_id: int) -> Meeting | None:
    """The current action plan (the latest network meeting) with goals and commitments loaded."""
    guard(session, actor, "plan.read", subject_id)
    plan = latest_meeting(session, subject_id)
    if plan is not None:
        _ = plan.goals, plan.commitments  # load while the session is open
    return plan


def meetings_of(session: Session, actor: Actor, subject_id: int) -> list[Meeting]:
    guard(session, actor, "plan.read", subject_id, audited=False)
    rows = list(session.scalars(select(Meeting).where(Meeting.subject_id == subject_id)
                                .order_by(Meeting.held_on.desc(), Meeting.id.desc())))
    for m in rows:
        _ = m.goals, m.commitments
    guard(session, actor, "plan.read", subject_id, detail=f"{len(rows)} meetings")
    return rows


# -- the access log ----------------------------------------------------------------------------
LOG_COLUMNS = ["at", "who", "role", "action", "entity", "case_code", "detail", "reason"]
# audit details that refer to a reason kept with the case: the pattern, and where the reason is
_REASONS = (
    (r"^emergency_access (\d+)$", EmergencyAccess, EmergencyAccess.reason),
    (r"^reopening (\d+)$", Reopening, Reopening.reason),
    (r"^protection (\d+)$", Protection, Protection.reason),
    (r"^\d+: correction (\d+)$", Assessment, Assessment.correction_reason),
)


def _reasons(session: Session, details: pd.Series) -> pd.Series:
    """The reasons the log's rows refer to, in full (emergency access, reopening, correction), looked up
    in one query per kind. A gallrad case's reasons are gone, and so the row shows none."""
    reasons = pd.Series(None, index=details.index, dtype=object)
    text = details.fillna("").astype(str)
    for pattern, model, column in _REASONS:
        ids = text.str.extract(pattern, expand=False).dropna().astype(int)
        if ids.empty:
            continue
        found = dict(session.execute(select(model.id, column).where(model.id.in_(sorted(set(ids))))).all())
        reasons.loc[ids.index] = ids.map(found)
    return reasons


def access_log(session: Session, actor: Actor, *, case_code: str | None = None, login: str | None = None,
               since: date | None = None, until: date | None = None, actions: list[str] | None = None,
               limit: int = 5000) -> pd.DataFrame:
    """Who read or changed which case, and when (newest first): the youth and guardians may ask.

    A coordinator sees the rows about their teams' cases; an admin every row. Reading the log is
    itself logged."""
    guard(session, actor, "audit.read", audited=False)
    write_pending(session)  # the log as it stands, with what this transaction recorded (a register extract's own)
    for field, value in (("case_code", case_code), ("login", login)):
        if value and text_problem(value):
            raise refusal("text", field)
    query = (select(AuditEntry.at, AuditEntry.who, AuditEntry.role, AuditEntry.action, AuditEntry.entity,
                    Subject.case_code, AuditEntry.detail)
             .outerjoin(Subject, Subject.id == AuditEntry.subject_id)
             .order_by(AuditEntry.id.desc()).limit(limit))
    if scope_of(actor, "audit.read") != "any":
        query = query.where(AuditEntry.subject_id.is_not(None), visible_cases(actor, "audit.read"))
    if case_code:
        query = query.where(Subject.case_code == normalise_code(case_code))
    if login:
        query = query.where(AuditEntry.who == login.strip())
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until + timedelta(days=1))
    if actions:
        query = query.where(AuditEntry.action.in_(actions))
    frame = pd.DataFrame(list(map(tuple, session.execute(query).all())), columns=LOG_COLUMNS[:-1])
    frame["reason"] = _reasons(session, frame["detail"])
    guard(session, actor, "audit.read", detail=f"access log: case={case_code or '*'} user={login or '*'} "
                                               f"{since or ''}..{until or ''}: {len(frame)} rows")
    return frame



def note_download(session: Session, actor: Actor, action: str, what: str) -> None:
    """A table leaves the system as a file: checked against the rule for its data and audited."""
    guard(session, actor, action, detail=what, verb="download")


FOLLOW_UP_MONTHS = timing.FOLLOW_UP_MONTHS  # after closing: how did it go?


def follow_ups_due(session: Session, actor: Actor, today: date) -> pd.DataFrame:
    """Closed cases whose 6- or 12-month follow-up is due and not yet recorded (an outcome period
    reaching the follow-up date counts as recorded). One audited list."""
    guard(session, actor, "case.list", detail="follow-ups due", verb="list")
    reached = (select(Outcome.subject_id, func.max(Outcome.period_end).label("last_end"))
               .group_by(Outcome.subject_id).subquery())
    rows = session.execute(select(Subject.case_code, Subject.closed_on, reached.c.last_end)
                           .outerjoin(reached, reached.c.subject_id == Subject.id)
                           .where(Subject.closed_on.is_not(None), visible_cases(actor, "case.list"))).all()
    columns = ["case_code", "closed_on", "months", "due_on"]
    if not rows:
        return pd.DataFrame(columns=columns)
    # one query and whole arrays: a few dozen closed cases made a frame, a merge and a concat (pandas' fixed
    # cost per step was a seventh of an Inkorg run)
    codes, closed, ends = (np.array(column, dtype=object) for column in zip(*rows, strict=True))
    closed_on = stored_day_array(closed).astype("datetime64[ns]")
    last_end = stored_day_array(ends).astype("datetime64[ns]")
    now = np.datetime64(pd.Timestamp(today), "ns")
    due = {months: add_months_all(closed_on, months) for months in FOLLOW_UP_MONTHS}
    open_ = {months: (days <= now) & ~(last_end >= days) for months, days in due.items()}  # NaT compares False
    frame = pd.DataFrame({"case_code": np.concatenate([codes[o] for o in open_.values()]),
                          "closed_on": np.concatenate([closed[o] for o in open_.values()]),
                          "months": np.concatenate([np.full(o.sum(), m) for m, o in open_.items()]),
                          "due_on": np.concatenate([due[m][o] for m, o in open_.items()])})
    frame["due_on"] = frame["due_on"].dt.date
    return frame.sort_values(["due_on", "case_code"]).reset_index(drop=True)[columns]


MOTIVATION_COLUMNS = ["referral_id", "case_code", "asks", "first_asked_on", "last_asked_on", "other_support",
                      "days_since_last_ask"]


def motivation_list(session: Session, actor: Actor, today: date) -> pd.DataFrame:
    """Youths who said no and stay for motivation (the reports ask them again, several times): each with
    every ask counted, the latest one's date and the support offered instead; the longest since first."""
    guard(session, actor, "referral.read", audited=False)
    rows = session.execute(select(Referral.id, Subject.case_code, Ask.asked_on, Referral.other_support)
                           .join(Subject, Subject.id == Referral.subject_id)
                           .join(Ask, Ask.referral_id == Referral.id)
                           .where(Referral.accepted.is_(False), Referral.started_on.is_(None),
                                  visible_cases(actor, "referral.read"))).all()
    asks = pd.DataFrame(list(map(tuple, rows)), columns=["referral_id", "case_code", "asked_on", "other_support"])
    frame = asks.groupby(["referral_id", "case_code"], as_index=False).agg(
        asks=("asked_on", "size"), first_asked_on=("asked_on", "min"), last_asked_on=("asked_on", "max"),
        other_support=("other_support", "last"))
    frame["days_since_last_ask"] = (pd.Timestamp(today) - stored_days(frame["last_asked_on"])).dt.days
    frame = frame.sort_values(["days_since_last_ask", "case_code"], ascending=[False, True])
    guard(session, actor, "referral.read", detail=f"motivation list: {len(frame)} youths", verb="list")
    return frame.reset_index(drop=True)[MOTIVATION_COLUMNS]


ASSESSMENT_DUE_FROM_DAY = timing.ASSESSMENT_WARN_FROM_DAY  # Västerås: within a week of the yes; warn from day 5


def awaiting_assessment(session: Session, actor: Actor, today: date) -> pd.DataFrame:
    """Youths who said yes, are not started and have no final structured assessment in this episode:
    ``case_code``, ``answered_on``, ``days_since_yes``; the queue warns from day ``ASSESSMENT_DUE_FROM_DAY``.
    An assessment counts only when made on or after this referral's receipt: a youth referred again
    needs a new one, so an earlier episode's assessment does not keep them off the list."""
    guard(session, actor, "referral.read", audited=False)
    assessed = exists().where(Assessment.subject_id == Referral.subject_id, Assessment.status == "final",
                              Assessment.instrument_id.in_(structured_instruments()),
                              Assessment.assessed_on >= Referral.received_on)
    rows = session.execute(select(Subject.case_code, Referral.answered_on)
                           .join(Subject, Subject.id == Referral.subject_id)
                           .where(Referral.accepted.is_(True), Referral.started_on.is_(None),
                                  ~assessed, visible_cases(actor, "referral.read"))).all()
    frame = pd.DataFrame(list(map(tuple, rows)), columns=["case_code", "answered_on"])
    frame["days_since_yes"] = (pd.Timestamp(today) - stored_days(frame["answered_on"])).dt.days
    guard(session, actor, "referral.read", detail=f"awaiting assessment: {len(frame)} youths", verb="list")
    return frame.sort_values("days_since_yes", ascending=False).reset_index(drop=True)
