"""The referrer's page (AppTest): send the checklist, see it received, the refusal of a wrong number in
Swedish with nothing saved; and intake's Inkorg naming the referrer and their organisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store import make_engine, transaction
from store.models import Referral, Subject
from store.users import add_team, add_user, set_roles

from .app_helpers import REFERRER, SYSTEM, TODAY, USER, make_database, no_trace, open_page, texts
from .test_referrers import KNOWN, UNKNOWN
from .test_translations import shown_text


@pytest.fixture
def empty(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.setenv("INSATS_SECRET_KEY", "app-test-key-key-0123456789-abcdefghijklmnop")
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(make_database(tmp_path))
    yield engine
    engine.dispose()


def _fill(at, number: str):
    at.text_input(key="referrer_pnr:0").input(number).run()
    at.radio(key="referrer_checklist:0:item:K1").set_value("Ja").run()
    at.button(key="referrer_send:0").click().run()
    no_trace(at)
    return at


def test_a_referrer_sends_the_checklist_and_sees_it_received(empty):
    listed = open_page("referrals_sent", user=REFERRER, referrals_section="mine")
    no_trace(listed)
    assert "Du har inte skickat någon anmälan än." in texts(listed, "info")
    at = open_page("referrals_sent", user=REFERRER)  # the form comes first
    assert not listed.table and at.button(key="referrer_send:0")
    _fill(at, UNKNOWN)
    assert "Anmälan 1 är skickad till Standard." in texts(at, "success")
    shown = at.table[0].value
    assert shown["Status"].tolist() == ["Mottagen"] and shown["Mottagande team"].tolist() == ["Standard"]
    with transaction(empty) as s:
        referral = s.scalars(select(Referral)).one()
        assert referral.source == "polis" and referral.sent_by is not None
    intake = open_page("intake")  # the coordinator (intake in every team) sees who sent it
    no_trace(intake)
    assert "Skickad av Test Anmälare, Polisen" in " ".join(m.value for m in intake.markdown)
    with transaction(empty) as s:
        code = s.scalar(select(Subject.case_code))
    case = open_page("case", case=code)  # and on the case's timeline
    no_trace(case)
    assert any("Skickad av Test Anmälare, Polisen" in str(v) for v in case.dataframe[0].value.iloc[:, -1])


def test_a_wrong_number_is_refused_in_swedish_and_nothing_is_saved(empty):
    at = _fill(open_page("referrals_sent", user=REFERRER), "20100315-1230")
    assert "Inget har ändrats" in texts(at, "error")
    with transaction(empty) as s:
        assert s.scalar(select(func.count()).select_from(Subject)) == 0


def test_a_known_youth_gives_the_referrer_the_same_page(empty):
    """What the referrer's page says after sending about a youth known before and one who is not."""
    from store import cases
    from store.users import SETUP

    with transaction(empty) as s:
        cases.create_subject(s, SETUP, case_code="SIG-KNOWN", pnr=KNOWN)
    pages = []
    for number in (KNOWN, UNKNOWN):
        at = _fill(open_page("referrals_sent", user=REFERRER), number)
        pages.append((texts(at, "success").replace("Anmälan 2", "Anmälan 1"), texts(at, "error"),
                       texts(at, "warning"), at.table[0].value["Status"].tolist()[0]))
    assert pages[0] == pages[1]
    assert not [t for t in shown_text(at) if "SIG-" in t]  # no case code on the referrer's page, ever


def test_the_referrer_is_offered_only_the_teams_with_an_intake(empty):
    """A team with nobody at intake is not in the list; with no such team at all, the page says so and
    offers no form."""
    with transaction(empty) as s:
        add_team(s, SYSTEM, "SIG Norr")  # coordinators only: nobody reads its Inkorg
        add_user(s, SYSTEM, "norr.samordnare", display_name="Nora Samordnare", roles=["coordinator"],
                 teams=["SIG Norr"])
    at = open_page("referrals_sent", user=REFERRER)
    no_trace(at)
    assert at.selectbox(key="referrer_team:0").options == ["Standard"]  # the coordinator of these tests does intake
    with transaction(empty) as s:
        set_roles(s, SYSTEM, USER, ["assessor", "coordinator"])  # nobody does intake any more
    at = open_page("referrals_sent", user=REFERRER)
    no_trace(at)
    assert "Inget team tar emot anmälningar här just nu." in texts(at, "warning")
    assert not [b for b in at.button if str(b.key).startswith("referrer_send")] and not at.selectbox


def test_past_the_daily_limit_the_referrer_is_told_in_swedish_and_nothing_is_saved(empty, monkeypatch):
    monkeypatch.setenv("INSATS_REFERRAL_LIMIT_PER_DAY", "1")
    _fill(open_page("referrals_sent", user=REFERRER), UNKNOWN)  # the day's one referral
    with transaction(empty) as s:
        before = s.scalar(select(func.count()).select_from(Referral))
    at = _fill(open_page("referrals_sent", user=REFERRER), KNOWN)
    assert "Du har nått gränsen för hur många anmälningar ett konto får skicka per dag (1)." in texts(at, "error")
    assert "referral.daily_limit" not in texts(at, "error")
    with transaction(empty) as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == before == 1
