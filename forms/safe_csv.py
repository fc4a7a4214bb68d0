"""CSV for spreadsheets: cells that Excel would run as a formula are neutralised (OWASP CSV injection)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from store import transaction, views

from . import context as ctx
from .i18n import tr

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell starting like a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    text_columns = [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype).startswith("str")]
    safe = frame.copy()
    for column in text_columns:
        safe[column] = safe[column].map(neutralise)
    return safe.to_csv(index=False).encode("utf-8")


def audited_download(frame: pd.DataFrame, name: str, action: str, label_key: str = "download_csv") -> None:
    """A CSV download whose click is checked against ``action`` and audited (on Streamlit's download
    thread, so the page's state is captured here)."""
    actor, engine = ctx.actor(), ctx.engine()

    def data() -> bytes:
        with transaction(engine) as session:
            views.note_download(session, actor, action, f"{name}.csv")
        return csv_bytes(frame)

    st.download_button(tr(label_key), data, file_name=f"{name}.csv", mime="text/csv", key=f"download:{name}")
