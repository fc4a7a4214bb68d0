"""Every file that leaves Insats from a page goes through ``download`` here: made only when clicked,
on Streamlit's download thread with the page's user, language and day carried along
(``forms.page_state``), and audited by the store. Files about a case also pass the consent check
(``release_button``: the recipient must be covered, ``store.cases.release`` checks again and
audits what went to whom). What is sent rather than downloaded goes through ``send_to_network``: a
notice queued for each member the consent covers (``store.outbox``), never the document itself."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

import config
from rules.mail import MailSettingProblem
from services.outbox import compose
from store import cases, outbox, transaction, views

from . import context as ctx
from .i18n import ntr, refusal, tr, tr_or
from .page_state import later

RECIPIENTS = (cases.FAMILY, "socialtjanst", "polis", "skola", "fritid", "bup", "oppenvard")


def download(label: str, make: Callable[[], bytes | str], *, file_name: str, mime: str, key: str,
             audit: tuple[str, str] | None = None, column=None) -> None:
    """The one download button. ``audit``: (action, what) noted for the acting user when the file is
    made; ``make`` may read ``ctx.actor()``, ``ctx.today()`` and ``tr`` as on the page."""
    state, engine = ctx.page(), ctx.engine()

    def data() -> bytes | str:
        if audit is not None:
            with transaction(engine) as s:
                views.note_download(s, state.actor, *audit)
        return make()

    # on_click="ignore": a download changes nothing on the page, and the rerun it would start raced the
    # next click (a button drawn anew mid-click lost its file, and its spinner turned forever)
    (column or st).download_button(label, later(state, data), file_name=file_name, mime=mime, key=key,
                                   on_click="ignore")


def choose_recipient(overview: views.CaseOverview, category: str, key: str) -> str | None:
    """The recipient if consent covers it for ``category``; otherwise says which consent is missing."""
    recipient = st.selectbox(tr("recipient"), RECIPIENTS, index=None, key=key, help=tr("recipient_help"),
                             format_func=lambda r: tr_or(f"actor_{r}", r), placeholder=tr("choose_recipient"))
    if recipient is None:
        return None
    if (recipient, category) not in overview.shareable:
        st.warning(refusal(cases.ConsentMissing(recipient, category, overview.case_code)))
        return None
    return recipient


def release_button(label: str, overview: views.CaseOverview, recipient: str, category: str,
                   make: Callable[[], bytes | str], *, file_name: str, mime: str, key: str) -> None:
    """A download about a case whose file is made only after the store released it to ``recipient``
    (the consent checked again and the release audited)."""
    code, engine = overview.case_code, ctx.engine()

    def released() -> bytes | str:
        with transaction(engine) as s:
            cases.release(s, ctx.actor(), code, recipient=recipient, category=category, what=file_name,
                          on=ctx.today())
        return make()

    download(label, released, file_name=file_name, mime=mime, key=key)


def send_to_network(overview: views.CaseOverview, kind: str, about_on, *, key: str,
                    attachment: Callable | None = None) -> None:
    """"Skicka till nätverket": who among the current members gets a notice about ``kind`` and who does
    not, and why, then queue the notices (``store.outbox``: each released under consent and audited; the
    outbox sends them in the background). The notice carries the case code, the date and the link to log
    in; ``attachment`` (recipient -> file name, bytes) is the invitation's .ics, the one exception."""
    if not st.toggle(tr("outbox_prepare"), key=f"{key}:prepare", help=tr("outbox_prepare_help")):
        return
    code, today = overview.case_code, ctx.today()
    with ctx.session() as s:
        recipients = ctx.attempt(lambda: outbox.network_recipients(s, ctx.actor(), code, kind, today))
    if recipients is None:
        return
    if not recipients:
        st.info(tr("outbox_no_members"))
        return
    family = ("youth", "guardian")
    st.dataframe(pd.DataFrame([{
        tr("outbox_col_member"): (tr(f"org_{r.organisation}") if overview.protected and r.organisation in family
                                  else r.name),
        tr("outbox_col_organisation"): tr(f"org_{r.organisation}"),
        tr("outbox_col_gets"): tr("yes") if r.gets else tr("no"),
        tr("outbox_col_why"): tr(f"outbox_why_{r.reason}")} for r in recipients]), hide_index=True, width="stretch")
    missing = [r.name for r in recipients if r.reason in outbox.MISSING_EMAIL]
    if missing:  # never a silent skip: who gets nothing for want of an address, and how to fix it
        st.warning(ntr("outbox_missing_email", len(missing), names=", ".join(missing)))
    n = sum(r.gets for r in recipients)
    if not n:
        st.warning(tr("outbox_nobody"))
        return
    if st.button(ntr("outbox_send", n), key=f"{key}:send", type="primary"):
        try:
            link = config.public_url()
            relay = config.mail_settings().relay
        except MailSettingProblem:
            st.error(tr("outbox_setting_problem"))
            return

        def queued() -> None:
            with transaction(ctx.engine()) as s:
                done = outbox.send_to_network(s, ctx.actor(), code, kind, on=today, about_on=about_on,
                                              compose=lambda r: compose(kind, code, about_on, r, link),
                                              attachment=attachment)
            count = sum(r.gets for r in done)
            if relay is None:  # queued, but this server sends nothing until IT sets the relay: say so
                st.warning(ntr("outbox_queued_no_relay", count))
            else:
                st.success(ntr("outbox_queued", count))

        ctx.attempt(queued)
