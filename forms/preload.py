"""Import what the pages need before the server accepts its first session.

Streamlit imports a page's modules in the first session's script run, so the first user of a freshly
started server would wait for pandas, SQLAlchemy, Altair and the store to load (about 2 s here).
``insats serve`` imports this module first, so that cost is paid at start-up instead.
"""

from __future__ import annotations

import altair  # noqa: F401
import pandas  # noqa: F401

import instruments
import scoring
import scoring.funnel
import scoring.individual
import scoring.matching  # noqa: F401
import store.cases
import store.imports
import store.views  # noqa: F401


def warm() -> None:
    """Read every shipped definition once (they are cached by content hash)."""
    for instrument_id in instruments.available():
        instruments.load(instrument_id)
    instruments.load_catalogue()
