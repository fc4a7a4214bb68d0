"""Instrument page: browse every definition, try its form with live scores, validate an upload."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import instruments
import scoring
from forms.assessment_form import (
    domain_items,
    ratings_state,
    ratings_to_row,
    step_selector,
)
from forms.i18n import lang, tr
from forms.score_panel import level_label, show_judgment_vs_band, show_scores
from forms.uploads import upload_bytes


@st.cache_resource
def _instrument(instrument_id: str) -> instruments.Instrument:
    return instruments.load(instrument_id)


def try_form(inst: instruments.Instrument, form_key: str) -> None:
    """Fill the form one domain per step, with the totals beside it as you go."""
    ratings = ratings_state(form_key, inst)
    form_col, score_col = st.columns([3, 2], gap="large")
    with form_col:
        step = step_selector(inst, form_key)
        if step == "__judgment__":
            judgment_step(inst, form_key)
        elif step != "__summary__":
            domain_items(inst, step, form_key)
        answered = sum(1 for v in ratings.values() if v is not None)
        st.caption(tr("answered", n=answered, k=len(inst.items)))
        if st.button(tr("clear_form"), key=f"{form_key}:clear"):
            st.session_state.pop(form_key, None)
            st.rerun()
    judgment = st.session_state.get(f"{form_key}:judgment")
    scores = scoring.score(inst, ratings_to_row(inst, ratings), judgment=[judgment or ""] if inst.judgment else None)
    with score_col:
        show_scores(inst, scores.iloc[0], ratings, in_progress=True)
        if inst.judgment is not None:
            show_judgment_vs_band(inst, scores.iloc[0])


def judgment_step(inst: instruments.Instrument, form_key: str) -> None:
    """The assessor's summary rating with its rationale; the rationale is required where declared."""
    st.caption(tr("judgment_help"))
    judgment = st.radio(
        tr("judgment"),
        inst.judgment.levels,
        index=None,
        key=f"{form_key}:judgment",
        horizontal=True,
        format_func=lambda level: level_label(inst, level),
    )
    rationale = st.text_area(tr("rationale"), key=f"{form_key}:rationale")
    if judgment and inst.judgment.rationale_required and not rationale.strip():
        st.warning(tr("rationale_required"))


def definition_view(inst: instruments.Instrument) -> None:
    language = lang()
    needs = instruments.load_catalogue().needs  # a factor's needs in the catalogue's words, never its tags
    st.markdown(f"**{tr('source')}:** {inst.source}  \n**{tr('licence')}:** {inst.licence}")
    if inst.description:
        st.write(inst.text(inst.description, language))
    for domain in inst.domains:
        kind = tr("dynamic") if domain.dynamic else tr("static")
        direction = tr("protective_factors") if domain.direction == "protective" else tr("risk_factors")
        st.markdown(f"### {inst.text(domain.label, language)} · {direction.lower()}, {kind}")
        rows = [
            {
                "id": item.id,
                "faktor" if language == "sv" else "factor": inst.text(item.label, language),
                "skala" if language == "sv" else "scale": " / ".join(
                    inst.text(lv.label, language) for lv in inst.scales[item.scale].levels
                ),
                "behov" if language == "sv" else "needs": ", ".join(
                    inst.text(needs[n], language) if n in needs else n for n in item.needs),
            }
            for item in domain.items
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def upload_view() -> None:
    uploaded = st.file_uploader(tr("upload"), type=["yaml", "yml"], key="instrument_upload")
    if uploaded is None:
        return
    data = upload_bytes(uploaded)
    if data is None:
        return
    try:
        inst = instruments.loads(data, filename=uploaded.name)
    except instruments.InstrumentError as exc:
        st.error(tr("upload_errors"))
        st.code("\n".join(str(issue) for issue in exc.issues), language=None)
        return
    st.success(tr("upload_ok", id=inst.id, version=inst.version, n=len(inst.items)))
    try_form(inst, form_key=f"upload:{inst.definition_hash[:12]}")


def main() -> None:
    st.title(tr("page_instruments"))
    ids = instruments.available()
    default = ids.index("savry-like") if "savry-like" in ids else 0
    chosen = st.selectbox(
        tr("choose_instrument"),
        ids,
        index=default,
        key="instrument_choice",
        format_func=lambda i: f"{_instrument(i).text(_instrument(i).title, lang())} ({i})",
    )
    inst = _instrument(chosen)
    form_tab, definition_tab, upload_tab = st.tabs([tr("try_form"), tr("definition"), tr("upload")])
    with form_tab:
        try_form(inst, form_key=f"try:{inst.id}")
    with definition_tab:
        definition_view(inst)
    with upload_tab:
        upload_view()


main()
