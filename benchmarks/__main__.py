"""Run every benchmark: ``make bench`` (or ``python -m benchmarks [name ...]``).

Figures are printed as ratios against a baseline measured in the same run, and saved to
benchmarks/results/latest.json. They are never asserted in tests: machines differ.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from . import bench_app, bench_caseload, bench_followup, bench_partner, bench_research, bench_scoring, bench_store, soak

BENCHMARKS = {"scoring": bench_scoring.run, "store": bench_store.run, "app": bench_app.run,
              "research": bench_research.run, "followup": bench_followup.run, "caseload": bench_caseload.run,
              "partner": bench_partner.run, "soak": soak.run}
# the soak takes 20 minutes: `make bench soak`
DEFAULT = ["scoring", "store", "app", "research", "followup", "caseload", "partner"]


def main(names: list[str]) -> None:
    chosen = names or DEFAULT
    results = {"python": sys.version.split()[0], "machine": platform.machine()}
    for name in chosen:
        print(f"\n== {name} ==")
        results[name] = BENCHMARKS[name]()
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    name = "soak.json" if chosen == ["soak"] else "latest.json"
    (out / name).write_text(json.dumps(results, indent=2))
    print(f"\nsaved {out / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
