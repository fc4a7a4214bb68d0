"""The case page's closing and outcome tabs: a participation ends with a date and a reason (the
closing assessment suggested first), and outcome periods are entered as the follow-up report needs
them."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from forms import context as ctx
from forms.i18n import lang, tr, tr_or
from forms.network import for_documents
from forms.numbers import for_display
from forms.plain_plan import closing_summary_html
from forms.release import choose_recipient, release_button
from forms.tabs import when_open
from store import cases, views
from store.input_rules import MAX_COST, MAX_COUNT
from store.models import OCCUPATIONS, PLACEMENTS

EXPERIENCE = ("experience-youth", "experience-guardian")


def experience_questionnaires(code: str) -> None:
    """At closing, the youth's and the parents' own experience (a questionnaire like any instrument);
    the answers go to the research page, counted over many families."""
    st.markdown(f"**{tr('experience_title')}**")
    st.caption(tr("experience_help"))
    for column, instrument_id in zip(st.columns(len(EXPERIENCE)), EXPERIENCE, strict=True):
        inst = ctx.instrument(instrument_id)
        if column.button(inst.text(inst.title, lang()), key=f"experience:{instrument_id}"):
            def start(chosen: str = instrument_id) -> int:
                with ctx.session() as s:
                    subject = cases.subject_by_code(s, ctx.actor(), code)
                    return cases.save_draft(s, ctx.actor(), subject, chosen, occasion="closing",
                                            assessed_on=ctx.today(), ratings={}).id

            new_id = ctx.attempt(start)
            if new_id is not None:
                st.session_state["assessment_id"] = new_id
                st.switch_page("forms/pages/assessment.py")


def closing_tab(code: str, overview: views.CaseOverview) -> None:
    experience_questionnaires(code)
    if overview.closed_on is not None:
        st.info(tr("case_closed", on=overview.closed_on, reason=tr(f"closing_{overview.closed_reason}")))
        if overview.closing_summary:
            st.text(overview.closing_summary)  # as typed: plain text, never Markdown
        summary_download(code, overview)
        reason = st.text_input(tr("reopen_reason"), key="reopen_reason")
        if st.button(tr("reopen"), key="reopen"):
            def reopen() -> None:
                with ctx.session() as s:
                    cases.reopen_case(s, ctx.actor(), cases.subject_by_code(s, ctx.actor(), code), reason,
                                      on=ctx.today())
                ctx.done(tr("reopened"))

            ctx.attempt(reopen)
        return
    if not overview.has_closing_assessment:
        st.warning(tr("closing_assessment_first"))
    left, right = st.columns(2)
    on = left.date_input(tr("closed_on"), ctx.today(), key="close_on", format="YYYY-MM-DD")
    reason = right.selectbox(tr("closing_reason"), cases.CLOSING_REASONS, key="close_reason",
                             format_func=lambda r: tr(f"closing_{r}"))
    summary = st.text_area(tr("closing_summary_text"), key="close_summary", help=tr("closing_summary_text_help"))
    if st.button(tr("close_case"), key="close_case", type="primary"):
        def close() -> None:
            with ctx.session() as s:
                cases.close_case(s, ctx.actor(), cases.subject_by_code(s, ctx.actor(), code), on, reason, summary)
            ctx.done(tr("case_closed", on=on, reason=tr(f"closing_{reason}")))

        ctx.attempt(close)


def summary_download(code: str, overview: views.CaseOverview) -> None:
    """The written closing summary for the youth and the family, released under their consent like the
    plain-words plan; on a protected case without the family's names and numbers."""
    with ctx.session() as s:
        plan = views.plan_of(s, ctx.actor(), overview.subject_id)
        members = cases.members_of(s, ctx.actor(), overview.subject_id) if overview.protected else []
    _, clean = for_documents(overview.protected, members)
    goals = [clean(g.text) for g in plan.goals] if plan else []
    commitments = plan.commitments if plan else []
    page = closing_summary_html(
        closed_on=overview.closed_on, goals=goals, lang=lang(), written=clean(overview.closing_summary),
        done=[(clean(tr_or(f"actor_{c.actor}", c.actor)), clean(c.what)) for c in commitments if c.status == "done"],
        continues=[(clean(tr_or(f"actor_{c.actor}", c.actor)), clean(c.what)) for c in commitments
                   if c.status in ("planned", "in_progress")])
    st.markdown(f"**{tr('closing_summary')}**")
    st.caption(tr("closing_summary_help"))
    recipient = choose_recipient(overview, "plan", key="summary_recipient")
    if recipient is not None:
        release_button(tr("closing_summary"), overview, recipient, "plan", lambda: page,
                       file_name=f"sammanfattning-{code}-{overview.closed_on}.html", mime="text/html",
                       key="summary_download")


def outcomes_table(overview: views.CaseOverview) -> None:
    with ctx.session() as s:
        table = views.outcomes_of(s, ctx.actor(), overview.subject_id)
    if table.empty:
        st.caption(tr("no_outcomes"))
        return
    said = table.assign(**{c: table[c].map(lambda v, c=c: tr_or(f"{c}_{v}", v) if isinstance(v, str) else v)
                           for c in ("placement", "occupation") if c in table.columns})
    st.dataframe(for_display(said).rename(columns={c: tr(f"outcome_col_{c}") for c in table.columns}),
                 hide_index=True, width="stretch")


def outcomes_tab(code: str, overview: views.CaseOverview, writable: bool = True, shown: bool = True) -> None:
    """Outcome periods (read only when the tab is open, ``shown``); the form to record one, always drawn,
    only when ``writable`` (not under emergency access)."""
    when_open(shown, lambda: outcomes_table(overview))
    if not writable:
        return
    with ctx.form("outcome_form"):
        a, b, c = st.columns(3)
        start = a.date_input(tr("outcome_col_period_start"), ctx.today() - timedelta(days=90), format="YYYY-MM-DD")
        end = b.date_input(tr("outcome_col_period_end"), ctx.today(), format="YYYY-MM-DD")
        reports = c.number_input(tr("outcome_col_police_reports"), min_value=0, max_value=MAX_COUNT, step=1)
        a, b, c, d = st.columns(4)
        placement = a.selectbox(tr("outcome_col_placement"), PLACEMENTS, format_func=lambda p: tr(f"placement_{p}"))
        days = b.number_input(tr("outcome_col_placement_days"), min_value=0, max_value=MAX_COUNT, step=1)
        cost = c.number_input(tr("outcome_col_placement_cost"), min_value=0.0, max_value=float(MAX_COST), step=1000.0,
                              value=None,
                              help=tr("outcome_cost_help"))
        occupation = d.selectbox(tr("outcome_col_occupation"), OCCUPATIONS, format_func=lambda o: tr(f"occupation_{o}"))
        a, b, c, d = st.columns(4)  # optional: what some municipalities also follow
        attendance = a.number_input(tr("outcome_col_attendance"), min_value=0.0, max_value=100.0, value=None)
        concern = b.number_input(tr("outcome_col_concern_reports"), min_value=0, max_value=MAX_COUNT, step=1,
                                 value=None)
        lvu = c.number_input(tr("outcome_col_lvu_applications"), min_value=0, max_value=MAX_COUNT, step=1, value=None)
        outpatient = d.number_input(tr("outcome_col_outpatient_cost"), min_value=0.0, max_value=float(MAX_COST),
                                    step=1000.0, value=None)
        if st.form_submit_button(tr("save_outcome")):
            def save() -> None:
                with ctx.session() as s:
                    cases.record_outcome(s, ctx.actor(), cases.subject_by_code(s, ctx.actor(), code),
                                         period_start=start, period_end=end, police_reports=int(reports),
                                         placement=placement, placement_days=int(days),
                                         placement_cost=None if cost is None else float(cost),
                                         occupation=occupation, attendance=attendance, concern_reports=concern,
                                         lvu_applications=lvu, outpatient_cost=outpatient)
                ctx.done(tr("outcome_saved"), form="outcome_form")

            ctx.attempt(save)

