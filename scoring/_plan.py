"""Per-instrument constants for the vectorised engine, computed once per definition hash.

Everything linear that the engine reports is a linear function of 0/1 "level flags": for each item
and each level r of its scale, is the rating at level r; and is the rating omitted. The engine works
in two small matrix products per level and block of rows:

1. ``flags_r @ membership`` counts, per (domain, scale) group, the items at level r (or omitted);
2. ``group_counts_r @ linear_map[r]`` turns those counts into every linear output:

    per domain   observed items, sum of values, risk part (positive values), protection part
    per scale    number of items at each level
    in all       how many cells were accounted for (a level or omitted) and how many were omitted;
                 a cell matches at most one of these, so "accounted == items" checks every value
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from instruments import Instrument


@dataclass(frozen=True)
class Plan:
    instrument_id: str
    n_items: int
    n_domains: int
    column_level_values: np.ndarray  # levels x items: r-th value of each column's scale (NaN pad)
    membership: np.ndarray  # items x groups (0/1)
    linear_map: np.ndarray  # ((levels + 1) * groups) x outputs; level-major, level 0 = omitted
    outputs: dict[str, slice]  # block name -> columns of the linear output
    level_columns: list[str]  # n_<scale>_<code>, in output order
    domain_sizes: np.ndarray
    bipolar: np.ndarray  # per domain
    risk_domains: np.ndarray  # per domain: counts toward risk_total (risk or bipolar)
    protective_domains: np.ndarray  # per domain: counts toward protective_total
    dtype: type


_plans: dict[str, Plan] = {}
_lock = threading.Lock()


def plan_for(instrument: Instrument) -> Plan:
    key = instrument.definition_hash or f"object-{id(instrument)}"
    with _lock:
        plan = _plans.get(key)
    if plan is None:
        plan = _build(instrument)
        with _lock:
            _plans[key] = plan
    return plan


def sorted_levels(instrument: Instrument, scale_id: str) -> tuple[np.ndarray, list[str]]:
    """Values (ascending) and codes of a scale's levels."""
    scale = instrument.scales[scale_id]
    order = np.argsort(scale.values, kind="stable")
    return scale.values[order], [scale.levels[i].code for i in order]


def _build(inst: Instrument) -> Plan:
    items = inst.items
    k, d = len(items), len(inst.domains)
    domain_of = np.array([inst.domains.index(inst.item_domain[it.id]) for it in items])
    levels = max(len(s.levels) for s in inst.scales.values())
    used_scales = list(dict.fromkeys(it.scale for it in items))
    level_columns = [f"n_{sid}_{code}" for sid in used_scales for code in sorted_levels(inst, sid)[1]]
    groups = list(dict.fromkeys((domain_of[j], it.scale) for j, it in enumerate(items)))
    outputs = {}
    width = 0
    bipolar_parts = d if any(dom.direction == "bipolar" for dom in inst.domains) else 0
    for name, size in (
        ("observed", d), ("sum", d), ("risk_part", bipolar_parts), ("protect_part", bipolar_parts),
        ("levels", len(level_columns)), ("accounted", 1), ("omitted", 1),
    ):
        outputs[name] = slice(width, width + size)
        width += size
    membership = np.zeros((k, len(groups)))
    W = np.zeros((levels + 1, len(groups), width))
    values_by_level = np.full((levels, k), np.nan)
    for j, item in enumerate(items):
        membership[j, groups.index((domain_of[j], item.scale))] = 1.0
        values, _ = sorted_levels(inst, item.scale)
        values_by_level[: len(values), j] = values
    for g, (di, scale_id) in enumerate(groups):
        W[0, g, outputs["accounted"].start] = 1.0  # an omitted cell is accounted for
        W[0, g, outputs["omitted"].start] = 1.0
        values, codes = sorted_levels(inst, scale_id)
        for r, (value, code) in enumerate(zip(values, codes, strict=True)):
            W[r + 1, g, outputs["observed"].start + di] = 1.0
            W[r + 1, g, outputs["sum"].start + di] = value
            if bipolar_parts:
                W[r + 1, g, outputs["risk_part"].start + di] = max(value, 0.0)
                W[r + 1, g, outputs["protect_part"].start + di] = max(-value, 0.0)
            W[r + 1, g, outputs["levels"].start + level_columns.index(f"n_{scale_id}_{code}")] = 1.0
            W[r + 1, g, outputs["accounted"].start] = 1.0
    directions = np.array([dom.direction for dom in inst.domains])
    dtype = np.float32 if _exact_in_float32(values_by_level, k) else np.float64
    return Plan(
        instrument_id=inst.id,
        n_items=k,
        n_domains=d,
        column_level_values=values_by_level,
        membership=membership.astype(dtype),
        linear_map=W.reshape(-1, width).astype(dtype),
        outputs=outputs,
        level_columns=level_columns,
        domain_sizes=np.bincount(domain_of, minlength=d).astype(float),
        bipolar=directions == "bipolar",
        risk_domains=np.isin(directions, ["risk", "bipolar"]),
        protective_domains=np.isin(directions, ["protective", "bipolar"]),
        dtype=dtype,
    )


def _exact_in_float32(values: np.ndarray, k: int) -> bool:
    """Sums of these values over k items are exact in float32 (small multiples of 1/8)."""
    finite = values[~np.isnan(values)]
    eighths = finite * 8
    return bool(np.all(eighths == np.round(eighths)) and np.abs(eighths).max() * k < 2**24)
