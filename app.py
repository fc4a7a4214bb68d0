"""Insats: the Streamlit entry point. Thin: language, navigation, and a last-resort error message."""

from __future__ import annotations

import logging

import streamlit as st

from forms.i18n import LANGUAGES, tr

st.set_page_config(page_title="Insats", page_icon=":material/diversity_3:", layout="wide")

with st.sidebar:
    st.session_state.setdefault("lang", "sv")
    st.radio(tr("language"), list(LANGUAGES), key="lang", format_func=LANGUAGES.__getitem__, horizontal=True)

pages = [
    st.Page("forms/pages/instruments.py", title=tr("page_instruments"), icon=":material/checklist:"),
]
page = st.navigation(pages)
try:
    page.run()
except Exception as exc:  # never a stack trace on the page; the log has the details
    logging.getLogger("insats").exception("page failed")
    st.error(tr("error_generic", message=str(exc) or type(exc).__name__))
