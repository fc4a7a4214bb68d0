"""A slow, obviously-correct scorer: one assessment at a time, straight from the definition.

Used only by the tests, as the oracle the vectorised engine must agree with.
"""

from __future__ import annotations

import math

from instruments import Instrument


def score_one(inst: Instrument, ratings: dict[str, float | None]) -> dict[str, float]:
    """Scores of one assessment; ``ratings`` maps item id -> value, None/NaN = omitted."""

    def rated(v):
        return v is not None and not (isinstance(v, float) and math.isnan(v))

    omitted = sum(1 for item in inst.items if not rated(ratings.get(item.id)))
    valid = omitted < len(inst.items)
    if inst.omission.max_omitted is not None and omitted > inst.omission.max_omitted:
        valid = False
    out: dict[str, float] = {}
    risk = protect = 0.0
    for domain in inst.domains:
        values = [ratings[i.id] for i in domain.items if rated(ratings.get(i.id))]
        if not valid or not values:
            factor = math.nan
        elif inst.omission.prorate:
            factor = len(domain.items) / len(values)
        else:
            factor = 1.0
        total = sum(values) * factor
        out[domain.id] = total
        if domain.direction == "risk":
            risk += total
        elif domain.direction == "protective":
            protect += total
        else:
            risk += sum(max(v, 0.0) for v in values) * factor
            protect += sum(max(-v, 0.0) for v in values) * factor
    directions = {d.direction for d in inst.domains}
    if directions & {"risk", "bipolar"}:
        out["risk_total"] = risk
    if directions & {"protective", "bipolar"}:
        out["protective_total"] = protect
    if "bipolar" in directions:
        out["net"] = risk - protect
    for scale_id, scale in inst.scales.items():
        if any(item.scale == scale_id for item in inst.items):
            for level in scale.levels:
                out[f"n_{scale_id}_{level.code}"] = sum(
                    1
                    for item in inst.items
                    if item.scale == scale_id and rated(ratings.get(item.id)) and ratings[item.id] == level.value
                )
    out["omitted"] = omitted
    out["valid"] = valid
    if inst.bands:
        level = None
        score = out[inst.band_score]
        if not math.isnan(score):
            for band in inst.bands:
                if band.max is None or score <= band.max:
                    level = band.level
                    break
        out["band"] = level
    return out
