"""A chart is never the only way to read its numbers (WCAG 1.1.1 and 1.4.1): every chart the app draws
goes through ``show_chart``, which names the chart for a screen reader and puts the same numbers as a
table in a closed expander right under it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .i18n import tr
from .numbers import for_display

# Streamlit's chart theme draws axis and legend text in #808495, 3.9:1 on white; this is 10:1 (WCAG 1.4.3)
_READABLE = {"labelColor": "#3d3d3d", "titleColor": "#111111"}
# axes and legends not read out: Vega describes them in English ("X-axis titled …", "Symbol legend titled …"),
# and the chart's table below says the same in the reader's language
READABLE_TEXT = {"axis": {**_READABLE, "aria": False}, "legend": {**_READABLE, "aria": False},
                 "title": {"color": "#111111"}}


def show_chart(spec: dict, table: pd.DataFrame, description: str) -> None:
    """Draw a Vega-Lite ``spec`` with readable axis text; ``description`` heads the table alternative
    (and is the spec's description, which Vega puts in the chart's tooltip-free metadata)."""
    config = {**READABLE_TEXT, **spec.get("config", {})}
    st.vega_lite_chart(spec={**spec, "description": description, "config": config}, width="stretch")
    with st.expander(tr("chart_as_table", what=description)):
        st.dataframe(for_display(table), hide_index=True, width="stretch")
