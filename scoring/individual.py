"""One youth, two occasions: what changed, factor by factor and on the totals.

This is the before/after view a coordinator shows at the network meeting. Everything is computed in
the instrument's own direction (a falling risk factor is an improvement, a rising protective factor
is), and reliable change on a total uses Jacobson & Truax (1991) with the reliability and the
reference SD declared in the definition: one person's change is judged against the spread of the
population, not against itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from instruments import Instrument

from .engine import score
from .responses import ratings_to_values

Z_95 = 1.959963984540054


def item_improves_upwards(instrument: Instrument) -> np.ndarray:
    """Per item (definition order): True where a higher value is better (protective factors)."""
    return np.array([instrument.item_domain[i].direction == "protective" for i in instrument.item_ids])


def factor_change(instrument: Instrument, before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
    """Change per factor between two occasions (values as from ``ratings_to_values``; NaN = not rated).

    Returns one row per item in definition order with ``item``, ``domain``, ``direction``,
    ``before``, ``after``, ``change`` (after − before) and ``verdict``: ``improved``, ``same``,
    ``worse`` or ``not_rated`` (either occasion missing).
    """
    before, after = np.asarray(before, dtype=float).ravel(), np.asarray(after, dtype=float).ravel()
    change = after - before
    better = np.where(item_improves_upwards(instrument), change, -change)
    verdict = np.select([np.isnan(change), better > 0, better < 0], ["not_rated", "improved", "worse"], "same")
    domains = [instrument.item_domain[i] for i in instrument.item_ids]
    return pd.DataFrame({
        "item": instrument.item_ids,
        "domain": [d.id for d in domains],
        "direction": [d.direction for d in domains],
        "before": before,
        "after": after,
        "change": change,
        "verdict": verdict,
    })


def total_change(instrument: Instrument, before: pd.Series, after: pd.Series, z: float = Z_95) -> pd.DataFrame:
    """Change on every score (domains and totals) with reliable change where the definition allows.

    ``before`` and ``after`` are rows of ``scoring.score`` output. For scores with a declared
    ``reliability`` and ``reference_sd``: S_diff = √2 · SD · √(1 − r_xx), RCI = change / S_diff,
    the interval change ± z · S_diff, and ``category`` improved / unchanged / deteriorated in the
    score's direction. Other scores get NaN and ``category`` None (not enough to judge).
    """
    rows = []
    for name in instrument.score_names:
        b, a = float(before[name]), float(after[name])
        change = a - b
        r, sd = instrument.reliability.get(name), instrument.reference_sd.get(name)
        s_diff = float(np.sqrt(2) * sd * np.sqrt(1 - r)) if r and sd else np.nan
        rci = change / s_diff if s_diff == s_diff else np.nan
        category = None
        if not np.isnan(rci):
            directed = rci if instrument.higher_is_better(name) else -rci
            category = "improved" if directed > z else "deteriorated" if directed < -z else "unchanged"
        rows.append({
            "score": name, "before": b, "after": a, "change": change, "s_diff": s_diff, "rci": rci,
            "lower": change - z * s_diff, "upper": change + z * s_diff, "category": category,
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Comparison:
    """Everything the before/after view shows for two occasions of one youth."""

    factors: pd.DataFrame  # factor_change
    totals: pd.DataFrame  # total_change
    level_before: str | None  # the assessor's judgment (the decision), or None
    level_after: str | None
    band_before: str | None  # the total's level: a research transform, shown beside, never instead
    band_after: str | None


def score_occasions(instrument: Instrument, ratings: list[Mapping[str, object]],
                    judgments: list[str | None]) -> tuple[np.ndarray, pd.DataFrame]:
    """All occasions of one youth at once: values (occasions × items) and their score rows."""
    values = np.vstack([ratings_to_values(instrument, r) for r in ratings]) if ratings else np.empty(
        (0, len(instrument.items)))
    scores = score(instrument, values, judgment=[j or "" for j in judgments] if instrument.judgment else None)
    return values, scores


def compare(instrument: Instrument, values: np.ndarray, scores: pd.DataFrame, before: int, after: int) -> Comparison:
    """Compare occasion ``before`` with occasion ``after`` (row positions in ``values``/``scores``)."""
    def level(row: int, column: str) -> str | None:
        if column not in scores.columns:
            return None
        value = scores[column].iloc[row]
        return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)

    return Comparison(
        factors=factor_change(instrument, values[before], values[after]),
        totals=total_change(instrument, scores.iloc[before], scores.iloc[after]),
        level_before=level(before, "judgment"), level_after=level(after, "judgment"),
        band_before=level(before, "band"), band_after=level(after, "band"),
    )


def level_transition(levels: list[str], before: str | None, after: str | None) -> str | None:
    """``down``, ``same`` or ``up`` between two ordered risk levels; None if either is missing."""
    if before not in levels or after not in levels:
        return None
    step = levels.index(after) - levels.index(before)
    return "same" if step == 0 else "down" if step < 0 else "up"
