"""The intake funnel: referrals received, judged suitable, asked, accepted and started, per month.

Each step is counted in the month it happened (a youth referred in January and asked in March counts
as received in January and asked in March), as municipal follow-up reports do.
"""

from __future__ import annotations

import pandas as pd

STEPS = ("received", "suitable", "asked", "accepted", "started")


def monthly_funnel(dates: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Counts per month from a frame of step dates.

    Parameters
    ----------
    dates : DataFrame with ``received_on``, ``suitable`` (bool or None), ``decided_on``, ``asked_on``,
        ``accepted`` (bool or None), ``answered_on`` and ``started_on`` (the day SIG work began; a frame
        without it counts no starts).
    start, end : 'YYYY-MM-DD', inclusive bounds on the date of each step.

    Returns
    -------
    DataFrame with columns ``month`` ('YYYY-MM') and one count per step, one row per month that has
    any step, in order.
    """
    events = {
        "received": dates["received_on"],
        "suitable": dates["decided_on"].where(dates["suitable"].eq(True)),
        "asked": dates["asked_on"],
        "accepted": dates["answered_on"].where(dates["accepted"].eq(True)),
        "started": dates["started_on"] if "started_on" in dates else pd.Series(dtype="datetime64[ns]"),
    }
    counts = {}
    for step, when in events.items():
        when = pd.to_datetime(when, errors="coerce").dropna()
        if start:
            when = when[when >= pd.Timestamp(start)]
        if end:
            when = when[when <= pd.Timestamp(end)]
        counts[step] = when.dt.strftime("%Y-%m").value_counts()
    table = pd.DataFrame(counts).fillna(0).astype(int).sort_index()
    table = table.reindex(columns=list(STEPS), fill_value=0)
    table.index.name = "month"
    return table.reset_index()
