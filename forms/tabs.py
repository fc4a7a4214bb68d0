"""Tabs whose reads run only in the open tab, while the forms of every tab opened so far are drawn.

Streamlit draws every tab's content on every run, though a person sees one tab. On Ärende that was
more than half of a page run: the timeline, outcomes, privacy history and access list each read the
case again (measured with the soak, docs/security.md). With the open tab kept under ``key``, each
section is told whether it is open: it draws its reads (tables, lists) only then, inside
``when_open``, and its forms always. A form must be drawn in every run, or what was typed in it is
gone after a look at another tab (the walk of #24 found exactly that when whole tabs were skipped).
A tab not yet opened in the session is not drawn at all: nothing can have been typed in it, and the
forms of seven unopened tabs were a fifth of an Ärende run (Streamlit's fixed cost per widget). Its
content appears with the rerun its click starts, as a read does."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from .i18n import tr


def tabs(key: str, sections: Mapping[str, Callable[[bool], None]]) -> str:
    """The tabs named by the msgids in ``sections``; each section is drawn with whether its tab is the
    open one. A click on a tab reruns the page with that tab open. Returns the open tab's msgid."""
    names = list(sections)
    labels = [tr(name) for name in names]
    kept = st.session_state.get(f"{key}:open")  # the msgid: a change of language keeps the tab open
    if st.session_state.get(key) not in labels and kept in names:
        st.session_state[key] = labels[names.index(kept)]
    containers = st.tabs(labels, key=key, on_change="rerun")
    opened = next((name for name, tab in zip(names, containers, strict=True) if tab.open), names[0])
    seen = st.session_state.setdefault(f"{key}:seen", set())  # the tabs opened so far in this session
    seen.add(opened)
    for name, tab in zip(names, containers, strict=True):
        if name in seen:  # never opened: nothing can have been typed in it yet, so nothing is drawn
            with tab:
                sections[name](name == opened)
    st.session_state[f"{key}:open"] = opened
    return opened


def when_open(shown: bool, draw: Callable[[], None]) -> None:
    """A tab's reads: drawn in a container that is there in every run, so the elements after it (a
    form) keep their place and what was typed in them, and filled only when the tab is open."""
    with st.container():
        if shown:
            draw()
