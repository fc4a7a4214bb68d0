"""Översikt: the coordinator's week. Every active group in one table, the most urgent first: meetings due
or overdue, police or school missing, started without an assessment, without the consent its route needs
or below a high judgment, past SIG's age limit, consents ending, re-assessments due, commitments overdue,
serious events no meeting has followed. A row opens the case."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forms import context as ctx
from forms.i18n import ntr, tr
from forms.network import organisation_label
from forms.numbers import for_display
from rules import timing
from services.caseload import caseload
from store.outbox import failed_notices

SHOWN = ["case_code", "next_meeting_due_on", "meeting_overdue", "missing_organisations", "serious_events_open",
         "commitments_overdue", "started_without_assessment", "days_yes_to_first_assessment", "consent_expires_on",
         "started_without_consent", "started_below_high", "past_age_limit", "turns_18_on",
         "reassessment_due_on", "last_meeting_on", "started_on"]
FLAGS = ("meeting_overdue", "started_without_assessment", "started_without_consent", "started_below_high",
         "past_age_limit")
SOON = timing.DUE_SOON


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """The table in words: flags as "Ja"/blank, organisations by name, headers in the user's language."""
    out = table[SHOWN].copy()
    for flag in FLAGS:
        out[flag] = out[flag].map({True: tr("yes"), False: ""})
    out["missing_organisations"] = out["missing_organisations"].map(
        lambda codes: ", ".join(organisation_label(c) for c in codes))
    for count in ("serious_events_open", "commitments_overdue"):
        out[count] = out[count].map(lambda n: int(n) if n else "")
    return for_display(out).rename(columns={c: tr(f"caseload_{c}") for c in SHOWN})


def main() -> None:
    st.title(tr("page_caseload"))
    ctx.link("page", "caseload")
    today = ctx.today()
    with ctx.session() as s:
        table = ctx.attempt(lambda: caseload(s, ctx.actor(), today))
        failed = failed_notices(s, ctx.actor()) if table is not None else {}
    if table is None:
        return
    if failed:  # notices to the network the relay never took (store.outbox): a person has to act
        st.error(ntr("outbox_failed_caseload", sum(failed.values()), cases=", ".join(failed)))
    if table.empty:
        st.info(tr("caseload_empty"))
        return
    soon = pd.Timestamp(today + SOON).date()
    counts = {"caseload_meeting_overdue": int(table["meeting_overdue"].sum()),
              "caseload_serious_events_open": int((table["serious_events_open"] > 0).sum()),
              "caseload_missing_organisations": int((table["missing_organisations"].str.len() > 0).sum()),
              "caseload_consent_soon": int(table["consent_expires_on"].map(lambda d: d is None or d <= soon).sum())}
    for column, (key, n) in zip(st.columns(len(counts) + 1), [("caseload_active", len(table)), *counts.items()],
                                strict=True):
        column.metric(tr(key), n)
    flagged = int((table["started_without_consent"] | table["started_below_high"] | table["past_age_limit"]).sum())
    if flagged:  # never silently accepted: said in words above the table
        st.warning(ntr("start_caseload_flags", flagged))
    st.caption(tr("caseload_help"))
    picked = st.dataframe(shown(table), hide_index=True, width="stretch", on_select="rerun",
                          selection_mode="single-row", key="caseload_table")
    rows = picked.selection.rows if picked else []
    if rows:
        ctx.set_case(table["case_code"].iloc[rows[0]])
        st.switch_page("forms/pages/case.py")


main()
