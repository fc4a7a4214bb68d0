"""Downloads that respect consent: a recipient is chosen, the case's active consent must cover it,
and the store audits what went to whom when the file is made (``store.cases.release``)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from store import cases, transaction, views

from . import context as ctx
from .i18n import refusal, tr, tr_or

RECIPIENTS = (cases.FAMILY, "socialtjanst", "polis", "skola", "fritid", "bup", "oppenvard")


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
    """A download whose file is made only after the store released it (checked again and audited)."""
    actor, code, today, engine = ctx.actor(), overview.case_code, ctx.today(), ctx.engine()

    def data() -> bytes | str:  # runs when clicked, on Streamlit's download thread: no page state here
        with transaction(engine) as s:
            cases.release(s, actor, code, recipient=recipient, category=category, what=file_name, on=today)
        return make()

    st.download_button(label, data, file_name=file_name, mime=mime, key=key)
