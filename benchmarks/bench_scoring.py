"""Scoring speed: the engine against a per-record loop and against the memory-bound floor.

Targets (issue 2): engine >= 15x faster than a per-record loop over dicts, and within 3x of one
``np.nansum`` over the same array; ``insats score`` on a 100,000-row CSV in under 2 s end to end.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import instruments
import scoring

from ._timing import line, peak_memory, timed


def cohort(inst: instruments.Instrument, n: int, seed: int = 1, p_omit: float = 0.03) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.choice(inst.scales[it.scale].values, n) for it in inst.items]).astype(float)
    X[rng.random(X.shape) < p_omit] = np.nan
    return X


def naive_score(inst: instruments.Instrument, records: list[dict[str, float | None]]) -> list[dict]:
    """What a record-at-a-time app does: loop over records, then over domains and items."""
    out = []
    limit = inst.omission.max_omitted
    for record in records:
        omitted = sum(1 for v in record.values() if v is None)
        valid = limit is None or omitted <= limit
        row: dict[str, float] = {}
        risk = protect = 0.0
        for domain in inst.domains:
            values = [record[i.id] for i in domain.items if record[i.id] is not None]
            total = sum(values) * len(domain.items) / len(values) if (valid and values) else math.nan
            row[domain.id] = total
            if domain.direction == "risk":
                risk += total
            else:
                protect += total
        row["risk_total"], row["protective_total"] = risk, protect
        for scale_id, scale in inst.scales.items():
            for level in scale.levels:
                row[f"n_{scale_id}_{level.code}"] = sum(
                    1 for i in inst.items if i.scale == scale_id and record[i.id] == level.value
                )
        row["omitted"], row["valid"] = omitted, valid
        out.append(row)
    return out


def run(n: int = 1_000_000, sample: int = 10_000, csv_rows: int = 100_000) -> dict:
    inst = instruments.load("savry-like")
    X = cohort(inst, n)
    print(f"Scoring {n:,} savry-like assessments ({len(inst.items)} items, 3% omitted) from an in-memory array")
    engine = timed(lambda: scoring.score(inst, X), repeat=5)
    floor = timed(lambda: np.nansum(X), repeat=5)
    records = [
        {item_id: (None if np.isnan(v) else float(v)) for item_id, v in zip(inst.item_ids, row, strict=True)}
        for row in X[:sample]
    ]
    naive_sample = timed(lambda: naive_score(inst, records), repeat=3)
    naive = naive_sample["median"] * n / sample
    memory = peak_memory(lambda: scoring.score(inst, X))
    line("engine (median of 5)", f"{engine['median']:.3f} s")
    line(f"per-record loop over dicts ({sample:,} rows, scaled x{n // sample})", f"{naive:.1f} s")
    line("np.nansum over the same array (floor)", f"{floor['median']:.3f} s")
    line("engine speed-up over the per-record loop", f"{naive / engine['median']:.0f}x  (target >= 15x)")
    line("engine time / floor", f"{engine['median'] / floor['median']:.2f}x  (target <= 3x)")
    line("engine peak memory / input array", f"{memory / X.nbytes:.2f}x  ({memory / 2**20:.0f} MiB)")

    print(f"\n`insats score` on a {csv_rows:,}-row wide CSV, end to end (new process)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "assessments.csv"
        write_wide_csv(inst, cohort(inst, csv_rows, seed=2), path)
        start = time.perf_counter()
        command = ["score", "--instrument", "savry-like", str(path), "-o", str(Path(tmp) / "out.csv")]
        subprocess.run([sys.executable, "-m", "cli", *command], check=True)
        cli_seconds = time.perf_counter() - start
        startup = timed(lambda: subprocess.run([sys.executable, "-c", "import cli"], check=True), repeat=3)
    line("insats score, 100,000 rows", f"{cli_seconds:.2f} s  (target < 2 s)")
    line("of which interpreter + imports", f"{startup['median']:.2f} s")
    return {
        "engine_s": engine["median"],
        "naive_s": naive,
        "floor_s": floor["median"],
        "speedup_vs_loop": naive / engine["median"],
        "ratio_to_floor": engine["median"] / floor["median"],
        "peak_memory_ratio": memory / X.nbytes,
        "cli_100k_s": cli_seconds,
    }


def write_wide_csv(inst: instruments.Instrument, X: np.ndarray, path: Path) -> None:
    """Codes as people write them, with the key columns of the wide format."""
    columns = {}
    for j, item in enumerate(inst.items):
        scale = inst.scales[item.scale]
        codes = np.array([lv.code for lv in scale.levels] + [""], dtype=object)
        index = np.full(len(X), len(scale.levels))
        for k, level in enumerate(scale.levels):
            index[X[:, j] == level.value] = k
        columns[item.id] = codes[index]
    frame = pd.DataFrame(columns)
    frame.insert(0, "subject_id", [f"S{i:06d}" for i in range(len(X))])
    frame.insert(1, "assessed_on", "2026-03-01")
    frame.to_csv(path, index=False)
