"""A police officer who logs in (#23 items 1 and 5), end to end in a real Chromium against a real server
(``streamlit run``) and a fresh SQLite file.

Pia Polis lands on "Mina grupper" and sees her own group only (SIG-POL1, not SIG-POL2), the plan and her
commitment, but not the assessment summary: the consent names the police for the plan, not the
assessment. She reviews her commitment and logs a serious police report; the coordinator then sees the
event on the case. The coordinator withdraws the consent while she is logged in: her next click shows
that the consent no longer covers anything, in Swedish, with nothing of the group and no stack trace.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from store import make_engine, transaction, upgrade
from store.models import AuditEntry, Commitment, Event
from store.users import SETUP, add_user

from .browser import ARTIFACTS, CHROMIUM_ARGS, AppServer, chromium, log_in, settle
from .partner_helpers import (
    OTHER,
    OWN,
    OWN_COMMITMENT,
    PARTNER_LOGIN,
    PARTNER_PASSWORD,
    police_groups,
    withdraw_police_consent,
)

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, expect, sync_playwright

TODAY = date(2026, 11, 23)
COORDINATOR, PASSWORD = "e2e.samordnare", "ett långt lösenord för samordnaren"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("partner")
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    upgrade(engine)
    police_groups(engine, TODAY, with_password=True)
    with transaction(engine) as s:
        add_user(s, SETUP, COORDINATOR, display_name="E2E Samordnare", roles=["coordinator"], teams=["Standard"],
                 password=PASSWORD)
    server = AppServer(data, {"INSATS_TODAY": TODAY.isoformat(),
                              "INSATS_SECRET_KEY": "e2e-partner-key-0123456789-abcdefghijklmnop"})
    server.start()
    yield server, engine
    server.stop()
    engine.dispose()


def main(page: Page):
    return page.locator("[data-testid='stMain']")


def click(page: Page, locator) -> None:
    locator.click()
    settle(page)


def no_trace(page: Page) -> None:
    assert main(page).locator("[data-testid='stException']").count() == 0
    assert "Något gick fel" not in main(page).inner_text()


def test_a_police_partner_works_in_their_group_until_the_consent_is_withdrawn(app):
    server, engine = app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        pia = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE").new_page()
        log_in(pia, server.url, PARTNER_LOGIN, PARTNER_PASSWORD)
        expect(main(pia).get_by_role("heading", name="Mina grupper", exact=True)).to_be_visible()
        sidebar = pia.locator("[data-testid='stSidebar']")
        links = sidebar.get_by_role("link").all_inner_texts()
        assert [text.split()[-2:] if "Mina" in text else text.split()[-1:] for text in links] == [
            ["Mina", "grupper"], ["Instrument"]], links  # (after each link's icon name) no case, no Logg
        expect(main(pia)).to_contain_text(OWN_COMMITMENT, timeout=30_000)  # the page has finished its run
        shown = main(pia).inner_text()
        assert OWN in shown and OTHER not in shown
        assert OWN_COMMITMENT in shown and "Ringer samordnaren" in shown  # with "if I can't"
        assert "Bedömningen i sammanfattning" not in shown and "Hemlig" not in shown
        no_trace(pia)
        pia.screenshot(path=str(ARTIFACTS / "partner-groups.png"), full_page=True)

        # the review of her own commitment before the meeting
        review = main(pia).locator("[data-testid='stForm']").filter(
            has=pia.get_by_role("button", name="Spara uppföljningen")).first
        click(pia, review.get_by_text("Delvis", exact=True))
        review.get_by_label("Med ett ord: varför").fill("Ett av två besök blev av")
        click(pia, review.get_by_role("button", name="Spara uppföljningen"))
        expect(main(pia).get_by_text("Uppföljningen är sparad", exact=False)).to_be_visible()
        no_trace(pia)

        # a serious police report between meetings
        event = main(pia).locator("[data-testid='stForm']").filter(
            has=pia.get_by_role("button", name="Logga händelsen"))
        expect(event.get_by_role("combobox", name="Händelse")).to_have_value("Ny polisanmälan")  # in words
        click(pia, event.get_by_text("Allvarlig", exact=True))
        event.get_by_label("Vad hände").fill("Anmälan om hot i skolan")
        click(pia, event.get_by_role("button", name="Logga händelsen"))
        expect(main(pia).get_by_text("Händelsen är loggad", exact=False)).to_be_visible()
        expect(main(pia).get_by_text("Ny polisanmälan", exact=False).first).to_be_visible()  # police information
        no_trace(pia)
        with transaction(engine) as s:
            reviewed = s.scalar(select(Commitment).where(Commitment.what == OWN_COMMITMENT,
                                                         Commitment.actor == "Pia Polis (Polis)"))
            assert (reviewed.review, reviewed.review_note) == ("partly", "Ett av två besök blev av")
            logged = s.scalars(select(Event).where(Event.logged_by == PARTNER_LOGIN)).all()
            assert [(e.kind, e.serious) for e in logged] == [("police_report", True)]

        # the coordinator sees the event on the case: a serious one asks for a meeting within a week
        sam = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE").new_page()
        sam.goto(f"{server.url}/?page=case&case={OWN}")
        settle(sam)
        log_in(sam, None, COORDINATOR, PASSWORD)
        expect(main(sam).get_by_role("tab", name="Händelser")).to_be_visible(timeout=60_000)
        click(sam, main(sam).get_by_role("tab", name="Händelser"))
        expect(main(sam).get_by_text(re.compile("allvarlig händelse", re.IGNORECASE)).first).to_be_visible()
        sam.screenshot(path=str(ARTIFACTS / "partner-coordinator-sees-event.png"), full_page=True)

        # the consent withdrawn while Pia is logged in: her next click shows it
        withdraw_police_consent(engine, TODAY)
        click(pia, pia.locator("[data-testid='stSidebar']").get_by_role("link", name="Mina grupper"))
        expect(main(pia).get_by_text("Ungdomens samtycke ger inte din organisation", exact=False)).to_be_visible()
        shown = main(pia).inner_text()
        assert OWN_COMMITMENT not in shown and "Ny polisanmälan" not in shown
        no_trace(pia)
        pia.screenshot(path=str(ARTIFACTS / "partner-consent-withdrawn.png"), full_page=True)
        browser.close()
    with transaction(engine) as s:  # every read she made was audited in her name, by group
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.who == PARTNER_LOGIN)))
    assert {"list", "read", "update", "create"} <= actions
