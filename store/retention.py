"""Gallring: removing (or anonymising) cases whose retention period has run out.

Policy (what ``insats gallring --before DATE`` does; the municipality chooses DATE from its
gallringsbeslut, e.g. five years after the last entry for social services' case files):

- **Due** are cases whose participation was *closed* before DATE, and cases that never started
  (every referral ended as not suitable or declined) whose last decision was before DATE. Open
  cases, cases with an open referral and cases closed on or after DATE are never touched.
- **remove** (default): every row of the case goes - referrals, consents, assessments with all
  their versions, network meetings with goals and commitments, interventions, outcomes, assignments,
  emergency access and its reasons, reopenings and their reasons - and the case itself. The audit log
  stays: it holds no personal data beyond the internal case number and logins (reasons typed for
  emergency access, reopening and correction are kept with the case and only referred to from the log;
  a failed log-in keeps a hash of the name typed). One ``gallring`` row per case says what went and why.
- **anonymise**: what research needs stays (ratings, judgments, dates, outcomes), everything that
  could identify the youth goes: personnummer, birth month, district, the case code (replaced by a
  random ``GALLRAD-`` code), every free-text column (``FREE_TEXT``: rationales, notes, reasons, summaries,
  goals and their owners, commitments, who signed a consent) and the assignments and emergency access.
- Everything happens in one transaction: all due cases or none. The dry run lists the same cases
  without changing anything (and is audited as a listing).

Final assessments are immutable to the database's triggers; gallring lists its cases in
``gallring_permits`` inside its own transaction (and empties it before committing), which is the only
way past them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

import config

from . import audit
from .access import Actor, guard
from .models import (
    AgendaItem,
    Ask,
    Assessment,
    CaseAssessor,
    Commitment,
    Consent,
    EmergencyAccess,
    Event,
    GallringPermit,
    Goal,
    InterventionGiven,
    Meeting,
    Member,
    OutboxMessage,
    Outcome,
    Protection,
    Referral,
    Reopening,
    Subject,
    Team,
)

MODES = ("remove", "anonymise")
DUE_COLUMNS = ["case_code", "team", "why", "since"]


class RetentionError(ValueError):
    pass


def due_for_gallring(session: Session, actor: Actor, before: date) -> pd.DataFrame:
    """The cases the policy says are due (case code, team, why, since when), oldest first."""
    guard(session, actor, "db.gallring", detail=f"cases due before {before}", verb="list")
    return _due(session, before)


def _due(session: Session, before: date) -> pd.DataFrame:
    last_decision = func.max(func.coalesce(Referral.answered_on, Referral.decided_on, Referral.received_on))
    still_open = or_(Referral.suitable.is_(None),  # not screened yet
                     and_(Referral.suitable.is_(True), or_(Referral.accepted.is_(None), Referral.accepted.is_(True))))
    open_referrals = func.sum(case((still_open, 1), else_=0))
    never_started = (select(Referral.subject_id, last_decision.label("since"))
                     .group_by(Referral.subject_id)
                     .having(func.count(Referral.started_on) == 0, open_referrals == 0, last_decision < before)
                     .subquery())
    closed = session.execute(
        select(Subject.id, Subject.case_code, Team.name, Subject.closed_on)
        .outerjoin(Team, Team.id == Subject.team_id)
        .where(Subject.closed_on.is_not(None), Subject.closed_on < before)).all()
    unstarted = session.execute(
        select(Subject.id, Subject.case_code, Team.name, never_started.c.since)
        .join(never_started, never_started.c.subject_id == Subject.id)
        .outerjoin(Team, Team.id == Subject.team_id)
        .where(Subject.closed_on.is_(None))).all()
    rows = [(*row[:3], "closed", row[3]) for row in closed] + [(*row[:3], "never started", row[3]) for row in unstarted]
    frame = pd.DataFrame(rows, columns=["subject_id", *DUE_COLUMNS]).sort_values(["since", "case_code"])
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class GallringReport:
    mode: str
    before: date
    cases: pd.DataFrame  # DUE_COLUMNS
    dry_run: bool


def gallring(session: Session, actor: Actor, before: date, mode: str = "remove", dry_run: bool = False,
             today: date | None = None) -> GallringReport:
    """Apply the policy to every due case in the caller's transaction (all or nothing)."""
    if mode not in MODES:
        raise RetentionError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    if before > (today or config.today()):
        raise RetentionError(f"--before {before} is in the future: retention runs out in the past")
    guard(session, actor, "db.gallring", detail=f"{'dry run: ' if dry_run else ''}{mode} before {before}",
          verb="gallring")
    due = _due(session, before)
    report = GallringReport(mode, before, due[DUE_COLUMNS], dry_run)
    if dry_run or due.empty:
        return report
    ids = [int(i) for i in due["subject_id"]]
    session.execute(GallringPermit.__table__.insert(), [{"subject_id": i} for i in ids])
    if mode == "remove":
        _remove(session, ids)
    else:
        _anonymise(session, ids)
    session.execute(delete(GallringPermit))
    why = dict(zip(due["subject_id"], due["why"] + " " + due["since"].astype(str), strict=True))
    for subject_id in ids:
        audit.record(session, actor, "gallring", "case", subject_id,
                     f"{'removed' if mode == 'remove' else 'anonymised'}: {why[subject_id]}, due before {before}")
    return report


def _forget_same_pnr(session: Session, ids: list[int]) -> None:
    """Referrals of other cases that point at a case whose identity goes (store.referrers) point nowhere."""
    session.execute(update(Referral).where(Referral.same_pnr_as.in_(ids)).values(same_pnr_as=None))


def _remove(session: Session, ids: list[int]) -> None:
    _forget_same_pnr(session, ids)
    meetings = select(Meeting.id).where(Meeting.subject_id.in_(ids))
    session.execute(delete(Goal).where(Goal.meeting_id.in_(meetings)))
    session.execute(delete(Commitment).where(Commitment.meeting_id.in_(meetings)))
    session.execute(update(Referral).where(Referral.subject_id.in_(ids)).values(checklist_id=None))
    session.execute(delete(Ask).where(Ask.referral_id.in_(select(Referral.id).where(Referral.subject_id.in_(ids)))))
    for model in (OutboxMessage, Meeting, Referral, Consent, InterventionGiven, Outcome, CaseAssessor, EmergencyAccess,
                  Member, Event, Reopening, Protection, AgendaItem):
        session.execute(delete(model).where(model.subject_id.in_(ids)))
    # versions point at the ones they replace: newest first
    session.execute(update(Assessment).where(Assessment.subject_id.in_(ids)).values(replaces_id=None))
    session.execute(delete(Assessment).where(Assessment.subject_id.in_(ids)))
    session.execute(delete(Subject).where(Subject.id.in_(ids)))


# every column of a case's rows that holds text a person typed or a person's name: what anonymising
# clears (to NULL, or the value given). A test walks the models and fails on a text column of case data
# that is in neither this table nor KEPT_TEXT, so a new free-text column cannot be forgotten here.
FREE_TEXT: dict[type, dict[str, object]] = {
    Subject: {"pnr_encrypted": None, "pnr_hash": None, "pnr_key_id": None, "birth_month": None, "district": None,
              "closing_summary": None},
    Assessment: {"rationale": None, "notes": None, "correction_reason": None, "age_reason": None, "rater": "gallrad",
                 "updated_by": None},
    Referral: {"suitable_reason": None, "other_support": None, "decided_by": None, "start_reason": None,
               "decision_reference": None},
    Consent: {"signed_by": []},
    Meeting: {"notes": None, "attendees": [], "interval_reason": None},
    Event: {"note": None, "logged_by": "gallrad"},
    Reopening: {"reason": None, "reopened_by": "gallrad"},
    Protection: {"reason": None, "set_by": "gallrad"},
}
# through a meeting or a referral rather than the case
FREE_TEXT_VIA: dict[type, dict[str, object]] = {
    Goal: {"text": "–", "owner": None},
    Commitment: {"what": "–", "actor": "–", "if_cannot": None, "review_note": None},
    Ask: {"other_support": None, "asked_by": "gallrad"},
}


def _anonymise(session: Session, ids: list[int]) -> None:
    _forget_same_pnr(session, ids)
    for subject_id in ids:  # a new random code each (a handful of cases per run)
        session.execute(update(Subject).where(Subject.id == subject_id).values(
            case_code="GALLRAD-" + secrets.token_hex(4).upper()))
    for model, values in FREE_TEXT.items():
        key = model.id if model is Subject else model.subject_id
        session.execute(update(model).where(key.in_(ids)).values(**values))
    meetings = select(Meeting.id).where(Meeting.subject_id.in_(ids))
    referrals = select(Referral.id).where(Referral.subject_id.in_(ids))
    for model, values in FREE_TEXT_VIA.items():
        key = model.referral_id.in_(referrals) if model is Ask else model.meeting_id.in_(meetings)
        session.execute(update(model).where(key).values(**values))
    # named people leave with the case's identity, and the notices that were addressed to them; an agenda
    # item is a member's free text about the youth
    for model in (OutboxMessage, CaseAssessor, EmergencyAccess, Member, AgendaItem):
        session.execute(delete(model).where(model.subject_id.in_(ids)))
