"""Charts generated from definitions and scores (Altair). Risk and protection always side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from instruments import Instrument

from .i18n import lang
from .numbers import percent


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


def profile_table(long: pd.DataFrame, side: str, factor_title: str) -> pd.DataFrame:
    """The profile chart's numbers: one row per factor, one column per occasion (its text alternative)."""
    part = long[long["side"] == side]
    return (part.pivot_table(index="factor", columns="occasion", values="value", sort=False)
            .reindex(columns=part["occasion"].unique()).rename_axis(columns=None).reset_index()
            .rename(columns={"factor": factor_title}))


def value_range(inst: Instrument, side: str) -> tuple[float, float]:
    """The lowest and highest value any factor of this side can take (the chart's fixed y axis)."""
    values = [lv.value for item in inst.items
              if (inst.item_domain[item.id].direction == "protective") == (side == "protective")
              for lv in inst.scales[item.scale].levels]
    return (min(values), max(values)) if values else (0.0, 1.0)


def profile_chart(long: pd.DataFrame, side: str, title: str, y_range: tuple[float, float]) -> dict:
    """Vega-Lite spec of one side's factors on both occasions as a dumbbell: a point per occasion and
    a segment joining the two points of the same factor (factors are separate things: no line runs
    from one factor to the next). Ids on the axis, names in the tooltip. A plain spec rather than
    Altair: Altair validates every spec on each rerun, which cost more than the rest of the page."""
    data = long[long["side"] == side]
    occasions = list(dict.fromkeys(data["occasion"]))
    x = {"field": "item", "type": "nominal", "sort": list(dict.fromkeys(data["item"])), "title": None,
         "axis": {"labelAngle": 0}}
    y = {"field": "value", "type": "quantitative", "title": None, "scale": {"domain": list(y_range)},
         "axis": {"tickMinStep": 1}}
    return {
        "title": {"text": title, "anchor": "start"},
        "height": 280,
        "data": {"values": data[["item", "factor", "occasion", "value"]].to_dict("records")},
        "layer": [
            {"mark": {"type": "rule", "color": "#8a949e", "strokeWidth": 2},
             "encoding": {"x": x, "y": {**y, "aggregate": "min"}, "y2": {"field": "value", "aggregate": "max"}}},
            {"mark": {"type": "point", "filled": True, "size": 70},
             "encoding": {"x": x, "y": y,
                          "color": {"field": "occasion", "type": "nominal", "title": None, "sort": occasions,
                                    "scale": {"domain": occasions, "range": ["#5f6b77", "#c8102e"]},
                                    "legend": {"orient": "top", "labelLimit": 320}},
                          "shape": {"field": "occasion", "type": "nominal", "sort": occasions, "legend": None},
                          "tooltip": [{"field": "factor"}, {"field": "occasion"}, {"field": "value"}]}},
        ],
    }


def trajectory_chart(frame: pd.DataFrame, y_title: str) -> dict:
    """Vega-Lite spec of the totals over all occasions: ``frame`` has assessed_on, score and value."""
    return {
        "height": 260,
        "data": {"values": frame.assign(assessed_on=frame["assessed_on"].astype(str)).to_dict("records")},
        "mark": {"type": "line", "point": True},
        "encoding": {
            # days, never hours, and no month names (Vega writes them in English): ISO dates in both languages
            "x": {"field": "assessed_on", "type": "temporal", "timeUnit": "yearmonthdate", "title": None,
                  "axis": {"format": "%Y-%m-%d", "labelAngle": -30, "tickCount": {"interval": "month", "step": 1}}},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {"field": "score", "type": "nominal", "title": None, "legend": {"orient": "top"}},
            "tooltip": [{"field": "assessed_on", "type": "temporal", "format": "%Y-%m-%d"}, {"field": "score"},
                        {"field": "value"}],
        },
    }


def reliable_change_plot(pre: np.ndarray, post: np.ndarray, category: list[str], s_diff: float,
                         labels: dict[str, str]) -> dict:
    """The Jacobson–Truax plot: pre vs post per youth, the line of no change and the band of
    ±1.96·S_diff around it; points coloured by reliable-change category."""
    low, high = float(np.nanmin([pre.min(), post.min()])), float(np.nanmax([pre.max(), post.max()]))
    band = 1.959963984540054 * s_diff
    lines = [{"x": low, "y": low + d, "line": name} for d, name in ((0, "0"), (band, "+"), (-band, "-"))] + [
        {"x": high, "y": high + d, "line": name} for d, name in ((0, "0"), (band, "+"), (-band, "-"))]
    points = [{"pre": float(a), "post": float(b), "category": labels.get(c, c)}
              for a, b, c in zip(pre, post, category, strict=True)]
    order = [labels[k] for k in ("improved", "unchanged", "deteriorated") if k in labels]
    return {
        "height": 360,
        "layer": [
            {"data": {"values": lines}, "mark": {"type": "line", "color": "#9aa5b1", "strokeDash": [4, 3],
                                                 "clip": True},
             "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                          "detail": {"field": "line"}}},
            {"data": {"values": points}, "mark": {"type": "circle", "opacity": 0.6, "size": 40},
             "encoding": {
                 "x": {"field": "pre", "type": "quantitative", "title": labels.get("pre", "pre"),
                       "scale": {"domain": [low, high]}},
                 "y": {"field": "post", "type": "quantitative", "title": labels.get("post", "post"),
                       "scale": {"domain": [low, high]}},
                 "color": {"field": "category", "type": "nominal", "title": None, "sort": order,
                           "scale": {"domain": order, "range": ["#2e7d32", "#9aa5b1", "#c8102e"][:len(order)]},
                           "legend": {"orient": "top"}},
                 "tooltip": [{"field": "pre"}, {"field": "post"}, {"field": "category"}]}},
        ],
    }


def transition_heatmap(table: list[list[int | str]], levels: list[str], pre_title: str, post_title: str) -> dict:
    """Pre level (rows) × post level (columns) counts as a heat map with the counts written in; a
    suppressed cell ("< 5") is written as such and left uncoloured."""
    cells = [{"pre": levels[i], "post": levels[j], "label": str(table[i][j]),
              "n": table[i][j] if isinstance(table[i][j], int | np.integer) else None}
             for i in range(len(levels)) for j in range(len(levels))]
    encoding = {"x": {"field": "post", "type": "ordinal", "sort": levels, "title": post_title},
                "y": {"field": "pre", "type": "ordinal", "sort": levels, "title": pre_title}}
    return {
        "height": 240, "data": {"values": cells},
        "layer": [
            {"mark": "rect", "encoding": {**encoding, "color": {"field": "n", "type": "quantitative",
                                                                "scale": {"scheme": "blues"}, "legend": None}}},
            {"mark": {"type": "text", "fontSize": 14}, "encoding": {**encoding, "text": {"field": "label"}}},
        ],
    }


def domain_labels(inst: Instrument) -> dict[str, str]:
    """The instrument's domains by id, in the reader's language ("historical" -> "Historiska faktorer")."""
    return {d.id: inst.text(d.label, lang()) for d in inst.domains}


def factor_change_bars(summary: pd.DataFrame, labels: dict[str, str], x_title: str,
                       domains: dict[str, str] | None = None) -> dict:
    """Mean change per factor, oriented so that right = better, coloured by domain (``domains``: their
    names, so the legend never shows an id). Each bar is read out in the reader's words ("H1 Tidigare
    våld: 21 %"), not Vega's default of field names ("factor: …; better: …")."""
    domains = domains or {}
    data = [{"factor": labels.get(r.item, r.item), "domain": domains.get(r.domain, r.domain),
             "better": float(r.improved - r.worse),
             "said": f"{labels.get(r.item, r.item)}: {percent(float(r.improved - r.worse))}"}
            for r in summary.itertuples()]
    return {
        "height": {"step": 14}, "data": {"values": data}, "mark": "bar",
        "encoding": {"y": {"field": "factor", "type": "nominal", "sort": None, "title": None},
                     "x": {"field": "better", "type": "quantitative", "title": x_title, "axis": {"format": "%"}},
                     "color": {"field": "domain", "type": "nominal", "title": None, "legend": {"orient": "top"}},
                     "description": {"field": "said"},
                     "tooltip": [{"field": "factor"}, {"field": "better", "format": ".0%"}]},
    }
