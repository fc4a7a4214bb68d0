"""The follow-up report: what a coordinator hands the social welfare committee, from the case records.

One guarded read (``report.followup``: coordinators for their teams, researchers for all) gathers plain
frames of dates and counts - no names, no codes, no free text - and ``scoring.followup`` computes the
figures. Cases *started* in the period are the cohort; the comparison group is youths found suitable
in the period who did not start (declined, or not yet offered), whose reference date is the intake
decision. It is not randomised, and the report says so.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import followup
from scoring.funnel import STEPS
from scoring.privacy import shown_as

from .access import Actor, guard, visible_cases
from .cases.consent import CONSENT_COLUMNS, consent_states
from .models import Assessment, Consent, Meeting, Outcome, Referral, Subject, Team

OCCUPIED = ("school", "work", "training")


def _frame(session: Session, statement, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(map(tuple, session.execute(statement).all())), columns=columns)


def _records(table: pd.DataFrame, count) -> list[dict]:
    """Rows for JSON: shares as floats (None when there is nothing to share), started as a count."""
    return [{"group": r.group, "started": count(int(r.started)),
             "first_assessment_within_7_days_share": None if pd.isna(r.first_assessment_within_7_days_share)
             else float(r.first_assessment_within_7_days_share),
             "meeting_intervals_within_28_days_share": None if pd.isna(r.meeting_intervals_within_28_days_share)
             else float(r.meeting_intervals_within_28_days_share)} for r in table.itertuples()]


def _risk_change(session: Session, ids: list[int], instrument_id: str) -> dict:
    """First and last final assessment of each started youth (with two or more): paired change in the
    risk and protective totals, as the Forskning page computes it."""
    import instruments
    import scoring
    from scoring.change import paired_change

    inst = instruments.load(instrument_id)
    rows = session.execute(select(Assessment.subject_id, Assessment.assessed_on, Assessment.id, Assessment.ratings)
                           .where(Assessment.subject_id.in_(ids), Assessment.instrument_id == inst.id,
                                  Assessment.status == "final", Assessment.occasion != "referral")
                           .order_by(Assessment.subject_id, Assessment.assessed_on, Assessment.id)).all()
    frame = pd.DataFrame([{"subject_id": r.subject_id, **(r.ratings or {})} for r in rows],
                         columns=["subject_id", *inst.item_ids])
    if frame.empty:
        return {"instrument": inst.id, "n": 0}
    scores = scoring.score(inst, frame[inst.item_ids].astype(object).where(frame[inst.item_ids].notna(), None),
                           allow_missing_items=True)
    scores["subject_id"] = frame["subject_id"].to_numpy()
    first, last = scores.groupby("subject_id").first(), scores.groupby("subject_id").last()
    counts = scores.groupby("subject_id").size()
    paired = counts[counts >= 2].index
    out = {"instrument": inst.id, "n": len(paired)}
    for name in ("risk_total", "protective_total"):
        if name in scores and len(paired):
            r = paired_change(first.loc[paired, name].to_numpy(float), last.loc[paired, name].to_numpy(float))
            out[name] = {k: r.get(k) for k in ("pre_mean", "post_mean", "mean_change", "wilcoxon_p")}
    return out


PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}


def follow_up_report(session: Session, actor: Actor, start: date, end: date, window_months: int = 12,
                     min_cell: int = 0, instrument_id: str = "savry-like", by: str = "quarter") -> dict:
    """The report for cases started from ``start`` to ``end`` (inclusive). ``min_cell``: counts of
    youths in 1..min_cell-1 are shown as "< min_cell" (5 for a published report)."""
    guard(session, actor, "report.followup", detail=f"follow-up {start}..{end}", verb="report")
    visible = visible_cases(actor, "report.followup")
    referrals = _frame(session, select(Referral.subject_id, Referral.received_on, Referral.suitable,
                                       Referral.decided_on, Referral.asked_on, Referral.accepted,
                                       Referral.answered_on, Referral.started_on)
                       .join(Subject, Subject.id == Referral.subject_id).where(visible),
                       ["subject_id", "received_on", "suitable", "decided_on", "asked_on", "accepted",
                        "answered_on", "started_on"])
    for column in ("received_on", "decided_on", "asked_on", "answered_on", "started_on"):
        referrals[column] = pd.to_datetime(referrals[column])
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    in_period = referrals["started_on"].between(lo, hi)
    started = referrals[in_period].groupby("subject_id")["started_on"].min()
    ids = [int(i) for i in started.index]
    suitable = referrals[referrals["suitable"].eq(True) & referrals["decided_on"].between(lo, hi)]
    comparison = suitable[~suitable["subject_id"].isin(referrals.loc[referrals["started_on"].notna(),
                                                                     "subject_id"])]
    comparison_ref = comparison.groupby("subject_id")["decided_on"].min()
    outcomes = _frame(session, select(Outcome.subject_id, Outcome.period_start, Outcome.period_end,
                                      Outcome.police_reports, Outcome.placement, Outcome.placement_days,
                                      Outcome.placement_cost, Outcome.occupation, Outcome.attendance,
                                      Outcome.concern_reports, Outcome.lvu_applications, Outcome.outpatient_cost)
                      .where(Outcome.subject_id.in_(ids + [int(i) for i in comparison_ref.index])),
                      [*followup.OUTCOME_COLUMNS, "occupation", "attendance", *followup.EXTRA_MEASURES])
    finals = _frame(session, select(Assessment.subject_id, Assessment.assessed_on, Assessment.occasion)
                    .where(Assessment.subject_id.in_(ids), Assessment.status == "final",
                           Assessment.occasion != "referral"), ["subject_id", "assessed_on", "occasion"])
    meetings = _frame(session, select(Meeting.subject_id, Meeting.held_on).where(Meeting.subject_id.in_(ids)),
                      ["subject_id", "held_on"])
    subjects = _frame(session, select(Subject.id, Subject.closed_on, Subject.closed_reason)
                      .where(Subject.id.in_(ids)), ["subject_id", "closed_on", "closed_reason"])
    consents = _frame(session, select(*[getattr(Consent, c) for c in CONSENT_COLUMNS])
                      .where(Consent.subject_id.in_(ids)), CONSENT_COLUMNS)

    yes = referrals[in_period].groupby("subject_id")["answered_on"].min()
    first_final = pd.to_datetime(finals.groupby("subject_id")["assessed_on"].min()) if not finals.empty \
        else pd.Series(dtype="datetime64[ns]")
    closed = subjects[subjects["closed_on"].notna()]
    closing_done = finals[finals["occasion"] == "closing"]["subject_id"].unique()
    with_plan = set(meetings["subject_id"])
    states = consent_states(consents, end)
    active_consent = set(states[states == "active"].index)
    last_occupation = (outcomes[outcomes["subject_id"].isin(closed["subject_id"])]
                       .sort_values("period_end").groupby("subject_id")["occupation"].last())
    received = referrals[referrals["received_on"].between(lo, hi)]
    team_of = dict(session.execute(select(Subject.id, Team.name).join(Team, Team.id == Subject.team_id)
                                   .where(Subject.id.in_(ids))).all())
    by_period = followup.indicators_by(started.dt.to_period(PERIODS[by]).astype(str), yes, first_final, meetings)
    by_team = followup.indicators_by(pd.Series(team_of).reindex(started.index).fillna("-"), yes, first_final,
                                     meetings)

    def count(n: int) -> int | str:
        return shown_as(min_cell) if 0 < n < min_cell else int(n)

    report = {
        "period": {"from": start.isoformat(), "to": end.isoformat(), "window_months": window_months},
        "cases_started": count(len(ids)),
        "funnel": {step: count(n) for step, n in zip(STEPS, (
            len(received), int(referrals["decided_on"].between(lo, hi).where(referrals["suitable"].eq(True),
                                                                              False).sum()),
            int(referrals["asked_on"].between(lo, hi).sum()),
            int(referrals["answered_on"].between(lo, hi).where(referrals["accepted"].eq(True), False).sum())),
            strict=True)},
        "days_referral_to_decision": followup.days_to_decision(received["received_on"], received["decided_on"]),
        "first_assessment_within_7_days_share": followup.first_assessment_within(yes, first_final),
        "meeting_intervals_within_28_days_share": followup.meeting_intervals_within(meetings),
        "started_with_active_consent_share": followup.share(np.isin(ids, list(active_consent))),
        "started_with_action_plan_share": followup.share(np.isin(ids, list(with_plan))),
        "by_" + by: _records(by_period, count),
        "by_team": _records(by_team, count),
        "closed": {reason: count(n) for reason, n in closed["closed_reason"].value_counts().sort_index().items()},
        "closed_with_closing_assessment_share": followup.share(closed["subject_id"].isin(closing_done)),
        "occupation_at_closing_share": followup.share(last_occupation.isin(OCCUPIED)),
        "outcomes": followup.outcome_windows(outcomes, started, window_months),
        "risk_change": _risk_change(session, ids, instrument_id),
        "comparison_group": {
            "note": "found suitable in the period but not started (declined or not offered); not randomised",
            "youths": count(len(comparison_ref)),
            "outcomes": followup.outcome_windows(outcomes, comparison_ref, window_months),
        },
    }
    report["outcomes"]["youths"] = count(report["outcomes"]["youths"])
    report["risk_change"]["n"] = count(report["risk_change"]["n"])
    report["comparison_group"]["outcomes"]["youths"] = count(report["comparison_group"]["outcomes"]["youths"])
    return report
