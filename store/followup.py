"""What the follow-up report is made from: one guarded read of dates, counts and ratings.

``report.followup`` (coordinators for their teams, researchers for all) gathers plain frames - no
names, no case codes, no free text - for the cases *started* in the period and for the comparison
group (youths found suitable in the period who did not start; their reference date is the intake
decision). ``services.followup_report`` computes the figures from them with ``scoring.followup``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import views
from .access import Actor, guard, visible_cases
from .cases.consent import CONSENT_COLUMNS, consent_states
from .models import Assessment, Consent, Meeting, Outcome, Referral, Subject, Team

REFERRAL_VIEW = ["subject_id", "received_on", "suitable", "decided_on", "asked_on", "accepted", "answered_on",
                 "started_on", "report_of_concern", "safety_assessed_on", "investigation_decided_on",
                 "investigation_opened_on", "investigation_ended_on"]  # the clocks of a report of concern
OUTCOME_VIEW = ["subject_id", *views.OUTCOME_VIEW]  # every outcome field the case page shows, per youth


@dataclass(frozen=True)
class FollowUpData:
    referrals: pd.DataFrame  # REFERRAL_VIEW, dates as datetime64, of the actor's cases
    started: pd.Series  # subject id -> first start date in the period
    comparison: pd.Series  # subject id -> intake decision (suitable, in the period, never started)
    outcomes: pd.DataFrame  # OUTCOME_VIEW of both groups
    finals: pd.DataFrame  # subject_id, assessed_on, occasion, instrument_id, ratings: final, not checklists
    meetings: pd.DataFrame  # subject_id, held_on
    closed: pd.DataFrame  # subject_id, closed_on, closed_reason of started cases that are closed
    active_consent: frozenset[int]  # started cases with an active consent on the last day of the period
    team_of: dict[int, str]


def _frame(session: Session, statement, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(map(tuple, session.execute(statement).all())), columns=columns)


def follow_up_data(session: Session, actor: Actor, start: date, end: date, team: int | None = None) -> FollowUpData:
    """``team``: only that team's cases (of those the actor may report on); None: all of them."""
    guard(session, actor, "report.followup", verb="report",
          detail=f"follow-up {start}..{end}" + ("" if team is None else f" team {team}"))
    cases = visible_cases(actor, "report.followup")
    if team is not None:
        cases = cases & (Subject.team_id == team)
    referrals = _frame(session, select(*[getattr(Referral, c) for c in REFERRAL_VIEW])
                       .join(Subject, Subject.id == Referral.subject_id)
                       .where(cases), REFERRAL_VIEW)
    for column in ("received_on", "decided_on", "asked_on", "answered_on", "started_on"):
        referrals[column] = pd.to_datetime(referrals[column])
    for column in REFERRAL_VIEW[-4:]:  # the clocks' dates
        referrals[column] = pd.to_datetime(referrals[column])
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    started = referrals[referrals["started_on"].between(lo, hi)].groupby("subject_id")["started_on"].min()
    ever_started = referrals.loc[referrals["started_on"].notna(), "subject_id"]
    suitable = referrals[referrals["suitable"].eq(True) & referrals["decided_on"].between(lo, hi)
                         & ~referrals["subject_id"].isin(ever_started)]
    comparison = suitable.groupby("subject_id")["decided_on"].min()
    ids = [int(i) for i in started.index]
    both = ids + [int(i) for i in comparison.index]
    consents = _frame(session, select(*[getattr(Consent, c) for c in CONSENT_COLUMNS])
                      .where(Consent.subject_id.in_(ids)), CONSENT_COLUMNS)
    states = consent_states(consents, end)
    closed = _frame(session, select(Subject.id, Subject.closed_on, Subject.closed_reason)
                    .where(Subject.id.in_(ids), Subject.closed_on.is_not(None)),
                    ["subject_id", "closed_on", "closed_reason"])
    return FollowUpData(
        referrals=referrals, started=started, comparison=comparison,
        outcomes=_frame(session, select(*[getattr(Outcome, c) for c in OUTCOME_VIEW])
                        .where(Outcome.subject_id.in_(both)), OUTCOME_VIEW),
        finals=_frame(session, select(Assessment.subject_id, Assessment.assessed_on, Assessment.occasion,
                                      Assessment.instrument_id, Assessment.ratings)
                      .where(Assessment.subject_id.in_(ids), Assessment.status == "final",
                             Assessment.occasion != "referral")
                      .order_by(Assessment.subject_id, Assessment.assessed_on, Assessment.id),
                      ["subject_id", "assessed_on", "occasion", "instrument_id", "ratings"]),
        meetings=_frame(session, select(Meeting.subject_id, Meeting.held_on).where(Meeting.subject_id.in_(ids)),
                        ["subject_id", "held_on"]),
        closed=closed, active_consent=frozenset(int(i) for i in states[states == "active"].index),
        team_of=dict(session.execute(select(Subject.id, Team.name).join(Team, Team.id == Subject.team_id)
                                     .where(Subject.id.in_(ids))).all()),
    )
