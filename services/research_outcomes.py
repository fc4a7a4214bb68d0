"""Outcomes before and after the start for researchers (the Forskning page and ``insats research
export``): the store's de-identified read with the one definition of before/after
(``rules.before_after``, computed by ``scoring.before_after``), the same the follow-up report uses."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.orm import Session

import config
from rules.before_after import Windows
from scoring.before_after import MEASURES, SIDES, per_youth
from store import Actor
from store.research import outcome_periods_for_research


def outcomes_before_after(session: Session, actor: Actor, key: bytes | None = None, windows: Windows | None = None,
                          observed_to: date | None = None) -> pd.DataFrame:
    """One row per started youth with any outcome period: research id, each measure before and after the
    start (``police_reports_before``, ...), the months at risk in each window, and each measure per month
    at risk (``police_reports_per_month_before``, ...), so windows of unequal length compare."""
    read = outcome_periods_for_research(session, actor, key)
    table = per_youth(read.periods, read.starts, windows or Windows(), observed_to or config.today())
    for measure in MEASURES:
        for side in SIDES:
            months = table[f"months_{side}"].where(table[f"months_{side}"] > 0)
            table[f"{measure}_per_month_{side}"] = table[f"{measure}_{side}"] / months
    return table.rename_axis("research_id").reset_index()
