"""Insatser: the RBM recommendation for the latest final assessment, with the responsivity profile
editable beside it, and chosen interventions added to the action plan."""

from __future__ import annotations

from datetime import date

import streamlit as st

from forms import context as ctx
from forms.i18n import lang, ntr, say, tr
from forms.network import attendee_options
from forms.numbers import number
from forms.score_panel import level_label
from scoring.matching import Profile, match, plan_draft
from store import cases, views
from store.access import may_on_case

UNKNOWN_YES_NO = (None, True, False)
FLAGS = ("acute_mental_health", "neuropsychiatric", "interpreter_needed", "carer_available", "in_school")


def yes_no(value: bool | None) -> str:
    return tr("unknown") if value is None else tr("yes") if value else tr("no")


def profile_editor(age: int | None) -> Profile:
    """Responsivity: age, motivation, mental health, ADHD, language, carer, school. Unknown is allowed."""
    st.markdown(f"## {tr('responsivity')}")
    st.caption(tr("responsivity_help"))
    age_value = st.number_input(tr("age"), 10, 30, age or 16, key="profile_age")
    motivation = st.selectbox(tr("motivation"), (None, "low", "moderate", "high"), index=0, key="profile_motivation",
                              format_func=lambda m: tr("unknown") if m is None else tr(f"motivation_{m}"))
    flags = {name: st.selectbox(tr(f"profile_{name}"), UNKNOWN_YES_NO, key=f"profile_{name}", format_func=yes_no)
             for name in FLAGS}
    return Profile(age=float(age_value), motivation=motivation, **flags)


def first_meeting(subject_id: int, protected: bool = False) -> cases.MeetingInput | None:
    """No plan yet: the network meeting where it was made, as the user states it (never invented)."""
    st.info(tr("first_meeting_help"))
    left, right = st.columns([1, 2])
    held = left.date_input(tr("first_meeting_held_on"), ctx.today(), key="first_meeting_on", format="YYYY-MM-DD")
    with ctx.session() as s:
        members = cases.members_of(s, ctx.actor(), subject_id, on=held)
    who = right.multiselect(tr("first_meeting_attendees"), attendee_options(members, protected),
                            key="first_meeting_who", placeholder=tr("choose_options"))
    if not st.checkbox(tr("first_meeting_confirm"), key="first_meeting_held"):
        return None
    return cases.MeetingInput(held_on=held, attendees=who)


def main() -> None:
    code = ctx.case_page("page_matching")
    if not code:
        return
    with ctx.session() as s:
        overview = views.case_overview(s, ctx.actor(), code, ctx.today())
        finals = [a for a in views.assessments_of(s, ctx.actor(), overview.subject_id, include_drafts=False)
                  if any(item.needs for item in ctx.instrument(a.instrument_id).items)]
        has_plan = views.plan_of(s, ctx.actor(), overview.subject_id) is not None
    if not finals:
        st.info(tr("no_final_assessment"))
        return
    latest = finals[-1]
    inst = ctx.instrument(latest.instrument_id)
    st.caption(tr("matching_basis", on=latest.assessed_on, instrument=inst.text(inst.title, lang()),
                  judgment=level_label(inst, latest.judgment)))
    result_col, profile_col = st.columns([3, 2], gap="large")
    with profile_col:
        profile = profile_editor(overview.age)
    result = match(inst, latest.ratings, ctx.catalogue(), profile=profile, judgment=latest.judgment, lang=lang())
    with result_col:
        level = level_label(inst, result.risk_level) if result.risk_level else "–"
        source = tr(f"level_from_{result.risk_level_source}") if result.risk_level_source else ""
        st.markdown(f"**{tr('risk_level')}:** {level} {source} · **{tr('intensity')}:** "
                    f"{tr(f'intensity_{result.intensity}')}")
        needs_col, strengths_col = st.columns(2)
        needs_col.markdown(f"**{tr('needs')}**")
        for need in result.needs:
            needs_col.markdown(f"- {need.label} ({tr(f'severity_{need.severity}')})")
        strengths_col.markdown(f"**{tr('strengths')}**")
        for strength in result.strengths or [tr("no_protective")]:
            strengths_col.markdown(f"- {strength}")
        for warning in result.warnings:
            st.warning(say(warning))
        st.markdown(f"## {tr('recommendations')}")
        if not result.recommendations:  # low risk, or nothing in the catalogue fits: say what to do instead
            st.info(tr("no_recommendations", level=level))
            return
        chosen = []
        for rec in result.recommendations:
            with st.container(border=True):
                label = f"**{rec.name}** · {rec.provider} · " + tr(
                    "match_hours_weeks", hours=number(rec.hours_per_week), weeks=rec.typical_weeks)
                if rec.alternative_to:
                    label = f"{tr('alternative')}: {label}"
                if st.checkbox(label, key=f"pick:{rec.id}"):
                    chosen.append(rec.id)
                for reason in rec.reasons:
                    st.caption(f"✓ {say(reason)}")
                for caution in rec.cautions:
                    st.caption(f"! {say(caution)}")
        if result.uncovered_needs:
            labels = {need.tag: need.label for need in result.needs}  # the need in words, never its tag
            st.info(tr("uncovered", needs=", ".join(labels.get(t, t) for t in result.uncovered_needs)))
        if not may_on_case(ctx.actor(), "plan.write", overview.emergency_until is not None):
            return  # under emergency access: read the recommendations, add nothing to the team's plan
        first = None if has_plan else first_meeting(overview.subject_id, overview.protected)
        if st.button(tr("add_to_plan"), key="add_to_plan", type="primary",
                     disabled=not chosen or (not has_plan and first is None)):
            items = [cases.PlanItem(actor=d["actor"], what=d["what"], by_when=date.fromisoformat(d["by_when"]),
                                    intervention_id=d["intervention_id"])
                     for d in plan_draft(result, chosen, start=ctx.today())]

            def add() -> None:
                with ctx.session() as s:
                    subject = cases.subject_by_code(s, ctx.actor(), code, action="plan.write")
                    cases.add_to_plan(s, ctx.actor(), subject, items, first)
                ctx.done(ntr("added_to_plan", len(items)))

            ctx.attempt(add)


main()
