"""The one date format of Insats (ISO, ``YYYY-MM-DD``), for one value and for a whole column.

Every date a person or a file gives goes through here: the CLI's flags, ``INSATS_TODAY``, the imports and
a researcher's own sheet. An impossible date (``2025-13-40``) is an error everywhere, never a silent gap.
"""

from __future__ import annotations

import re
import warnings
from datetime import date

import numpy as np
import pandas as pd

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
EXPECTED = "a date as YYYY-MM-DD"


class DateProblem(ValueError):
    """Not a date as YYYY-MM-DD (or not a day that exists)."""


def parse_day(text: str | date, what: str = "date") -> date:
    """One date; ``what`` names the field or flag in the message."""
    if isinstance(text, date):
        return text
    value = str(text).strip()
    try:
        if not ISO.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise DateProblem(f"{what} {value[:40]!r}: expected {EXPECTED}") from None


def parse_days(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A column of dates at once: the parsed dates (NaT where empty or wrong) and where a non-empty value
    is not a date. Same format and the same answer per value as ``parse_day`` (a test keeps them equal)."""
    text = column.astype("string").str.strip().fillna("")
    parsed = pd.to_datetime(text.where(text.str.fullmatch(ISO.pattern).fillna(False), ""), format="%Y-%m-%d",
                            errors="coerce")
    return parsed, (text != "") & parsed.isna()


def stored_days(column: pd.Series) -> pd.Series:
    """Dates as the database returns them (ISO text from SQLite, ``date`` objects from PostgreSQL, None
    for none) as datetime64, at once. ``pd.to_datetime`` guesses a format for every column it is given
    (about 1.5 ms for a queue's column, nine columns per Inkorg run); numpy reads ISO days directly.
    Anything else (a time with its zone, say) falls back to its first ten characters, the day, with NaT
    for what is not a date."""
    values = column.to_numpy(object, copy=True)
    values[pd.isna(values)] = None
    try:
        with warnings.catch_warnings():  # numpy only warns that it drops a time zone: take the fallback
            warnings.simplefilter("error")
            days = np.array(values, dtype="datetime64[D]")
    except (ValueError, TypeError, Warning):
        return pd.to_datetime(column.astype(str).str[:10], format="%Y-%m-%d", errors="coerce")
    return pd.Series(days.astype("datetime64[ns]"), index=column.index, name=column.name)
