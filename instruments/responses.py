"""Turning response tables (codes or values, as people write them) into the engine's float array.

This is reading answers against a definition (which codes a scale has, which omission codes count),
so it lives with the definitions: the store validates imports with it without depending on scoring.

Each item column is mapped in one vectorised step. Every cell that is neither a level code, a level
value nor an omission code is reported with its row, column, value and the allowed codes, and the
whole table is refused: a partly read table is worse than none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import Instrument

KEY_COLUMNS = ("subject_id", "assessed_on", "occasion", "rater", "judgment", "rationale")
OBSERVATION_SUFFIX = "_note"


@dataclass(frozen=True)
class CellError:
    """One bad cell: ``row`` is numbered as the caller presents rows (file line, or position)."""

    row: int | None
    column: str
    value: object
    expected: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}column '{self.column}': {self.value!r} is not allowed; expected {self.expected}"


class ResponseError(ValueError):
    """A response table was refused; ``errors`` lists every bad cell or column."""

    def __init__(self, errors: list[CellError], limit: int = 20):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:limit])
        more = f"\n  ... and {len(errors) - limit} more" if len(errors) > limit else ""
        super().__init__(f"{len(errors)} problem(s) in the responses:\n{shown}{more}")


def _format_value(value: float) -> list[str]:
    """Spellings of a numeric level value in a text file: 1, 1.0, -1, ..."""
    spellings = {repr(float(value)), f"{value:g}"}
    if float(value).is_integer():
        spellings.add(str(int(value)))
    return sorted(spellings)


def level_lookup(instrument: Instrument, scale_id: str) -> dict[str, float]:
    """Text cell -> value for one scale: codes, value spellings and omission codes (NaN)."""
    scale = instrument.scales[scale_id]
    lookup: dict[str, float] = {code: np.nan for code in instrument.omission.codes}
    for level in scale.levels:
        for spelling in _format_value(level.value):
            lookup[spelling] = level.value
    for level in scale.levels:  # codes win over value spellings when they collide
        lookup[level.code] = level.value
    return lookup


def _map_text(column: pd.Series, lookup: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Text cells -> values with one hash look-up per cell in Arrow (C++); empty/null = omitted.

    Cells are matched as written first; only if some do not match is white space stripped and the
    look-up repeated, so clean files pay for no string operations.
    """
    keys = pa.array(list(lookup), type=pa.string())
    table = np.append(np.array(list(lookup.values()), dtype=float), np.nan)  # last slot: no match
    try:
        cells = pa.array(column, from_pandas=True)
        if not pa.types.is_string(cells.type) and not pa.types.is_large_string(cells.type):
            cells = pc.cast(cells, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        cells = pa.array(column.astype(str).where(column.notna(), ""), type=pa.string())
    cells = pc.fill_null(cells, "")
    index = pc.index_in(cells, value_set=keys)
    if index.null_count:
        index = pc.index_in(pc.utf8_trim_whitespace(cells), value_set=keys)
    positions = index.fill_null(len(lookup)).to_numpy(zero_copy_only=False)
    return table[positions], positions == len(lookup)


def allowed_text(instrument: Instrument, scale_id: str) -> str:
    scale = instrument.scales[scale_id]
    codes = ", ".join(f"{lv.code} (={lv.value:g})" for lv in scale.levels)
    omitted = ", ".join(repr(c) for c in instrument.omission.codes)
    return f"one of {codes}, or an omission code ({omitted})"


def responses_to_array(
    instrument: Instrument,
    frame: pd.DataFrame,
    *,
    allow_missing_items: bool = False,
    first_row: int = 0,
) -> np.ndarray:
    """Item columns of ``frame`` -> float array in item order, NaN for omitted.

    ``first_row`` is the number given to the frame's first row in error messages (2 for a CSV file
    with a header line, so that errors name the line a person sees in a spreadsheet).
    """
    errors: list[CellError] = []
    missing = [i for i in instrument.item_ids if i not in frame.columns]
    if missing and not allow_missing_items:
        errors += [
            CellError(None, col, "(column missing)", "a column for every item (or --allow-missing-items)")
            for col in missing
        ]
        raise ResponseError(errors)
    out = np.full((len(frame), len(instrument.items)), np.nan)
    for j, item in enumerate(instrument.items):
        if item.id not in frame.columns:
            continue
        column = frame[item.id]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=float, na_value=np.nan)
            allowed = instrument.scales[item.scale].values
            bad = ~(np.isnan(values) | np.isin(values, allowed))
        else:
            values, bad = _map_text(column, level_lookup(instrument, item.scale))
        if bad.any():
            expected = allowed_text(instrument, item.scale)
            for pos in np.flatnonzero(bad):
                errors.append(CellError(first_row + int(pos), item.id, column.iloc[pos], expected))
        out[:, j] = values
    if errors:
        errors.sort(key=lambda e: (e.row or 0, instrument.item_ids.index(e.column)))
        raise ResponseError(errors)
    return out


def judgment_lookup(instrument: Instrument) -> dict[str, str]:
    """Accepted spellings (level ids and labels in any language, any case) -> level id."""
    if instrument.judgment is None:
        return {}
    lookup = {}
    for level in instrument.judgment.levels:
        lookup[level.lower()] = level
        for text in instrument.judgment.labels.get(level, {}).values():
            lookup[text.lower()] = level
    return lookup


def parse_judgments(
    instrument: Instrument, values: pd.Series | list | np.ndarray, *, first_row: int = 0
) -> np.ndarray:
    """Judgment cells -> level index (float, NaN where none given). Unknown levels are errors."""
    cells = np.asarray(values.to_numpy(object) if isinstance(values, pd.Series) else values, dtype=object).ravel()
    # numpy's string functions over the whole column (pandas' .str steps cost ~1.5 ms even for one cell)
    text = np.char.lower(np.char.strip(np.where(pd.isna(cells), "", cells).astype(str)))
    if instrument.judgment is None:
        given = text != ""
        if given.any():
            pos = int(np.flatnonzero(given)[0])
            raise ResponseError(
                [CellError(first_row + pos, "judgment", values[pos], "no judgment: this instrument has none")]
            )
        return np.full(len(text), np.nan)
    lookup = judgment_lookup(instrument)
    index = {level: float(i) for i, level in enumerate(instrument.judgment.levels)}
    codes = {spelling: index[level] for spelling, level in lookup.items()}
    spellings, at = np.unique(text, return_inverse=True)  # a handful of spellings, however many rows
    result = np.array([codes.get(s, np.nan) for s in spellings], dtype=float)[at.ravel()] if len(text) else (
        np.empty(0))
    bad = np.flatnonzero(~np.isin(text, [*codes, ""]))
    if bad.size:
        expected = "one of " + ", ".join(instrument.judgment.levels) + " (or empty)"
        raw = list(values)
        raise ResponseError([CellError(first_row + int(p), "judgment", raw[p], expected) for p in bad])
    return result


def check_columns(instrument: Instrument, columns: list[str], *, allow_missing_items: bool = False) -> None:
    """A wide response file has key columns, one column per item, and optional item notes.

    Raises ``ResponseError`` naming every unknown column and every missing item column.
    """
    known = set(KEY_COLUMNS) | set(instrument.item_ids)
    known |= {f"{item.id}{OBSERVATION_SUFFIX}" for item in instrument.items if item.observation}
    errors = [
        CellError(None, col, "(unknown column)", "a key column (" + ", ".join(KEY_COLUMNS) + ") or an item id")
        for col in columns
        if col not in known
    ]
    if not allow_missing_items:
        errors += [
            CellError(None, item_id, "(column missing)", "a column for every item (or --allow-missing-items)")
            for item_id in instrument.item_ids
            if item_id not in columns
        ]
    if errors:
        raise ResponseError(errors)


def ratings_to_values(instrument: Instrument, ratings: Mapping[str, object]) -> np.ndarray:
    """Item id -> code or value, to one row of values in item order; unknown codes are errors."""
    unknown = [k for k in ratings if k not in instrument.item_ids]
    if unknown:
        raise ValueError(f"unknown item(s) for {instrument.id}: {', '.join(unknown)}")
    row = np.full(len(instrument.items), np.nan)
    for j, item in enumerate(instrument.items):
        raw = ratings.get(item.id)
        if raw is None or (isinstance(raw, str) and raw.strip() in instrument.omission.codes):
            continue
        allowed = ", ".join(lv.code for lv in instrument.scales[item.scale].levels)
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ValueError(f"item {item.id}: {raw!r} is not a level of its scale (allowed: {allowed})")
        level = instrument.scales[item.scale].level_for(raw.strip() if isinstance(raw, str) else float(raw))
        if level is None:
            raise ValueError(f"item {item.id}: {raw!r} is not a level of its scale (allowed: {allowed})")
        row[j] = level.value
    return row
