"""Numbers and dates as a Swedish (or English) reader expects them on screen, through Babel (CLDR):
"28,8", not "28.7604"; p-values as "< 0,001" below a thousandth and with three significant digits
above. Downloads keep full precision: this is for what is shown, never for what is exported."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal


def lang() -> str:
    """The user's language, asked only when none is given (the PDF and the CLI need no Streamlit)."""
    from .i18n import lang as current

    return current()

_P_COLUMN = re.compile(r"(^p\b|\bp$|\bp \()", re.IGNORECASE)  # "p (t)", "Wilcoxon p", "ANCOVA p"
LOCALES = {"sv": "sv_SE", "en": "en_GB"}  # English as written in Europe: 23/11/2026, not 11/23/26
SIGNIFICANT = "@##"  # one to three significant digits, the CLDR pattern: 28.7604 -> 28,8; 0.05 -> 0,05


def _locale(language: str | None) -> str:
    return LOCALES.get(language or lang(), "sv_SE")


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
        text = format_decimal(round(value), locale=_locale(language))
    else:
        text = format_decimal(value, format="@" + "#" * (digits - 1), locale=_locale(language))
    return _minus(text, language)


from services.followup_pdf import percent  # noqa: E402,F401  (one rule for a share in per cent)


def p_value(value: object, language: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    language = language or lang()
    if value < 0.001:
        return "< " + format_decimal(0.001, locale=_locale(language))
    return format_decimal(value, format=SIGNIFICANT, locale=_locale(language))


def date_text(value: date, language: str | None = None) -> str:
    """A date as the language writes it short: 2026-11-23 in Swedish, 23/11/2026 in English (CLDR)."""
    pattern = "yyyy-MM-dd" if (language or lang()) == "sv" else "dd/MM/yyyy"
    return format_date(value, format=pattern, locale=_locale(language))


LOCAL = ZoneInfo("Europe/Stockholm")  # the municipality's clock; the store keeps UTC


def local_time(value: datetime | None, language: str | None = None) -> str:
    """A stored UTC time as the user's clock shows it (Europe/Stockholm, summer time included)."""
    if value is None:
        return "–"
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LOCAL)
    pattern = "yyyy-MM-dd HH:mm:ss" if (language or lang()) == "sv" else "dd/MM/yyyy HH:mm:ss"
    return format_datetime(moment, format=pattern, tzinfo=LOCAL, locale=_locale(language))


def for_display(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy with every number column as text: p-value columns as ``p_value``, others as ``number``."""
    language = language or lang()
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, date)).any():
            out[column] = [date_text(v, language) if isinstance(v, date) else ("–" if v is None else v)
                           for v in out[column]]
            continue
        if not pd.api.types.is_numeric_dtype(out[column]) and not out[column].map(
                lambda v: isinstance(v, int | float) and not isinstance(v, bool)).any():
            out[column] = ["–" if v is None else v for v in out[column]]  # never "None" on a page
            continue
        shown = p_value if _P_COLUMN.search(str(column)) else number
        out[column] = [shown(v, language=language) if isinstance(v, int | float) and not isinstance(v, bool)
                       else ("–" if v is None else str(v)) for v in out[column]]
    return out
