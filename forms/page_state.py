"""What a page run knows about its user, carried to the code that runs later on another thread.

A deferred download (``st.download_button`` with a callable) runs on Streamlit's download thread,
where ``st.session_state`` is not this user's: a file made there cannot ask who is logged in or
which language they read. So the page captures the three facts when it draws the button, and the
download thread runs the maker with them set for that thread only (``forms.release.download``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class PageState:
    actor: Any  # store.Actor; Any keeps this module free of the store
    lang: str
    today: date


_local = threading.local()


def current() -> PageState | None:
    """The state set for this thread by ``carried``; None on a page run (which reads its session)."""
    return getattr(_local, "state", None)


@contextmanager
def carried(state: PageState) -> Iterator[None]:
    previous = current()
    _local.state = state
    try:
        yield
    finally:
        _local.state = previous


def later(state: PageState, make: Callable[[], Any]) -> Callable[[], Any]:
    """``make`` as a callable that runs with ``state`` wherever (and on whichever thread) it runs."""

    def run() -> Any:
        with carried(state):
            return make()

    return run
