"""Anmälningar: a referrer's own page (role ``referrer``), and the only one they have. They send the
``irk-8`` checklist to a team's intake, and see their own referrals: received, or decided yes/no, without
reasons. Nothing here says whether the youth was known before (``store.referrers``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forms import context as ctx
from forms.assessment_form import OMITTED, domain_items, ratings_state
from forms.i18n import lang, tr
from forms.network import organisation_label
from store import referrers

GENERATION = "referrer_form"  # a sent form is followed by a new, empty one: every widget key carries it
# one section at a time: the list is read (and audited) when the referrer looks at it, not on every click
# while they fill in the form; a send opens the list, where the new referral shows as received
SECTION, SECTIONS, SHOW_LIST = "referrals_section", ("new", "mine"), "referrals_show_list"


def send_view() -> None:
    """The youth by personnummer (nothing else that names them), the receiving team, and the checklist.
    After sending, the next form starts empty (new widget keys), so one youth's number is never left in
    the field for the next referral."""
    inst = ctx.instrument(referrers.CHECKLIST)
    gen = st.session_state.setdefault(GENERATION, 0)
    form = f"referrer_checklist:{gen}"
    with ctx.session() as s:
        teams = dict(referrers.receiving_teams(s, ctx.actor()))
    if not teams:  # no team has anyone at intake: nothing could be received, so no form to fill in
        st.warning(tr("referrer_no_team"))
        return
    left, right = st.columns(2)
    team = left.selectbox(tr("referrer_team"), list(teams), key=f"referrer_team:{gen}",
                          format_func=teams.__getitem__, index=0 if len(teams) == 1 else None,
                          placeholder=tr("referrer_team_choose"))
    pnr = right.text_input(tr("referrer_pnr"), key=f"referrer_pnr:{gen}", type="password",
                           help=tr("referrer_pnr_help"))
    left, right = st.columns(2)
    gender = left.selectbox(tr("gender"), [None, *referrers.GENDERS], key=f"referrer_gender:{gen}",
                            format_func=lambda g: tr("referrer_gender_unknown") if g is None else tr(f"gender_{g}"))
    district = right.text_input(tr("district"), key=f"referrer_district:{gen}", max_chars=referrers.DISTRICT_CHARS)
    concern = st.checkbox(tr("referrer_concern"), key=f"referrer_concern:{gen}", help=tr("referrer_concern_help"))
    st.subheader(inst.text(inst.title, lang()))
    for domain in inst.domains:
        domain_items(inst, domain.id, form)
    if st.button(tr("referrer_send"), key=f"referrer_send:{gen}", type="primary"):
        if team is None:
            st.error(tr("referrer_team_missing"))
            return
        answers = {k: (None if v == OMITTED else v) for k, v in ratings_state(form, inst).items()}

        def send() -> referrers.SentReferral:
            with ctx.session() as s:
                return referrers.send_referral(s, ctx.actor(), team_id=team, pnr=pnr, checklist=answers,
                                               on=ctx.today(), gender=gender, district=district,
                                               report_of_concern=concern)

        sent = ctx.attempt(send)
        if sent is not None:
            for key in [k for k in st.session_state if str(k).startswith("referrer_") and str(k) != GENERATION]:
                del st.session_state[key]
            st.session_state[GENERATION] = gen + 1
            st.session_state[SHOW_LIST] = True
            ctx.done(tr("referrer_sent", number=sent.number, team=sent.team))


def sent_view() -> None:
    """The referrer's own referrals: the intake decision and its day, nothing about the case."""
    with ctx.session() as s:
        mine = referrers.sent_referrals(s, ctx.actor())
    if not mine:
        st.info(tr("referrer_none_sent"))
        return
    st.caption(tr("referrer_status_help"))
    table = pd.DataFrame([{tr("referrer_number"): r.number, tr("referrer_sent_on"): r.sent_on.isoformat(),
                           tr("referrer_team"): r.team, tr("status"): tr(f"referrer_status_{r.status}"),
                           tr("referrer_decided_on"): r.decided_on.isoformat() if r.decided_on else "–"}
                          for r in reversed(mine)])
    st.table(table.set_index(tr("referrer_number")))


def main() -> None:
    st.title(tr("page_referrals_sent"))
    actor = ctx.actor()
    if actor.organisation:
        st.caption(tr("referrer_as", organisation=organisation_label(actor.organisation)))
    if st.session_state.pop(SHOW_LIST, False):
        st.session_state[SECTION] = "mine"
    elif st.session_state.get(SECTION) not in SECTIONS:
        st.session_state[SECTION] = "new"
    chosen = st.segmented_control(tr("referrer_section"), SECTIONS, key=SECTION,
                                  format_func=lambda x: tr(f"referrer_{x}"), label_visibility="collapsed",
                                  required=True)  # a click never empties it
    if chosen == "mine":
        st.header(tr("referrer_mine"))
        sent_view()
    else:
        st.header(tr("referrer_new"))
        send_view()


main()
