"""Insats: the Streamlit entry point. Thin: language, navigation, and a last-resort error message."""

from __future__ import annotations

import logging

import streamlit as st

from forms.context import actor, open_case, pages_for, show_flash
from forms.i18n import LANGUAGES, tr

st.set_page_config(page_title="Insats", page_icon=":material/diversity_3:", layout="wide")

with st.sidebar:
    st.session_state.setdefault("lang", "sv")
    st.radio(tr("language"), list(LANGUAGES), key="lang", format_func=LANGUAGES.__getitem__, horizontal=True)
    if code := open_case():
        st.caption(f"{tr('case')}: **{code}**")

PAGES = [
    ("forms/pages/intake.py", "page_intake", ":material/inbox:"),
    ("forms/pages/case.py", "page_case", ":material/folder_open:"),
    ("forms/pages/assessment.py", "page_assessment", ":material/edit_note:"),
    ("forms/pages/change.py", "page_change", ":material/compare_arrows:"),
    ("forms/pages/matching.py", "page_matching", ":material/join_inner:"),
    ("forms/pages/plan.py", "page_plan", ":material/event_note:"),
    ("forms/pages/research.py", "page_research", ":material/query_stats:"),
    ("forms/pages/instruments.py", "page_instruments", ":material/checklist:"),
]
visible = [p for p in PAGES if p[0] in pages_for(actor().role)]  # researchers: de-identified pages only
page = st.navigation([st.Page(path, title=tr(title), icon=icon) for path, title, icon in visible])
show_flash()
try:
    page.run()
except Exception as exc:  # never a stack trace on the page; the log has the details
    logging.getLogger("insats").exception("page failed")
    st.error(tr("error_generic", message=str(exc) or type(exc).__name__))
