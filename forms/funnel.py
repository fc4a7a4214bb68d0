"""The intake funnel (received, suitable, asked, accepted per month) as a table and a chart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scoring.funnel import STEPS, monthly_funnel
from scoring.privacy import suppress_counts
from store import imports

from . import context as ctx
from .i18n import tr


def show_funnel(since: str | None = None, chart: bool = True, min_cell: int = 0) -> pd.DataFrame | None:
    """Draw the funnel from ``since`` (YYYY-MM-DD); returns the table shown, or None when empty.
    ``min_cell``: counts of 1..min_cell-1 youths are shown as "< min_cell" (research views)."""
    with ctx.session() as s:
        dates = imports.referral_dates(s, ctx.actor())
    if dates.empty:
        st.info(tr("no_referrals"))
        return None
    table = monthly_funnel(dates, start=since)
    names = {step: tr(f"funnel_{step}") for step in STEPS}
    shown = suppress_counts(table, list(STEPS), min_cell).rename(columns={"month": tr("month"), **names})
    st.dataframe(shown, hide_index=True, width="stretch")
    if chart and min_cell <= 1:
        import altair as alt  # only when drawn: it is the slowest import of the intake page

        long = table.melt("month", var_name="step", value_name="n").assign(step=lambda f: f["step"].map(names))
        st.altair_chart(alt.Chart(long).mark_bar().encode(
            x=alt.X("month:N", title=tr("month")), xOffset=alt.XOffset("step:N", sort=list(names.values())),
            y=alt.Y("n:Q", title=tr("count")), color=alt.Color("step:N", sort=list(names.values()), title=None),
        ), width="stretch")
    return shown
