"""Vem ser ärendet: on the case page, for the case's coordinators, every active user who can open the case,
on which ground and what that ground lets them see; the same list as ``insats access who`` (``store.who``),
said in the page's language (roles, grounds and what they see through the catalogue, times through Babel).
"""

from __future__ import annotations

import streamlit as st

from services.who import who_table
from store.who import who_can_open

from . import context as ctx
from .i18n import lang, ntr, tr


def who_tab(code: str) -> None:
    """The list, read (and audited as ``who``) when the page is drawn."""
    with ctx.session() as s:
        found = who_can_open(s, ctx.actor(), code)
    st.caption(tr("who_help"))
    people = len({o.login for o in found})
    st.markdown(ntr("who_count", people))
    st.dataframe(who_table(found, lang()), hide_index=True, width="stretch")
