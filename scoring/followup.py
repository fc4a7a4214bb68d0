"""The figures municipal SIG reports are judged by, computed column-wise from plain frames.

- ``outcome_windows``: police reports, placements, placement days and cost in the window before each
  youth's start and the window after it, as ``rules.before_after`` defines them (``scoring.before_after``).
- ``process_indicators``: days from referral to decision, the share of first final assessments within
  7 days of the youth's yes, the share of network-meeting intervals of at most 28 days, the share of
  started cases with an active consent and an action plan, the share of closed cases with a closing
  assessment, closing reasons.
- ``concern_clocks``: the shares of reports of concern whose safety assessment, decision whether to
  investigate and investigation met the law's clocks (``rules.clocks``).

Pure functions: frames in, numbers out; no database.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from rules import clocks, timing
from rules.before_after import Windows

from .before_after import EXTRA_MEASURES, MEASURES, PLACEMENT_TYPES, windows_summary  # noqa: F401

OUTCOME_COLUMNS = ["subject_id", "period_start", "period_end", "police_reports", "placement", "placement_days",
                   "placement_cost"]


def outcome_windows(outcomes: pd.DataFrame, starts: pd.Series,
                    window_months: int | Windows = timing.OUTCOME_WINDOW_MONTHS,
                    observed_to: date | None = None) -> dict:
    """Totals before and after the start, over every started youth: ``scoring.before_after`` (the one
    definition, ``rules.before_after``). ``outcomes``: ``OUTCOME_COLUMNS``; ``starts``: subject id -> start
    date; periods of youths without a start are ignored. Returns ``{"before": {...}, "after": {...}}`` with
    ``MEASURES``, ``placement_cost_by_type``, the months at risk and the rates per month, and the youths."""
    return windows_summary(outcomes, starts, window_months, observed_to)


def share(hits: np.ndarray | pd.Series, of: np.ndarray | pd.Series | None = None) -> float | None:
    """hits / cases (None when there are no cases)."""
    hits = np.asarray(hits, bool)
    base = hits.size if of is None else int(np.asarray(of, bool).sum())
    return None if base == 0 else float(hits.sum()) / base


def _intervals(meetings: pd.DataFrame, days: int) -> pd.DataFrame:
    """Each interval between consecutive network meetings of the same youth: subject_id and whether
    it was at most ``days`` (1.0 or 0.0). The one definition behind the overall and per-group shares."""
    ordered = meetings.sort_values(["subject_id", "held_on"])
    gaps = pd.to_datetime(ordered["held_on"]).diff().dt.days.to_numpy()
    same = ordered["subject_id"].eq(ordered["subject_id"].shift()).to_numpy()
    return pd.DataFrame({"subject_id": ordered["subject_id"].to_numpy()[same],
                         "ok": (gaps[same] <= days).astype(float)})


def _within(yes: pd.Series, first_final: pd.Series, youths: pd.Index, days: int) -> pd.Series:
    """Per youth: 1.0 when the first final assessment came 0..``days`` days after the yes, 0.0 when
    not (or not yet), NaN when there is no yes."""
    said_yes = pd.to_datetime(yes.reindex(youths))
    waited = (pd.to_datetime(first_final.reindex(youths)) - said_yes).dt.days
    return ((waited >= 0) & (waited <= days)).astype(float).where(said_yes.notna())


def meeting_intervals_within(meetings: pd.DataFrame, days: int = timing.MEETING_INTERVAL.days) -> float | None:
    """Share of intervals between consecutive network meetings of the same youth of at most ``days``."""
    ok = _intervals(meetings, days)["ok"] if not meetings.empty else pd.Series(dtype=float)
    return None if ok.empty else float(ok.mean())


def first_assessment_within(yes: pd.Series, first_final: pd.Series,
                            days: int = timing.FIRST_ASSESSMENT_WITHIN.days) -> float | None:
    """Share of youths whose first final assessment came within ``days`` of their yes (subject id index)."""
    said_yes = yes.dropna()
    return None if said_yes.empty else float(_within(said_yes, first_final, said_yes.index, days).mean())


def days_to_decision(received: pd.Series, decided: pd.Series) -> dict:
    waited = (pd.to_datetime(decided) - pd.to_datetime(received)).dt.days.dropna()
    if waited.empty:
        return {"n": 0, "median": None, "mean": None}
    return {"n": int(waited.size), "median": float(waited.median()), "mean": float(waited.mean())}


def indicators_by(group: pd.Series, yes: pd.Series, first_final: pd.Series, meetings: pd.DataFrame,
                  days: int = timing.FIRST_ASSESSMENT_WITHIN.days,
                  interval: int = timing.MEETING_INTERVAL.days) -> pd.DataFrame:
    """The process indicators per group (a period of the start, a team): ``group`` maps each started
    youth (subject id) to its group. Columns: group, started, first_assessment_within_7_days_share,
    meeting_intervals_within_28_days_share."""
    columns = ["group", "started", "first_assessment_within_7_days_share", "meeting_intervals_within_28_days_share"]
    if group.empty:
        return pd.DataFrame(columns=columns)
    within = _within(yes, first_final, group.index, days)
    per = pd.DataFrame({"group": group.to_numpy(), "within": within.to_numpy()}, index=group.index)
    table = per.groupby("group").agg(started=("within", "size"),
                                     first_assessment_within_7_days_share=("within", "mean"))
    if not meetings.empty:
        intervals = _intervals(meetings, interval).assign(group=lambda f: f["subject_id"].map(group))
        table["meeting_intervals_within_28_days_share"] = intervals.groupby("group")["ok"].mean()
    else:
        table["meeting_intervals_within_28_days_share"] = np.nan
    return table.reset_index()[columns]


CONCERN_CLOCK_KEYS = {"safety": "safety_assessment", "decision": "investigation_decision",
                      "investigation": "investigation"}


def concern_clocks(referrals: pd.DataFrame, start, end, settings: clocks.ConcernClocks = clocks.DEFAULT) -> dict:
    """How often the clocks of the reports of concern were met, as of the period's last day.

    ``referrals``: ``rules.clocks.CLOCK_COLUMNS`` (datetime64). The safety assessment and the decision
    count the reports received in the period, the investigation those opened in it. A step recorded
    after ``end`` had not happened by then. A clock still running on ``end`` (not passed, not stopped)
    is not counted yet; one stopped after its day, or passed, counts as not met. Returns per clock
    ``counted`` and ``met`` (whole numbers) and ``met_share`` (None with nothing counted), and
    ``reports``, the reports of concern received in the period."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    frame = referrals[list(clocks.CLOCK_COLUMNS)].copy()
    for column in clocks.CLOCK_COLUMNS[1:]:
        day = pd.to_datetime(frame[column])
        frame[column] = day.where(day <= hi)  # after the period: not yet happened
    frame["report_of_concern"] = frame["report_of_concern"].fillna(False).astype(bool)
    state = clocks.clock_frame(frame, hi.date(), settings)
    out: dict = {"reports": int((frame["report_of_concern"] & pd.to_datetime(frame["received_on"])
                                 .between(lo, hi)).sum())}
    for name, (begins, _) in clocks.CLOCKS.items():
        in_period = pd.to_datetime(frame[begins]).between(lo, hi).to_numpy()
        decided = state[f"{name}_state"].isin(("met", "late", "passed")).to_numpy() & in_period
        met = state[f"{name}_state"].eq("met").to_numpy() & decided
        out[CONCERN_CLOCK_KEYS[name]] = {"counted": int(decided.sum()), "met": int(met.sum()),
                                         "met_share": share(met[decided])}
    return out
