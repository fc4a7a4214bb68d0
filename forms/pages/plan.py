"""Åtgärdsplan: the current plan with each actor's commitments, the meeting notes, the next network
meeting (at most four weeks ahead), and a plain-words version for the youth and family."""

from __future__ import annotations

from datetime import time

import pandas as pd
import streamlit as st

from forms import context as ctx
from forms.i18n import lang, plain, tr, tr_or
from forms.invitation import agenda_html, invitation_for, invitation_ics
from forms.network import (
    attendee_options,
    author_label,
    for_documents,
    missing_warning,
    organisation_label,
    present,
    review_choice,
    save_review,
)
from forms.plain_plan import plain_words_html
from forms.professional_plan import PlanSheet, professional_plan_pdf
from forms.release import choose_recipient, download, release_button, send_to_network
from rules.protected import is_family
from store import cases, groups, users, views
from store.access import may_on_case
from store.authors import authors
from store.models import COMMITMENT_STATUSES, GOAL_OWNERS

ATTENDEES = ("ungdom", "vårdnadshavare", "socialtjanst", "skola", "polis", "fritid", "bup")


def actor_label(name: str) -> str:
    return tr_or(f"actor_{name}", name)


def commitments_view(plan, writable: bool = True) -> None:
    """Each person's commitments: what, by when, what they do if they cannot; the status changed in place,
    and the next meeting's review (kept, partly, not kept, with a word why). All audited. Read only when
    not ``writable`` (under emergency access)."""
    for c in plan.commitments:
        left, right = st.columns([4, 1])
        text = f"**{plain(actor_label(c.actor))}** – {plain(c.what)}  \n{tr('by_when')}: {c.by_when}"
        if c.if_cannot:
            text += f"  \n{tr('if_cannot')}: {plain(c.if_cannot)}"
        if c.review:
            text += f"  \n{tr('reviewed')}: {tr(f'review_{c.review}')}" + (f" – {plain(c.review_note)}"
                                                                          if c.review_note else "")
        left.markdown(text)
        if not writable:
            right.caption(tr(f"commitment_{c.status}"))
            continue

        def save(commitment_id: int = c.id) -> None:
            status = st.session_state[f"plan:status:{commitment_id}"]
            with ctx.session() as s:
                cases.set_commitment_status(s, ctx.actor(), commitment_id, status)

        right.selectbox(tr("status"), COMMITMENT_STATUSES, index=COMMITMENT_STATUSES.index(c.status),
                        key=f"plan:status:{c.id}", format_func=lambda x: tr(f"commitment_{x}"), on_change=save,
                        label_visibility="collapsed")
        with st.expander(tr("review_commitment")):
            review = review_choice(f"plan:review:{c.id}", collapsed=True)
            note = st.text_input(tr("review_note"), key=f"plan:review_note:{c.id}")
            if st.button(tr("save_review"), key=f"plan:review_save:{c.id}"):
                save_review(c.id, review, note)


def commitment_form(code: str, subject_id: int, network: list, protected: bool = False) -> None:
    """A commitment for any person in the network until the next meeting, with what they do if they
    cannot keep it (the reports: youth, parents and every professional have commitments)."""
    members = present(network, ctx.today())
    with ctx.form("commitment_form"):
        left, right = st.columns([2, 1])
        person = left.selectbox(tr("person"), attendee_options(members, protected), format_func=actor_label)
        by_when = right.date_input(tr("by_when"), ctx.today() + cases.MAX_MEETING_INTERVAL, format="YYYY-MM-DD")
        what = st.text_input(tr("commitment_what"))
        if_cannot = st.text_input(tr("if_cannot"), help=tr("if_cannot_help"))
        if st.form_submit_button(tr("add_commitment"), type="primary"):
            def add() -> None:
                with ctx.session() as s:
                    plan = views.plan_of(s, ctx.actor(), subject_id)
                    cases.add_commitment(s, ctx.actor(), plan, cases.PlanItem(person, what, by_when,
                                                                              if_cannot=if_cannot))
                ctx.done(tr("commitment_added"), form="commitment_form")

            ctx.attempt(add)


def convene(overview, plan, network: list, logged: list) -> None:
    """The next meeting: an invitation for the members' calendars (audited) and a printable agenda. The
    agenda holds the plan (goals, commitments, what happened since, serious events): it leaves only to a
    recipient an active consent lets have the plan, released and audited by the store. On a protected case
    neither names the youth or the guardians (``forms.network.for_documents``)."""
    code = overview.case_code
    members, _ = for_documents(overview.protected, present(network, plan.next_meeting_on))
    _, clean = for_documents(overview.protected, network)  # everyone who was ever a member: their names too
    left, mid, right = st.columns(3)
    start = left.time_input(tr("meeting_time"), time(15, 0), key="invite_time", step=900)
    minutes = mid.number_input(tr("meeting_minutes"), 30, 240, 90, step=15, key="invite_minutes")
    place = right.text_input(tr("meeting_place"), key="invite_place")
    # the professionals with an e-mail address: the youth and the guardians are invited by the coordinator in
    # person, so their names and addresses never reach a calendar outside the municipality (forms/invitation.py)
    with_mail = [(m.name, m.email) for m in members if m.email and not is_family(m.organisation)]
    st.caption(tr("invite_who", n=len(with_mail), total=len(members)))
    on = plan.next_meeting_on
    with ctx.session() as s:  # the coordinator convening is the organiser the calendars answer to
        organiser = (ctx.actor().name or ctx.actor().who, users.own_email(s, ctx.actor()))

    def invitation() -> bytes:
        return invitation_ics(case_code=code, on=on, start=start, minutes=int(minutes), place=place,
                              summary=tr("invite_summary"), description=tr("invite_description"), organiser=organiser,
                              attendees=with_mail)

    def agenda() -> str:
        since = [f"{e.occurred_on} {tr(f'event_{e.kind}')}{' (' + tr('event_serious') + ')' if e.serious else ''}"
                 for e, _ in logged if e.occurred_on >= plan.held_on]
        words = {k: tr(f"agenda_{k}") for k in ("title", "members", "since", "review", "who", "what", "by", "kept",
                                                "goals", "new", "next", "none")} | {"lang": lang()}
        return agenda_html(words=words, case_code=code, on=on, start=start, place=place,
                           members=[f"{m.name} ({organisation_label(m.organisation)})" for m in members],
                           events=since, goals=[clean(g.text) for g in plan.goals],
                           commitments=[(clean(actor_label(c.actor)), clean(c.what), str(c.by_when))
                                        for c in plan.commitments])

    left, right = st.columns(2)
    download(tr("download_invitation"), invitation, file_name=f"natverksmote-{code}-{on}.ics", mime="text/calendar",
             key="invite_download", audit=("plan.read", f"invitation {code} {on}"), column=left)
    with right:
        recipient = choose_recipient(overview, "plan", key="agenda_recipient")
        if recipient is not None:
            release_button(tr("download_agenda"), overview, recipient, "plan", agenda,
                           file_name=f"dagordning-{code}-{on}.html", mime="text/html", key="agenda_download")
    st.markdown(f"**{tr('outbox_send_invitation')}**")

    def ics_for(recipient) -> tuple[str, bytes]:  # the recipient the only attendee: no one else is named
        return invitation_for(recipient.address, case_code=code, on=on, start=start, minutes=int(minutes),
                              place=place, summary=tr("invite_summary"), description=tr("invite_description"),
                              organiser=organiser)

    send_to_network(overview, "invitation", on, key="invite_network", attachment=ics_for)


def professionals_pdf(code: str, subject_id: int, plan, protected: bool = False) -> bytes:
    """The professionals' plan; on a protected case without the family's names and numbers."""
    with ctx.session() as s:
        everyone = cases.members_of(s, ctx.actor(), subject_id)
    members, _ = for_documents(protected, [m for m in everyone if cases.covers(m.from_on, m.to_on, ctx.today())])
    _, clean = for_documents(protected, everyone)
    labels = {key: tr(f"pro_{key}") for key in (
        "title", "held", "next", "attendees", "goals", "term", "owner", "goal", "commitments", "person", "what",
        "by_when", "if_cannot", "review", "network", "name", "organisation", "role", "contact", "footer")}
    return professional_plan_pdf(PlanSheet(
        case_code=code, held_on=plan.held_on, next_meeting_on=plan.next_meeting_on,
        attendees=[clean(actor_label(a)) for a in plan.attendees],
        goals=[(tr(f"{g.term}_goals"), tr(f"owner_{g.owner}") if g.owner else "–", clean(g.text)) for g in plan.goals],
        commitments=[(clean(actor_label(c.actor)), clean(c.what), str(c.by_when), clean(c.if_cannot) or "–",
                      tr(f"review_{c.review}") + (f": {clean(c.review_note)}" if c.review_note else "") if c.review
                      else "–")
                     for c in plan.commitments],
        members=[(m.name, organisation_label(m.organisation), m.role or "", " ".join(filter(None, (m.phone, m.email))))
                 for m in members],
        labels=labels))


def meeting_form(code: str, network: list, protected: bool = False) -> None:
    """A meeting that was held: attendees picked from the network's members on the day, goals, and the
    next meeting (four weeks is the target; a longer interval asks for its reason)."""
    today = ctx.today()
    left, right = st.columns(2)
    held = left.date_input(tr("held_on"), today, format="YYYY-MM-DD", key="meeting_held")
    next_on = right.date_input(tr("next_meeting_on"), held + cases.MAX_MEETING_INTERVAL, format="YYYY-MM-DD",
                               help=tr("next_meeting_help"), key="meeting_next")
    members = present(network, held)
    missing_warning(members, held)
    options = attendee_options(members, protected)
    attendees = st.multiselect(tr("attendees"), options, default=options, key="meeting_attendees",
        placeholder=tr("choose_options"))
    reason = None
    if (next_on - held).days > cases.MAX_MEETING_INTERVAL.days:
        st.warning(tr("interval_warning", days=(next_on - held).days))
        reason = st.text_input(tr("interval_reason"), key="meeting_interval_reason")
    notes = st.text_area(tr("meeting_notes"), key="meeting_notes")
    short = st.text_area(tr("short_goals"), help=tr("one_per_line"), key="meeting_short")
    long = st.text_area(tr("long_goals"), help=tr("one_per_line"), key="meeting_long")
    owner = st.selectbox(tr("goal_owner"), GOAL_OWNERS, key="meeting_goal_owner",
                         format_func=lambda o: tr(f"owner_{o}"))
    carry = st.checkbox(tr("carry_over"), value=True, key="meeting_carry")
    if st.button(tr("save_meeting"), type="primary", key="meeting_save"):
        meeting = cases.MeetingInput(held_on=held, next_meeting_on=next_on, attendees=attendees,
                                     notes=notes or None, short_goals=_lines(short), long_goals=_lines(long),
                                     carry_over=carry, interval_reason=reason, goal_owner=owner)

        def save() -> None:
            with ctx.session() as s:
                subject = cases.subject_by_code(s, ctx.actor(), code, action="plan.write")
                cases.record_meeting(s, ctx.actor(), subject, meeting)
            for key in ("meeting_notes", "meeting_short", "meeting_long", "meeting_interval_reason"):
                st.session_state.pop(key, None)
            ctx.done(tr("meeting_saved"))

        ctx.attempt(save)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def main() -> None:
    code = ctx.case_page("page_plan")
    if not code:
        return
    with ctx.session() as s:
        overview = views.case_overview(s, ctx.actor(), code, ctx.today())
        meetings = views.meetings_of(s, ctx.actor(), overview.subject_id)
        network, logged = cases.network_of(s, ctx.actor(), overview.subject_id)
        agenda_items = groups.agenda_items_of(s, ctx.actor(), overview.subject_id)
        known = authors(s, (i.sent_by for i in agenda_items))
    plan = meetings[0] if meetings else None
    # under emergency access: read the plan, nothing to write or send (store.access.EMERGENCY)
    emergency = overview.emergency_until is not None
    writable = may_on_case(ctx.actor(), "plan.write", emergency)
    sharing = may_on_case(ctx.actor(), "consent.share", emergency)
    if agenda_items:  # sent from "Mina grupper" since the latest meeting: for the next one
        st.markdown(f"**{tr('plan_agenda_items')}**")
        st.markdown("\n".join("- " + tr("plan_agenda_item", on=i.sent_on, text=plain(i.text), who=plain(
            author_label(i.sent_by, known)))
                               for i in agenda_items))
    if plan is None:
        st.info(tr("no_plan"))
    else:
        if overview.meeting_overdue:
            st.error(tr("meeting_overdue", on=plan.next_meeting_on))
        else:
            st.info(tr("next_meeting", on=plan.next_meeting_on))
        st.caption(tr("plan_from", held=plan.held_on, who=plain(", ".join(actor_label(a) for a in plan.attendees))))
        goals_col, commitments_col = st.columns([2, 3], gap="large")
        with goals_col:
            for term in ("short", "long"):
                st.markdown(f"**{tr(f'{term}_goals')}**")
                for goal in [g for g in plan.goals if g.term == term] or []:
                    whose = f" _({tr(f'owner_{goal.owner}')})_" if goal.owner else ""
                    st.markdown(f"- {plain(goal.text)}{whose}")
            if plan.notes:
                st.markdown(f"**{tr('meeting_notes')}**")
                st.text(plan.notes)
        with commitments_col:
            st.markdown(f"**{tr('commitments')}**")
            commitments_view(plan, writable)
            if writable:
                with st.expander(tr("add_commitment")):
                    commitment_form(code, overview.subject_id, network, overview.protected)
        _, clean = for_documents(overview.protected, network)
        page = plain_words_html(
            held_on=plan.held_on, next_meeting_on=plan.next_meeting_on,
            short_goals=[clean(g.text) for g in plan.goals if g.term == "short"],
            long_goals=[clean(g.text) for g in plan.goals if g.term == "long"],
            commitments=[(clean(actor_label(c.actor)), clean(c.what), c.by_when, clean(c.if_cannot) or None)
                         for c in plan.commitments if c.status in ("planned", "in_progress")], lang=lang())
        if sharing:  # every file and notice goes through the consent's release
            st.markdown(f"**{tr('print_plain')}**")
            st.caption(tr("print_plain_help"))
            recipient = choose_recipient(overview, "plan", key="plain_recipient")
            if recipient is not None:
                release_button(tr("print_plain"), overview, recipient, "plan", lambda: page,
                               file_name=f"plan-{plan.held_on}.html", mime="text/html", key="plain_download")
            st.markdown(f"**{tr('print_professional')}**")
            st.caption(tr("print_professional_help"))
            to = choose_recipient(overview, "plan", key="pro_recipient")
            if to is not None:
                subject_id = overview.subject_id
                release_button(tr("print_professional"), overview, to, "plan",
                               lambda: professionals_pdf(code, subject_id, plan, overview.protected),
                               file_name=f"atgardsplan-{code}-{plan.held_on}.pdf", mime="application/pdf",
                               key="pro_download")
            st.markdown(f"**{tr('outbox_send_plan')}**")
            st.caption(tr("outbox_send_plan_help"))
            send_to_network(overview, "plan", plan.held_on, key="plan_network")
    if writable and plan is not None:
        with st.expander(tr("convene")):
            convene(overview, plan, network, logged)
    if writable:
        with st.expander(tr("new_meeting"), expanded=plan is None):
            meeting_form(code, network, overview.protected)
    if len(meetings) > 1:
        with st.expander(tr("earlier_meetings")):
            st.dataframe(pd.DataFrame([{tr("held_on"): m.held_on, tr("next_meeting_on"): m.next_meeting_on,
                                        tr("commitments"): len(m.commitments), tr("meeting_notes"): m.notes or ""}
                                       for m in meetings[1:]]), hide_index=True, width="stretch")


main()
