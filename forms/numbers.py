"""Numbers as a Swedish (or English) reader expects them on screen: "28,8", not "28.7604"; p-values
as "< 0,001" below a thousandth and with three significant digits above. Downloads keep full
precision: this is for what is shown, never for what is exported."""

from __future__ import annotations

import math
import re

import pandas as pd


def lang() -> str:
    """The user's language, asked only when none is given (the PDF and the CLI need no Streamlit)."""
    from .i18n import lang as current

    return current()

_P_COLUMN = re.compile(r"(^p\b|\bp$|\bp \()", re.IGNORECASE)  # "p (t)", "Wilcoxon p", "ANCOVA p"


def _decimal(text: str, language: str) -> str:
    return text.replace(".", ",").replace("-", "−") if language == "sv" else text.replace("-", "−")


def number(value: object, digits: int = 3, language: str | None = None) -> str:
    """Three significant digits (whole numbers as they are), the language's decimal sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    language = language or lang()
    if float(value).is_integer() and abs(value) >= 1:
        text = f"{int(value):,}".replace(",", "\u202f")
    else:
        text = f"{value:.{digits}g}"
        if "e" in text:  # very small or very large: fixed notation, as a reader expects
            text = f"{value:.{digits}f}"
    return _decimal(text, language)


def percent(share: float | None) -> str:
    """A share 0..1 as whole per cent ("62 %"); "–" when there was nothing to share."""
    return "–" if share is None or share != share else f"{share * 100:.0f} %"  # None or NaN


def p_value(value: object, language: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    language = language or lang()
    if value < 0.001:
        return _decimal("< 0.001", language)
    return _decimal(f"{value:.3g}", language)


def for_display(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy with every number column as text: p-value columns as ``p_value``, others as ``number``."""
    language = language or lang()
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not out[column].map(
                lambda v: isinstance(v, int | float) and not isinstance(v, bool)).any():
            continue
        shown = p_value if _P_COLUMN.search(str(column)) else number
        out[column] = [shown(v, language=language) if isinstance(v, int | float) and not isinstance(v, bool)
                       else ("–" if v is None else str(v)) for v in out[column]]
    return out
