"""Vem ser ärendet: on the case page, for the case's coordinators, every active user who can open the case,
on which ground and what that ground lets them see; the same list as ``insats access who`` (``store.who``),
said in the page's language (roles, grounds and what they see through the catalogue, times through Babel).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from store.who import Opening, who_can_open

from . import context as ctx
from .i18n import ntr, tr
from .numbers import local_time


def ground_text(opening: Opening) -> str:
    """The ground in words: the team by name, the member's organisation, the emergency grant's end and reason."""
    if opening.ground == "team":
        return tr("who_ground_team", team=opening.team or "–")
    if opening.ground == "member":
        return tr("who_ground_member", organisation=tr(f"org_{opening.organisation}"))
    if opening.ground == "emergency":
        return tr("who_ground_emergency", until=local_time(opening.until), reason=opening.reason or "")
    return tr("who_ground_assigned")


def sees_text(opening: Opening) -> str:
    if not opening.sees:  # a member whose organisation the consent does not cover
        return tr("who_sees_nothing")
    return ", ".join(tr(f"who_sees_{what}") for what in opening.sees)


def who_tab(code: str) -> None:
    """The list, read (and audited as ``who``) when the page is drawn."""
    with ctx.session() as s:
        found = who_can_open(s, ctx.actor(), code)
    st.caption(tr("who_help"))
    people = len({o.login for o in found})
    st.markdown(ntr("who_count", people))
    frame = pd.DataFrame([{tr("who_col_name"): o.name, tr("who_col_login"): o.login,
                           tr("who_col_roles"): ", ".join(tr(f"role_{r}") for r in o.roles),
                           tr("who_col_ground"): ground_text(o), tr("who_col_sees"): sees_text(o)} for o in found],
                         columns=[tr(c) for c in ("who_col_name", "who_col_login", "who_col_roles", "who_col_ground",
                                                  "who_col_sees")])
    st.dataframe(frame, hide_index=True, width="stretch")
