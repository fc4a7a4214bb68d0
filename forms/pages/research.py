"""Forskning: cohort evaluation for researchers (de-identified). Filled by the research issue (#6);
until then it shows the intake funnel, the one cohort figure every SIG report starts with."""

from __future__ import annotations

import streamlit as st

from forms import context as ctx
from forms.i18n import tr
from scoring.funnel import monthly_funnel
from store import imports


def main() -> None:
    st.title(tr("page_research"))
    st.info(tr("research_coming"))
    with ctx.session() as s:
        dates = imports.referral_dates(s)
    if dates.empty:
        st.caption(tr("no_referrals"))
        return
    st.subheader(tr("funnel"))
    st.dataframe(monthly_funnel(dates), hide_index=True, width="stretch")


main()
