"""Numbers and dates as a Swedish (or English) reader expects them on screen, through Babel (CLDR):
"28,8", not "28.7604"; p-values as "< 0,001" below a thousandth and with three significant digits
above. Downloads keep full precision: this is for what is shown, never for what is exported."""

from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

import catalogue


def lang() -> str:
    """The user's language, asked only when none is given (the PDF and the CLI need no Streamlit)."""
    from .i18n import lang as current

    return current()

_P_COLUMN = re.compile(r"(^p\b|\bp$|\bp \()", re.IGNORECASE)  # "p (t)", "Wilcoxon p", "ANCOVA p"
LOCALES = {"sv": "sv_SE", "en": "en_GB"}  # English as written in Europe: 23/11/2026, not 11/23/26
SIGNIFICANT = "@##"  # one to three significant digits, the CLDR pattern: 28.7604 -> 28,8; 0.05 -> 0,05


def _locale(language: str | None) -> str:
    return LOCALES.get(language or lang(), "sv_SE")


@functools.lru_cache(maxsize=8192)
def _decimal(value: int | float, pattern: str | None, locale: str) -> str:
    """Babel's formatting, remembered: it looks the locale up and parses the pattern on every call, and
    a page shows the same few hundred numbers on every run (a pure function of its arguments)."""
    return format_decimal(value, format=pattern, locale=locale)


def _minus(text: str, language: str) -> str:
    """Swedish typography writes the minus sign (U+2212), not a hyphen; English keeps CLDR's hyphen-minus."""
    return text.replace("-", "\u2212") if language == "sv" else text


def number(value: object, digits: int = 3, language: str | None = None) -> str:
    """Up to three significant digits below 100, whole numbers (grouped: "12 345") from 100 up, in the
    language's own signs (Babel/CLDR)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    language = language or lang()
    if float(value).is_integer() or abs(value) >= 100:
        text = _decimal(round(value), None, _locale(language))
    else:
        text = _decimal(value, "@" + "#" * (digits - 1), _locale(language))
    return _minus(text, language)


def signed(value: object, decimals: int = 2, language: str | None = None) -> str:
    """A change with its sign and a fixed number of decimals ("+2,42", "−2,57" in Swedish), "–" for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    language = language or lang()
    digits = "0" * decimals
    pattern = f"+0.{digits};-0.{digits}" if decimals else "+0;-0"
    return _minus(_decimal(float(value), pattern, _locale(language)), language)


from services.followup_pdf import percent  # noqa: E402,F401  (one rule for a share in per cent)


def p_value(value: object, language: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    language = language or lang()
    if value < 0.001:
        return "< " + _decimal(0.001, None, _locale(language))
    return _decimal(value, SIGNIFICANT, _locale(language))


def date_text(value: date, language: str | None = None) -> str:
    """A date as the language writes it short: 2026-11-23 in Swedish, 23/11/2026 in English (CLDR)."""
    return _date_text(value, language or lang())


@functools.lru_cache(maxsize=8192)
def _date_text(value: date, language: str) -> str:
    """Remembered: a caseload shows a thousand dates a run, most of them the same few hundred days."""
    pattern = "yyyy-MM-dd" if language == "sv" else "dd/MM/yyyy"
    return format_date(value, format=pattern, locale=_locale(language))


LOCAL = catalogue.LOCAL


def local_time(value: datetime | None, language: str | None = None) -> str:
    """A stored UTC time as the user's clock shows it (Europe/Stockholm, summer time included)."""
    return catalogue.moment(value, language or lang())


def local_times(values: pd.Series, language: str | None = None) -> list[str]:
    """``local_time`` for a whole column at once (Logg shows thousands of rows): the patterns hold only
    digits, so pandas' own conversion and formatting give the same text as Babel, without a call per row."""
    stamps = pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL)
    pattern = "%Y-%m-%d %H:%M:%S" if (language or lang()) == "sv" else "%d/%m/%Y %H:%M:%S"
    return stamps.dt.strftime(pattern).fillna("–").tolist()


def for_display(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy with every number column as text: p-value columns as ``p_value``, others as ``number``."""
    language = language or lang()
    shown_columns = {}  # built whole, then one frame: assigning column by column cost more than the numbers
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        values = list(series)  # Python scalars, as iterating the column gives them
        if any(isinstance(v, date) for v in values):
            shown_columns[position] = [date_text(v, language) if isinstance(v, date) else ("–" if v is None else v)
                                       for v in values]
            continue
        if not pd.api.types.is_numeric_dtype(series) and not any(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            shown_columns[position] = ["–" if v is None else v for v in values]  # never "None" on a page
            continue
        shown = p_value if _P_COLUMN.search(str(column)) else number
        shown_columns[position] = [shown(v, language=language) if isinstance(v, int | float)
                                   and not isinstance(v, bool) else ("–" if v is None else str(v)) for v in values]
    out = pd.DataFrame(shown_columns, index=frame.index)
    out.columns = frame.columns
    return out
