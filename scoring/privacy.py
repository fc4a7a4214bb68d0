"""Small-cell suppression for de-identified figures: no count, group or row narrower than k youths.

A research id hides a name, but a filter (district × gender × age × month) can narrow a group to one
youth, and a count of 1 in a table then tells whoever knows the neighbourhood who it is. The rule here
is the statistical agencies' (e.g. SCB's and Socialstyrelsen's) minimum cell size: any count of youths
in 1..k-1 is shown as "< k", a group of fewer than k youths is not shown at all, and in row-level
exports the quasi-identifiers (district, age, gender) of rows in rarer combinations are coarsened
until every combination holds at least k youths.

Pure functions on frames and arrays; the caller chooses k (``INSATS_MIN_CELL``, default 5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_CELL = 5
SUPPRESSED = "*"  # a coarsened quasi-identifier in a row-level export


def shown_as(k: int) -> str:
    return f"< {k}"


def too_small(youths: int, k: int) -> bool:
    """A group of 1..k-1 youths is too small to show (an empty group hides nobody)."""
    return 0 < youths < k


def suppress_counts(table: pd.DataFrame, columns: list[str], k: int) -> pd.DataFrame:
    """Counts of youths in 1..k-1 become "< k" in ``columns`` (whole columns at once)."""
    if k <= 1:
        return table
    out = table.copy()
    for column in columns:
        values = pd.to_numeric(out[column], errors="coerce")
        small = (values > 0) & (values < k)
        if small.any():  # text throughout: one type per column, as tables and Arrow need
            out[column] = out[column].astype("string").where(~small, shown_as(k))
    return out


def suppress_matrix(counts: np.ndarray | list, k: int) -> list[list[int | str]]:
    """A cross-table of counts (e.g. pre × post level) with cells in 1..k-1 as "< k"."""
    array = np.asarray(counts, dtype=int)
    return [[shown_as(k) if 0 < v < k else int(v) for v in row] for row in array]


def age_band(age: pd.Series) -> pd.Series:
    """Ages as the bands SIG reports use: 12–14, 15–17, 18–20, 21–24 (others kept as a band of their own)."""
    bins = [-np.inf, 11, 14, 17, 20, 24, np.inf]
    names = ["<12", "12–14", "15–17", "18–20", "21–24", ">24"]
    return pd.cut(pd.to_numeric(age, errors="coerce"), bins=bins, labels=names).astype(object)


def coarsen_rows(frame: pd.DataFrame, id_column: str, k: int,
                 steps: tuple[tuple[str, str], ...] = (("age", "band"), ("district", "suppress"),
                                                       ("age", "suppress"), ("gender", "suppress"))) -> pd.DataFrame:
    """Row-level de-identified data where every (district, age, gender) combination holds at least k
    distinct youths: rows in rarer combinations are coarsened step by step (age to its band, then
    district, age and gender replaced by "*"), and only those rows. Raises ValueError when the whole
    set has fewer than k youths (nothing can hide them)."""
    quasi = [c for c in ("district", "age", "gender") if c in frame]
    youths = frame[id_column].nunique()
    if too_small(youths, k):
        raise ValueError(f"only {youths} youths: fewer than {k}, so nothing can be shown")
    out = frame.copy()
    for column in quasi:
        out[column] = out[column].astype(object)
    if not quasi or k <= 1:
        return out
    out = _coarsen(out, id_column, quasi, k, steps)
    for column in quasi:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        text = pd.to_numeric(out[column], errors="coerce").isna() & out[column].notna()
        # "15–17" and "*" beside 16 make the column text (one type per column, for every file format)
        out[column] = out[column].astype("string") if text.any() else out[column].astype(frame[column].dtype)
    return out


def _coarsen(out: pd.DataFrame, id_column: str, quasi: list[str], k: int,
             steps: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    for column, how in steps:
        rare = _sizes(out, id_column, quasi) < k
        if not rare.any():
            return out
        if column in quasi:
            out.loc[rare, column] = (age_band(out.loc[rare, column]).to_numpy() if how == "band" else SUPPRESSED)
    # the fully coarsened rows pool together; while that pool is still under k, the next-smallest
    # combination joins it (a loop over groups, never over rows)
    while (rare := _sizes(out, id_column, quasi) < k).any():
        combo = _combination(out, quasi)
        pooled = (out[quasi].astype(str) == SUPPRESSED).all(axis=1).to_numpy()
        others = out[~pooled].groupby(combo[~pooled])[id_column].nunique().sort_values()
        if others.empty:
            break
        out.loc[(combo == others.index[0]).to_numpy() | rare, quasi] = SUPPRESSED
    return out


def _combination(frame: pd.DataFrame, quasi: list[str]) -> pd.Series:
    keys = frame[quasi].astype(str)
    combo = keys[quasi[0]]
    for column in quasi[1:]:
        combo = combo + "\x1f" + keys[column]
    return combo


def _sizes(frame: pd.DataFrame, id_column: str, quasi: list[str]) -> np.ndarray:
    """For each row, how many distinct youths share its combination of quasi-identifiers."""
    return frame.groupby(_combination(frame, quasi))[id_column].transform("nunique").to_numpy()
