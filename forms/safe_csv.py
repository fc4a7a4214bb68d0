"""CSV for spreadsheets: cells that Excel would run as a formula are neutralised (OWASP CSV injection)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scoring.safe_cells import neutralise_formulas
from store import transaction, views

from . import context as ctx
from .i18n import tr


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8")


def audited_download(frame: pd.DataFrame, name: str, action: str, label_key: str = "download_csv") -> None:
    """A CSV download whose click is checked against ``action`` and audited (on Streamlit's download
    thread, so the page's state is captured here)."""
    actor, engine = ctx.actor(), ctx.engine()

    def data() -> bytes:
        with transaction(engine) as session:
            views.note_download(session, actor, action, f"{name}.csv")
        return csv_bytes(frame)

    st.download_button(tr(label_key), data, file_name=f"{name}.csv", mime="text/csv", key=f"download:{name}")
