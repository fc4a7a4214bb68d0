"""The youth's own view beside the assessor's: an instrument and its ``companion`` (a self-report of the
same factors) side by side, each factor's difference, and where the two disagree enough to talk about.

Pure: two instruments and two ratings dicts in, one table out. Factors match by id; a value is compared
on the share of its scale's range, so a 1-5 self-report and a 1-5 caseworker rating (or any two scales
of the same factor) are comparable, and "disagree" means at least ``threshold`` of the range apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from instruments import Instrument

DISAGREE_SHARE = 0.5  # half the scale apart: 1 vs 3 on a 1-5 scale


def _values(inst: Instrument, ratings: dict[str, str | None], ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each factor's value and its position in the scale's range (0..1); NaN where not rated."""
    value, share = np.full(len(ids), np.nan), np.full(len(ids), np.nan)
    for i, item_id in enumerate(ids):
        scale = inst.scales[inst.item_by_id[item_id].scale]
        level = scale.level_for(ratings.get(item_id)) if ratings.get(item_id) is not None else None
        if level is not None:
            low, high = float(scale.values.min()), float(scale.values.max())
            value[i], share[i] = level.value, (level.value - low) / (high - low)
    return value, share


def compare_with_companion(own: Instrument, own_ratings: dict, companion: Instrument, companion_ratings: dict,
                           language: str = "sv", threshold: float = DISAGREE_SHARE) -> pd.DataFrame:
    """One row per factor both rate: ``item``, ``factor``, ``own``, ``companion`` (values), ``difference``
    (own - companion, in scale steps), ``disagree`` (at least ``threshold`` of the range apart)."""
    ids = [i for i in own.item_ids if i in companion.item_by_id]
    mine, my_share = _values(own, own_ratings, ids)
    theirs, their_share = _values(companion, companion_ratings, ids)
    gap = np.abs(my_share - their_share)
    return pd.DataFrame({
        "item": ids,
        "factor": [own.text(own.item_by_id[i].label, language) for i in ids],
        "own": mine,
        "companion": theirs,
        "difference": mine - theirs,
        "disagree": np.nan_to_num(gap, nan=0.0) >= threshold - 1e-9,
    })
