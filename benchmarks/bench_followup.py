"""The follow-up report at city scale: 10,000 started cases and 100,000 outcome periods (target < 3 s).

Measured: ``store.followup.follow_up_report`` end to end on SQLite (queries, frames and figures), and
the before/after windows alone (``scoring.followup.outcome_windows``) against a naive baseline in the
same run that splits each period in a Python loop, with the largest difference between the two.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.followup import PLACEMENT_TYPES, outcome_windows

from ._timing import line, timed


def _naive_windows(outcomes: pd.DataFrame, starts: pd.Series, months: int) -> dict:
    totals = {"before": 0.0, "after": 0.0}
    for row in outcomes.itertuples():
        start = starts.get(row.subject_id)
        if start is None:
            continue
        first, last = row.period_start, row.period_end
        length = (last - first).days + 1
        for side, lo, hi in (("before", start - pd.DateOffset(months=months), start - timedelta(days=1)),
                             ("after", start, start + pd.DateOffset(months=months) - timedelta(days=1))):
            overlap = (min(last, hi) - max(first, lo)).days + 1
            if overlap > 0:
                totals[side] += row.placement_cost * overlap / length
    return totals


def _cohort(cases: int, periods: int, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    starts = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, cases), unit="D"),
                       index=np.arange(1, cases + 1))
    subject = rng.integers(1, cases + 1, periods)
    first = starts.loc[subject].to_numpy() + pd.to_timedelta(rng.integers(-500, 500, periods), unit="D")
    length = rng.integers(1, 120, periods)
    placement = rng.choice(["none", *PLACEMENT_TYPES], periods, p=[0.7, 0.1, 0.15, 0.05])
    days = np.where(placement == "none", 0, length)
    frame = pd.DataFrame({"subject_id": subject, "period_start": first,
                          "period_end": first + pd.to_timedelta(length - 1, unit="D"),
                          "police_reports": rng.poisson(0.5, periods), "placement": placement,
                          "placement_days": days, "placement_cost": days * 4_500.0,
                          "occupation": rng.choice(["school", "work", "training", "none"], periods)})
    return frame, starts


def _database(folder: Path, frame: pd.DataFrame, starts: pd.Series) -> str:
    from store import make_engine, transaction, upgrade
    from store.models import Outcome, Referral, Subject

    url = f"sqlite:///{folder / 'followup.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        s.execute(Subject.__table__.insert(), [{"id": int(i), "case_code": f"F-{i}", "team_id": 1, "synthetic": True}
                                               for i in starts.index])
        s.execute(Referral.__table__.insert(), [{
            "subject_id": int(i), "source": "polis", "received_on": (d - timedelta(days=20)).date(),
            "suitable": True, "decided_on": (d - timedelta(days=15)).date(),
            "asked_on": (d - timedelta(days=10)).date(),
            "accepted": True, "answered_on": (d - timedelta(days=5)).date(), "started_on": d.date()}
            for i, d in starts.items()])
        records = frame.assign(period_start=frame["period_start"].dt.date,
                               period_end=frame["period_end"].dt.date).to_dict("records")
        s.execute(Outcome.__table__.insert(), [{k: (int(v) if isinstance(v, np.integer) else v)
                                                for k, v in r.items()} for r in records])
    engine.dispose()
    return url


def run(cases: int = 10_000, periods: int = 100_000) -> dict:
    from services.followup_report import follow_up_report
    from store import Actor, make_engine, transaction

    frame, starts = _cohort(cases, periods)
    fast = timed(lambda: outcome_windows(frame, starts, 12), repeat=3)["median"]
    began = time.perf_counter()
    naive = _naive_windows(frame, starts, 12)
    slow = time.perf_counter() - began
    ours = outcome_windows(frame, starts, 12)
    gap = max(abs(ours[s]["placement_cost"] - naive[s]) for s in ("before", "after"))
    line(f"before/after windows, {periods:,} periods", f"{fast * 1000:.0f} ms vs {slow:.1f} s for a per-period "
         f"loop ({slow / fast:.0f}× faster); largest difference {gap:.2e} kr")
    with tempfile.TemporaryDirectory(prefix="insats-bench-followup-") as tmp:
        url = _database(Path(tmp), frame, starts)
        engine = make_engine(url)
        actor = Actor("bench", "system")

        def report():
            with transaction(engine) as s:
                return follow_up_report(s, actor, date(2024, 1, 1), date(2024, 12, 31), 12)

        whole = timed(report, repeat=3)["median"]
        engine.dispose()
    line(f"follow-up report, {cases:,} started cases, {periods:,} periods", f"{whole:.2f} s end to end on SQLite "
         "(target < 3 s)")
    return {"windows_ms": fast * 1000, "windows_naive_s": slow, "windows_speedup": slow / fast,
            "report_s": whole, "largest_difference_kr": gap}
