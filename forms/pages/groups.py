"""Mina grupper: the page of a member of the network (police, school, leisure, health) who logs in. Their
groups (case code, next meeting, what is due), their organisation's commitments with "if I can't", and
what they add: a review of a commitment before the meeting, an event, an item for the agenda. The plan
in plain words when the youth's consent covers it.

Every part is read afresh on every run through the guard's ``member`` scope (``store.groups``): a consent
withdrawn or a membership ended shows on the next click, in words, with nothing of the group left on the
page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forms import context as ctx
from forms.i18n import lang, ntr, plain, tr, tr_or
from forms.network import review_choice, save_review
from forms.score_panel import level_label
from store import cases, groups
from store.models import EVENT_KINDS, Subject

# what a partner logs: the four kinds the issue names (a broken commitment is the coordinator's word)
PARTNER_EVENTS = tuple(k for k in EVENT_KINDS if k != "broken_commitment")


def who(actor_text: str) -> str:
    """A commitment's person as the plan names them: an organisation's word in the user's language."""
    return tr_or(f"actor_{actor_text}", actor_text)


def overview_table(found: list[groups.Group]) -> pd.DataFrame:
    """One row per group: its case code, the next meeting and what is due of the organisation's own."""
    def due(g: groups.Group) -> str:
        if not g.due:
            return "–"
        return ntr("groups_due_count", len(g.due), first=g.due[0].by_when)

    return pd.DataFrame({tr("groups_case"): [g.case_code for g in found],
                         tr("groups_next_meeting"): [tr("groups_day", on=g.next_meeting_on) if g.next_meeting_on
                                                     else "–" for g in found],
                         tr("groups_due"): [due(g) for g in found]})


def own_commitments(view: groups.GroupView) -> None:
    """The organisation's commitments with "if I can't", each reviewed before the meeting."""
    st.subheader(tr("groups_own_commitments"))
    own = [c for c in view.plan_commitments if c.own]
    if not own:
        st.caption(tr("groups_no_own_commitments"))
    for c in own:
        text = f"**{plain(c.what)}**  \n{tr('groups_by_when', on=c.by_when)}"
        if c.if_cannot:
            text += f"  \n{tr('if_cannot')}: {plain(c.if_cannot)}"
        if c.review:
            text += f"  \n{tr('reviewed')}: {tr(f'review_{c.review}')}" + (
                f" – {plain(c.review_note)}" if c.review_note else "")
        st.markdown(text)
        with st.form(f"groups_review_{c.id}"):
            review = review_choice(f"groups:review:{c.id}")
            note = st.text_input(tr("review_note"), key=f"groups:review_note:{c.id}")
            if st.form_submit_button(tr("save_review")):
                save_review(c.id, review, note)


def plan_in_plain_words(view: groups.GroupView) -> None:
    """The current plan as the family reads it: goals, who does what by when, and the next meeting."""
    st.subheader(tr("groups_plan"))
    if view.held_on is None:
        st.caption(tr("no_plan"))
        return
    st.markdown(tr("groups_plan_from", held=view.held_on, next=view.group.next_meeting_on))
    for term, goals in (("short", view.short_goals), ("long", view.long_goals)):
        if goals:
            st.markdown(f"**{tr(f'{term}_goals')}**")
            st.markdown("\n".join(f"- {plain(g)}" for g in goals))
    if view.plan_commitments:
        st.dataframe(pd.DataFrame({
            tr("plain_who"): [who(c.actor) for c in view.plan_commitments],
            tr("plain_what"): [c.what for c in view.plan_commitments],
            tr("plain_when"): [tr("groups_day", on=c.by_when) for c in view.plan_commitments],
            tr("if_cannot"): [c.if_cannot or "–" for c in view.plan_commitments]}), hide_index=True, width="stretch")


def events(view: groups.GroupView) -> None:
    st.subheader(tr("groups_events"))
    if not view.events:
        st.caption(tr("groups_no_events"))
        return
    st.markdown("\n".join(f"- {tr('groups_day', on=on)}: {tr(f'event_{kind}')}"
                          + (f" ({tr('event_serious').lower()})" if serious else "")
                          for on, kind, serious in view.events))


def summary(view: groups.GroupView) -> None:
    st.subheader(tr("groups_summary"))
    if view.summary is None:
        st.caption(tr("groups_no_summary"))
        return
    instrument = ctx.instrument(view.summary.instrument_id)
    st.markdown(tr("groups_summary_text", instrument=instrument.text(instrument.title, lang()),
                   on=view.summary.assessed_on, level=level_label(instrument, view.summary.judgment)))


def log_event(subject_id: int) -> None:
    with ctx.form("groups_event"):
        left, right = st.columns(2)
        kind = left.selectbox(tr("event_kind"), PARTNER_EVENTS, format_func=lambda k: tr(f"event_{k}"))
        on = right.date_input(tr("event_on"), ctx.today(), max_value=ctx.today(), format="YYYY-MM-DD")
        serious = st.checkbox(tr("event_serious"), help=tr("event_serious_help"))
        note = st.text_input(tr("event_note"))
        if st.form_submit_button(tr("log_event")):
            def save() -> None:
                with ctx.session() as s:
                    cases.log_event(s, ctx.actor(), s.get(Subject, subject_id), kind, on, serious=serious, note=note)
                ctx.done(tr("event_logged"), form="groups_event")

            ctx.attempt(save)


def agenda_item(subject_id: int) -> None:
    with ctx.form("groups_agenda"):
        text = st.text_area(tr("groups_agenda_text"), help=tr("groups_agenda_help"), max_chars=groups.AGENDA_MAX)
        if st.form_submit_button(tr("groups_agenda_send")):
            def send() -> None:
                with ctx.session() as s:
                    groups.send_agenda_item(s, ctx.actor(), subject_id, text, ctx.today())
                ctx.done(tr("groups_agenda_sent"), form="groups_agenda")

            ctx.attempt(send)


def _load_groups() -> list[groups.Group]:
    with ctx.session() as s:
        return groups.my_groups(s, ctx.actor(), ctx.today())


def _load_view(subject_id: int) -> groups.GroupView:
    with ctx.session() as s:
        return groups.group_view(s, ctx.actor(), subject_id, ctx.today())


def main() -> None:
    st.title(tr("page_groups"))
    ctx.link("page", "groups")
    found = ctx.attempt(_load_groups)
    if found is None:
        return
    if not found:
        st.info(tr("groups_none"))
        return
    st.caption(ntr("groups_count", len(found)))
    st.dataframe(overview_table(found), hide_index=True, width="stretch")
    by_code = {g.case_code: g for g in found}
    code = st.selectbox(tr("groups_choose"), list(by_code), key="groups_case")
    view = ctx.attempt(lambda: _load_view(by_code[code].subject_id))
    if view is None:
        return
    st.header(tr("groups_group", code=view.group.case_code))
    if not view.group.views:
        st.warning(tr("groups_nothing_shared"))
        return
    if "plan" in view.group.views:
        own_commitments(view)
        plan_in_plain_words(view)
        events(view)
    else:
        st.info(tr("groups_no_plan_consent"))
    if view.summary is not None or "assessment_summary" in view.group.views:
        summary(view)
    st.subheader(tr("groups_log_event"))
    log_event(view.group.subject_id)
    st.subheader(tr("groups_agenda"))
    agenda_item(view.group.subject_id)


main()
