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
    days = stored_day_array(column.to_numpy(object))
    return pd.Series(days.astype("datetime64[ns]"), index=column.index, name=column.name)


def stored_day_array(values: np.ndarray | list) -> np.ndarray:
    """``stored_days`` for a plain array (or list) of what the database returned: ``datetime64[D]``, NaT for
    none. For the queues that compute in arrays and make one frame at the end."""
    values = np.array(values, dtype=object)
    values[pd.isna(values)] = None
    try:
        with warnings.catch_warnings():  # numpy only warns that it drops a time zone: take the fallback
            warnings.simplefilter("error")
            return np.array(values, dtype="datetime64[D]")
    except (ValueError, TypeError, Warning):
        text = pd.Series(values).astype(str).str[:10]
        return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").to_numpy("datetime64[D]")


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, the end of a shorter month kept (31 Jan + 1 = 28/29 Feb)."""
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def add_months_all(days: np.ndarray, months: int) -> np.ndarray:
    """``add_months`` for an array of datetime64 at once (NaT stays NaT): the day kept, or the month's last
    day. ``pd.DateOffset`` on a column steps through it value by value (a seventh of an Inkorg run)."""
    missing = np.isnat(days)
    day = days.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    target = month + np.timedelta64(months, "M")
    offset = np.minimum(day - month, (target + np.timedelta64(1, "M")).astype("datetime64[D]")
                        - target.astype("datetime64[D]") - np.timedelta64(1, "D"))
    out = (target.astype("datetime64[D]") + offset).astype("datetime64[ns]")
    out[missing] = np.datetime64("NaT")
    return out
