"""What every page shares: the database engine, who is acting, today's date, the open case.

The engine is created (and migrated) once per server process. The acting user is the one logged in
to this browser session (``forms.auth``, run by ``app.py`` before any page); the store checks every
read and write against that actor, and pages only show its refusals. The open case travels between
pages in ``st.session_state["case_code"]`` so a coordinator can move from the case to its
assessment, the before/after view and the plan without choosing it again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import config
import instruments
import store
from store import AccessDenied
from store.cases import CaseError
from store.demo import DemoRefused
from store.identity import IdentityError
from store.imports import ImportRefused
from store.keys import check_keys

from . import page_state
from .auth import ACTOR
from .i18n import lang, refusal, tr

T = TypeVar("T")
CASE_KEY = "case_code"
KNOWN_ERRORS = (CaseError, AccessDenied, IdentityError, ImportRefused, DemoRefused, instruments.InstrumentError)


def min_cell(action: str = "research.export", *, published: bool = False) -> int:
    """The k for what this page shows the acting user under ``action`` (``rules.disclosure``): the
    instance's floor, kept with the database, unless the report stays within the user's own teams."""
    from store.settings import min_cell_floor, report_min_cell

    with store.reading(engine()) as s:  # a setting, no case: beside the writers, not in their queue
        floor = min_cell_floor(s).k
    return report_min_cell(floor, actor(), action, published=published)


def engine() -> Engine:
    return _engine(store.database_url())


MIGRATED = "INSATS_MIGRATED_URL"  # set by `insats serve` after it migrated this URL at start-up


@st.cache_resource
def _engine(url: str) -> Engine:
    """One engine per database URL and server process, migrated on first use (unless the launcher
    already did, which spares the first user Alembic's start-up)."""
    eng = store.make_engine(url)
    if os.environ.get(MIGRATED) != url:
        store.upgrade(eng)
        with store.transaction(eng) as session:
            check_keys(session)  # `insats serve` checked at start; a bare `streamlit run` checks here
    return eng


@st.cache_resource
def instrument(instrument_id: str) -> instruments.Instrument:
    return instruments.load(instrument_id)


def instrument_name(instrument_id: str) -> str:
    """The instrument's title in the user's language ("SAVRY-liknande …"), never its file id; an
    instrument no longer installed keeps its id."""
    try:
        inst = instrument(instrument_id)
    except Exception:  # a definition removed since the assessment was made
        return instrument_id
    return inst.text(inst.title, lang())


@st.cache_resource
def catalogue() -> instruments.Catalogue:
    return instruments.load_catalogue()


def actor() -> store.Actor:
    """The logged-in actor of this run (set by ``app.py`` through ``forms.auth``), or the one a deferred
    download carried from the page that drew it (``forms.page_state``)."""
    if (carried := page_state.current()) is not None:
        return carried.actor
    who = st.session_state.get(ACTOR)
    if who is None:
        raise RuntimeError("no one is logged in: pages run only after app.py's log-in")
    return who


def today() -> date:
    """Today, or a fixed date for demonstrations and tests (``INSATS_TODAY=YYYY-MM-DD``)."""
    if (carried := page_state.current()) is not None:
        return carried.today
    return config.today()


def page() -> page_state.PageState:
    """Who, in which language, on which day: what a deferred download needs from this page run."""
    return page_state.PageState(actor=actor(), lang=lang(), today=today())


@contextmanager
def session() -> Iterator[Session]:
    with store.transaction(engine()) as s:
        yield s


def attempt(action: Callable[[], T]) -> T | None:
    """Run a store action; a refusal is shown as a message that says what to do, never a trace."""
    try:
        return action()
    except KNOWN_ERRORS as exc:
        st.error(refusal(exc))
        return None


FORM_ROUNDS = "_form_rounds"  # form key -> how many times it was saved in this session


def form(key: str):
    """``st.form`` that keeps what was typed when the store refuses it and is empty again after a save.
    ``clear_on_submit`` emptied the fields on every submit, so a refused entry (an event on a case not yet
    started) was gone with its refusal (the walk of session 7). After a save (``done(..., form=key)``) the
    form is drawn under a new key, so its fields (keyless) start empty."""
    rounds = st.session_state.get(FORM_ROUNDS, {}).get(key, 0)
    return st.form(key if rounds == 0 else f"{key}:{rounds}", clear_on_submit=False)


def done(message: str, form: str | None = None, fields: tuple[str, ...] = ()) -> None:
    """A saved change: rerun so every part of the page shows it, with ``message`` on top; the ``form`` it came
    from (``form``) is drawn empty, and the keyed ``fields`` are emptied."""
    st.session_state["flash"] = message
    if form is not None:
        rounds = st.session_state.setdefault(FORM_ROUNDS, {})
        rounds[form] = rounds.get(form, 0) + 1
    for field in fields:
        st.session_state.pop(field, None)
    st.rerun()


def show_flash() -> None:
    """The message of the last saved change, once. Its slot is drawn on every run, message or not: an
    element that comes and goes above a page shifts everything below it, and Streamlit then draws the
    page's tabs anew on the first tab (choosing an occasion sent the user back to Tidslinje)."""
    slot = st.empty()
    if message := st.session_state.pop("flash", None):
        slot.success(message)


def open_case() -> str | None:
    """The open case: this session's, else the one a link or a reload names (``?case=SIG-…``). The
    store still checks it: a link to a case the user may not open shows the refusal, never the case."""
    code = st.session_state.get(CASE_KEY)
    if not code and st.query_params.get("case"):
        code = st.query_params["case"].strip().upper()[:40]
        st.session_state[CASE_KEY] = code
    return code


def set_case(case_code: str | None) -> None:
    st.session_state[CASE_KEY] = case_code
    link("case", case_code)


def link(name: str, value: object | None) -> None:
    """Keep ``name`` in the address bar, so a reload or a bookmark opens the same view."""
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != str(value):
        st.query_params[name] = str(value)


def linked_int(name: str) -> int | None:
    """A whole number from the address (an assessment id), or None when absent or not a number."""
    try:
        return int(st.query_params.get(name, ""))
    except ValueError:
        return None


def require_case() -> str | None:
    """The open case, or a hint to choose one on the case page."""
    code = open_case()
    if not code:
        st.info(tr("choose_case_first"))
    return code


def case_page(title_key: str) -> str | None:
    """The head of every page about one case: its title, then the open case's code (or the hint)."""
    st.title(tr(title_key))
    link("page", title_key.removeprefix("page_"))
    code = require_case()
    if code:
        link("case", code)
        st.caption(f"{tr('case')}: **{code}**")
    return code
