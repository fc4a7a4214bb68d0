"""What may reach the store, decided once: case codes, text and numbers.

Every import checks its columns with the column-wise forms here and names each bad row; every form
and store function that writes through the ORM is checked by the same rules at flush (``check_row``,
hooked on every session below), so a value that slipped past a form is refused with a code instead of
being stored (SQLite keeps a NUL byte, an infinite cost) or failing in the database driver
(PostgreSQL refuses NUL, a number too big for its column, NaN in JSON).

The rules:
- a case code is 1-16 letters A-Z, digits and dashes, and never holds a personnummer;
- text has no control characters: single-line fields none at all, free text (``Text`` columns, JSON
  lists and notes) only tab and line breaks; no NUL, no lone surrogate;
- a count is a whole number from 0 to ``MAX_COUNT``; an amount in kronor is from 0 to ``MAX_COST``;
  every other number is finite and fits its column.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Engine, Float, Insert, Integer, String, Text, event, inspect
from sqlalchemy.orm import Session

from .errors import CaseError
from .identity import looks_like_pnr, pnr_like
from .models import Base

MAX_COUNT = 1_000_000  # police reports, placement days, reports of concern: far above any real period
MAX_COST = 1_000_000_000  # kronor per period: a billion is far above any placement's cost
MAX_INTEGER = 2**31 - 1  # what an INTEGER column holds on PostgreSQL

CODE_PATTERN = r"[A-Z0-9][A-Z0-9-]{0,15}"  # what a case code may be, after normalise_code
CODE_EXPECTED = "a case code of 1-16 letters A-Z, digits and dashes (e.g. SIG-K7QF3M)"
CODE_NOT_PNR = "a pseudonymous case code, not a personnummer"
SINGLE_LINE_EXPECTED = "text without control characters"
FREE_TEXT_EXPECTED = "text without control characters (tab and line breaks allowed)"
COUNT_EXPECTED = f"a whole number from 0 to {MAX_COUNT}"
COST_EXPECTED = f"an amount from 0 to {MAX_COST}"
PERCENT_EXPECTED = "a per cent, 0-100"
NUMBER_EXPECTED = "a finite number that fits the field"

# C0 controls, DEL, C1 controls and lone surrogates (which cannot even be written as UTF-8)
_SINGLE_LINE_BAD = "[\x00-\x1f\x7f-\x9f\ud800-\udfff]"
_FREE_TEXT_BAD = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]"  # tab, LF and CR pass


def case_code_problem(code: str) -> str | None:
    """What a (normalised) case code should have been, or None when it may be stored."""
    if not re.fullmatch(CODE_PATTERN, code):
        return CODE_EXPECTED
    if looks_like_pnr(code):
        return CODE_NOT_PNR
    return None


def case_code_problems(codes: pd.Series) -> pd.Series:
    """``case_code_problem`` for a column of normalised codes: the expected text per row, "" when fine."""
    problems = pd.Series("", index=codes.index, dtype=object)
    problems[pnr_like(codes)] = CODE_NOT_PNR
    problems[~codes.str.fullmatch(CODE_PATTERN).fillna(False).to_numpy(dtype=bool)] = CODE_EXPECTED
    return problems


def text_problem(value: str, free_text: bool = False) -> str | None:
    """What a text should have been, or None when it may be stored."""
    if re.search(_FREE_TEXT_BAD if free_text else _SINGLE_LINE_BAD, value):
        return FREE_TEXT_EXPECTED if free_text else SINGLE_LINE_EXPECTED
    return None


def bad_text(values: pd.Series, free_text: bool = False) -> np.ndarray:
    """``text_problem`` for a column of text: True where a row holds a forbidden character."""
    pattern = _FREE_TEXT_BAD if free_text else _SINGLE_LINE_BAD
    if values.dtype != object:  # Arrow strings are UTF-8 (no lone surrogate) and RE2 cannot even name one
        pattern = pattern.replace("\ud800-\udfff", "")
    return values.str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)


def number_problem(value: float, high: float, whole: bool) -> str | None:
    """What a count (``whole``) or an amount should have been, or None when it may be stored."""
    expected = COUNT_EXPECTED if whole else COST_EXPECTED
    if isinstance(value, bool) or not isinstance(value, int | float):
        return expected
    if isinstance(value, float) and not math.isfinite(value):
        return expected
    if value < 0 or value > high or (whole and value != int(value)):
        return expected
    return None


def bad_numbers(values: pd.Series, high: float, whole: bool) -> np.ndarray:
    """``number_problem`` for a column of parsed numbers (NaN is "not given" and left to the caller)."""
    number = values.to_numpy(dtype=float)
    given = ~np.isnan(number)
    with np.errstate(invalid="ignore"):
        wrong = ~np.isfinite(number) | (number < 0) | (number > high)
        if whole:
            wrong |= np.isfinite(number) & (number != np.round(number))
    return given & wrong


# (table, column) -> (highest, whole, what it is): the domain's ranges; other numbers need only be finite
# and fit their column
RANGES: dict[tuple[str, str], tuple[float, bool, str]] = {
    ("outcomes", "police_reports"): (MAX_COUNT, True, "count"),
    ("outcomes", "placement_days"): (MAX_COUNT, True, "count"),
    ("outcomes", "concern_reports"): (MAX_COUNT, True, "count"),
    ("outcomes", "lvu_applications"): (MAX_COUNT, True, "count"),
    ("outcomes", "placement_cost"): (MAX_COST, False, "cost"),
    ("outcomes", "outpatient_cost"): (MAX_COST, False, "cost"),
    ("outcomes", "attendance"): (100, False, "percent"),
    ("interventions_given", "hours"): (MAX_COUNT, False, "number"),
}


def _json_problem(value: object) -> str | None:
    """A JSON value's strings are free text and its numbers finite."""
    if isinstance(value, str):
        return "free_text" if text_problem(value, free_text=True) else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "number"
    if isinstance(value, dict):
        return next(filter(None, (_json_problem(v) for v in (*value.keys(), *value.values()))), None)
    if isinstance(value, list | tuple):
        return next(filter(None, (_json_problem(v) for v in value)), None)
    return None


def column_problem(table: str, column, value: object) -> str | None:
    """What is wrong with storing ``value`` in ``column`` of ``table`` ("count", "cost", "percent",
    "text", "free_text", "number"), or None when nothing is."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, JSON):
        return _json_problem(value)
    if isinstance(value, str) and isinstance(kind, String):
        free = isinstance(kind, Text)
        return ("free_text" if free else "text") if text_problem(value, free_text=free) else None
    if isinstance(kind, Integer | Float) and not isinstance(value, bool):
        if (table, column.name) in RANGES:
            high, whole, what = RANGES[(table, column.name)]
            return what if number_problem(value, high, whole) else None
        if isinstance(value, float) and not math.isfinite(value):
            return "number"
        if isinstance(kind, Integer) and isinstance(value, int) and abs(value) > MAX_INTEGER:
            return "number"
    return None


def refusal(what: str, field: str) -> CaseError:
    """The coded refusal of a value (``what`` from ``column_problem``) for ``field``."""
    if what == "count":
        return CaseError(f"{field}: expected {COUNT_EXPECTED}", "input.count", field=field, limit=MAX_COUNT)
    if what == "cost":
        return CaseError(f"{field}: expected {COST_EXPECTED}", "input.cost", field=field, limit=MAX_COST)
    if what == "percent":
        return CaseError(f"{field}: expected {PERCENT_EXPECTED}", "input.percent", field=field)
    if what == "text":
        return CaseError(f"{field}: expected {SINGLE_LINE_EXPECTED}", "input.text", field=field)
    if what == "free_text":
        return CaseError(f"{field}: expected {FREE_TEXT_EXPECTED}", "input.free_text", field=field)
    return CaseError(f"{field}: expected {NUMBER_EXPECTED}", "input.number", field=field)


def check_values(table: str, values: dict[str, object]) -> None:
    """Refuse the first of ``values`` (column name -> value) that ``table`` may not store: for store
    functions that compute with a value before the row exists (a cost from days × price)."""
    columns = _TABLES[table].columns
    for name, value in values.items():
        if name in columns and (what := column_problem(table, columns[name], value)):
            raise refusal(what, name)


def check_row(row: object, changed_only: bool = False) -> None:
    """Refuse an ORM row holding a value the rules forbid (a CaseError naming the field).
    With ``changed_only`` (a row read and changed) only the values set now are looked at: an old row is
    not made unchangeable by what an earlier version let in."""
    state = inspect(row)
    table = state.mapper.local_table
    for prop in state.mapper.column_attrs:
        column, key = prop.columns[0], prop.key
        if changed_only:
            values = list(state.attrs[key].history.added or ())
        elif key in row.__dict__:
            values = [row.__dict__[key]]
        else:
            continue
        for value in values:
            if what := column_problem(table.name, column, value):
                raise refusal(what, column.name)


def check_case_code(code: str) -> None:
    """Refuse a case code that breaks the rules (the codes ``case.code`` and ``case.code_pnr``)."""
    problem = case_code_problem(code)
    if problem == CODE_NOT_PNR:
        raise CaseError("a case code must not hold a personnummer: use a pseudonymous code (e.g. SIG-K7QF3M)",
                        "case.code_pnr")
    if problem:
        raise CaseError(f"{code[:40]!r} is not {CODE_EXPECTED}", "case.code", code=code[:40])


_TABLES = Base.metadata.tables


@event.listens_for(Session, "before_flush")
def _check_before_flush(session: Session, _context, _instances) -> None:
    """Every new or changed row is checked before it is written: nothing half-written, on either engine."""
    for rows, changed_only in ((session.new, False), (session.dirty, True)):
        for row in rows:
            if not hasattr(row, "__table__"):
                continue
            check_row(row, changed_only)
            if row.__table__.name == "subjects" and row.case_code is not None and (
                    not changed_only or inspect(row).attrs.case_code.history.added):
                check_case_code(row.case_code)


@event.listens_for(Engine, "before_execute")
def _check_audit_rows(_conn, clause, multiparams, params, _options) -> None:
    """The audit log is written with bulk inserts, not through the ORM, and often before the input it
    records was checked (a refused action is logged too): a control character in its ``who`` or
    ``detail`` is refused here, so PostgreSQL never fails on a NUL byte mid-transaction."""
    if not (isinstance(clause, Insert) and clause.table.name == "audit_log"):
        return
    rows = [*multiparams, params] if multiparams else [params]
    first = next((r[0] if isinstance(r, list | tuple) and r else r for r in rows if r), None)
    if isinstance(first, dict):
        for field, free in (("who", False), ("detail", True)):
            value = first.get(field)
            if isinstance(value, str) and text_problem(value, free_text=free):
                raise refusal("free_text" if free else "text", field)
