"""The intake decision as a record and the motivation list (#14 item 1): who took part, the named
criteria met, the preparation group informed; a "no" keeps the youth for motivation with every ask
kept (Skärholmen: "ligger kvar för motivation ... tas frågan upp ett flertal gånger igen")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store import cases, transaction, views
from store.cases import CaseError
from store.models import Ask

from .app_helpers import SYSTEM, TODAY, no_trace, open_page, texts

D = TODAY - timedelta(days=60)


def _declined(s, actor):
    youth = cases.create_subject(s, actor)
    referral = cases.add_referral(s, actor, youth, "polis", D)
    cases.screen(s, actor, referral, suitable=True, on=D + timedelta(days=3), criteria=["crime_active", "returning"],
                 decided_by=["Ulla Enhetschef (enhetschef)", "Sam Samordnare (coordinator)"],
                 preparation_informed_on=D + timedelta(days=5))
    cases.mark_asked(s, actor, referral, D + timedelta(days=6))
    cases.record_answer(s, actor, referral, accepted=False, on=D + timedelta(days=8), other_support="Kontaktperson")
    return youth, referral


def test_the_decision_is_a_record_and_a_no_stays_for_motivation_with_every_ask_kept(engine, assessor):
    with transaction(engine) as s:
        youth, referral = _declined(s, assessor)
        assert (referral.criteria, referral.preparation_informed_on) == (["crime_active", "returning"],
                                                                          D + timedelta(days=5))
        assert referral.decided_by == ["Ulla Enhetschef (enhetschef)", "Sam Samordnare (coordinator)"]
        with pytest.raises(CaseError, match="unknown criteria") as refused:
            cases.screen(s, assessor, referral, suitable=True, on=D + timedelta(days=3), criteria=["rich"])
        assert refused.value.code == "referral.criteria"
        assert cases.referral_status(referral) == "declined"
        waiting = views.motivation_list(s, assessor, TODAY)
        assert waiting[["case_code", "asks", "other_support"]].values.tolist() == [[youth.case_code, 1,
                                                                                    "Kontaktperson"]]
        # asked again, twice; the earlier answers stay
        cases.mark_asked(s, assessor, referral, D + timedelta(days=30))
        assert cases.referral_status(referral) == "asked" and referral.asked_on == D + timedelta(days=6)
        with pytest.raises(CaseError, match="still unanswered"):
            cases.mark_asked(s, assessor, referral, D + timedelta(days=31))
        cases.record_answer(s, assessor, referral, accepted=False, on=D + timedelta(days=31), other_support="Fält")
        cases.mark_asked(s, assessor, referral, D + timedelta(days=50))
        cases.record_answer(s, assessor, referral, accepted=True, on=D + timedelta(days=52))
        asks = s.scalars(select(Ask).where(Ask.referral_id == referral.id).order_by(Ask.id)).all()
        assert [(a.asked_on - D).days for a in asks] == [6, 30, 50]
        assert [(a.answer, a.other_support) for a in asks] == [(False, "Kontaktperson"), (False, "Fält"), (True, None)]
        assert all(a.asked_by == assessor.who for a in asks)
        assert cases.referral_status(referral) == "accepted" and views.motivation_list(s, assessor, TODAY).empty


def test_asking_again_is_one_click_on_the_motivation_list(app_engine):
    engine = app_engine
    with transaction(engine) as s:
        youth, referral = _declined(s, SYSTEM)
        code, referral_id = youth.case_code, referral.id
    at = open_page("intake", intake_view="motivation")
    no_trace(at)
    assert code in texts(at, "markdown") and "Tillfrågad 1 gång," in texts(at, "markdown")
    at.button(key=f"ask_again:{referral_id}").click().run()
    no_trace(at)
    assert f"{code} är tillfrågad igen." in texts(at, "success")
    with transaction(engine) as s:
        asks = s.scalars(select(Ask).where(Ask.referral_id == referral_id).order_by(Ask.id)).all()
        assert [a.asked_on for a in asks] == [D + timedelta(days=6), TODAY] and asks[-1].answer is None


def test_the_decision_form_records_criteria_and_who_took_part(app_engine):
    from store.models import Referral
    engine = app_engine
    with transaction(engine) as s:
        cases.add_referral(s, SYSTEM, cases.create_subject(s, SYSTEM), "skola", TODAY - timedelta(days=3))
    at = open_page("intake")
    key = next(w.key for w in at.button if w.key.endswith(":decide"))[: -len(":decide")]
    at.radio(key=f"{key}:suitable").set_value(True).run()
    at.multiselect(key=f"{key}:criteria").set_value(["serious_crime"]).run()
    at.multiselect(key=f"{key}:who").set_value(at.multiselect(key=f"{key}:who").options[:1]).run()
    at.date_input(key=f"{key}:informed").set_value(TODAY).run()
    at.button(key=f"{key}:decide").click().run()
    no_trace(at)
    with transaction(engine) as s:
        referral = s.scalars(select(Referral)).one()
        assert referral.criteria == ["serious_crime"] and referral.preparation_informed_on == TODAY
        assert referral.decided_by and "(" in referral.decided_by[0]


def test_the_queue_warns_from_day_five_after_a_yes_without_an_assessment(app_engine):
    engine = app_engine
    codes = {}
    with transaction(engine) as s:
        for days in (4, 5, 9):
            youth = cases.create_subject(s, SYSTEM)
            referral = cases.add_referral(s, SYSTEM, youth, "polis", TODAY - timedelta(days=20))
            cases.screen(s, SYSTEM, referral, suitable=True, criteria=["crime_active"], on=TODAY - timedelta(days=18))
            cases.mark_asked(s, SYSTEM, referral, TODAY - timedelta(days=15))
            cases.record_answer(s, SYSTEM, referral, accepted=True, on=TODAY - timedelta(days=days))
            codes[days] = youth.case_code
        waiting = views.awaiting_assessment(s, SYSTEM, TODAY)
        assert waiting["days_since_yes"].tolist() == [9, 5, 4]
    at = open_page("intake")
    no_trace(at)
    warning = texts(at, "warning")
    assert f"{codes[9]} (9 d)" in warning and f"{codes[5]} (5 d)" in warning and codes[4] not in warning


def test_colleagues_are_the_active_people_of_the_actors_teams_on_both_engines(engine):
    from store.access import Actor
    from store.users import SETUP, add_user, colleagues, deactivate

    with transaction(engine) as s:
        add_user(s, SETUP, "ulla.chef", display_name="Ulla Enhetschef", roles=["coordinator", "intake"],
                 teams=["Standard"])
        add_user(s, SETUP, "vera.annan", display_name="Vera Annan", roles=["intake"], teams=["Standard"])
        add_user(s, SETUP, "gone", display_name="Gone", roles=["intake"], teams=["Standard"])
        deactivate(s, SETUP, "gone")
        people = colleagues(s, Actor("ulla.chef", {"coordinator", "intake"}, {1}))
    assert people == ["Ulla Enhetschef (coordinator, intake)", "Vera Annan (intake)"]


SAVRY_LOW = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}


def test_a_re_referred_youth_is_on_the_day_five_list_whatever_an_earlier_episode_holds(engine, monkeypatch):
    """The day-5 list is per episode: an assessment counts only when made on or after this referral's
    receipt, so a youth assessed a year ago and referred again waits for a new one (on both engines)."""
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    again = TODAY - timedelta(days=20)
    with transaction(engine) as s:
        youth = cases.create_subject(s, SYSTEM)
        earlier = cases.add_referral(s, SYSTEM, youth, "polis", TODAY - timedelta(days=400))
        draft = cases.save_draft(s, SYSTEM, youth, "savry-like", occasion="referral", assessed_on=earlier.received_on
                                 + timedelta(days=5), ratings=SAVRY_LOW, judgment="low", rationale="Låg risk då.")
        cases.finalise(s, SYSTEM, draft)
        cases.screen(s, SYSTEM, earlier, suitable=False, reason="Låg risk", on=earlier.received_on + timedelta(days=6))
        referral = cases.add_referral(s, SYSTEM, youth, "skola", again)
        cases.screen(s, SYSTEM, referral, suitable=True, criteria=["crime_active"], on=again + timedelta(days=2))
        cases.mark_asked(s, SYSTEM, referral, again + timedelta(days=4))
        cases.record_answer(s, SYSTEM, referral, accepted=True, on=TODAY - timedelta(days=6))
        waiting = views.awaiting_assessment(s, SYSTEM, TODAY)
        assert waiting[["case_code", "days_since_yes"]].values.tolist() == [[youth.case_code, 6]]
        now = cases.save_draft(s, SYSTEM, youth, "savry-like", occasion="baseline", assessed_on=again,
                               ratings=SAVRY_LOW, judgment="low", rationale="Bedömd i denna omgång.")
        assert len(views.awaiting_assessment(s, SYSTEM, TODAY)) == 1  # a draft is not an assessment
        cases.finalise(s, SYSTEM, now)  # made on the day this referral came in: it counts
        assert views.awaiting_assessment(s, SYSTEM, TODAY).empty


NOTIONS = {"many_crimes_short_time": ("kort tid", "short time"), "placement_risk": ("placeras", "placement"),
           "drug_use": ("narkotika", "drug"), "status_among_youths": ("status bland andra ungdomar", "status among")}


def test_the_shipped_criteria_hold_the_reports_notions_in_both_languages(engine, monkeypatch):
    """Skärholmen's target group and reinforcing factors (1.3): many crimes in a short time, at risk of
    placement, drug use, and status among other youths; a decision can name them (both engines)."""
    import instruments

    criteria = instruments.load_intake_criteria()
    for criterion, (sv, en) in NOTIONS.items():
        assert sv in criteria.label(criterion, "sv").lower() and en in criteria.label(criterion, "en").lower()
    assert len(set(criteria.ids)) == len(criteria.ids) >= 8
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    with transaction(engine) as s:
        referral = cases.add_referral(s, SYSTEM, cases.create_subject(s, SYSTEM), "fritid", D)
        cases.screen(s, SYSTEM, referral, suitable=True, criteria=sorted(NOTIONS), on=D + timedelta(days=1))
        assert referral.criteria == sorted(NOTIONS) and referral.source == "fritid"
