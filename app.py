"""Insats: the Streamlit entry point. Thin: language, log-in, navigation by role, and a last-resort
error message."""

from __future__ import annotations

import json

import streamlit as st

from forms import auth, frontend_words, widget_words
from forms.context import engine, open_case, show_flash
from forms.i18n import LANGUAGES, refusal, tr
from services import errors
from store import AccessDenied
from store.access import landing_page, pages_for
from store.cases import CaseError

st.set_page_config(page_title="Insats", page_icon=":material/diversity_3:", layout="wide")
widget_words.install()  # Streamlit's own "Choose an option" / "Select all" in the session's language


@st.cache_resource
def _logs() -> None:
    """Insats's log lines as INSATS_LOG_FORMAT says (text or JSON lines), set once per server process."""
    from services import logs

    logs.configure()


_logs()

with st.sidebar:
    asked = st.query_params.get("lang")  # a link may name the language (?lang=en); Swedish otherwise
    st.session_state.setdefault("lang", asked if asked in LANGUAGES else "sv")
    st.radio(tr("language"), list(LANGUAGES), key="lang", format_func=LANGUAGES.__getitem__, horizontal=True)
# WCAG 3.1.1: the document says which language it is in (Streamlit's own page says lang="en" always)
# and Streamlit's own words in the browser ("Press Enter to submit form", "Upload") in the page's language
st.html(f"<script>document.documentElement.lang = {json.dumps(st.session_state['lang'])};</script>"
        + frontend_words.script(st.session_state["lang"]), unsafe_allow_javascript=True)

actor = auth.current_actor(engine())
if actor is None:  # the log-in (or no-access) page was drawn instead
    st.stop()

with st.sidebar:
    st.markdown(tr("signed_in_as", name=actor.name or actor.who))
    st.caption(actor.who)
    st.caption(", ".join(tr(f"role_{r}") for r in sorted(actor.roles)))
    if st.button(tr("logout"), key="logout"):
        auth.end_session(engine())
    case_slot = st.empty()  # filled again after the page: a page may open another case (Ärende's picker)
    auth.rejoin_after_reconnect()  # a server gone behind the load balancer: the next one's log-in at once

PAGES = {
    "intake": ("forms/pages/intake.py", "page_intake", ":material/inbox:"),
    "caseload": ("forms/pages/caseload.py", "page_caseload", ":material/dashboard:"),
    "case": ("forms/pages/case.py", "page_case", ":material/folder_open:"),
    "assessment": ("forms/pages/assessment.py", "page_assessment", ":material/edit_note:"),
    "change": ("forms/pages/change.py", "page_change", ":material/compare_arrows:"),
    "matching": ("forms/pages/matching.py", "page_matching", ":material/join_inner:"),
    "plan": ("forms/pages/plan.py", "page_plan", ":material/event_note:"),
    "research": ("forms/pages/research.py", "page_research", ":material/query_stats:"),
    "followup": ("forms/pages/followup.py", "page_followup", ":material/summarize:"),
    "log": ("forms/pages/log.py", "page_log", ":material/policy:"),
    "groups": ("forms/pages/groups.py", "page_groups", ":material/groups:"),
    "referrals_sent": ("forms/pages/referrals_sent.py", "page_referrals_sent", ":material/outgoing_mail:"),
    "instruments": ("forms/pages/instruments.py", "page_instruments", ":material/checklist:"),
}
allowed = pages_for(actor)  # the same policy table the store enforces
# a link or a reload names its page (?page=case): the log-in run cannot keep the URL path, the query can
landing = st.query_params.get("page") if st.query_params.get("page") in allowed else landing_page(actor)
page = st.navigation([st.Page(PAGES[name][0], title=tr(PAGES[name][1]), icon=PAGES[name][2],
                              default=name == landing) for name in allowed])


def show_open_case() -> None:
    """The open case's code in the sidebar, the one the page shows."""
    if code := open_case():
        case_slot.caption(f"{tr('case')}: **{code}**")
    else:
        case_slot.empty()


show_open_case()
show_flash()
try:
    page.run()
    show_open_case()  # after the page: picking another case on Ärende changes it in this very run
except (AccessDenied, CaseError) as exc:  # a refusal the page did not catch: said plainly, audited by the store
    st.error(refusal(exc))
except Exception as exc:  # the error boundary: an id on the page, type and place in the log, no message
    st.error(tr("error_id", id=errors.report(exc)))
