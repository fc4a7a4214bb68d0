"""End to end in a real Chromium against a real server (``streamlit run``) and a fresh SQLite file.

The path a SIG coordinator walks: register a referral with its checklist, screen it (suitable, asked,
accepted, started), record consent, fill a baseline savry-like, fill a follow-up, see both occasions
on the before/after page, and add a matched intervention to the action plan. Every page is
screenshotted to tests/artifacts/ for review.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from store import make_engine, transaction, upgrade
from store.models import Assessment, Commitment, Consent, Referral
from store.users import SETUP, add_user

from .browser import ARTIFACTS, CHROMIUM_ARGS, AppServer, chromium, log_in, settle

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, expect, sync_playwright

TODAY = "2026-11-23"


USER, PASSWORD = "e2e.samordnare", "ett långt lösenord för e2e"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e")
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as s:
        add_user(s, SETUP, USER, display_name="E2E Samordnare", roles=["intake", "assessor", "coordinator"],
                 teams=["Standard"], password=PASSWORD)
    engine.dispose()
    env = {"INSATS_TODAY": TODAY, "INSATS_SECRET_KEY": "e2e-secret-key-0123456789-abcdefghijklmnop"}
    server = AppServer(data, env)
    server.start()
    yield server, data
    server.stop()


@pytest.fixture(scope="module")
def page(app):
    server, _ = app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        tab.goto(server.url)
        settle(tab)
        log_in(tab, None, USER, PASSWORD)  # the page is open already
        yield tab
        browser.close()


def pick(page: Page, label: str, *options: str) -> None:
    """Choose options in a multiselect by its label."""
    box = main(page).locator("[data-testid='stMultiSelect']").filter(has_text=label)
    for option in options:
        box.scroll_into_view_if_needed()
        field = box.locator("input")
        field.click()
        field.fill(option)  # type to filter, as a keyboard user would, then take the match
        click(page, page.get_by_role("option", name=option, exact=True))
    page.keyboard.press("Escape")
    settle(page)


def main(page: Page):
    return page.locator("[data-testid='stMain']")


def click(page: Page, locator) -> None:
    locator.click()
    settle(page)


def go(page: Page, name: str) -> None:
    click(page, page.locator("[data-testid='stSidebar']").get_by_role("link", name=name, exact=True))
    expect(main(page).get_by_role("heading", name=name, exact=True)).to_be_visible()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def rate_all(page: Page, risk: str, protective: str, judgment: str, rationale: str) -> None:
    """Walk the steps of the form, rate every factor, make the judgment and finalise."""
    for factors in (10, 6, 8, 6):  # historical, social, individual, protective
        groups = main(page).locator("[data-testid='stRadio']")
        expect(groups).to_have_count(factors + 1)  # the step is drawn (group 0 is the step selector)
        for i in range(1, factors + 1):
            group = groups.nth(i)
            option = protective if group.get_by_text("Finns", exact=True).count() else risk
            click(page, group.get_by_text(option, exact=True))
        click(page, main(page).get_by_role("button", name="Nästa →"))
    click(page, main(page).get_by_text(judgment, exact=True))
    box = main(page).get_by_label("Motivering")
    box.fill(rationale)
    box.press("Tab")
    settle(page)
    shot(page, f"assessment-{judgment.split()[0].lower()}")
    expect(main(page).get_by_text("30 av 30 faktorer skattade")).to_be_visible()  # every click took
    click(page, main(page).get_by_role("button", name="Slutför bedömningen"))
    expect(main(page).get_by_text("Bedömningen är slutförd och låst.")).to_be_visible()


def test_referral_to_action_plan_in_a_real_browser(app, page):
    _, data = app
    # 1. Inkorg (a coordinator lands on Översikt): register a referral with the irk-8 checklist
    go(page, "Inkorg")
    click(page, main(page).get_by_text("Registrera remiss", exact=True))
    for item, answer in (("K1", "Ja"), ("K3", "Ja"), ("K4", "Ja"), ("K2", "Nej")):
        group = main(page).locator("[data-testid='stRadio']").filter(has_text=item)
        click(page, group.get_by_text(answer, exact=True))
    click(page, main(page).get_by_role("button", name="Registrera remissen"))
    flash = main(page).get_by_text(re.compile(r"Remissen är registrerad i ärende SIG-"))
    expect(flash).to_be_visible()
    code = re.search(r"SIG-[A-Z0-9]{6}", flash.inner_text()).group(0)

    # 2. the screening steps, one click each, in the reports' order: decision, ask, answer
    click(page, main(page).get_by_text("Kö", exact=True))
    shot(page, "intake")
    for button in ("Spara beslut", "Ungdom och vårdnadshavare tillfrågade", "Spara svar"):
        if button == "Spara beslut":  # nothing preselected: yes, and the criteria a yes names
            click(page, main(page).locator("[data-testid='stRadio']").filter(has_text="aktuell för SIG")
                  .get_by_text("Ja", exact=True))
            pick(page, "Kriterier som uppfylls", "Grova eller strategiska brott")
        if button == "Spara svar":  # their answer is not preselected either
            click(page, main(page).locator("[data-testid='stRadio']").filter(has_text="Tackade de ja?")
                  .get_by_text("Ja", exact=True))
        click(page, main(page).get_by_role("button", name=button))
        expect(main(page).get_by_text(f"Sparat för {code}.")).to_be_visible()

    # 3. Ärende (opened on the case just handled): the consent the start needs, then the baseline assessment
    go(page, "Ärende")
    expect(main(page).get_by_text(code).first).to_be_visible()
    expect(main(page).get_by_text("Inget aktivt samtycke")).to_be_visible()
    click(page, page.get_by_role("tab", name="Samtycken"))
    pick(page, "Undertecknat av", "Ungdomen", "Vårdnadshavare 1")
    pick(page, "Aktörer som får dela", "Skolan", "Polisen", "Socialtjänsten")
    pick(page, "Uppgifter som får delas", "Bedömningar", "Åtgärdsplan")
    click(page, main(page).get_by_role("button", name="Spara samtycke"))
    expect(main(page).get_by_text("Samtycke gäller för: Polisen till 2027-11-23, Skolan till 2027-11-23, "
                                  "Socialtjänsten till 2027-11-23.")).to_be_visible()
    shot(page, "case")
    click(page, page.get_by_role("tab", name="Ny bedömning"))
    click(page, main(page).get_by_role("button", name="Starta bedömningen"))
    expect(main(page).get_by_role("heading", name="Bedömning", exact=True)).to_be_visible()
    rate_all(page, risk="Hög", protective="Saknas", judgment="Hög risk", rationale="Upprepat våld, kriminella vänner.")

    # 3b. back on Inkorg: the start, with the consent and a high judgment before it, asks for no reason
    go(page, "Inkorg")
    click(page, main(page).get_by_text("Kö", exact=True))
    click(page, main(page).get_by_role("button", name="SIG påbörjad"))
    expect(main(page).get_by_text(f"Sparat för {code}.")).to_be_visible()
    expect(main(page).get_by_text("0 remisser")).to_be_visible()  # started: no longer waiting in the queue

    # 4. a follow-up
    go(page, "Ärende")
    click(page, page.get_by_role("tab", name="Ny bedömning"))
    main(page).locator("[data-testid='stSelectbox']").filter(has_text="Tillfälle").click()
    click(page, page.get_by_role("option", name="Uppföljning"))
    click(page, main(page).get_by_role("button", name="Starta bedömningen"))
    rate_all(page, risk="Måttlig", protective="Finns", judgment="Måttlig risk", rationale="Går i skolan, ny fritid.")

    # 5. Förändring: both occasions in the profile chart
    go(page, "Förändring")
    expect(main(page).get_by_text("Profilen visar båda tillfällena: Före 2026-11-23 · Inledande och "
                                  "Efter 2026-11-23 · Uppföljning.")).to_be_visible()
    expect(main(page).get_by_text("Bedömd risknivå: Hög risk → Måttlig risk – lägre risk")).to_be_visible()
    expect(main(page).locator("[data-testid='stVegaLiteChart']")).to_have_count(3)
    expect(main(page).locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first
           ).to_be_visible()
    shot(page, "change")

    # 6. Insatser: add the first recommendation to the action plan
    go(page, "Insatser")
    first = main(page).locator("[data-testid='stCheckbox']").first
    name = first.inner_text().split(" · ")[0].strip()
    click(page, first)
    # no plan yet: the plan is made at a network meeting, and the user says it was held (today)
    click(page, main(page).get_by_text("Mötet har hållits", exact=True))
    click(page, main(page).get_by_role("button", name="Lägg till i åtgärdsplanen"))
    expect(main(page).get_by_text("1 insats lades till i åtgärdsplanen.")).to_be_visible()
    shot(page, "matching")

    # 7. Åtgärdsplan shows it, with the next network meeting four weeks ahead
    go(page, "Åtgärdsplan")
    expect(main(page).get_by_text(name).first).to_be_visible()
    expect(main(page).get_by_text("Nästa nätverksmöte: 2026-12-21.")).to_be_visible()
    shot(page, "plan")
    for other in ("Logg", "Instrument"):
        go(page, other)
        shot(page, other.lower())

    # and the database holds exactly what was done, with no stack trace anywhere on the way
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        referral = s.scalars(select(Referral)).one()
        assert referral.started_on is not None and referral.checklist_id is not None
        assert s.scalars(select(Consent)).one().valid_until.isoformat() == "2027-11-23"
        finals = s.scalars(select(Assessment).where(Assessment.instrument_id == "savry-like")
                           .order_by(Assessment.id)).all()
        assert [(a.occasion, a.status, a.judgment) for a in finals] == [
            ("baseline", "final", "high"), ("follow-up", "final", "moderate")]
        missing = {a.occasion: [k for k, v in a.ratings.items() if v is None] for a in finals}
        assert missing == {"baseline": [], "follow-up": []}  # the page showed 30 of 30: so must the database
        assert set(finals[0].ratings.values()) == {"H", "A"} and set(finals[1].ratings.values()) == {"M", "P"}
        assert len(s.scalars(select(Commitment)).all()) == 1
    engine.dispose()
    assert "Traceback" not in (data / "server.log").read_text()
