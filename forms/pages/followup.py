"""Uppföljning: the yearly (or any period's) follow-up report for coordinators - the funnel, the
process indicators, outcomes before and after the start beside a comparison group - as figures on the
page, and as the PDF and JSON a coordinator hands on."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import config
from forms import context as ctx
from forms.i18n import lang, tr
from forms.numbers import for_display, number, percent
from forms.release import download
from forms.safe_csv import audited_download
from rules import timing
from rules.before_after import DEFAULT_CHOICE, WINDOW_CHOICES
from services.followup_pdf import MEASURE_NAMES, PLACEMENT_NAMES, REASONS, STEP_NAMES, follow_up_pdf
from services.followup_report import figures, follow_up_report, report_json


def main() -> None:
    st.title(tr("page_followup"))
    st.caption(tr("followup_intro"))
    today = ctx.today()
    left, mid, right, after_col, far = st.columns(5)
    start = left.date_input(tr("followup_from"), date(today.year - 1, 1, 1), key="followup_from", format="YYYY-MM-DD")
    end = mid.date_input(tr("followup_to"), date(today.year - 1, 12, 31), key="followup_to", format="YYYY-MM-DD")
    window = right.selectbox(tr("followup_window"), WINDOW_CHOICES, index=DEFAULT_CHOICE, key="followup_window")
    after = after_col.selectbox(tr("ba_after_window"), WINDOW_CHOICES, index=DEFAULT_CHOICE, key="followup_after")
    floor = ctx.min_cell("report.followup", published=True)
    published = far.toggle(tr("followup_publish"), value=True, key="followup_publish",
                           help=tr("followup_publish_help", k=floor))
    if end < start:
        st.error(tr("followup_order"))
        return
    try:
        cost = config.programme_cost_per_year()
    except ValueError:  # a mistyped setting must not take the page down: no net figure, and say why
        st.warning(tr("ba_programme_cost_bad"))
        cost = None
    with ctx.session() as s:
        report = follow_up_report(s, ctx.actor(), start, end, window, published=published, after_months=after,
                                  programme_cost_per_year=cost)
    st.caption(tr("disclosure_suppressed", k=report["min_cell"]) if report["min_cell"] > 1 else tr("disclosure_exact"))
    a, b, c, d = st.columns(4)
    a.metric(tr("followup_started"), report["cases_started"])
    b.metric(tr("followup_within_7"), percent(report["first_assessment_within_7_days_share"]))
    c.metric(tr("followup_meetings_28"), percent(report["meeting_intervals_within_28_days_share"]))
    d.metric(tr("followup_occupied"), percent(report["occupation_at_closing_share"]))
    occupation_after_start(report)
    funnel = pd.DataFrame([{tr("followup_funnel"): STEP_NAMES.said_in(lang())[k], tr("count"): str(v)}
                           for k, v in report["funnel"].items()])
    outcomes = pd.DataFrame([{
        tr("measure"): MEASURE_NAMES.said_in(lang())[m], "SIG " + tr("before"): report["outcomes"]["before"][m],
        "SIG " + tr("after"): report["outcomes"]["after"][m],
        tr("ba_per_month_before"): report["outcomes"]["before"]["per_month"][m],
        tr("ba_per_month_after"): report["outcomes"]["after"]["per_month"][m],
        tr("followup_comparison") + " " + tr("before"): report["comparison_group"]["outcomes"]["before"][m],
        tr("followup_comparison") + " " + tr("after"): report["comparison_group"]["outcomes"]["after"][m],
    } for m in MEASURE_NAMES])
    left, right = st.columns([1, 2], gap="large")
    left.dataframe(funnel, hide_index=True, width="stretch")
    closed = pd.DataFrame([{tr("followup_reason"): REASONS.said_in(lang()).get(k, k), tr("count"): str(v)}
                           for k, v in report["closed"].items()])
    if not closed.empty:
        left.dataframe(closed, hide_index=True, width="stretch")
    right.dataframe(for_display(outcomes), hide_index=True, width="stretch")
    right.caption(tr("followup_comparison_note"))
    right.caption(tr("ba_rates_note", before=report["period"]["window_months"], after=report["period"]["after_months"],
                     months_before=number(report["outcomes"]["before"]["months_at_risk"]),
                     months_after=number(report["outcomes"]["after"]["months_at_risk"])))
    net_figure(report["net"], right)
    year_series(report["placement_by_year"])
    change = report["risk_change"]
    if "risk_total" in change:
        right.caption(tr("followup_risk_change", n=change["n"], risk_pre=number(change['risk_total']['pre_mean']),
                         risk_post=number(change['risk_total']['post_mean']),
                         prot_pre=number(change['protective_total']['pre_mean']),
                         prot_post=number(change['protective_total']['post_mean'])))
    concern_clocks(report["concern_clocks"], right)
    by_team = pd.DataFrame(report["by_team"])
    if not by_team.empty:
        for column in ("first_assessment_within_7_days_share", "meeting_intervals_within_28_days_share"):
            by_team[column] = by_team[column].map(percent)
        by_team["started"] = by_team["started"].astype(str)
        st.dataframe(by_team.rename(columns={"group": tr("team"), "started": tr("followup_started"),
                                             "first_assessment_within_7_days_share": tr("followup_within_7"),
                                             "meeting_intervals_within_28_days_share": tr("followup_meetings_28")}),
                     hide_index=True, width="stretch")
    name = f"uppfoljning-{start}-{end}"
    pdf_col, json_col, csv_col = st.columns(3)
    download(tr("followup_pdf"), lambda: follow_up_pdf(report, lang()), file_name=f"{name}.pdf", mime="application/pdf",
             key="followup_pdf", audit=("report.followup", f"{name}.pdf"), column=pdf_col)
    download("JSON", lambda: report_json(report), file_name=f"{name}.json",
             mime="application/json", key="followup_json", audit=("report.followup", f"{name}.json"), column=json_col)
    with csv_col:
        audited_download(pd.DataFrame(figures(report), columns=[tr("followup_figure"), tr("value")]), name,
                         "report.followup")


def occupation_after_start(report: dict) -> None:
    """Occupation 6 and 12 months after the start, beside the closing figure above."""
    columns = st.columns(4)
    for column, months in zip(columns, timing.OCCUPATION_AFTER_START_MONTHS, strict=False):
        counted, share = report[f"occupation_after_{months}_months"], report[f"occupation_after_{months}_months_share"]
        column.metric(tr("ba_occupied_after", months=months), percent(share),
                      help=tr("ba_occupied_after_help", months=months, recorded=counted["recorded"],
                              due=counted["due"]))


def net_figure(net: dict, column) -> None:
    """The simple comparison (never called an effect): placement cost per month before and after, and
    the programme's cost per month when the instance has set it."""
    if net["net_per_month"] is None:
        if net["programme_cost_per_year"] is None:
            column.caption(tr("ba_net_none"))
        return
    column.caption(tr("ba_net", before=number(net["placement_cost_per_month_before"]),
                      after=number(net["placement_cost_per_month_after"]),
                      programme=number(net["programme_cost_per_month"]), net=number(net["net_per_month"])))


def year_series(rows: list[dict]) -> None:
    """Placement days and costs per calendar year, periods split by day across the years they span."""
    if not rows:
        return
    names = PLACEMENT_NAMES.said_in(lang())
    table = pd.DataFrame([{tr("ba_year"): str(r["year"]), MEASURE_NAMES.said_in(lang())["placement_days"]:
                           r["placement_days"], MEASURE_NAMES.said_in(lang())["placement_cost"]: r["placement_cost"],
                           **{names[t]: r[f"placement_cost_{t}"] for t in names}} for r in rows])
    st.caption(tr("ba_by_year"))
    st.dataframe(for_display(table), hide_index=True, width="stretch")


def concern_clocks(clocks: dict, column) -> None:
    """How often the law's clocks of the reports of concern were met (none received: nothing said)."""
    if not clocks["reports"]:
        return

    def met(key: str) -> str:
        return tr("followup_concern_share", share=percent(clocks[key]["met_share"]), counted=clocks[key]["counted"])

    column.caption(tr("followup_concern_clocks", reports=clocks["reports"], safety=met("safety_assessment"),
                      decision=met("investigation_decision"), investigation=met("investigation")))


main()
