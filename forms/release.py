"""Every file that leaves Insats from a page goes through ``download`` here: made only when clicked,
on Streamlit's download thread with the page's user, language and day carried along
(``forms.page_state``), and audited by the store. Files about a case also pass the consent check
(``release_button``: the recipient must be covered, ``store.cases.release`` checks again and
audits what went to whom)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from store import cases, transaction, views

from . import context as ctx
from .i18n import refusal, tr, tr_or
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
