"""The per-factor change chart in the reader's words: its legend names the domains ("Historiska
faktorer", not the id "historical") and each bar is read out as factor and share, not as Vega's field names."""

from __future__ import annotations

import pandas as pd

from forms import charts
from instruments import loader


def test_the_factor_change_legend_and_bars_speak_swedish_not_ids():
    inst = loader.load("savry-like")
    first = {d.id: d.items[0].id for d in inst.domains}
    summary = pd.DataFrame({"item": list(first.values()), "domain": list(first),
                            "improved": [0.5, 0.25, 0.0, 0.1], "worse": [0.25, 0.0, 0.0, 0.3]})
    spec = charts.factor_change_bars(summary, charts.factor_labels(inst), "Andel bättre minus andel sämre",
                                     charts.domain_labels(inst))
    shown = {row["domain"] for row in spec["data"]["values"]}
    assert "Historiska faktorer" in shown and "Skyddsfaktorer" in shown
    assert not shown & set(first), shown  # no id in the legend
    said = [row["said"] for row in spec["data"]["values"]]
    assert said[0] == f"{charts.factor_labels(inst)[first['historical']]}: 25 %"
    assert said[3] == f"{charts.factor_labels(inst)[first['protective']]}: \N{MINUS SIGN}20 %"
    assert spec["encoding"]["description"] == {"field": "said"}
