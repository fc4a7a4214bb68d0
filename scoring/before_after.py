"""Before and after the start, column-wise: the maths of ``rules.before_after`` (read its docstring
for the definition). Frames in, frames out; no database. Every reader of outcomes around the start -
the follow-up report, the Forskning page, the research export - goes through ``split``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from rules.before_after import OCCUPATIONS, Windows

SIDES = ("before", "after")
MEASURES = ("police_reports", "placements", "placement_days", "placement_cost")
SPLIT_MEASURES = ("police_reports", "placement_days", "placement_cost")  # shared out by days
EXTRA_MEASURES = ("concern_reports", "lvu_applications", "outpatient_cost")  # optional columns, summed
PLACEMENT_TYPES = ("SiS", "HVB", "family_home")


def days(values) -> np.ndarray:
    """Dates (datetime64, Timestamps or date objects) as whole day numbers."""
    return pd.to_datetime(pd.Series(values)).to_numpy("datetime64[D]").astype(np.int64)


def _windows(windows: Windows | int) -> Windows:
    return windows if isinstance(windows, Windows) else Windows(windows, windows)


def _starts(starts: pd.Series) -> pd.Series:
    return pd.to_datetime(pd.Series(starts, dtype="datetime64[ns]"))


def bounds(starts: pd.Series, windows: Windows | int) -> pd.DataFrame:
    """Per youth (the index of ``starts``): the first day of the before window, the start, and the last
    day of the after window, as day numbers."""
    w, start = _windows(windows), _starts(starts)
    return pd.DataFrame({
        "before_from": days((start - pd.DateOffset(months=w.before)).to_numpy()),
        "start": days(start.to_numpy()),
        "after_to": days((start + pd.DateOffset(months=w.after)).to_numpy()) - 1,
    }, index=start.index)


def split(outcomes: pd.DataFrame, starts: pd.Series, windows: Windows | int) -> pd.DataFrame:
    """The outcome rows of started youths, each with ``days_before``/``days_after`` (its days inside each
    window) and ``share_before``/``share_after`` (those days over its length): the one split."""
    rows = outcomes[outcomes["subject_id"].isin(starts.index)].reset_index(drop=True)
    edge = bounds(starts, windows).reindex(rows["subject_id"]).reset_index(drop=True)
    first, last = days(rows["period_start"]), days(rows["period_end"])
    length = np.maximum(last - first + 1, 1)
    out = rows.copy()
    sides = (("before", edge["before_from"], edge["start"] - 1), ("after", edge["start"], edge["after_to"]))
    for side, lo, hi in sides:
        overlap = np.clip(np.minimum(last, hi.to_numpy()) - np.maximum(first, lo.to_numpy()) + 1, 0, None)
        out[f"days_{side}"] = overlap
        out[f"share_{side}"] = overlap / length
    return out


def months_at_risk(starts: pd.Series, windows: Windows | int, observed_to: date | None = None) -> pd.DataFrame:
    """Per youth: the months of each window at risk. A full window is its length in months; the days of
    an after window later than ``observed_to`` are not at risk yet (in proportion to its days)."""
    w, edge = _windows(windows), bounds(starts, windows)
    before = pd.Series(float(w.before), index=edge.index)
    after = pd.Series(float(w.after), index=edge.index)
    if observed_to is not None and not edge.empty:
        seen = days([observed_to])[0]
        span = (edge["after_to"] - edge["start"] + 1).to_numpy()
        observed = np.clip(np.minimum(edge["after_to"].to_numpy(), seen) - edge["start"].to_numpy() + 1, 0, None)
        after = after * observed / span
    return pd.DataFrame({"months_before": before, "months_after": after})


def per_youth(outcomes: pd.DataFrame, starts: pd.Series, windows: Windows | int,
              observed_to: date | None = None) -> pd.DataFrame:
    """One row per started youth with at least one outcome period: each measure before and after
    (``police_reports_before``, ...), placements (stays overlapping each window) and the months at risk."""
    return _per_youth(split(outcomes, starts, windows), starts, windows, observed_to)


def _per_youth(parts: pd.DataFrame, starts: pd.Series, windows: Windows | int,
               observed_to: date | None) -> pd.DataFrame:
    columns = [f"{m}_{side}" for m in MEASURES for side in SIDES] + ["months_before", "months_after"]
    if parts.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="subject_id"), dtype=float)
    placed = parts["placement"].isin(PLACEMENT_TYPES).to_numpy()
    values = pd.DataFrame({"subject_id": parts["subject_id"]})
    for side in SIDES:
        for m in SPLIT_MEASURES:
            values[f"{m}_{side}"] = parts[m].to_numpy(float) * parts[f"share_{side}"].to_numpy()
        values[f"placements_{side}"] = (placed & (parts[f"days_{side}"].to_numpy() > 0)).astype(int)
    table = values.groupby("subject_id").sum()
    table = table.join(months_at_risk(starts, windows, observed_to))
    return table[columns]


def windows_summary(outcomes: pd.DataFrame, starts: pd.Series, windows: Windows | int,
                    observed_to: date | None = None) -> dict:
    """Totals before and after the start over every started youth, with the months at risk (youth-months
    of the youths with any outcome period) and each measure per month at risk."""
    parts = split(outcomes, starts, windows)
    youths = _per_youth(parts, starts, windows, observed_to)
    w = _windows(windows)
    result: dict = {"youths": int(_starts(starts).size), "youths_followed": len(youths),
                    "window_months": {"before": w.before, "after": w.after}}
    for side in SIDES:
        share = parts[f"share_{side}"].to_numpy() if not parts.empty else np.zeros(0)
        overlap = parts[f"days_{side}"].to_numpy() if not parts.empty else np.zeros(0)
        cost = parts["placement_cost"].to_numpy(float) * share if not parts.empty else np.zeros(0)
        months = float(youths[f"months_{side}"].sum())
        totals = {m: float(youths[f"{m}_{side}"].sum()) for m in MEASURES}
        totals["placements"] = int(totals["placements"])
        side_out = {**totals, "placement_cost_by_type": {
            t: float(np.sum(cost[(parts["placement"] == t).to_numpy()])) if not parts.empty else 0.0
            for t in PLACEMENT_TYPES}}
        for extra in EXTRA_MEASURES:
            if extra in parts:
                side_out[extra] = float(np.nansum(parts[extra].to_numpy(float) * share))
        if "attendance" in parts:  # per cent, weighted by the days of each period inside the window
            attendance = parts["attendance"].to_numpy(float)
            weight = np.where(np.isnan(attendance), 0, overlap)
            side_out["attendance"] = float(np.nansum(attendance * weight) / weight.sum()) if weight.sum() else None
        side_out["months_at_risk"] = months
        side_out["per_month"] = {m: (totals[m] / months if months else None) for m in MEASURES}
        result[side] = side_out
    return result


def net_per_month(summary: dict, programme_cost_per_year: float | None) -> dict:
    """The simple comparison: the cohort's placement cost per month before, minus after, minus the
    programme's cost per month. The cohort's cost per month is the cost per youth-month times the
    youths followed (a whole window counts as one month per month, for the cohort)."""
    cohort = {}
    for side in SIDES:
        rate = summary[side]["per_month"]["placement_cost"]
        youths = _followed_youths(summary, side)
        cohort[side] = None if rate is None or youths is None else rate * youths
    programme = None if programme_cost_per_year is None else programme_cost_per_year / 12
    net = (None if None in (cohort["before"], cohort["after"], programme)
           else cohort["before"] - cohort["after"] - programme)
    return {"placement_cost_per_month_before": cohort["before"], "placement_cost_per_month_after": cohort["after"],
            "programme_cost_per_year": programme_cost_per_year, "programme_cost_per_month": programme,
            "net_per_month": net,
            "note": "a simple comparison of sums, not an estimate of the programme's effect"}


def _followed_youths(summary: dict, side: str) -> float | None:
    """Youths followed in a window: youth-months at risk over the window's months (so a youth seen half
    of an after window counts as half)."""
    months = summary.get("window_months", {}).get(side)
    return None if not months else summary[side]["months_at_risk"] / months


def by_year(outcomes: pd.DataFrame, youths: pd.Index) -> list[dict]:
    """Placement days and costs per calendar year (and cost per placement type) of ``youths``' outcome
    periods, each period split by day across the years it spans."""
    rows = outcomes[outcomes["subject_id"].isin(youths)]
    if rows.empty:
        return []
    first, last = days(rows["period_start"]), days(rows["period_end"])
    length = np.maximum(last - first + 1, 1)
    years = range(pd.Timestamp(rows["period_start"].min()).year, pd.Timestamp(rows["period_end"].max()).year + 1)
    out = []
    for year in years:
        lo, hi = days([date(year, 1, 1)])[0], days([date(year, 12, 31)])[0]
        share = np.clip(np.minimum(last, hi) - np.maximum(first, lo) + 1, 0, None) / length
        cost = rows["placement_cost"].to_numpy(float) * share
        out.append({"year": year, "placement_days": float(np.sum(rows["placement_days"].to_numpy(float) * share)),
                    "placement_cost": float(np.sum(cost)),
                    **{f"placement_cost_{t}": float(np.sum(cost[(rows["placement"] == t).to_numpy()]))
                       for t in PLACEMENT_TYPES}})
    return out


def occupation_after(outcomes: pd.DataFrame, starts: pd.Series, months: int,
                     observed_to: date | None = None) -> pd.Series:
    """Per youth whose day ``months`` after the start has come (by ``observed_to``): the occupation of the
    outcome period covering that day (the latest starting, when several do), NaN when none covers it."""
    start = _starts(starts)
    day = start + pd.DateOffset(months=months)
    if observed_to is not None:
        day = day[day <= pd.Timestamp(observed_to)]
    rows = outcomes[outcomes["subject_id"].isin(day.index)]
    at = day.reindex(rows["subject_id"]).to_numpy()
    covering = rows[(pd.to_datetime(rows["period_start"]).to_numpy() <= at)
                    & (pd.to_datetime(rows["period_end"]).to_numpy() >= at)]
    found = covering.sort_values("period_start").groupby("subject_id")["occupation"].last()
    found = found.where(found.isin(OCCUPATIONS))
    return found.reindex(day.index)
