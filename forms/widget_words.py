"""Streamlit's own words on a choice, in the session's language.

A selectbox without a value says "Choose an option", a multiselect "Choose options", and a long
multiselect offers "Select all": Streamlit's English, drawn by the browser, on every Swedish page that
forgot a ``placeholder``. Rather than trusting each of forty call sites to remember, ``install`` gives
every selectbox and multiselect the catalogue's placeholder when none is given, and turns the English
"Select all" off (a filter's "Alla" is said by the page itself where it is wanted). Installed once per
process by ``app.py``; each call still reads the language of its own session.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from .i18n import tr

_MARK = "_insats_words"


def _worded(widget: Callable, *, multi: bool) -> Callable:
    if getattr(widget, _MARK, False):
        return widget

    @functools.wraps(widget)
    def call(*args, **kwargs):
        if kwargs.get("placeholder") is None:
            kwargs["placeholder"] = tr("choose_options")
        if multi:
            kwargs.setdefault("select_all", False)
        return widget(*args, **kwargs)

    setattr(call, _MARK, True)
    return call


def install() -> None:
    """Wrap ``selectbox`` and ``multiselect`` on every container (``st.columns()[0].selectbox``) and on
    ``st`` itself (bound to the main container when Streamlit was imported). Idempotent."""
    for name, multi in (("selectbox", False), ("multiselect", True)):
        setattr(DeltaGenerator, name, _worded(getattr(DeltaGenerator, name), multi=multi))
        setattr(st, name, _worded(getattr(st, name), multi=multi))
