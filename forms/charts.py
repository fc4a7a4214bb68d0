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


def value_range(inst: Instrument, side: str) -> tuple[float, float]:
    """The lowest and highest value any factor of this side can take (the chart's fixed y axis)."""
    values = [lv.value for item in inst.items
              if (inst.item_domain[item.id].direction == "protective") == (side == "protective")
              for lv in inst.scales[item.scale].levels]
    return (min(values), max(values)) if values else (0.0, 1.0)


def profile_chart(long: pd.DataFrame, side: str, title: str, y_range: tuple[float, float]) -> alt.Chart:
    """One line per occasion across the factors of one side (ids on the axis, names in the tooltip)."""
    data = long[long["side"] == side]
    order = list(dict.fromkeys(data["item"]))
    occasions = list(dict.fromkeys(data["occasion"]))
    return alt.Chart(data, title=title).mark_line(point=alt.OverlayMarkDef(size=60)).encode(
        x=alt.X("item:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=list(y_range)), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("occasion:N", title=None, sort=occasions,
                        scale=alt.Scale(domain=occasions, range=["#9aa5b1", "#c8102e"]),
                        legend=alt.Legend(orient="top", labelLimit=320)),
        tooltip=["factor", "occasion", "value"],
    ).properties(height=280)


def trajectory_chart(frame: pd.DataFrame, y_title: str) -> alt.Chart:
    """Totals over all occasions: ``frame`` has assessed_on, score (label) and value."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("assessed_on:T", title=None),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("score:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=["assessed_on:T", "score", "value"],
    ).properties(height=260)
