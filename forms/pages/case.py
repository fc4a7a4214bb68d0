"""Ärende: the case header (consent, next meeting), its timeline, consent and new assessments."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

import instruments
from forms import context as ctx
from forms.i18n import lang, tr
from store import cases, views
from store.models import OCCASIONS

CONSENT_ACTORS = ("socialtjanst", "polis", "skola", "fritid", "bup", "oppenvard")
CONSENT_CATEGORIES = ("assessment", "school", "police", "leisure", "health")
SIGNERS = ("youth", "guardian 1", "guardian 2")


def case_picker() -> str | None:
    search = st.text_input(tr("search_case"), key="case_search", placeholder="SIG-… / DEMO-…")
    with ctx.session() as s:
        codes = views.find_cases(s, ctx.actor(), search)
    current = ctx.open_case()
    if current and current not in codes and not search:
        codes.insert(0, current)
    if not codes:
        st.info(tr("no_cases"))
        return None
    index = codes.index(current) if current in codes else 0
    chosen = st.selectbox(tr("case"), codes, index=index, key="case_pick")
    ctx.set_case(chosen)
    return chosen


def header(overview: views.CaseOverview) -> None:
    """Who, where on the path, consent and the next network meeting: what to act on first."""
    a, b, c, d = st.columns(4)
    a.metric(tr("case_code"), overview.case_code)
    b.metric(tr("age"), "–" if overview.age is None else str(overview.age))
    c.metric(tr("status"), tr(f"status_{overview.status}") if overview.status else "–")
    d.metric(tr("assessments"), str(overview.assessments))
    if overview.synthetic:
        st.caption(tr("synthetic_case"))
    if overview.consent_until is None:
        st.error(tr("no_consent"))
    elif overview.consent_expiring:
        st.warning(tr("consent_expiring", until=overview.consent_until, actors=", ".join(overview.consent_actors)))
    else:
        st.success(tr("consent_active", until=overview.consent_until, actors=", ".join(overview.consent_actors)))
    if overview.next_meeting_on is None:
        st.info(tr("no_meeting"))
    elif overview.meeting_overdue:
        st.error(tr("meeting_overdue", on=overview.next_meeting_on))
    else:
        st.info(tr("next_meeting", on=overview.next_meeting_on))


def timeline_view(code: str) -> None:
    with ctx.session() as s:
        subject = cases.subject_by_code(s, ctx.actor(), code)
        events = cases.timeline(s, ctx.actor(), subject)
    if not events:
        st.caption(tr("empty_timeline"))
        return
    frame = pd.DataFrame([{tr("date"): e.on, tr("what"): tr(f"event_{e.kind}"), tr("details"): describe(e)}
                          for e in reversed(events)])
    st.dataframe(frame, hide_index=True, width="stretch")


def describe(event: cases.Event) -> str:
    """One line about an event in the user's language, from its facts."""
    f = event.facts
    if event.kind == "referral":
        return tr("source_" + f["source"]) + ": " + tr("status_" + f["status"])
    if event.kind == "assessment":
        version = f" v{f['version']}" if f["version"] > 1 else ""
        return " · ".join([f["instrument"], tr("occasion_" + f["occasion"]), tr("state_" + f["state"])]) + version
    if event.kind == "meeting":
        return tr("event_meeting_facts", n=f["commitments"], next=f["next"])
    if event.kind == "intervention":
        known = ctx.catalogue().by_id.get(f["intervention"])
        return instrument_text(known.name) if known else f["intervention"]
    if event.kind == "consent":
        withdrawn = f" ({tr('withdrawn')} {f['withdrawn']})" if f.get("withdrawn") else ""
        return tr("event_consent_facts", until=f["until"]) + withdrawn
    return event.summary


def instrument_text(text: dict[str, str]) -> str:
    return text.get(lang()) or next(iter(text.values()))


def consent_form(code: str) -> None:
    today = ctx.today()
    with st.form("consent_form", clear_on_submit=True):
        left, right = st.columns(2)
        signed = left.date_input(tr("signed_on"), today, format="YYYY-MM-DD")
        until = right.date_input(tr("valid_until"), today + timedelta(days=365), format="YYYY-MM-DD")
        signed_by = st.multiselect(tr("signed_by"), SIGNERS, default=["youth", "guardian 1"],
                                   format_func=lambda x: tr(f"signer_{x.replace(' ', '_')}"))
        shared = st.multiselect(tr("consent_actors"), CONSENT_ACTORS, default=list(CONSENT_ACTORS[:4]),
                                format_func=lambda x: tr(f"actor_{x}"))
        categories = st.multiselect(tr("consent_categories"), CONSENT_CATEGORIES, default=list(CONSENT_CATEGORIES[:4]),
                                    format_func=lambda x: tr(f"category_{x}"))
        if st.form_submit_button(tr("save_consent"), type="primary"):
            def save() -> None:
                with ctx.session() as s:
                    subject = cases.subject_by_code(s, ctx.actor(), code)
                    cases.add_consent(s, ctx.actor(), subject, signed_on=signed, signed_by=signed_by,
                                      valid_until=until, actors=shared, categories=categories)
                ctx.done(tr("consent_saved"))

            ctx.attempt(save)


def new_assessment(code: str) -> None:
    ids = instruments.available()
    cols = st.columns(3)
    default = ids.index("savry-like") if "savry-like" in ids else 0
    chosen = cols[0].selectbox(tr("choose_instrument"), ids, index=default, key="new_instrument",
                               format_func=lambda i: ctx.instrument(i).text(ctx.instrument(i).title, lang()))
    occasion = cols[1].selectbox(tr("occasion"), OCCASIONS, index=1, key="new_occasion",
                                 format_func=lambda o: tr(f"occasion_{o}"))
    on = cols[2].date_input(tr("assessed_on"), ctx.today(), key="new_date", format="YYYY-MM-DD")
    if st.button(tr("start_assessment"), key="new_start", type="primary"):
        def start() -> int:
            with ctx.session() as s:
                subject = cases.subject_by_code(s, ctx.actor(), code)
                return cases.save_draft(s, ctx.actor(), subject, chosen, occasion=occasion, assessed_on=on,
                                        ratings={}).id

        new_id = ctx.attempt(start)
        if new_id is not None:
            st.session_state["assessment_id"] = new_id
            st.switch_page("forms/pages/assessment.py")


def main() -> None:
    st.title(tr("page_case"))
    code = case_picker()
    if code is None:
        return
    overview = ctx.attempt(lambda: _overview(code))
    if overview is None:
        return
    header(overview)
    timeline_tab, consent_tab, start_tab = st.tabs([tr("timeline"), tr("register_consent"), tr("new_assessment")])
    with timeline_tab:
        timeline_view(code)
    with consent_tab:
        consent_form(code)
    with start_tab:
        new_assessment(code)


def _overview(code: str) -> views.CaseOverview:
    with ctx.session() as s:
        return views.case_overview(s, ctx.actor(), code, ctx.today())


main()
