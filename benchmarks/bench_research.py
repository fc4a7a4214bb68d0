"""Research statistics at cohort scale.

- ``insats research change`` on 100,000 subjects with pre and post ``savry-like`` (a 200,000-row CSV)
  and 2,000 BCa bootstrap resamples, end to end in a new process (target < 5 s). Baseline in the
  same run: the same bootstrap drawing subject indices (2×10⁸ gathers per score) instead of counting
  distinct values.
- ICC(2,1) on 10,000 subjects × 3 raters against ``pingouin.intraclass_corr`` on the same data:
  speed ratio and the largest difference in any ICC.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import instruments
from scoring import bootstrap
from scoring.agreement import icc

from ._timing import line, timed

ROOT = Path(__file__).resolve().parents[1]


def _cohort_csv(path: Path, subjects: int, seed: int = 1) -> None:
    inst = instruments.load("savry-like")
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.8, 0.6, subjects)
    frames = []
    for t, occasion in enumerate(["baseline", "closing"]):
        level = theta - 0.3 * t * rng.random(subjects)
        data = {"subject_id": np.char.add("S", np.arange(subjects).astype(str)), "occasion": occasion,
                "assessed_on": f"2026-0{1 + 6 * t}-15"}
        for item in inst.items:
            if inst.item_domain[item.id].direction == "protective":
                data[item.id] = np.where(rng.random(subjects) > 0.5 + level / 3, "P", "A")
            else:
                data[item.id] = np.array(list("LMH"))[np.clip(np.rint(level + rng.normal(0, 0.5, subjects)), 0, 2)
                                                      .astype(int)]
        data["judgment"] = np.array(["low", "moderate", "high"])[np.clip(np.rint(level + 0.5), 0, 2).astype(int)]
        frames.append(pd.DataFrame(data))
    pd.concat(frames).to_csv(path, index=False)


def run(subjects: int = 100_000, resamples: int = 2000) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="insats-bench-research-") as tmp:
        path = Path(tmp) / "cohort.csv"
        _cohort_csv(path, subjects)
        print(f"insats research change: {subjects:,} subjects × 2 occasions, {resamples} BCa resamples")
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cli", "research", "change", "--instrument",
                               "savry-like", str(path), "--bootstrap", str(resamples), "--seed", "1"],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - began
        if done.returncode:
            raise RuntimeError(done.stderr)
        line("end to end, new process (target < 5 s)", f"{seconds:.2f} s")
        results["change_end_to_end_s"] = seconds

    rng = np.random.default_rng(2)
    diffs = np.rint(rng.normal(-3, 6, (subjects, 2)))
    counted = timed(lambda: bootstrap.bootstrap_ci(diffs, resamples, 1, "mean", "bca"), repeat=3)["median"]
    saved = bootstrap.MAX_DISTINCT
    bootstrap.MAX_DISTINCT = 0
    try:
        gathered = timed(lambda: bootstrap.bootstrap_ci(diffs, resamples, 1, "mean", "bca"), repeat=1)["median"]
    finally:
        bootstrap.MAX_DISTINCT = saved
    line("bootstrap of 2 scores: counting distinct values", f"{counted:.3f} s")
    line("… drawing subject indices (naive baseline)", f"{gathered:.2f} s  ({gathered / counted:.0f}× slower)")
    results.update(bootstrap_counted_s=counted, bootstrap_gathered_s=gathered)

    import pingouin as pg

    n, k = 10_000, 3
    target = rng.normal(0, 1, n)
    ratings = target[:, None] + rng.normal(0, 0.6, (n, k)) + np.array([0.0, 0.2, -0.1])
    long = pd.DataFrame({"target": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n),
                         "score": ratings.ravel()})
    ours = timed(lambda: icc(ratings), repeat=5)["median"]
    theirs = timed(lambda: pg.intraclass_corr(long, targets="target", raters="rater", ratings="score"),
                   repeat=3)["median"]
    mine = icc(ratings)
    reference = pg.intraclass_corr(long, targets="target", raters="rater", ratings="score").set_index("Type")
    # pingouin 0.7 names the forms after McGraw & Wong: ICC(A,1) is Shrout & Fleiss' ICC(2,1), ICC(C,1) is ICC(3,1)
    names = {"ICC(1,1)": "ICC(1,1)", "ICC(A,1)": "ICC(2,1)", "ICC(C,1)": "ICC(3,1)", "ICC(1,k)": "ICC(1,k)",
             "ICC(A,k)": "ICC(2,k)", "ICC(C,k)": "ICC(3,k)", "ICC1": "ICC(1,1)", "ICC2": "ICC(2,1)",
             "ICC3": "ICC(3,1)", "ICC1k": "ICC(1,k)", "ICC2k": "ICC(2,k)", "ICC3k": "ICC(3,k)"}
    compared = [(theirs_name, ours_name) for theirs_name, ours_name in names.items() if theirs_name in reference.index]
    difference = max(abs(mine.loc[o, "icc"] - reference.loc[t, "ICC"]) for t, o in compared)
    print(f"\nICC on {n:,} subjects × {k} raters")
    line("Insats scoring.agreement.icc (all six)", f"{ours * 1000:.1f} ms")
    line("pingouin.intraclass_corr", f"{theirs * 1000:.0f} ms  ({theirs / ours:.0f}× slower; target ≥ 10×)")
    line("largest difference in any ICC", f"{difference:.1e}  (target ≤ 1e-9)")
    results.update(icc_ms=ours * 1000, pingouin_ms=theirs * 1000, icc_speedup=theirs / ours, icc_max_diff=difference)
    return results
