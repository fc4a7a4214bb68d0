"""Timing helpers: best-of and median of repeated runs, peak memory with tracemalloc."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int = 5) -> dict[str, float]:
    """Seconds per call: median and best of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return {"median": statistics.median(runs), "best": min(runs)}


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated (Python and numpy) while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def line(label: str, value: str) -> None:
    print(f"  {label:<52} {value}")
