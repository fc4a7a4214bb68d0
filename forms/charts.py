"""Charts generated from definitions and scores (Altair). Risk and protection always side by side."""

from __future__ import annotations

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


def profile_chart(long: pd.DataFrame, side: str, title: str, y_range: tuple[float, float]) -> dict:
    """Vega-Lite spec: one line per occasion across the factors of one side (ids on the axis, names
    in the tooltip). Written as a plain spec rather than through Altair: Altair validates every spec
    against the schema on each rerun, which cost more than the rest of the before/after page."""
    data = long[long["side"] == side]
    occasions = list(dict.fromkeys(data["occasion"]))
    return {
        "title": {"text": title, "anchor": "start"},
        "height": 280,
        "data": {"values": data[["item", "factor", "occasion", "value"]].to_dict("records")},
        "mark": {"type": "line", "point": {"size": 60}},
        "encoding": {
            "x": {"field": "item", "type": "nominal", "sort": list(dict.fromkeys(data["item"])), "title": None,
                  "axis": {"labelAngle": 0}},
            "y": {"field": "value", "type": "quantitative", "title": None, "scale": {"domain": list(y_range)},
                  "axis": {"tickMinStep": 1}},
            "color": {"field": "occasion", "type": "nominal", "title": None, "sort": occasions,
                      "scale": {"domain": occasions, "range": ["#9aa5b1", "#c8102e"]},
                      "legend": {"orient": "top", "labelLimit": 320}},
            "tooltip": [{"field": "factor"}, {"field": "occasion"}, {"field": "value"}],
        },
    }


def trajectory_chart(frame: pd.DataFrame, y_title: str) -> dict:
    """Vega-Lite spec of the totals over all occasions: ``frame`` has assessed_on, score and value."""
    return {
        "height": 260,
        "data": {"values": frame.assign(assessed_on=frame["assessed_on"].astype(str)).to_dict("records")},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "assessed_on", "type": "temporal", "title": None},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {"field": "score", "type": "nominal", "title": None, "legend": {"orient": "top"}},
            "tooltip": [{"field": "assessed_on", "type": "temporal"}, {"field": "score"}, {"field": "value"}],
        },
    }
