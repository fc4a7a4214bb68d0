"""Forskning: cohort evaluation on de-identified data (research ids, ages, months; no free text)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import TypeVar

import numpy as np
import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

import instruments
from forms import charts
from forms import context as ctx
from forms.chart_view import show_chart
from forms.choice import kept_many
from forms.fragments import fragment
from forms.funnel import monthly_counts, show_funnel
from forms.i18n import lang, ntr, tr, tr_or
from forms.numbers import for_display, number, p_value, signed
from forms.safe_csv import audited_download
from forms.score_panel import level_label
from forms.tabs import tabs, when_open
from rules.before_after import DEFAULT_CHOICE, WINDOW_CHOICES, Windows
from rules.disclosure import shown_as, suppress_counts, suppress_matrix, too_small
from scoring import research
from scoring.change import paired_change, reliable_change
from scoring.experience import question_summary
from scoring.groups import compare_groups
from services.research_outcomes import outcomes_before_after
from store.research import assessments_for_research

GROUPINGS = ("district", "gender", "referral_source")
AGES = (12, 24)  # where the age filter starts: the SIG ages
KEY = "research_key"  # one key per browser session: ids are stable while you work, unlinkable after
VIEW = "research_view"  # the de-identified rows of this cohort view: read (and audited) once, not per click


def cohort_view(name: str, read: Callable[[Session], pd.DataFrame]) -> pd.DataFrame:
    """The rows of one cohort view, read through the store (which audits each youth) the first time
    and kept for this browser session: filtering, tabs and downloads work on the copy, so a click
    does not write another audit row per youth. "Läs in på nytt" reads (and audits) again."""
    views = st.session_state.setdefault(VIEW, {})
    if name not in views:
        with ctx.session() as s:
            views[name] = read(s)
    return views[name]


T = TypeVar("T")
DERIVED, KEPT = "derived", 16  # results worked out from the session's copy, per filter choice; the newest kept


def derived(what: Hashable, compute: Callable[[], T]) -> T:
    """A result worked out from this session's copy of the cohort (pairs, change statistics), kept per
    ``what`` (the instrument and the filters chosen) beside that copy: choosing a filter again, or a
    click elsewhere on the page, does not work it out again. "Läs in på nytt" drops it with the copy.
    Per browser session only, like the copy itself: never shared between users."""
    kept = st.session_state.setdefault(VIEW, {}).setdefault(DERIVED, {})
    if what not in kept:
        while len(kept) >= KEPT:
            kept.pop(next(iter(kept)))
        kept[what] = compute()
    return kept[what]


def refresh() -> None:
    st.session_state.pop(VIEW, None)


@functools.cache  # once per page run (the page script runs anew each time): one read, not one per table
def min_cell() -> int:
    """The smallest group of youths shown: the instance's floor kept with the database (``insats db
    set-min-cell``, default 5), never the researcher's choice nor their environment's."""
    return ctx.min_cell()


def small(youths: int) -> bool:
    """Say so when a group is too small to show; True means the caller shows nothing of it."""
    if too_small(youths, min_cell()):
        st.warning(tr("research_small_group", k=min_cell(), shown=shown_as(min_cell())))
        return True
    return False


def offer_csv(frame: pd.DataFrame, name: str) -> None:
    audited_download(frame, name, "research.export")


def value_label(column: str, value: object) -> str:
    """A stored value in words: a referral source or a gender by its catalogue name, a district as written."""
    if column == "referral_source":
        return tr_or(f"source_{value}", str(value))
    if column == "gender":
        return tr_or(f"gender_{value}", str(value))
    return str(value)


def filters(data: pd.DataFrame) -> tuple[pd.DataFrame, tuple]:
    """Cohort filters; every one narrows the de-identified rows before pairing. Returns the rows kept
    and the choice that kept them (what results worked out from them depend on)."""
    cols = st.columns(5)
    months = sorted(data["assessed_month"].unique())
    period = cols[0].select_slider(tr("period"), months, value=(months[0], months[-1]), key="research_period") \
        if len(months) > 1 else (months[0], months[0])
    chosen = {}
    for col, column in zip(cols[1:4], ("district", "referral_source", "gender"), strict=True):
        options = sorted(data[column].dropna().unique())
        with col:  # kept as values: a change of language redraws the chips in the new words (forms.choice)
            chosen[column] = kept_many(tr(f"filter_{column}"), options, lambda v, c=column: value_label(c, v),
                                       key=f"research_{column}", placeholder=tr("all"))
    ages = cols[4].slider(tr("age"), 10, 26, AGES, key="research_ages")
    keep = data["assessed_month"].between(*period) & data["age"].between(*ages)
    for column, values in chosen.items():
        if values:
            keep &= data[column].isin(values)
    return data[keep], (tuple(period), tuple(ages), *(tuple(v) for v in chosen.values()))


def experience_section(inst, cohort: pd.DataFrame) -> None:
    """A questionnaire asked once, summarised per question; a question fewer than the minimum group
    answered shows no figures."""
    summary = question_summary(inst, cohort, language=lang())
    st.caption(ntr("experience_cohort", len(cohort)))
    shown = summary.assign(mean=summary["mean"].where(~summary["n"].map(lambda n: too_small(n, min_cell()))),
                           agree_share=summary["agree_share"].where(~summary["n"].map(
                               lambda n: too_small(n, min_cell()))))
    shown = suppress_counts(shown, ["n"], min_cell()).drop(columns=["item"]).rename(columns={
        "question": tr("experience_question"), "n": tr("experience_n"), "mean": tr("experience_mean"),
        "agree_share": tr("experience_agree")})
    st.dataframe(for_display(shown), hide_index=True, width="stretch")
    offer_csv(suppress_counts(summary, ["n"], min_cell()), f"{inst.id}-questions")


def main() -> None:
    st.title(tr("page_research"))
    st.caption(tr("research_deidentified"))
    available = instruments.available()
    default = available.index("savry-like") if "savry-like" in available else 0
    instrument_id = st.selectbox(tr("choose_instrument"), available, index=default, key="research_instrument")
    inst = ctx.instrument(instrument_id)
    key = st.session_state.setdefault(KEY, np.random.default_rng().bytes(32))
    data = cohort_view(inst.id, lambda s: assessments_for_research(s, ctx.actor(), inst.id, key=key))
    st.button(tr("research_refresh"), key="research_refresh", on_click=refresh, help=tr("research_refresh_help"))
    if data.empty:
        st.info(tr("research_no_data"))
        funnel_section()
        return
    cohort_part(inst, data, key)


@fragment
def cohort_part(inst, data: pd.DataFrame, key: bytes) -> None:
    """Filters and everything worked out from the filtered cohort: a filter reruns only this part."""
    min_cell.cache_clear()  # the floor as it is now, also in this part's own reruns
    chosen, choice = filters(data)
    cohort = chosen.rename(columns={"research_id": "subject_id"})
    if small(cohort["subject_id"].nunique()):
        return
    if inst.kind == "self-report" and not inst.repeat_weeks:  # asked once (at closing): no pairs to compare
        experience_section(inst, cohort)
        return
    pairs = derived(("pairs", inst.id, choice),
                    lambda: research.pair_occasions(inst, cohort, order="days_from_first"))
    st.caption(tr("research_cohort", rows=len(cohort), youths=cohort["subject_id"].nunique(),
                  pairs=len(pairs.subjects)))
    if small(len(pairs.subjects)):
        return
    if len(pairs.subjects) < 2:
        st.info(tr("research_too_few"))
        funnel_section()
        return
    tabs("research_tab", {  # a filter works out and draws the open tab's results only (forms.tabs)
        "research_summary": lambda shown: when_open(shown, lambda: summary_section(
            inst, pairs, derived(("change", inst.id, choice), lambda: research.change(inst, pairs)))),
        "per_factor": lambda shown: when_open(shown, lambda: factors_section(
            inst, pairs, derived(("per_factor", inst.id, choice), lambda: research.per_factor(inst, pairs)))),
        "research_groups": lambda shown: groups_section(inst, pairs, shown),
        "research_outcomes": lambda shown: outcomes_section(key, shown, youths_chosen(data, cohort, choice)),
        "funnel": lambda shown: when_open(shown, funnel_section)})


def summary_section(inst, pairs: research.Pairs, results: dict) -> None:
    rows = []
    for name, r in results.items():
        rows.append({tr("score"): tr(name), "n": r["n"], tr("before"): r.get("pre_mean"),
                     tr("after"): r.get("post_mean"),
                     tr("change"): r.get("mean_change"), tr("ci95"):
                     " … ".join(signed(v, 2).lstrip("+") for v in r["mean_change_ci"])
                     if "mean_change_ci" in r else "–",
                     "t": r.get("t"), "p (t)": r.get("t_p"), "Wilcoxon p": r.get("wilcoxon_p"),
                     tr("cohen_dz"): r.get("cohen_dz"), tr("hedges_g_av"): r.get("hedges_g_av"),
                     tr("reliability_rxx"): r.get("reliability"),
                     tr("rc_improved"): r.get("rci_improved"), tr("rc_unchanged"): r.get("rci_unchanged"),
                     tr("rc_deteriorated"): r.get("rci_deteriorated")})
    table = pd.DataFrame(rows)
    st.dataframe(for_display(table), hide_index=True, width="stretch")  # downloads keep full precision
    offer_csv(table, f"{inst.id}-paired-summary")
    first = next(iter(results))
    r = results[first]
    left, right = st.columns([3, 2], gap="large")
    with left:
        if r.get("s_diff"):
            pre, post = pairs.pre_scores[first].to_numpy(float), pairs.post_scores[first].to_numpy(float)
            rc = reliable_change(pre, post, r["reliability"], higher_is_better=inst.higher_is_better(first))
            labels = {c: tr(f"rc_{c}") for c in ("improved", "unchanged", "deteriorated")} | {
                "pre": tr("before"), "post": tr("after")}
            title = tr("jt_plot", score=tr(first))
            st.markdown(f"**{title}**")
            category = rc["category"].fillna("unchanged").tolist()
            show_chart(charts.reliable_change_plot(pre, post, category, r["s_diff"], labels),
                       suppress_counts(pd.DataFrame({tr("rc_category"): [labels[c] for c in category]})
                                       .value_counts().rename(tr("count")).reset_index(), [tr("count")], min_cell()),
                       title)
    with right:
        if r.get("transitions"):
            names = [level_label(inst, lv) for lv in inst.risk_levels]
            st.markdown(f"**{tr('research_transitions')}**")
            matrix = suppress_matrix(r["transitions"], min_cell())
            show_chart(charts.transition_heatmap(matrix, names, tr("before"), tr("after")),
                       pd.DataFrame(matrix, columns=names).assign(**{tr("before"): names})
                       .set_index(tr("before")).reset_index(), tr("research_transitions"))
            st.caption(tr("bowker", chi2=number(r["bowker_chi2"]), df=r["bowker_df"], p=p_value(r["bowker_p"])))


def factors_section(inst, pairs: research.Pairs, per_factor: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    summary, table = per_factor
    labels = charts.factor_labels(inst)
    show_chart(charts.factor_change_bars(summary, labels, tr("improved_minus_worse"), charts.domain_labels(inst)),
               pd.DataFrame({tr("factor"): summary["item"].map(labels),
                             tr("improved_minus_worse"): summary["improved"] - summary["worse"]}),
               tr("improved_minus_worse"))
    st.caption(tr("static_note"))
    offer_csv(summary, f"{inst.id}-per-factor")
    offer_csv(suppress_counts(table, ["n"], min_cell()), f"{inst.id}-per-factor-transitions")


def groups_section(inst, pairs: research.Pairs, shown: bool = True) -> None:
    """The two groups chosen (always drawn: the choice stays while another tab is looked at) and, in the
    open tab, their comparison."""
    column = st.selectbox(tr("compare_by"), GROUPINGS, key="research_group_by", format_func=lambda c: tr(f"filter_{c}"))
    values = sorted(pairs.pre_rows[column].dropna().unique())
    chosen = st.multiselect(tr("compare_two"), values, max_selections=2, key="research_group_values",
                            format_func=lambda v: value_label(column, v), placeholder=tr("choose_two"))
    when_open(shown, lambda: groups_compared(inst, pairs, column, chosen))


def groups_compared(inst, pairs: research.Pairs, column: str, chosen: list) -> None:
    if len(chosen) != 2:
        st.info(tr("compare_hint"))
        return
    labels = pairs.pre_rows[column].where(pairs.pre_rows[column].isin(chosen))
    keep = labels.notna().to_numpy()
    if any(small(int((labels == value).sum())) for value in chosen):
        return
    rows = []
    for name in research.default_scores(inst):
        reliability, _ = research.reliability_of(inst, pairs, name)
        g = compare_groups(pairs.pre_scores[name].to_numpy(float)[keep], pairs.post_scores[name].to_numpy(float)[keep],
                           labels[keep].to_numpy(), reliability=reliability,
                           higher_is_better=inst.higher_is_better(name))
        for group in g["groups"]:
            part = g["per_group"][group]
            rows.append({tr("score"): tr(name), tr("group"): group, "n": part["n"],
                         tr("change"): part["mean_change"], tr("rc_improved"): part.get("reliably_improved"),
                         "Mann–Whitney p": g["mann_whitney_p"], "Welch p": g["welch_p"],
                         "ANCOVA": g["ancova"]["estimate"], "ANCOVA p": g["ancova"]["p"]})
    table = pd.DataFrame(rows)
    st.dataframe(for_display(table), hide_index=True, width="stretch")  # downloads keep full precision
    st.caption(tr("ancova_note", second=chosen[1] if chosen[1] > chosen[0] else chosen[0]))
    offer_csv(table, f"{inst.id}-groups")


def youths_chosen(data: pd.DataFrame, cohort: pd.DataFrame, choice: tuple) -> tuple | None:
    """The research ids the filters keep, once a filter is moved from where it starts (None before: every
    started youth counts, as on Uppföljning, including those never assessed with this form)."""
    months = sorted(data["assessed_month"].unique())
    period, ages, *picked = choice
    if tuple(period) == (months[0], months[-1]) and tuple(ages) == AGES and not any(picked):
        return None
    return tuple(sorted(cohort["subject_id"].unique()))


def outcomes_section(key: bytes, shown: bool = True, youths: tuple | None = None) -> None:
    """Before and after the start as the follow-up report counts them (``rules.before_after``): totals, the
    rate per month at risk, and the paired change in each youth's rate per month (windows may differ). With
    ``youths`` (a filter is set) only theirs. The windows are always drawn, the figures in the open tab only."""
    left, right, _ = st.columns([1, 1, 2])
    before = left.selectbox(tr("followup_window"), WINDOW_CHOICES, index=DEFAULT_CHOICE, key="research_before")
    after = right.selectbox(tr("ba_after_window"), WINDOW_CHOICES, index=DEFAULT_CHOICE, key="research_after")
    when_open(shown, lambda: outcomes_figures(key, before, after, youths))


def outcomes_figures(key: bytes, before: int, after: int, youths: tuple | None = None) -> None:
    frame = cohort_view(f"outcomes-{before}-{after}", lambda s: outcomes_before_after(
        s, ctx.actor(), key=key, windows=Windows(before, after)))  # read once; the filters work on the copy
    if youths is not None:
        frame = frame[frame["research_id"].isin(youths)]
        st.caption(ntr("research_outcomes_filtered", len(frame)))
    else:
        st.caption(tr("research_outcomes_unfiltered"))
    if frame.empty:
        st.info(tr("research_no_outcomes"))
        return
    if small(len(frame)):
        return
    rows = []
    months = {side: frame[f"months_{side}"].sum() for side in ("before", "after")}
    measures = ("police_reports", "placement_days", "placement_cost")
    changes = derived(("outcomes", before, after, youths), lambda: {m: paired_change(
        frame[f"{m}_per_month_before"], frame[f"{m}_per_month_after"]) for m in measures})
    for measure in measures:
        r = changes[measure]
        rows.append({tr("measure"): tr(f"outcome_{measure}"), "n": r["n"],
                     tr("ba_total_before"): frame[f"{measure}_before"].sum(),
                     tr("ba_total_after"): frame[f"{measure}_after"].sum(),
                     tr("ba_per_month_before"): frame[f"{measure}_before"].sum() / months["before"]
                     if months["before"] else None,
                     tr("ba_per_month_after"): frame[f"{measure}_after"].sum() / months["after"]
                     if months["after"] else None,
                     tr("change"): r.get("mean_change"), "p (t)": r.get("t_p"), "Wilcoxon p": r.get("wilcoxon_p")})
    table = pd.DataFrame(rows)
    st.dataframe(for_display(table), hide_index=True, width="stretch")  # downloads keep full precision
    st.caption(tr("outcomes_note", before=before, after=after))
    offer_csv(table, "outcomes-before-after")


def funnel_section() -> None:
    """The funnel from the session's copy, like the cohort: read (and audited) once per view."""
    table = show_funnel(chart=False, table=lambda: cohort_view("funnel", monthly_counts))
    if table is not None:
        offer_csv(table, "funnel")


main()
