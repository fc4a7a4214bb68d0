"""A part of a page that reruns alone (``st.fragment``) when one of its own widgets changes: rating a
factor redraws the form step and the score panel, a research filter the cohort part, never the
header, the sidebar and the rest of the page.

A fragment's own rerun does not pass through ``app.py``, so what ``app.py`` does on every run is done
here for it: the log-in is checked again (idle time, a deactivation or a changed role take effect at
the next click, as on a full run) and an error gets the same short id or refusal, never a trace.
A full run of the page (any other click, ``st.rerun``) draws the fragment as part of the page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from services import errors
from store import AccessDenied
from store.cases import CaseError

from . import auth
from .context import engine
from .i18n import refusal, tr

P = ParamSpec("P")


def alone() -> bool:
    """True in a rerun of fragments only (the rest of the page stays as drawn)."""
    run = get_script_run_ctx()
    return bool(run is not None and run.fragment_ids_this_run)


def fragment(body: Callable[P, None]) -> Callable[P, None]:
    """``st.fragment`` with the log-in check and the error boundary of ``app.py`` on its own reruns."""

    @functools.wraps(body)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        if not alone():  # part of a full run: app.py checked the log-in and catches what goes wrong
            body(*args, **kwargs)
            return
        if auth.current_actor(engine()) is None:  # deactivated since (an idle log-out reruns by itself)
            st.session_state.setdefault("flash_login", "no_access")  # said on the log-in page the app draws
            st.rerun(scope="app")
        try:
            body(*args, **kwargs)
        except (AccessDenied, CaseError) as exc:
            st.error(refusal(exc))
        except Exception as exc:  # the error boundary, as app.py's
            st.error(tr("error_id", id=errors.report(exc)))

    return st.fragment(guarded)
