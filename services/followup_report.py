"""The follow-up report (``insats report follow-up`` and the Uppföljning page): the store's guarded
read (``store.followup.follow_up_data``) turned into the figures municipal SIG reports are judged by,
with ``scoring.followup``. No Streamlit here: the CLI uses it too.
"""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

import config
import instruments
import scoring
from rules import timing
from rules.before_after import OCCUPATIONS, OCCUPIED, Windows
from rules.disclosure import DEFAULT_FLOOR, shown_count, too_small
from scoring import before_after, followup
from scoring.change import paired_change
from scoring.funnel import STEPS
from store import Actor
from store.followup import FollowUpData, follow_up_data
from store.settings import min_cell_floor, report_min_cell
from store.users import team_id

PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}


def follow_up_report(session: Session, actor: Actor, start: date, end: date,
                     window_months: int = timing.OUTCOME_WINDOW_MONTHS, *, published: bool = False,
                     team: str | None = None, raise_to: int = 0,
                     instrument_id: str = "savry-like", by: str = "quarter", after_months: int | None = None,
                     programme_cost_per_year: float | str | None = "setting") -> dict:
    """The report for cases started from ``start`` to ``end`` (inclusive), of ``team`` only when named.

    Outcomes are compared in ``window_months`` before the start and ``after_months`` (default: the same)
    after it, as ``rules.before_after`` defines; the after window is at risk up to today. The programme's
    cost per year is the instance's setting (``config.programme_cost_per_year``) unless given.

    No caller chooses how small a count may be: counts of youths in 1..k-1 are shown as "< k", with k
    from ``rules.disclosure.cell_floor`` (exact only for a coordinator's internal report on their own
    teams; the instance's floor for a researcher, across teams, or when ``published``). ``raise_to``
    can only make k larger."""
    chosen = None if team is None else team_id(session, team)
    k = report_min_cell(min_cell_floor(session).k, actor, "report.followup",
                        teams=None if chosen is None else frozenset({chosen}), published=published)
    cost = config.programme_cost_per_year() if programme_cost_per_year == "setting" else programme_cost_per_year
    windows = Windows(window_months, window_months if after_months is None else after_months)
    return build_report(follow_up_data(session, actor, start, end, chosen), start, end, windows,
                        max(k, raise_to), instrument_id, by, observed_to=config.today(), programme_cost_per_year=cost)


def _records(table: pd.DataFrame, count) -> list[dict]:
    """Rows for JSON: shares as floats (None when there is nothing to share, or when the group's count
    is suppressed: 1 of 2 as 50 % would say what "< 5" hides), started as a count."""
    rows = []
    for r in table.itertuples():
        started = count(int(r.started))
        hidden = isinstance(started, str)
        rows.append({"group": r.group, "started": started, **{
            name: None if hidden or pd.isna(value) else float(value)
            for name, value in (("first_assessment_within_7_days_share", r.first_assessment_within_7_days_share),
                                ("meeting_intervals_within_28_days_share", r.meeting_intervals_within_28_days_share))}})
    return rows


def risk_change(finals: pd.DataFrame, instrument_id: str) -> dict:
    """First and last final assessment of each youth (with two or more) of one instrument: paired
    change in the risk and protective totals, as the Forskning page computes it."""
    inst = instruments.load(instrument_id)
    rows = finals[finals["instrument_id"] == inst.id]
    if rows.empty:
        return {"instrument": inst.id, "n": 0}
    wide = pd.DataFrame(list(rows["ratings"]), columns=inst.item_ids)
    scores = scoring.score(inst, wide.astype(object).where(wide.notna(), None), allow_missing_items=True)
    scores["subject_id"] = rows["subject_id"].to_numpy()
    first, last = scores.groupby("subject_id").first(), scores.groupby("subject_id").last()
    counts = scores.groupby("subject_id").size()
    paired = counts[counts >= 2].index
    out = {"instrument": inst.id, "n": len(paired)}
    for name in ("risk_total", "protective_total"):
        if name in scores and len(paired):
            r = paired_change(first.loc[paired, name].to_numpy(float), last.loc[paired, name].to_numpy(float))
            out[name] = {k: r.get(k) for k in ("pre_mean", "post_mean", "mean_change", "wilcoxon_p")}
    return out


def concern_clocks(referrals: pd.DataFrame, start: date, end: date, count, min_cell: int) -> dict:
    """The shares of reports of concern whose clocks were met (``scoring.followup.concern_clocks``, with
    the instance's periods), as the other process indicators: each share beside the count it is of (through
    ``count``), and none of fewer than ``min_cell``. No count of those met: "< 5 of 5" beside its share
    would say what the suppression hides."""
    shares = followup.concern_clocks(referrals, start, end, config.concern_clocks())
    out: dict = {"reports": count(shares.pop("reports"))}
    for key, figures in shares.items():
        hidden = too_small(figures["counted"], min_cell)
        out[key] = {"counted": count(figures["counted"]), "met_share": None if hidden else figures["met_share"]}
    return out


def build_report(data: FollowUpData, start: date, end: date,
                 window_months: int | Windows = timing.OUTCOME_WINDOW_MONTHS, min_cell: int = DEFAULT_FLOOR,
                 instrument_id: str = "savry-like", by: str = "quarter", *, observed_to: date | None = None,
                 programme_cost_per_year: float | None = None) -> dict:
    """The figures from the guarded read; ``min_cell``: the k that ``follow_up_report`` decided."""
    windows = window_months if isinstance(window_months, Windows) else Windows(window_months, window_months)
    referrals, started, meetings, finals = data.referrals, data.started, data.meetings, data.finals
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    ids = [int(i) for i in started.index]
    yes = referrals[referrals["started_on"].between(lo, hi)].groupby("subject_id")["answered_on"].min()
    first_final = pd.to_datetime(finals.groupby("subject_id")["assessed_on"].min()) if not finals.empty \
        else pd.Series(dtype="datetime64[ns]")
    closed = data.closed
    closing_done = finals.loc[finals["occasion"] == "closing", "subject_id"].unique()
    last_occupation = (data.outcomes[data.outcomes["subject_id"].isin(closed["subject_id"])]
                       .sort_values("period_end").groupby("subject_id")["occupation"].last())
    received = referrals[referrals["received_on"].between(lo, hi)]
    by_period = followup.indicators_by(started.dt.to_period(PERIODS[by]).astype(str), yes, first_final, meetings)
    by_team = followup.indicators_by(pd.Series(data.team_of, dtype=object).reindex(started.index).fillna("-"),
                                     yes, first_final, meetings)

    def count(n: int) -> int | str:
        return shown_count(n, min_cell)

    suitable = referrals["decided_on"].between(lo, hi) & referrals["suitable"].eq(True)
    accepted = referrals["answered_on"].between(lo, hi) & referrals["accepted"].eq(True)
    report = {
        "period": {"from": start.isoformat(), "to": end.isoformat(), "window_months": windows.before,
                   "after_months": windows.after},
        "min_cell": min_cell,  # counts of 1..min_cell-1 youths are shown as "< min_cell" (1: exact)
        "cases_started": count(len(ids)),
        "funnel": {step: count(int(n)) for step, n in zip(STEPS, (
            len(received), suitable.sum(), referrals["asked_on"].between(lo, hi).sum(), accepted.sum(),
            referrals["started_on"].between(lo, hi).sum()), strict=True)},
        "days_referral_to_decision": followup.days_to_decision(received["received_on"], received["decided_on"]),
        "first_assessment_within_7_days_share": followup.first_assessment_within(yes, first_final),
        "meeting_intervals_within_28_days_share": followup.meeting_intervals_within(meetings),
        "started_with_active_consent_share": followup.share(np.isin(ids, list(data.active_consent))),
        "started_with_action_plan_share": followup.share(np.isin(ids, meetings["subject_id"].unique())),
        "by_" + by: _records(by_period, count),
        "by_team": _records(by_team, count),
        "closed": {reason: count(n) for reason, n in closed["closed_reason"].value_counts().sort_index().items()},
        "closed_with_closing_assessment_share": followup.share(closed["subject_id"].isin(closing_done)),
        "occupation_at_closing_share": followup.share(last_occupation.isin(OCCUPIED)),
        "occupation_at_closing": {kind: count(int((last_occupation == kind).sum()))
                                  for kind in ("school", "work", "training", "none")},
        **occupation_after_start(data.outcomes, started, observed_to, count),
        "outcomes": followup.outcome_windows(data.outcomes, started, windows, observed_to),
        "placement_by_year": before_after.by_year(data.outcomes, started.index),
        "risk_change": risk_change(finals, instrument_id),
        "concern_clocks": concern_clocks(referrals, start, end, count, min_cell),
        "comparison_group": {
            "note": "found suitable in the period but not started (declined or not offered); not randomised",
            "youths": count(len(data.comparison)),
            "outcomes": followup.outcome_windows(data.outcomes, data.comparison, windows, observed_to),
        },
    }
    report["net"] = before_after.net_per_month(report["outcomes"], programme_cost_per_year)
    if too_small(report["outcomes"]["youths_followed"], min_cell):  # the months at risk would count them
        report["net"].update(placement_cost_per_month_before=None, placement_cost_per_month_after=None,
                             net_per_month=None)
    for outcomes in (report["outcomes"], report["comparison_group"]["outcomes"]):
        _hide_followed(outcomes, min_cell)
    report["outcomes"]["youths"] = count(report["outcomes"]["youths"])
    if too_small(report["risk_change"]["n"], min_cell):  # a mean of fewer than k youths is theirs
        report["risk_change"] = {"instrument": report["risk_change"]["instrument"], "n": report["risk_change"]["n"]}
    report["risk_change"]["n"] = count(report["risk_change"]["n"])
    report["comparison_group"]["outcomes"]["youths"] = count(report["comparison_group"]["outcomes"]["youths"])
    return report


def _hide_followed(outcomes: dict, k: int) -> None:
    """Youths followed (with any outcome period) as a count; when 1..k-1, the months at risk and the rates
    per month go too, since months at risk over the window's months would count the youths again."""
    followed = outcomes["youths_followed"]
    outcomes["youths_followed"] = shown_count(followed, k)
    if too_small(followed, k):
        for side in before_after.SIDES:
            outcomes[side]["months_at_risk"] = None
            outcomes[side]["per_month"] = dict.fromkeys(outcomes[side]["per_month"])


def occupation_after_start(outcomes: pd.DataFrame, started: pd.Series, observed_to: date | None, count) -> dict:
    """Occupation 6 and 12 months after the start (``rules.timing.OCCUPATION_AFTER_START_MONTHS``), beside
    the closing figure: per checkpoint the youths whose day has come (``due``), those with an outcome period
    covering it (``recorded``), the count per occupation and the share occupied of those recorded (None
    when the recorded count is hidden: 1 of 2 as 50 % would say what "< k" hides)."""
    out = {}
    for months in timing.OCCUPATION_AFTER_START_MONTHS:
        found = before_after.occupation_after(outcomes, started, months, observed_to)
        recorded = found.dropna()
        shown = count(int(recorded.size))
        out[f"occupation_after_{months}_months"] = {
            "due": count(int(found.size)), "recorded": shown,
            **{kind: count(int((recorded == kind).sum())) for kind in OCCUPATIONS}}
        out[f"occupation_after_{months}_months_share"] = (None if isinstance(shown, str)
                                                          else followup.share(recorded.isin(OCCUPIED)))
    return out


def figures(report: dict) -> list[tuple[str, object]]:
    """The report as one figure per row, for a spreadsheet: each path (``by_team.0.started``) with a
    single value in its cell, never a Python dict or list (a list of rows is numbered from 0)."""
    out: list[tuple[str, object]] = []

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                walk(f"{prefix}.{i}", item)
        else:
            out.append((prefix, value))

    walk("", report)
    return out


def report_json(report: dict) -> str:
    """The report as valid JSON (the CLI's ``--format json`` and the app's download): a figure that could
    not be computed (NaN, an infinity) is null, which JSON has, never ``NaN`` or ``Infinity``, which it
    has not."""
    return json.dumps(_finite(report), indent=1, ensure_ascii=False, allow_nan=False)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
