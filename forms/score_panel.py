"""How scores are shown: risk and protection side by side, the judgment as the decision.

Never presents a computed level as the decision: the level from the totals is labelled a research
transform, the assessor's judgment is shown as the judgment, and a gap of two levels is shown as
discordance for the assessor to explain.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from instruments import NET, PROTECTIVE_TOTAL, RISK_TOTAL, Instrument

from .i18n import lang, tr


def level_label(instrument: Instrument, level: str | None) -> str:
    if level is None:
        return "–"
    language = lang()
    if instrument.judgment and level in instrument.judgment.labels:
        return instrument.text(instrument.judgment.labels[level], language)
    for band in instrument.bands:
        if band.level == level and band.label:
            return instrument.text(band.label, language)
    return level


def _fmt(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1f}".replace(".0", "")


def show_scores(
    instrument: Instrument, scores: pd.Series, ratings: dict[str, str | None], in_progress: bool = False
) -> None:
    """Totals per domain with risk and protection in two columns, then band and omissions.

    ``in_progress``: the form is still being filled, so missing ratings are expected and are
    described neutrally instead of as a problem.
    """
    language = lang()
    if not bool(scores["valid"]):
        limit = instrument.omission.max_omitted or 0
        if in_progress:
            st.caption(tr("totals_when", n=len(instrument.items) - limit, k=len(instrument.items)))
        else:
            st.warning(tr("invalid", n=int(scores["omitted"]), max=limit))
    risk_col, protect_col = st.columns(2)
    with risk_col:
        st.markdown(f"## {tr('risk')}")
        if RISK_TOTAL in scores.index:
            st.metric(tr("risk_total"), _fmt(scores[RISK_TOTAL]))
        for domain in instrument.domains:
            if domain.direction in ("risk", "bipolar"):
                st.metric(instrument.text(domain.label, language), _fmt(scores[domain.id]))
    with protect_col:
        st.markdown(f"## {tr('protection')}")
        if PROTECTIVE_TOTAL in scores.index:
            st.metric(tr("protective_total"), _fmt(scores[PROTECTIVE_TOTAL]))
        show_strengths(instrument, ratings)
    if NET in scores.index:
        st.metric(tr("net"), _fmt(scores[NET]))
    if int(scores["omitted"]):
        st.caption(f"{tr('omitted')}: {int(scores['omitted'])}")
    if instrument.bands and not pd.isna(scores.get("band")):
        band = next(b for b in instrument.bands if b.level == scores["band"])
        st.info(
            f"**{tr('band')}:** {level_label(instrument, band.level)}  \n"
            f"**{tr('next_step')}:** {instrument.text(band.next, language)}  \n{tr('band_research')}"
        )


def strengths(instrument: Instrument, ratings: dict[str, str | None]) -> list[str]:
    """Protective factors rated present, and bipolar factors rated on the protective side."""
    found = []
    for domain in instrument.domains:
        if domain.direction == "risk":
            continue
        for item in domain.items:
            level = instrument.scales[item.scale].level_for(ratings.get(item.id) or "")
            if level is None:
                continue
            if (domain.direction == "protective" and level.value > 0) or (
                domain.direction == "bipolar" and level.value < 0
            ):
                found.append(item.id)
    return found


def show_strengths(instrument: Instrument, ratings: dict[str, str | None]) -> None:
    language = lang()
    present = strengths(instrument, ratings)
    st.markdown(f"**{tr('protective_present')}**")
    if not present:
        st.caption(tr("no_protective"))
    for item_id in present:
        item = instrument.item_by_id[item_id]
        st.markdown(f"- {instrument.text(item.label, language)}")


def show_judgment_vs_band(instrument: Instrument, scores: pd.Series) -> None:
    """The judgment is the decision; discordance with the total's level (from ``scoring``) is shown."""
    judgment = scores.get("judgment")
    if judgment is None or pd.isna(judgment):
        st.caption(tr("no_judgment"))
        return
    st.success(f"**{tr('decision')}:** {level_label(instrument, judgment)}")
    discordant = scores.get("discordant")
    if discordant is not None and not pd.isna(discordant) and bool(discordant):
        band = level_label(instrument, scores["band"])
        st.warning(tr("discordant", judgment=level_label(instrument, judgment), band=band))
