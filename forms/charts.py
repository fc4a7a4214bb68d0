"""Charts generated from definitions and scores (Altair). Risk and protection always side by side."""

from __future__ import annotations

import altair as alt
import pandas as pd

from instruments import Instrument

from .i18n import lang


def factor_labels(inst: Instrument) -> dict[str, str]:
    return {i.id: f"{i.id} {inst.text(i.label, lang())}" for i in inst.items}


def profile_long(inst: Instrument, factors: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """The two occasions as one long frame: factor, side (risk/protective), occasion, value."""
    labels = factor_labels(inst)
    base = factors.assign(factor=factors["item"].map(labels),
                          side=factors["direction"].map(lambda d: "protective" if d == "protective" else "risk"))
    return pd.concat([
        base.assign(occasion=before, value=base["before"]),
        base.assign(occasion=after, value=base["after"]),
    ])[["item", "factor", "domain", "side", "occasion", "value"]]


def profile_chart(long: pd.DataFrame, side: str, title: str) -> alt.Chart:
    """One line per occasion across the factors of one side, in definition order."""
    data = long[long["side"] == side]
    order = list(dict.fromkeys(data["factor"]))
    return alt.Chart(data, title=title).mark_line(point=True).encode(
        x=alt.X("factor:N", sort=order, title=None, axis=alt.Axis(labelAngle=-60, labelLimit=180)),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("occasion:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=["factor", "occasion", "value"],
    ).properties(height=320)


def trajectory_chart(frame: pd.DataFrame, y_title: str) -> alt.Chart:
    """Totals over all occasions: ``frame`` has assessed_on, score (label) and value."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("assessed_on:T", title=None),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("score:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=["assessed_on:T", "score", "value"],
    ).properties(height=260)
