"""Tables that leave as CSV: text cells a spreadsheet would run as a formula are neutralised.

The OWASP rule for CSV injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with an apostrophe, so Excel and LibreOffice show it as text. Only text
columns are touched; numbers (a negative change, say) stay numbers.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_name(name: object) -> object:
    return "'" + name if isinstance(name, str) and name.startswith(FORMULA_START) else name


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and header cannot start a formula (column-wise, no
    per-cell loop). Header names matter too: a group label can become a column name."""
    text = [c for c in frame.columns if (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
            and pd.api.types.infer_dtype(frame[c], skipna=True) in ("string", "mixed", "mixed-integer", "empty")]
    # (an object column of dates or lists holds no text that could start a formula)
    risky = {c: frame[c].str.startswith(FORMULA_START).fillna(False).astype(bool) for c in text}
    risky = {c: mask for c, mask in risky.items() if mask.any()}
    names = [_safe_name(c) for c in frame.columns]
    if not risky and names == list(frame.columns):
        return frame
    safe = frame.copy()
    for column, mask in risky.items():
        safe[column] = safe[column].where(~mask, "'" + safe[column].astype(str))
    safe.columns = names
    return safe
