"""Ärende: the case header (consent, next meeting), its timeline, consent and new assessments.

Only the actor's cases are listed; a full case code of another team's case offers emergency access
(with a stated reason). Tabs the actor's roles do not cover are not drawn; the store refuses anyway."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

import instruments
from forms import context as ctx
from forms import network
from forms.assessment_form import answers_table
from forms.closing import closing_tab, outcomes_tab
from forms.i18n import lang, ntr, refusal, tr, tr_or
from forms.numbers import local_time
from forms.release import download
from forms.tabs import tabs, when_open
from forms.who import who_tab
from rules.path import suggested_occasion
from services.extract import extract_pdf
from store import AccessDenied, cases, views
from store.access import may, may_on_case
from store.authors import authors
from store.cases.consent import CONSENT_ACTORS, CONSENT_CATEGORIES, SIGNERS
from store.models import EVENT_KINDS, OCCASIONS
from store.register import case_record


def case_picker() -> str | None:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    search = left.text_input(tr("search_case"), key="case_search", placeholder="SIG-… / DEMO-…")
    closed = right.toggle(tr("show_closed"), key="case_show_closed")
    with ctx.session() as s:
        codes = views.find_cases(s, ctx.actor(), search, include_closed=closed)
    current = ctx.open_case()
    if current and current not in codes and not search:
        codes.insert(0, current)
    if not codes:
        if search.strip():
            emergency_form(cases.normalise_code(search))
        st.info(tr("no_cases"))
        return None
    index = codes.index(current) if current in codes else 0
    chosen = st.selectbox(tr("case"), codes, index=index, key="case_pick")
    ctx.set_case(chosen)
    return chosen


def emergency_form(code: str) -> None:
    """Nödåtkomst: a case outside the actor's teams opens only with a stated reason (audited)."""
    with st.form("emergency_form"):
        st.markdown(f"**{tr('emergency_title')}**")
        st.caption(tr("emergency_offer", case=code))
        reason = st.text_area(tr("emergency_reason"), key="emergency_reason")
        if st.form_submit_button(tr("emergency_open")):
            def grant() -> None:
                with ctx.session() as s:
                    cases.open_in_emergency(s, ctx.actor(), code, reason)
                ctx.set_case(code)
                st.session_state.pop("case_search", None)
                ctx.done(tr("emergency_opened", case=code))

            ctx.attempt(grant)


def header(overview: views.CaseOverview) -> None:
    """Who, where on the path, consent and the next network meeting: what to act on first."""
    a, b, c, d = st.columns(4)
    a.metric(tr("case_code"), overview.case_code)
    b.metric(tr("age"), "–" if overview.age is None else str(overview.age))
    c.metric(tr("status"), tr(f"status_{overview.status}") if overview.status else "–")
    d.metric(tr("assessments"), str(overview.assessments))
    if overview.synthetic:
        st.caption(tr("synthetic_case"))
    if overview.protected:
        st.warning(tr("protected_banner"))
    if overview.emergency_until is not None:
        st.warning(tr("emergency_active", until=local_time(overview.emergency_until)))
    if overview.closed_on is not None:
        st.info(tr("case_closed", on=overview.closed_on, reason=tr(f"closing_{overview.closed_reason}")))
    if overview.consent is None:  # not this role's to see
        pass
    elif overview.consent == "expired":
        st.error(tr("consent_expired"))
    elif overview.consent == "withdrawn":
        st.error(tr("consent_withdrawn"))
    elif overview.consent_until is None:
        st.error(tr("no_consent"))
    else:  # each recipient with its own last day: two consents may end on different days
        covered = ", ".join(tr("consent_actor_until", actor=tr_or(f"actor_{a}", a), until=until)
                            for a, until in overview.consent_until_by_actor)
        if overview.consent_expiring:
            st.warning(tr("consent_expiring", until=overview.consent_until, actors=covered))
        else:
            st.success(tr("consent_active", actors=covered))
    if not may(ctx.actor(), "plan.read") or overview.closed_on is not None:  # no meetings after closing
        return
    if overview.next_meeting_on is None:
        st.info(tr("no_meeting"))
    elif overview.meeting_overdue:
        st.error(tr("meeting_overdue", on=overview.next_meeting_on))
    else:
        st.info(tr("next_meeting", on=overview.next_meeting_on))


def timeline_view(code: str) -> None:
    """The case's events, newest first, and what each referrer answered: read in one transaction."""
    actor = ctx.actor()
    with ctx.session() as s:
        subject = cases.subject_by_code(s, actor, code)
        events = cases.timeline(s, actor, subject)
        referrals = [e for e in reversed(events) if e.kind == "referral"] if may(actor, "checklist.read") else []
        forms = [(e, views.referral_checklist(s, actor, e.id)) for e in referrals]
    if not events:
        st.caption(tr("empty_timeline"))
        return
    frame = pd.DataFrame([{tr("date"): e.on, tr("what"): tr(f"event_{e.kind}"), tr("details"): describe(e)}
                          for e in reversed(events)])
    st.dataframe(frame, hide_index=True, width="stretch")
    for e, form in forms:  # what each referrer answered, as sent
        if form is not None:
            inst = ctx.instrument(form.instrument_id)
            with st.expander(f"{e.on} · " + tr("checklist_answers", title=inst.text(inst.title, lang()))):
                st.table(answers_table(inst, form.ratings).set_index(tr("factor")))


def describe(event: cases.Event) -> str:
    """One line about an event in the user's language, from its facts."""
    f = event.facts
    if event.kind == "referral":
        said = tr("source_" + f["source"]) + ": " + tr("status_" + f["status"])
        route = cases.legal_bases().get(f.get("basis"))
        if route is not None:  # the start's legal route in words, and that it needed no consent when so
            said += " · " + route.words(lang())
        if f.get("consent_required") is False:
            said += " · " + tr("start_no_consent_required")
        if f.get("sent_by"):  # sent by a referrer from their own page: who, and for which organisation
            said += " · " + tr("intake_sent_by", name=f["sent_by"],
                               organisation=tr(f"org_{f.get('sent_by_organisation') or 'other'}"))
        return said
    if event.kind == "assessment":
        version = f" v{f['version']}" if f["version"] > 1 else ""
        return " · ".join([ctx.instrument_name(f["instrument"]), tr("occasion_" + f["occasion"]),
                           tr("state_" + f["state"])]) + version
    if event.kind == "meeting":
        return ntr("event_meeting_facts", f["commitments"], next=f["next"])
    if event.kind == "intervention":
        known = ctx.catalogue().by_id.get(f["intervention"])
        return instrument_text(known.name) if known else f["intervention"]
    if event.kind == "consent":
        withdrawn = f" ({tr('withdrawn')} {f['withdrawn']})" if f.get("withdrawn") else ""
        return tr("event_consent_facts", until=f["until"]) + withdrawn
    if event.kind == "closing":
        return tr(f"closing_{f['reason']}") if f.get("reason") else ""
    if event.kind == "reopening":
        return tr("event_reopening_facts", closed=f["was_closed_on"])
    if event.kind == "outcome":
        return tr("event_outcome_facts", start=f["start"], end=f["end"], reports=f["police_reports"],
                  days=f["placement_days"], occupation=tr(f"occupation_{f['occupation']}"))
    if event.kind in EVENT_KINDS:  # between meetings: its kind is the "what"; serious or not is the detail
        return tr("event_serious") if f.get("serious") else ""
    return event.summary


def instrument_text(text: dict[str, str]) -> str:
    return text.get(lang()) or next(iter(text.values()))


def consents_view(overview: views.CaseOverview) -> None:
    """Every consent with its state; an active one can be withdrawn from a date (audited)."""
    with ctx.session() as s:
        rows = cases.consents_of(s, ctx.actor(), overview.subject_id)
    today = ctx.today()
    for c in rows:
        state = "withdrawn" if c.withdrawn_on else "active" if cases.is_active(c, today) else "expired"
        left, right = st.columns([4, 1])
        left.markdown(f"**{tr('consent_state_' + state)}** · {c.signed_on} – {c.valid_until}"
                      + (f" · {tr('withdraw_on')} {c.withdrawn_on}" if c.withdrawn_on else ""))
        left.caption(", ".join(tr(f"actor_{a}") for a in c.actors) + " · "
                     + ", ".join(tr_or(f"category_{x}", x) for x in c.categories))
        if c.withdrawn_on is None and c.valid_until >= today and can(overview, "consent.write"):
            with right.popover(tr("withdraw")):
                on = st.date_input(tr("withdraw_on"), today, key=f"withdraw:{c.id}:on", format="YYYY-MM-DD")
                if st.button(tr("withdraw"), key=f"withdraw:{c.id}", type="primary"):
                    def withdraw(consent_id: int = c.id, on=on) -> None:
                        with ctx.session() as s:
                            cases.withdraw_consent(s, ctx.actor(), consent_id, on)
                        ctx.done(tr("consent_withdrawn_saved"))

                    ctx.attempt(withdraw)


def consents_tab(code: str, overview: views.CaseOverview, shown: bool = True) -> None:
    when_open(shown, lambda: consents_view(overview))
    if can(overview, "consent.write"):
        consent_form(code)


def consent_form(code: str) -> None:
    today = ctx.today()
    st.caption(tr("consent_pick_hint"))
    with ctx.form("consent_form"):
        left, right = st.columns(2)
        signed = left.date_input(tr("signed_on"), today, format="YYYY-MM-DD")
        until = right.date_input(tr("valid_until"), today + timedelta(days=365), format="YYYY-MM-DD")
        signed_by = st.multiselect(tr("signed_by"), SIGNERS, format_func=lambda x: tr(f"signer_{x.replace(' ', '_')}"),
            placeholder=tr("choose_options"))
        shared = st.multiselect(tr("consent_actors"), CONSENT_ACTORS, format_func=lambda x: tr(f"actor_{x}"),
            placeholder=tr("choose_options"))
        categories = st.multiselect(tr("consent_categories"), CONSENT_CATEGORIES,
                                    format_func=lambda x: tr(f"category_{x}"), placeholder=tr("choose_options"))
        if st.form_submit_button(tr("save_consent"), type="primary"):
            def save() -> None:
                with ctx.session() as s:
                    subject = cases.subject_by_code(s, ctx.actor(), code, action="consent.write")
                    cases.add_consent(s, ctx.actor(), subject, signed_on=signed, signed_by=signed_by,
                                      valid_until=until, actors=shared, categories=categories)
                ctx.done(tr("consent_saved"), form="consent_form")

            ctx.attempt(save)


def privacy_tab(code: str, overview: views.CaseOverview, shown: bool = True) -> None:
    """Protected identity, set or lifted by the case's coordinator with a reason (audited; the reason is
    kept with the case), and the register extract (GDPR art. 15) as a PDF in the page's language."""
    if can(overview, "case.protect"):
        st.markdown(f"**{tr('protect_title')}**")
        st.caption(tr("protect_help"))
        when_open(shown, lambda: protection_history(overview))
        with ctx.form("protect_form"):
            reason = st.text_area(tr("protect_reason"), key="protect_reason")
            lift = overview.protected
            if st.form_submit_button(tr("unprotect_button") if lift else tr("protect_button"), type="primary"):
                def change() -> None:
                    with ctx.session() as s:
                        if lift:
                            cases.unprotect(s, ctx.actor(), code, reason)
                        else:
                            cases.protect(s, ctx.actor(), code, reason)
                    ctx.done(tr("protect_lifted_saved") if lift else tr("protect_saved"), form="protect_form",
                             fields=("protect_reason",))

                ctx.attempt(change)
    if can(overview, "case.extract"):
        st.markdown(f"**{tr('extract_title_page')}**")
        st.caption(tr("extract_help"))
        download(tr("extract_download"), lambda: register_extract(code), file_name=f"registerutdrag-{code}.pdf",
                 mime="application/pdf", key="extract_download", audit=("case.extract", f"registerutdrag-{code}.pdf"))


def protection_history(overview: views.CaseOverview) -> None:
    with ctx.session() as s:
        history = cases.protections_of(s, ctx.actor(), overview.subject_id)
    if history:
        said = {True: tr("protect_set"), False: tr("protect_lifted")}
        st.dataframe(pd.DataFrame([{tr("protect_when"): local_time(p.set_at), tr("protect_who"): p.set_by,
                                    tr("protect_change"): said[bool(p.protected)],
                                    tr("protect_reason"): p.reason or ""} for p in history]),
                     hide_index=True, width="stretch")


def register_extract(code: str) -> bytes:
    """The extract, made when clicked: the store gathers and audits it (``case.extract``)."""
    with ctx.session() as s:
        record = case_record(s, ctx.actor(), code)
    return extract_pdf(record, record["case"]["case_code"], ctx.today(), lang())


def new_assessment(code: str, subject_id: int) -> None:
    ids = instruments.available()
    cols = st.columns(3)
    default = ids.index("savry-like") if "savry-like" in ids else 0
    chosen = cols[0].selectbox(tr("choose_instrument"), ids, index=default, key="new_instrument",
                               format_func=lambda i: ctx.instrument(i).text(ctx.instrument(i).title, lang()))
    with ctx.session() as s:  # a follow-up once the baseline is final (rules.path.suggested_occasion)
        finalised = [a.occasion for a in views.assessments_of(s, ctx.actor(), subject_id)
                     if a.instrument_id == chosen and a.status == "final"]
    occasion = cols[1].selectbox(tr("occasion"), OCCASIONS, index=OCCASIONS.index(suggested_occasion(finalised)),
                                 key="new_occasion", format_func=lambda o: tr(f"occasion_{o}"))
    on = cols[2].date_input(tr("assessed_on"), ctx.today(), key="new_date", format="YYYY-MM-DD")
    if st.button(tr("start_assessment"), key="new_start", type="primary"):
        def start() -> int:
            with ctx.session() as s:
                subject = cases.subject_by_code(s, ctx.actor(), code)
                return cases.save_draft(s, ctx.actor(), subject, chosen, occasion=occasion, assessed_on=on,
                                        ratings={}).id

        try:
            new_id = start()
        except cases.CaseError as exc:
            if exc.code != "assessment.draft_exists":
                st.error(refusal(exc))
                return
            new_id = int(exc.params["draft"])  # go on with the open draft rather than start a twin
            st.session_state["flash"] = tr("draft_reopened", id=new_id)
        st.session_state["assessment_id"] = new_id
        st.switch_page("forms/pages/assessment.py")


def main() -> None:
    st.title(tr("page_case"))
    ctx.link("page", "case")
    code = case_picker()
    if code is None:
        return
    overview = ctx.attempt(lambda: _overview(code))
    if overview is None:
        return
    header(overview)
    actor = ctx.actor()
    members, logged, known = [], [], {}
    if may(actor, "plan.read"):
        with ctx.session() as s:
            members, logged = cases.network_of(s, actor, overview.subject_id)
            known = authors(s, (e.logged_by for e, _ in logged))  # a partner's event: their name, not login
        if overview.closed_on is None:  # police and school belong in every group
            network.missing_warning(members, ctx.today())
    # each section is told whether its tab is open: it reads only then, and draws its forms always
    # (what was typed in one survives a look at another tab; forms.tabs)
    sections = {"timeline": lambda shown: when_open(shown, lambda: timeline_view(code))}
    if can(overview, "consent.read"):
        sections["consents"] = lambda shown: consents_tab(code, overview, shown)
    if may(actor, "plan.read"):
        sections["tab_network"] = lambda shown: network.members_tab(
            code, members, overview.protected, writable=can(overview, "plan.write"), shown=shown)
        sections["tab_events"] = lambda shown: network.events_tab(code, logged, known, shown=shown)
    if can(overview, "assessment.write"):
        sections["new_assessment"] = lambda shown: new_assessment(code, overview.subject_id)
    if can(overview, "outcome.read"):
        sections["outcomes_tab"] = lambda shown: outcomes_tab(code, overview, writable=can(overview, "outcome.write"),
                                                              shown=shown)
    if can(overview, "case.close"):
        sections["closing_tab"] = lambda shown: closing_tab(code, overview)
    if can(overview, "case.protect") or can(overview, "case.extract"):
        sections["tab_privacy"] = lambda shown: privacy_tab(code, overview, shown)
    if may(actor, "access.who") and overview.emergency_until is None:  # the case's coordinator, not a visitor
        sections["tab_who"] = lambda shown: when_open(shown, lambda: who_tab(code))
    tabs("case_tab", sections)


def can(overview: views.CaseOverview, action: str) -> bool:
    """Whether to offer ``action`` on this case: under emergency access only what the grant covers."""
    return may_on_case(ctx.actor(), action, overview.emergency_until is not None)


def _overview(code: str) -> views.CaseOverview | None:
    try:
        with ctx.session() as s:
            return views.case_overview(s, ctx.actor(), code, ctx.today())
    except AccessDenied as exc:
        st.error(refusal(exc))
        emergency_form(code)
        return None


main()
