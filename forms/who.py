"""Vem ser ärendet: on the case page, for the case's coordinators, every active user who can open the case,
on which ground and what that ground lets them see; the same list as ``insats access who`` (``store.who``),
said in the page's language (roles, grounds and what they see through the catalogue, times through Babel).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import catalogue
from store.who import Opening, who_can_open

from . import context as ctx
from .i18n import lang, ntr, tr
from .numbers import local_time


def ground_text(opening: Opening, language: str | None = None) -> str:
    """The ground in words: the team by name, the member's organisation, the emergency grant's end and reason.
    ``language``: the page's when None (the CLI's ``--format table`` names its own)."""
    language = language or lang()
    if opening.ground == "team":
        return catalogue.text("who_ground_team", language, team=opening.team or "–")
    if opening.ground == "member":
        return catalogue.text("who_ground_member", language,
                              organisation=catalogue.text(f"org_{opening.organisation}", language))
    if opening.ground == "emergency":
        return catalogue.text("who_ground_emergency", language, until=local_time(opening.until, language),
                              reason=opening.reason or "")
    return catalogue.text("who_ground_assigned", language)


def sees_text(opening: Opening, language: str | None = None) -> str:
    language = language or lang()
    if not opening.sees:  # a member whose organisation the consent does not cover
        return catalogue.text("who_sees_nothing", language)
    return ", ".join(catalogue.text(f"who_sees_{what}", language) for what in opening.sees)


def who_table(found: list[Opening], language: str | None = None) -> pd.DataFrame:
    """The list as people read it: name, login, roles, ground and what they see, in words."""
    language = language or lang()
    columns = [catalogue.text(c, language) for c in ("who_col_name", "who_col_login", "who_col_roles",
                                                     "who_col_ground", "who_col_sees")]
    rows = [(o.name, o.login, ", ".join(catalogue.text(f"role_{r}", language) for r in o.roles),
             ground_text(o, language), sees_text(o, language)) for o in found]
    return pd.DataFrame(rows, columns=columns)


def who_tab(code: str) -> None:
    """The list, read (and audited as ``who``) when the page is drawn."""
    with ctx.session() as s:
        found = who_can_open(s, ctx.actor(), code)
    st.caption(tr("who_help"))
    people = len({o.login for o in found})
    st.markdown(ntr("who_count", people))
    st.dataframe(who_table(found), hide_index=True, width="stretch")
