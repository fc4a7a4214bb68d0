"""The youth's network on the case page: named members (police and school required), events between
meetings, and who can be picked as a meeting's attendees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from rules.protected import is_family, redact, secrets_of
from store import cases
from store.authors import Author
from store.models import COMMITMENT_REVIEWS, EVENT_KINDS, ORGANISATIONS

from . import context as ctx
from .i18n import ntr, tr
from .numbers import for_display
from .tabs import when_open

FAMILY = ("ungdom", "vårdnadshavare")


def organisation_label(code: str) -> str:
    return tr(f"org_{code}")


NOT_PEOPLE = ("demo", "setup", "system")  # who wrote a row when no person did: the demo's seeder, the set-up


def author_label(login: str, known: dict[str, Author]) -> str:
    """The person who wrote a row: display name, and a partner's organisation in words; a login that is
    no account as written."""
    author = known.get(login)
    if author is None:  # the set-up and the demo cohort's seeder have words; any other login is shown as written
        return tr(f"author_{login}") if login in NOT_PEOPLE else login
    return f"{author.name} ({organisation_label(author.organisation)})" if author.organisation else author.name


def attendee_options(members, protected: bool = False) -> list[str]:
    """The youth, the guardians and every member on the day, as "Name (organisation)"; on a protected
    case the family by their role only (their names never reach a plan or a document)."""
    return [*FAMILY, *(f"{m.name} ({organisation_label(m.organisation)})" for m in members
                       if not (protected and is_family(m.organisation)))]


def for_documents(protected: bool, members: list) -> tuple[list, Callable[[str | None], str]]:
    """What a document made of the case may carry: the members it may name, and the text of any field
    with the family's names and numbers taken out (``rules.protected``) on a protected case."""
    if not protected:
        return members, lambda text: text or ""
    secrets = secrets_of((m.organisation, m.name, m.phone, m.email) for m in members)
    hidden = tr("protected_hidden")
    return cases.shown_members(True, members), lambda text: redact(text, secrets, hidden)


def present(members: list, on: date) -> list:
    """The members of the group on ``on`` (a member list read once per page)."""
    return [m for m in members if cases.covers(m.from_on, m.to_on, on)]


def missing_warning(members, on: date) -> None:
    missing = cases.missing_organisations(members, on)
    if missing:
        st.warning(tr("network_missing", which=", ".join(organisation_label(o) for o in missing)))


def members_tab(code: str, everyone: list, protected: bool = False, writable: bool = True,
                shown: bool = True) -> None:
    """The network; on a protected case the youth's and guardians' names and contacts are not shown.
    ``writable``: whether to offer adding a member (not under emergency access); ``shown``: whether
    the tab is open (the table only then; the forms always, forms.tabs)."""
    today = ctx.today()
    if protected:
        st.caption(tr("protected_members"))

    def said(m, value: str | None) -> str:
        return tr("protected_hidden") if protected and is_family(m.organisation) else value or ""

    def members_table() -> None:
        if not everyone:
            st.info(tr("no_members"))
            return
        table = pd.DataFrame([{tr("member_name"): said(m, m.name),
                               tr("organisation"): organisation_label(m.organisation),
                               tr("member_role"): m.role or "", tr("phone"): said(m, m.phone),
                               tr("email"): said(m, m.email), tr("from_on"): m.from_on, tr("to_on"): m.to_on}
                              for m in everyone])
        st.dataframe(for_display(table), hide_index=True, width="stretch")

    when_open(shown, members_table)
    if not writable:
        return
    with ctx.form("member_form"):
        st.markdown(f"**{tr('add_member')}**")
        left, mid, right = st.columns(3)
        name = left.text_input(tr("member_name"))
        organisation = mid.selectbox(tr("organisation"), ORGANISATIONS, format_func=organisation_label)
        role = right.text_input(tr("member_role"))
        left, mid, right = st.columns(3)
        phone, email = left.text_input(tr("phone")), mid.text_input(tr("email"))
        since = right.date_input(tr("from_on"), today, format="YYYY-MM-DD")
        if st.form_submit_button(tr("add_member"), type="primary"):
            def add() -> None:
                with ctx.session() as s:
                    subject = cases.subject_by_code(s, ctx.actor(), code, action="plan.write")
                    cases.add_member(s, ctx.actor(), subject, name, organisation, role=role, phone=phone,
                                     email=email, from_on=since)
                ctx.done(tr("member_added"), form="member_form")

            ctx.attempt(add)
    current = [m for m in everyone if m.to_on is None]
    if current:
        with st.expander(tr("end_membership")):
            chosen = st.selectbox(tr("member_name"), [m.id for m in current], key="member_end_pick",
                                  format_func={m.id: f"{said(m, m.name)} ({organisation_label(m.organisation)})"
                                               for m in current}.get)
            until = st.date_input(tr("to_on"), today, key="member_end_on", format="YYYY-MM-DD")
            if st.button(tr("end_membership"), key="member_end"):
                def end() -> None:
                    with ctx.session() as s:
                        cases.end_membership(s, ctx.actor(), chosen, until)
                    ctx.done(tr("member_ended"))

                ctx.attempt(end)


def events_tab(code: str, logged: list, known: dict[str, Author], shown: bool = True) -> None:
    """The events between meetings, each with who logged it (``known``: their logins' people); the
    table only when the tab is open (``shown``), the form always (forms.tabs)."""
    open_serious = [e for e, is_open in logged if is_open]
    if open_serious:
        st.error(ntr("events_open", len(open_serious),
                    by=min(e.occurred_on for e in open_serious) + cases.SERIOUS_MEETING_WITHIN))
    with ctx.form("event_form"):
        left, mid, right = st.columns([2, 2, 1])
        kind = left.selectbox(tr("event_kind"), EVENT_KINDS, format_func=lambda k: tr(f"event_{k}"))
        on = mid.date_input(tr("event_on"), ctx.today(), format="YYYY-MM-DD")
        serious = right.checkbox(tr("event_serious"), help=tr("event_serious_help"))
        note = st.text_area(tr("event_note"))
        if st.form_submit_button(tr("log_event"), type="primary"):
            def log() -> None:
                with ctx.session() as s:
                    subject = cases.subject_by_code(s, ctx.actor(), code, action="event.write")
                    cases.log_event(s, ctx.actor(), subject, kind, on, serious=serious, note=note)
                ctx.done(tr("event_logged"), form="event_form")

            ctx.attempt(log)
    when_open(shown, lambda: events_table(logged, known))


def events_table(logged: list, known: dict[str, Author]) -> None:
    if not logged:
        st.caption(tr("no_events"))
        return
    table = pd.DataFrame([{tr("event_on"): e.occurred_on, tr("event_kind"): tr(f"event_{e.kind}"),
                           tr("event_serious"): tr("yes") if e.serious else tr("no"),
                           tr("event_open"): tr("yes") if is_open else "", tr("event_note"): e.note or "",
                           tr("logged_by"): author_label(e.logged_by, known)} for e, is_open in logged])
    st.dataframe(for_display(table), hide_index=True, width="stretch")


def review_choice(key: str, collapsed: bool = False) -> str | None:
    """How a commitment was kept, with nothing chosen beforehand: the network says it, not the form."""
    return st.radio(tr("review_commitment"), COMMITMENT_REVIEWS, key=key, horizontal=True, index=None,
                    format_func=lambda r: tr(f"review_{r}"), label_visibility="collapsed" if collapsed else "visible")


def save_review(commitment_id: int, chosen: str | None, why: str) -> None:
    """The review as given (the plan page's and "Mina grupper"'s): refused in words when none is chosen."""
    if chosen is None:
        st.error(tr("review_choose"))
        return

    def save() -> None:
        with ctx.session() as s:
            cases.review_commitment(s, ctx.actor(), commitment_id, chosen, why)
        ctx.done(tr("review_saved"))

    ctx.attempt(save)

