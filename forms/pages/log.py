"""Logg: who opened or changed which case, and when – for coordinators (their teams' cases) and
admins (everything). The youth and guardians have a right to know; the table is exportable."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from catalogue.log_details import log_detail
from forms import context as ctx
from forms.i18n import STRINGS, lang, ntr, tr, tr_or
from forms.numbers import local_times
from forms.safe_csv import audited_download
from rules import timing
from store import transaction, views


def readable(log: pd.DataFrame) -> pd.DataFrame:
    """The log in words: local times, roles, actions and kinds of record in the user's language (the
    download keeps the stored UTC times and codes, for a data-protection officer's own tools)."""
    if log.empty:
        return log
    words = {column: {code: tr_or(f"{prefix}{code}", code) for code in log[column].dropna().unique()}
             for column, prefix in (("action", "log_action_"), ("entity", "log_entity_"))}
    roles = {r: " + ".join(tr_or(f"role_{x}", x) for x in str(r).split("+")) for r in log["role"].dropna().unique()}
    language = lang()
    # each distinct note once (a period holds thousands of rows but few shapes: "case overview", ...)
    said = {d: log_detail(d, language) for d in log["detail"].dropna().unique()}
    details = [refused_detail(d) if action == "refused" else said.get(d, d)
               for action, d in zip(log["action"], log["detail"].fillna(""), strict=True)]
    return log.assign(at=local_times(log["at"], language), role=log["role"].map(roles),
                      action=log["action"].map(words["action"]), entity=log["entity"].map(words["entity"]),
                      case_code=log["case_code"].fillna("–"), detail=details, reason=log["reason"].fillna(""))


def refused_detail(detail: str) -> str:
    """A refusal's row ("access.role user.manage": its code, then what was asked) in words: the refusal
    as the user was told it, when the catalogue says it without values; else as stored."""
    key = f"err_{detail.split(' ', 1)[0]}"
    return tr(key) if key in STRINGS and "{" not in STRINGS[key]["sv"] else detail


def main() -> None:
    st.title(tr("page_log"))
    st.caption(tr("log_intro"))
    today = datetime.now(UTC).date()  # the log's clock is the real one, even when a demo pins "today"
    left, mid, right, far = st.columns(4)
    case = left.text_input(tr("log_case"), key="log_case", placeholder="SIG-… / DEMO-…")
    login = mid.text_input(tr("log_user"), key="log_user")
    period = right.date_input(tr("log_period"), (today - timing.LOG_PERIOD, today), key="log_period",
                              format="YYYY-MM-DD")
    emergency = far.toggle(tr("log_only_emergency"), key="log_emergency")
    since, until = (period[0], period[-1]) if isinstance(period, tuple | list) and period else (None, None)
    chosen = {"case_code": case or None, "login": login or None, "since": since, "until": until,
              "actions": ["emergency"] if emergency else None}
    with ctx.session() as s:
        log = views.access_log(s, ctx.actor(), limit=timing.LOG_SHOWN + 1, **chosen)
    if len(log) > timing.LOG_SHOWN:
        log = log.head(timing.LOG_SHOWN)
        st.caption(tr("log_rows_newest", n=timing.LOG_SHOWN))
    else:
        st.caption(ntr("log_rows", len(log)))
    st.dataframe(readable(log).rename(columns={
        "at": tr("log_at"), "who": tr("log_user"), "role": tr("log_role"), "action": tr("log_action"),
        "entity": tr("log_entity"), "case_code": tr("log_case"), "detail": tr("log_detail"),
        "reason": tr("log_reason")}),
        hide_index=True, width="stretch",
        column_config={tr("log_reason"): st.column_config.TextColumn(width="large")})  # a reason is read in full
    engine = ctx.engine()

    def whole_selection() -> pd.DataFrame:  # read when the file is asked for, not on every visit
        with transaction(engine) as s:
            return views.access_log(s, ctx.actor(), **chosen)

    audited_download(whole_selection, f"insats-logg-{today}", "audit.read")


main()
