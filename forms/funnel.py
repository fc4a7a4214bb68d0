"""The intake funnel (received, suitable, asked, accepted, started per month) as a table and a chart."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from rules.disclosure import suppress_counts
from scoring.funnel import STEPS, monthly_funnel
from store import imports

from . import context as ctx
from .chart_view import show_chart
from .i18n import tr


def show_funnel(since: str | None = None, chart: bool = True,
                table: Callable[[], pd.DataFrame | None] | None = None) -> pd.DataFrame | None:
    """Draw the funnel from ``since`` (YYYY-MM-DD); returns the table shown, or None when empty.
    Counts of 1..k-1 youths are shown as "< k": exact (and as a chart) only when the reader's reach is
    their own teams (intake, coordinator), the instance's floor for a researcher. ``table``: the monthly
    counts (None: no referrals) when the page keeps them (the research page's session copy), else read
    now."""
    min_cell = ctx.min_cell("report.funnel")
    table = table() if table is not None else monthly_table(since)
    if table is None:
        st.info(tr("no_referrals"))
        return None
    names = {step: tr(f"funnel_{step}") for step in STEPS}
    shown = suppress_counts(table, list(STEPS), min_cell).rename(columns={"month": tr("month"), **names})
    if not (chart and min_cell <= 1):
        st.dataframe(shown, hide_index=True, width="stretch")
        return shown
    long = table.melt("month", var_name="step", value_name="n").assign(
        step=lambda f: f["step"].map(names), month=lambda f: f["month"].astype(str))
    order = list(names.values())
    show_chart({"data": {"values": long.to_dict("records")}, "mark": "bar",
                "encoding": {"x": {"field": "month", "type": "nominal", "title": tr("month")},
                             "xOffset": {"field": "step", "type": "nominal", "sort": order},
                             "y": {"field": "n", "type": "quantitative", "title": tr("count")},
                             "color": {"field": "step", "type": "nominal", "sort": order, "title": None}}},
               shown, tr("funnel"))
    return shown


def monthly_table(since: str | None = None) -> pd.DataFrame | None:
    """The monthly counts of the referrals the acting user may count (an audited read), or None."""
    with ctx.session() as s:
        return monthly_counts(s, since)


def monthly_counts(session: Session, since: str | None = None) -> pd.DataFrame | None:
    """``monthly_table`` in a transaction the caller holds."""
    dates = imports.referral_dates(session, ctx.actor())
    return None if dates.empty else monthly_funnel(dates, start=since)
