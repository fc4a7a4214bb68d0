"""Förändring: two occasions of one youth side by side, for the network meeting."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forms import charts, report
from forms import context as ctx
from forms.chart_view import show_chart
from forms.i18n import lang, tr, tr_or
from forms.numbers import for_display, signed
from forms.release import choose_recipient, release_button
from forms.score_panel import level_label
from scoring import individual
from store import views
from store.access import may_on_case

VERDICTS = ("improved", "same", "worse", "not_rated")


def score_label(inst, name: str) -> str:
    if name in ("risk_total", "protective_total", "net"):
        return tr(name)
    return inst.text(inst.domain(name).label, lang())


def totals_table(inst, totals: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    rows = []
    for t in totals.itertuples():
        interval = "–" if pd.isna(t.s_diff) else f"{signed(t.lower, 1)} … {signed(t.upper, 1)}"
        rows.append({
            tr("score"): score_label(inst, t.score), before: t.before, after: t.after, tr("change"): t.change,
            tr("rci"): signed(t.rci, 2), tr("rc_interval"): interval,
            tr("reliable_change"): tr(f"rc_{t.category}") if isinstance(t.category, str) else tr("rc_none"),
        })
    return pd.DataFrame(rows)


def main() -> None:
    code = ctx.case_page("page_change")
    if not code:
        return
    with ctx.session() as s:
        overview = views.case_overview(s, ctx.actor(), code, ctx.today())
        rows = views.assessments_of(s, ctx.actor(), overview.subject_id, include_drafts=False)
    used = sorted({a.instrument_id for a in rows})
    if not used:
        st.info(tr("need_two"))
        return
    default = "savry-like" if "savry-like" in used else used[0]
    instrument_id = st.selectbox(tr("choose_instrument"), used, index=used.index(default), key="change_instrument",
                                 format_func=lambda i: ctx.instrument(i).text(ctx.instrument(i).title, lang()))
    inst = ctx.instrument(instrument_id)
    series = [a for a in rows if a.instrument_id == instrument_id]
    if len(series) < 2:
        st.info(tr("need_two"))
        return
    labels = {i: f"{a.assessed_on} · {tr(f'occasion_{a.occasion}')}" for i, a in enumerate(series)}
    position = {x.id: i for i, x in enumerate(series)}  # the pair lives in the address as assessment ids
    first, last = position.get(ctx.linked_int("before"), 0), position.get(ctx.linked_int("after"), len(series) - 1)
    left, right = st.columns(2)
    b = left.selectbox(tr("before"), list(labels), index=first, key="change_before", format_func=labels.get)
    a = right.selectbox(tr("after"), list(labels), index=last, key="change_after", format_func=labels.get)
    ctx.link("before", series[b].id)
    ctx.link("after", series[a].id)
    values, scores = individual.score_occasions(inst, [x.ratings for x in series], [x.judgment for x in series])
    result = individual.compare(inst, values, scores, b, a)
    before, after = f"{tr('before')} {labels[b]}", f"{tr('after')} {labels[a]}"

    # the decisions first: the assessor's judgments, with the totals' level beside them
    if inst.judgment is not None:
        move = individual.level_transition(inst.risk_levels, result.level_before, result.level_after)
        text = tr("transition", before=level_label(inst, result.level_before),
                  after=level_label(inst, result.level_after))
        {"down": st.success, "up": st.error}.get(move, st.info)(
            text + (f" – {tr(f'move_{move}')}" if move else ""))
        if result.band_before or result.band_after:
            st.caption(tr("band_transition", before=level_label(inst, result.band_before),
                          after=level_label(inst, result.band_after)))

    long = charts.profile_long(inst, result.factors, before, after)
    st.caption(tr("profile_legend", before=before, after=after))
    risk_col, protect_col = st.columns([3, 2])
    with risk_col:
        show_chart(charts.profile_chart(long, "risk", tr("risk_factors"), charts.value_range(inst, "risk")),
                   charts.profile_table(long, "risk", tr("factor")), tr("risk_factors"))
    with protect_col:
        if (long["side"] == "protective").any():
            show_chart(charts.profile_chart(long, "protective", tr("protective_factors"),
                                            charts.value_range(inst, "protective")),
                       charts.profile_table(long, "protective", tr("factor")), tr("protective_factors"))
        else:
            st.caption(tr("bipolar_note"))

    totals = totals_table(inst, result.totals, before, after)
    st.header(tr("totals"))
    st.dataframe(for_display(totals), hide_index=True, width="stretch")
    if inst.reliability_source:
        source = inst.reliability_source
        st.caption(f"{tr('reliability_source')}: {source if isinstance(source, str) else inst.text(source, lang())}")

    st.header(tr("per_factor"))
    counts = result.factors["verdict"].value_counts()
    cols = st.columns(len(VERDICTS))
    for col, verdict in zip(cols, VERDICTS, strict=True):
        col.metric(tr(f"verdict_{verdict}"), int(counts.get(verdict, 0)))
    factor_labels = charts.factor_labels(inst)
    st.dataframe(result.factors.assign(
        item=result.factors["item"].map(factor_labels),
        verdict=result.factors["verdict"].map(lambda v: tr(f"verdict_{v}")),
    ).drop(columns=["domain", "direction"]).rename(columns={
        "item": tr("factor"), "before": before, "after": after, "change": tr("change"), "verdict": tr("verdict")}),
        hide_index=True, width="stretch")

    st.header(tr("trajectory"))
    names = [n for n in ("risk_total", "protective_total", "net") if n in scores.columns]
    trend = pd.DataFrame([{"assessed_on": x.assessed_on, "score": tr(n), "value": scores[n].iloc[i]}
                          for i, x in enumerate(series) for n in names])
    occasions = [{tr("assessed_on"): x.assessed_on, tr("occasion"): tr_or(f"occasion_{x.occasion}", x.occasion),
                  **{tr(n): scores[n].iloc[i] for n in names}} for i, x in enumerate(series)]
    show_chart(charts.trajectory_chart(trend, tr("score")), pd.DataFrame(occasions), tr("trajectory"))

    judgments = []
    if inst.judgment is not None:
        judgments = [f"{tr('decision')} {before}: {level_label(inst, result.level_before)}",
                     f"{tr('decision')} {after}: {level_label(inst, result.level_after)}",
                     tr("band_research")]
    sheet = {"title": f"{code} · {inst.text(inst.title, lang())}", "subtitle": f"{labels[b]} → {labels[a]}",
             "long": long, "totals": totals, "judgments": judgments,
             "headings": {"risk": tr("risk_factors"), "protective": tr("protective_factors")}}
    stem = f"{code}-{series[b].assessed_on}-{series[a].assessed_on}"
    if not may_on_case(ctx.actor(), "consent.share", overview.emergency_until is not None):
        return  # under emergency access nothing of the case is released
    st.header(tr("export_sheet"))
    recipient = choose_recipient(overview, "assessment", key="export_recipient")
    if recipient is None:
        return
    pdf_col, png_col = st.columns(2)
    with pdf_col:
        release_button(tr("export_pdf"), overview, recipient, "assessment",
                       lambda: report.before_after_sheet(**sheet, fmt="pdf"), file_name=f"{stem}.pdf",
                       mime="application/pdf", key="export_pdf")
    with png_col:
        release_button(tr("export_png"), overview, recipient, "assessment",
                       lambda: report.before_after_sheet(**sheet, fmt="png"), file_name=f"{stem}.png",
                       mime="image/png", key="export_png")


main()
