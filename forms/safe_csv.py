"""CSV for spreadsheets: cells that Excel would run as a formula are neutralised (OWASP CSV injection)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from rules.disclosure import neutralise_formulas

from .i18n import tr
from .release import download


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8")


def audited_download(frame: pd.DataFrame | Callable[[], pd.DataFrame], name: str, action: str,
                     label_key: str = "download_csv") -> None:
    """A CSV download whose click is checked against ``action`` and audited. ``frame`` may be a function
    that reads the table when the file is asked for."""
    download(tr(label_key), lambda: csv_bytes(frame() if callable(frame) else frame), file_name=f"{name}.csv",
             mime="text/csv",
             key=f"download:{name}", audit=(action, f"{name}.csv"))
