"""Bedömning: the store-backed assessment form. Every change is saved as a draft at once; a final
assessment is read-only and is corrected by a new version with a reason."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import scoring
from forms import context as ctx
from forms.assessment_form import (
    OMITTED,
    domain_items,
    ratings_state,
    ratings_to_row,
    recover_answers,
    step_selector,
)
from forms.choice import pinned
from forms.fragments import alone, fragment
from forms.i18n import lang, plain, refusal, tr
from forms.numbers import for_display
from forms.score_panel import level_label, show_judgment_vs_band, show_scores
from scoring.companion import compare_with_companion
from store import AccessDenied, cases, views
from store.access import may_on_case
from store.models import Assessment

OPEN_KEY, PICK_KEY, AGE_KEY = "assessment_id", "assessment_pick", "assessment_age_outside"


def label(a: Assessment, me: str) -> str:
    """Unmistakable in the list: two assessments never share a label (the number is the store's id)."""
    version = f" v{a.version}" if a.version > 1 else ""
    rater = "" if a.rater == me else f" · {a.rater}"
    return (f"{a.assessed_on} · {ctx.instrument_name(a.instrument_id)} · {tr(f'occasion_{a.occasion}')} · "
            f"{tr(f'state_{a.status}')}{version} · #{a.id}{rater}")


def pick(code: str) -> Assessment | None:
    with ctx.session() as s:  # the case's one guarded read, which also says if the actor is in only by emergency
        overview = views.case_overview(s, ctx.actor(), code, ctx.today())
        rows = views.assessments_of(s, ctx.actor(), overview.subject_id)
        # whether finalising a draft asks why the youth's age is outside the instrument's range: read here, with
        # the youth already in this transaction, for this run and the form's own reruns (``actions``)
        st.session_state[AGE_KEY] = {a.id: cases.outside_age_range(s, a, ctx.instrument(a.instrument_id))
                                     for a in rows if a.status == "draft" and a.occasion != "referral"}
    st.session_state[f"emergency_only:{overview.subject_id}"] = overview.emergency_until is not None  # for actions
    if not rows:
        st.info(tr("no_assessments"))
        return None
    by_id = {a.id: a for a in reversed(rows)}  # newest first
    me = ctx.actor().who
    wanted = st.session_state.get(OPEN_KEY)
    if wanted not in by_id:
        wanted = ctx.linked_int("assessment")  # a reload or a link names it
    if wanted not in by_id:
        wanted = next(iter(by_id))
    st.session_state[OPEN_KEY] = wanted
    ctx.link("assessment", wanted)
    st.session_state[f"{PICK_KEY}:chosen"] = wanted  # the list shows the draft the form shows, always

    def remember(picked: int) -> None:
        st.session_state[OPEN_KEY] = picked
        ctx.link("assessment", picked)

    pinned(tr("assessment"), list(by_id), lambda i: label(by_id[i], me), key=PICK_KEY, on_choose=remember)
    return by_id[st.session_state[OPEN_KEY]]


def autosave(assessment_id: int, form_key: str) -> None:
    """Save the whole draft now (called on every change), made from the revision this page loaded.

    If someone saved the draft since (another tab or device), the store refuses and says who and when;
    this page keeps the user's ratings in its state (nothing on screen is lost) until they choose to
    reload.
    """
    ratings = {k: (None if v == OMITTED else v) for k, v in st.session_state.get(form_key, {}).items()}
    judgment = st.session_state.get(f"{form_key}:judgment")
    rationale = st.session_state.get(f"{form_key}:rationale")
    try:
        with ctx.session() as s:
            draft = views.assessment_by_id(s, ctx.actor(), assessment_id)
            saved = cases.save_draft(s, ctx.actor(), draft.subject, draft.instrument_id, occasion=draft.occasion,
                                     assessed_on=draft.assessed_on, ratings=ratings, judgment=judgment,
                                     rationale=rationale, notes=draft.notes, draft=draft,
                                     revision=st.session_state.get(f"{form_key}:revision"))
            st.session_state[f"{form_key}:revision"] = saved.revision
        st.session_state[f"{form_key}:saved"] = True
        st.session_state[f"{form_key}:fresh"] = saved  # the draft as saved: this run's form need not read it again
    except (cases.CaseError, AccessDenied) as exc:
        st.session_state[f"{form_key}:saved"] = refusal(exc)
        st.session_state[f"{form_key}:stale"] = getattr(exc, "code", "") == "assessment.stale"


def reload(form_key: str) -> None:
    """Drop this page's copy of the draft (ratings, judgment, rationale, revision): the next run loads
    the saved one."""
    for key in [k for k in st.session_state if k == form_key or (k.startswith(f"{form_key}:")
                                                                    and not k.endswith(":step"))]:
        del st.session_state[key]


def judgment_step(inst, a: Assessment, form_key: str, disabled: bool) -> None:
    levels = inst.judgment.levels
    if disabled:  # read-only: the decision and its rationale as text, not greyed-out widgets
        shown = level_label(inst, a.judgment) if a.judgment in levels else tr("not_rated")
        st.markdown(f"**{tr('judgment_made')}:** {shown}")
        st.markdown(f"**{tr('rationale')}:** {plain(a.rationale) if a.rationale else '–'}")
        return
    st.caption(tr("judgment_help"))
    save = None if disabled else (lambda: autosave(a.id, form_key))
    st.radio(tr("judgment"), levels, index=levels.index(a.judgment) if a.judgment in levels else None,
             key=f"{form_key}:judgment", horizontal=True, format_func=lambda lv: level_label(inst, lv),
             on_change=save, disabled=disabled)
    rationale = st.text_area(tr("rationale"), value=a.rationale or "", key=f"{form_key}:rationale", on_change=save,
                             disabled=disabled)
    if st.session_state.get(f"{form_key}:judgment") and inst.judgment.rationale_required and not rationale.strip():
        st.warning(tr("rationale_required"))


def actions(a: Assessment) -> None:
    if not may_on_case(ctx.actor(), "assessment.write", st.session_state.get(f"emergency_only:{a.subject_id}", False)):
        return  # under emergency access: read the assessment; finalising and correcting stay with the team
    if a.status == "draft":
        age_reason = None
        if st.session_state.get(AGE_KEY, {}).get(a.id):  # read with the list (pick); the store decides again
            low, high = ctx.instrument(a.instrument_id).age_range
            st.warning(tr("start_age_outside_range", low=low, high=high))
            age_reason = st.text_input(tr("start_age_reason"), value=a.age_reason or "", key=f"age_reason:{a.id}")
        if st.button(tr("finalise"), key=f"finalise:{a.id}", type="primary", help=tr("finalise_help")):
            def run() -> None:
                with ctx.session() as s:
                    cases.finalise(s, ctx.actor(), views.assessment_by_id(s, ctx.actor(), a.id), age_reason=age_reason)
                ctx.done(tr("finalised"))

            ctx.attempt(run)
        return
    with st.expander(tr("correct")):
        reason = st.text_input(tr("correction_reason"), key=f"correct:{a.id}:reason")
        if st.button(tr("make_correction"), key=f"correct:{a.id}"):
            def run() -> None:
                with ctx.session() as s:
                    new = cases.correct(s, ctx.actor(), views.assessment_by_id(s, ctx.actor(), a.id), reason)
                    new_id = new.id
                st.session_state[OPEN_KEY] = new_id
                st.session_state.pop(PICK_KEY, None)
                ctx.done(tr("correction_started"))

            ctx.attempt(run)


def main() -> None:
    code = ctx.case_page("page_assessment")
    if not code:
        return
    a = pick(code)
    if a is None:
        return
    assessment_view(a)


@fragment
def assessment_view(a: Assessment) -> None:
    """The form step, the score panel and the companion view: rating a factor, moving between steps or
    saving the judgment reruns only this part (the list, the header and the sidebar stay as drawn)."""
    form_key = f"assessment:{a.id}"
    fresh = st.session_state.pop(f"{form_key}:fresh", None)
    if alone():  # this part's own rerun: the assessment as saved now, as a full run would read it
        if fresh is not None:  # saved by this click (its key names this assessment): as the store has it
            a = fresh
        else:
            with ctx.session() as s:
                a = views.assessment_by_id(s, ctx.actor(), a.id)
    inst = ctx.instrument(a.instrument_id)
    if form_key not in st.session_state:
        st.session_state[form_key] = dict(a.ratings)
        st.session_state[f"{form_key}:revision"] = a.revision
    ratings = ratings_state(form_key, inst)
    final = a.status == "final"
    others_draft = not final and a.rater != ctx.actor().who  # the store refuses it; say so before anyone types
    read_only = final or others_draft
    if not read_only and recover_answers(inst, form_key):
        autosave(a.id, form_key)
        st.session_state.pop(f"{form_key}:fresh", None)  # only a click's own save spares the next read
    if final:
        st.info(tr("final_readonly", on=a.finalised_at.date() if a.finalised_at else a.assessed_on))
    elif others_draft:
        st.info(tr("not_your_draft", rater=a.rater))
    if a.correction_reason:
        st.caption(tr("correction_of", reason=plain(a.correction_reason)))
    form_col, score_col = st.columns([3, 2], gap="large")
    with form_col:
        step = step_selector(inst, form_key)
        if step == "__judgment__":
            judgment_step(inst, a, form_key, disabled=read_only)
        elif step != "__summary__":
            domain_items(inst, step, form_key, on_change=None if read_only else (lambda: autosave(a.id, form_key)),
                         disabled=read_only)
        answered = sum(1 for v in ratings.values() if v is not None)
        st.caption(tr("answered", n=answered, k=len(inst.items)))
        saved = st.session_state.get(f"{form_key}:saved")
        if saved is True:
            if not read_only:  # a final assessment is not saved as you go: it is locked
                st.caption(tr("draft_saved"))
        elif saved:
            st.error(saved)
            if st.session_state.get(f"{form_key}:stale"):
                st.button(tr("reload_draft"), key=f"{form_key}:reload", on_click=reload, args=(form_key,),
                          help=tr("reload_draft_help"))
        if not others_draft:
            actions(a)
    judgment = st.session_state.get(f"{form_key}:judgment", a.judgment)
    scores = scoring.score(inst, ratings_to_row(inst, ratings), judgment=[judgment or ""] if inst.judgment else None)
    with score_col:
        st.markdown(f"**{inst.text(inst.title, lang())}**")
        show_scores(inst, scores.iloc[0], ratings, in_progress=not final)
        if inst.judgment is not None:
            show_judgment_vs_band(inst, scores.iloc[0])
    if inst.companion:
        companion_view(inst, a, ratings)


def companion_view(inst, a: Assessment, ratings: dict) -> None:
    """The other side's view of the same factors (the youth's self-report beside the assessor's ratings,
    or the other way round), disagreements marked as things to talk about, never as errors."""
    with ctx.session() as s:
        theirs = views.assessments_of(s, ctx.actor(), a.subject_id, instrument_id=inst.companion,
                                      include_drafts=False)
    if not theirs:
        return
    other, latest = ctx.instrument(inst.companion), theirs[-1]
    youth_is_other = other.kind == "self-report"
    st.header(tr("companion_youth") if youth_is_other else tr("companion_assessor"))
    st.caption(tr("companion_from", on=latest.assessed_on, title=other.text(other.title, lang())))
    table = compare_with_companion(inst, ratings, other, latest.ratings, language=lang())
    talk = table[table["disagree"]]
    if not talk.empty:
        st.warning(tr("companion_talk", factors=", ".join(f"{r.item} {r.factor}" for r in talk.itertuples())))
    shown = pd.DataFrame({tr("factor"): table["item"] + " " + table["factor"],
                          tr("companion_this"): table["own"], tr("companion_other"): table["companion"],
                          tr("difference"): table["difference"],
                          tr("companion_discuss"): table["disagree"].map({True: tr("yes"), False: ""})})
    st.dataframe(for_display(shown), hide_index=True, width="stretch")


main()
