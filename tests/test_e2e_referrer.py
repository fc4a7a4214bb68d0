"""A referrer end to end (#23 item 2), in a real Chromium against a real app server on localhost: the
police referrer logs in to their one page, sends the checklist to a chosen team; it appears in that
team's Inkorg with the referrer's name and organisation; the referrer sees it received, then, after
intake decides, "no" without the reason, and never a case code. The page passes axe in both languages.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from store import cases, make_engine, transaction, upgrade
from store.models import Referral
from store.users import SETUP, add_team, add_user

from .axe import describe, violations
from .browser import ARTIFACTS, CHROMIUM_ARGS, AppServer, chromium, log_in, settle
from .test_referrers import KNOWN, UNKNOWN

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, expect, sync_playwright

PASSWORD = "ett långt lösenord för anmälartestet"
REASON = "Ungdomen har redan stöd genom BUP"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Two teams, an intake worker in SIG Väst, a police referrer; a youth already known in SIG Väst."""
    data = tmp_path_factory.mktemp("e2e-referrer")
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    upgrade(engine)
    key = "e2e-referrer-key-0123456789-abcdefghijklmnop"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSATS_SECRET_KEY", key)
        with transaction(engine) as s:
            add_team(s, SETUP, "SIG Väst")
            add_user(s, SETUP, "ines", display_name="Ines Intag", roles=["intake"], teams=["SIG Väst"],
                     password=PASSWORD)
            add_user(s, SETUP, "rita", display_name="Rita Polis", roles=["referrer"], organisation="police",
                     password=PASSWORD)
            cases.create_subject(s, SETUP, case_code="SIG-KAND", pnr=KNOWN, team_id=2)
    server = AppServer(data, {"INSATS_TODAY": "2026-06-01", "INSATS_SECRET_KEY": key})
    server.start()
    yield server, engine
    server.stop()
    engine.dispose()


def main(page: Page):
    return page.locator("[data-testid='stMain']")


def section(page: Page, name: str) -> None:
    main(page).locator("[data-testid='stButtonGroup']").get_by_text(name, exact=True).click()
    settle(page)


def send(page: Page, number: str) -> None:
    """Fill the referral form as a referrer does with the mouse: team, number, an answer, send."""
    body = main(page)
    section(page, "Skicka en anmälan")
    team = body.locator("[data-testid='stSelectbox']").filter(has_text="Mottagande team").first
    team.scroll_into_view_if_needed()
    team.click()
    page.get_by_role("option").filter(has_text="SIG Väst").first.click()
    settle(page)
    body.get_by_label("Ungdomens personnummer eller samordningsnummer", exact=True).fill(number)
    body.get_by_label("Ungdomens personnummer eller samordningsnummer", exact=True).press("Enter")
    settle(page)
    answer = body.locator("[data-testid='stRadio']").filter(has_text="Tidigare brottslighet")
    answer.get_by_text("Ja", exact=True).click()
    settle(page)
    expect(answer.get_by_role("radio", name="Ja")).to_be_checked()
    body.get_by_role("button", name="Skicka anmälan").click()
    settle(page)


def test_a_referrer_sends_intake_sees_who_and_the_referrer_sees_only_the_decision(app):
    server, engine = app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        referrer = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        log_in(referrer, server.url, "rita", PASSWORD)
        expect(main(referrer).locator("h1").first).to_have_text("Anmälningar", timeout=30_000)
        links = referrer.locator("[data-testid='stSidebar'] [data-testid='stSidebarNavLink']")
        names = sorted(text.strip().split("\n")[-1] for text in links.all_inner_texts())  # after the icon's name
        assert names == ["Anmälningar", "Instrument"]  # and no other page
        assert not (found := violations(referrer)), describe(found)
        section(referrer, "Mina anmälningar")
        expect(main(referrer).get_by_text("Du har inte skickat någon anmälan än.")).to_be_visible()

        table = main(referrer).locator("[data-testid='stTable']")

        def shown_besides_the_list() -> str:
            """The page's text without the list of referrals and the flash of a send (it comes and goes)."""
            text = main(referrer).inner_text().replace(table.inner_text(), "")
            return re.sub(r"Anmälan \d är skickad till SIG Väst\.", "", text).strip()

        send(referrer, KNOWN)  # a youth already known: the referrer's page says what it says for one who is not
        expect(table).to_contain_text("Mottagen")
        settle(referrer)  # the page drawn to its end (the form's text lingers while it redraws)
        after_known = shown_besides_the_list()
        send(referrer, UNKNOWN)
        expect(table.locator("tbody tr")).to_have_count(2)
        settle(referrer)
        assert shown_besides_the_list() == after_known
        assert table.inner_text().count("Mottagen") == 2 and "SIG-" not in main(referrer).inner_text()

        intake = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE").new_page()
        log_in(intake, server.url, "ines", PASSWORD)
        expect(main(intake).locator("h1").first).to_have_text("Inkorg", timeout=30_000)
        expect(main(intake).get_by_text("Skickad av Rita Polis, Polisen")).to_be_visible()
        body = main(intake)
        body.locator("[data-testid='stRadio']").filter(has_text="Är ungdomen aktuell för SIG?").get_by_text(
            "Nej", exact=True).click()
        settle(intake)
        body.get_by_label("Motivering (krävs vid nej)", exact=True).fill(REASON)
        body.get_by_label("Motivering (krävs vid nej)", exact=True).press("Enter")
        settle(intake)
        body.get_by_role("button", name="Spara beslut").click()
        settle(intake)
        expect(body.get_by_text("Sparat för SIG-")).to_be_visible()

        referrer.locator("[data-testid='stSidebar']").get_by_role("link", name="Anmälningar").click()
        settle(referrer)
        table = main(referrer).locator("[data-testid='stTable']")
        expect(table).to_contain_text("Beslut: nej")
        shown = main(referrer).inner_text()
        assert REASON not in shown and "SIG-" not in shown and shown.count("Mottagen") == 1
        referrer.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
        settle(referrer)
        expect(main(referrer).locator("h1").first).to_have_text("Referrals")
        expect(main(referrer).locator("[data-testid='stTable']")).to_contain_text("Decided: no")
        assert not (found := violations(referrer)), describe(found)
        referrer.screenshot(path=str(ARTIFACTS / "referrer-en.png"), full_page=True)
        browser.close()
    with transaction(engine) as s:
        decided = s.scalars(select(Referral).where(Referral.suitable.is_not(None))).all()
        assert [r.suitable_reason for r in decided] == [REASON]
