"""What may leave Insats as figures and files: the k floor by role and scope, small-cell suppression,
coarsening of row-level exports, and formula neutralisation of every CSV cell. Decided here once.

A research id hides a name, but a filter (district × gender × age × month) can narrow a group to one
youth, and a count of 1 in a table then tells whoever knows the neighbourhood who it is. The rule is
the statistical agencies' (e.g. SCB's and Socialstyrelsen's) minimum cell size: any count of youths
in 1..k-1 is shown as "< k", a group of fewer than k youths is not shown at all, and in row-level
exports the quasi-identifiers (district, age, gender) of rows in rarer combinations are coarsened
until every combination holds at least k youths.

Who chooses k: never the caller. The instance's floor is kept with the database (``store.settings``,
set by an admin with ``insats db set-min-cell``, never below ``LOWEST_FLOOR``); the environment may
only raise it (``effective_floor``); and ``cell_floor`` decides, from the reader's reach, whether a
figure is exact (a coordinator's internal report on their own teams) or suppressed at the floor.

Pure functions on values, frames and arrays: no I/O, no Streamlit, no SQLAlchemy.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# -- the k floor ------------------------------------------------------------------------------------
DEFAULT_FLOOR = 5  # when the database holds no floor: the agencies' minimum cell size
LOWEST_FLOOR = 5  # no instance may store less (the README and research approvals promise 5)
EXACT = 1  # k = 1: nothing is suppressed (an empty group hides nobody, a group of one is shown)
SUPPRESSED = "*"  # a coarsened quasi-identifier in a row-level export


class DisclosureError(ValueError):
    """A floor that cannot be kept or set. ``code`` and ``params`` for the catalogue (``err_<code>``)."""

    def __init__(self, message: str, code: str, **params: object):
        super().__init__(message)
        self.code, self.params = code, params


def checked_floor(k: int) -> int:
    """A floor an admin may store: a whole number of youths, at least ``LOWEST_FLOOR``."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise DisclosureError(f"the smallest group must be a whole number, not {k!r}", "disclosure.not_number",
                              value=k)
    if k < LOWEST_FLOOR:
        raise DisclosureError(f"the smallest group shown cannot be set below {LOWEST_FLOOR} youths (asked: {k})",
                              "disclosure.floor_too_low", k=int(k), lowest=LOWEST_FLOOR)
    return int(k)


def effective_floor(stored: int | None, environment: str | None) -> tuple[int, str | None]:
    """The floor in force and, when the environment's ``INSATS_MIN_CELL`` was ignored, why.

    The stored floor (``DEFAULT_FLOOR`` when none is stored) is the instance's; a caller's
    environment may raise it for its own outputs, never lower it: a value below it, or not a whole
    number, is ignored (the second element says which: ``lower`` or ``invalid``)."""
    floor = max(stored if stored is not None else DEFAULT_FLOOR, LOWEST_FLOOR)
    if environment is None or not environment.strip():
        return floor, None
    try:
        asked = int(environment.strip())
    except ValueError:
        return floor, "invalid"
    if asked < floor:
        return floor, "lower"
    return asked, None


def cell_floor(floor: int, *, team_reach: bool, own_teams: frozenset[int], teams: frozenset[int] | None,
               published: bool = False) -> int:
    """The k for one report, by the reader's reach and the report's scope.

    Exact counts (``EXACT``) only for an internal report that stays within cases the reader may open
    anyway: ``team_reach`` (the reader's widest scope for the report is their teams: a coordinator or
    an intake worker, not a researcher or an admin) with no team chosen, or a chosen set of teams that
    are all the reader's own while a role with team reach is held. Everything else (a researcher,
    anyone across teams, anything to be published) is suppressed at ``floor``."""
    if published:
        return floor
    within_own = team_reach if teams is None else (team_reach and bool(teams) and teams <= own_teams)
    return EXACT if within_own else floor


# -- suppression ------------------------------------------------------------------------------------
def shown_as(k: int) -> str:
    return f"< {k}"


def too_small(youths: int, k: int) -> bool:
    """A group of 1..k-1 youths is too small to show (an empty group hides nobody)."""
    return 0 < youths < k


def shown_count(youths: int, k: int) -> int | str:
    """One count of youths as it may be shown: "< k" for 1..k-1, else the number."""
    return shown_as(k) if too_small(int(youths), k) else int(youths)


def suppress_counts(table: pd.DataFrame, columns: list[str], k: int) -> pd.DataFrame:
    """Counts of youths in 1..k-1 become "< k" in ``columns`` (whole columns at once; ``shown_count``
    per value)."""
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
    return [[shown_count(v, k) for v in row] for row in array]


# -- coarsening -------------------------------------------------------------------------------------
MISSING = "\x00missing"  # a missing quasi-identifier is a group of its own, never left out of the check


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
    district, age and gender replaced by "*"), and only those rows. A missing value (NaN, None, NA) is
    a value of its own here: a youth without a district is counted in the "no district" group.
    Raises ValueError when the whole set has fewer than k youths (nothing can hide them)."""
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
            if how == "band":  # a missing age has no band: it stays missing (a group of its own)
                banded = age_band(out.loc[rare, column])
                out.loc[rare, column] = banded.where(out.loc[rare, column].notna(), None).to_numpy()
            else:
                out.loc[rare, column] = SUPPRESSED
    # the fully coarsened rows pool together; while that pool is still under k, the next-smallest
    # combination joins it (a loop over groups, never over rows)
    while (rare := _sizes(out, id_column, quasi) < k).any():
        combo = _combination(out, quasi)
        pooled = (_keys(out, quasi) == SUPPRESSED).all(axis=1).to_numpy()
        others = out[~pooled].groupby(combo[~pooled])[id_column].nunique().sort_values()
        if others.empty:
            break
        out.loc[(combo == others.index[0]).to_numpy() | rare, quasi] = SUPPRESSED
    return out


def _keys(frame: pd.DataFrame, quasi: list[str]) -> pd.DataFrame:
    """The quasi-identifiers as plain text, a missing value as ``MISSING`` (on pandas 3 ``astype(str)``
    keeps NaN, and a NaN key would drop the row from every group and so from the check)."""
    return frame[quasi].astype(object).where(frame[quasi].notna(), MISSING).astype(str).astype(object)


def _combination(frame: pd.DataFrame, quasi: list[str]) -> pd.Series:
    keys = _keys(frame, quasi)
    combo = keys[quasi[0]]
    for column in quasi[1:]:
        combo = combo + "\x1f" + keys[column]
    return combo


def _sizes(frame: pd.DataFrame, id_column: str, quasi: list[str]) -> np.ndarray:
    """For each row, how many distinct youths share its combination of quasi-identifiers."""
    return frame.groupby(_combination(frame, quasi), dropna=False)[id_column].transform("nunique").to_numpy()


# -- formula neutralisation -------------------------------------------------------------------------
# The OWASP rule for CSV injection, widened: Excel and LibreOffice skip leading blanks (a space, NBSP,
# an ideographic space, a byte-order mark, a line break) and read the full-width signs ＝＋－＠ as their
# ASCII forms. A cell that starts with a tab, CR or LF, or whose first non-blank character is one of
# = + - @ (or its full-width form), is prefixed with an apostrophe, so it is shown as text.
_BLANKS = r"[\s\u00a0\u2007\u202f\u3000\u200b\ufeff]*"
_SIGNS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
FORMULA = re.compile(rf"[\t\r\n]|{_BLANKS}[{_SIGNS}]")
# REDCap's own action tags (@HIDDEN, @DEFAULT='...') start a Field Annotation: "@" is kept there
FORMULA_NOT_TAG = re.compile(rf"[\t\r\n]|{_BLANKS}[{_SIGNS.replace('@', '')}]")


def is_formula_like(text: object, *, tags_allowed: bool = False) -> bool:
    """Whether a spreadsheet could run this cell as a formula (per value; ``neutralise_formulas``
    asks the same pattern of whole columns)."""
    return isinstance(text, str) and (FORMULA_NOT_TAG if tags_allowed else FORMULA).match(text) is not None


def neutralised(text: object) -> object:
    """One cell made safe: a formula-like text gets a leading apostrophe; anything else is kept."""
    return "'" + text if is_formula_like(text) else text


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and header cannot start a formula (column-wise, no
    per-cell loop). Only text columns are touched; numbers (a negative change, say) stay numbers.
    Header names matter too: a group label can become a column name."""
    text = [c for c in frame.columns if (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
            and pd.api.types.infer_dtype(frame[c], skipna=True) in ("string", "mixed", "mixed-integer", "empty")]
    # (an object column of dates or lists holds no text that could start a formula)
    risky = {c: frame[c].str.match(FORMULA.pattern).fillna(False).astype(bool) for c in text}
    risky = {c: mask for c, mask in risky.items() if mask.any()}
    names = [neutralised(c) for c in frame.columns]
    if not risky and names == list(frame.columns):
        return frame
    safe = frame.copy()
    for column, mask in risky.items():
        safe[column] = safe[column].where(~mask, "'" + safe[column].astype(str))
    safe.columns = names
    return safe
