"""WCAG 2.1 AA as a test (#13 item 1): axe-core on every page with a demo case open, in Swedish and in
English, in a real Chromium against a real server. Any violation of a WCAG 2.0/2.1 A or AA rule, a
skipped heading level or a page without an h1 fails. Each page also says its language in
``<html lang>`` and every chart has readable text and its numbers as a table under it. And the
keyboard alone gets a referral registered and an assessment completed.
"""

from __future__ import annotations

import contextlib
import re
import threading

import pytest
from sqlalchemy import func, select

import instruments
from store import make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import Assessment, Member, Referral, Subject, Team
from store.users import SETUP, add_user

from .axe import describe, violations
from .browser import ARTIFACTS, CHROMIUM_ARGS, IDLE, AppServer, chromium, log_in, settle

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

USER, PASSWORD = "axe.alla", "ett långt lösenord för axe-testet"
PAGES = {  # sidebar link in each language, in the order of the sidebar
    "intake": ("Inkorg", "Intake"), "caseload": ("Översikt", "Caseload"), "case": ("Ärende", "Case"),
    "assessment": ("Bedömning", "Assessment"),
    "change": ("Förändring", "Before/after"), "matching": ("Insatser", "Interventions"),
    "plan": ("Åtgärdsplan", "Action plan"), "research": ("Forskning", "Research"),
    "followup": ("Uppföljning", "Follow-up"), "log": ("Logg", "Log"), "instruments": ("Instrument", "Instruments"),
}
CHART = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The demo cohort and one user with every role, opening the Söderort case with most assessments."""
    data = tmp_path_factory.mktemp("a11y")
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=40, seed=3)
        add_user(s, SETUP, USER, display_name="Axel Axe", password=PASSWORD, teams=["SIG Söderort"],
                 roles=["intake", "assessor", "coordinator", "researcher", "admin"])
        code = s.execute(select(Subject.case_code).join(Team, Team.id == Subject.team_id)
                         .join(Assessment, Assessment.subject_id == Subject.id)
                         .where(Team.name == "SIG Söderort", Assessment.status == "final")
                         .group_by(Subject.case_code).order_by(func.count().desc(), Subject.case_code)).first()[0]
    engine.dispose()
    server = AppServer(data, {"INSATS_TODAY": "2026-11-23", "INSATS_SECRET_KEY": "a11y-key-0123456789-abcdefghijklmno"})
    server.start()
    yield server, code
    server.stop()


def scan_pages(server: AppServer, code: str) -> dict[str, str]:
    """axe on the log-in page and on every page with ``code`` open, in both languages: the violations by
    page (empty when none), after checking each page's language, charts and chart tables."""
    found: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        page.goto(f"{server.url}/?page=case&case={code}")
        settle(page)
        if bad := violations(page):  # the log-in page comes first
            found["sv/log-in"] = describe(bad)
        log_in(page, None, USER, PASSWORD)
        sidebar = page.locator("[data-testid='stSidebar']")
        for index, language in enumerate(("sv", "en")):
            if language == "en":  # the language switch as a user finds it, in the sidebar
                sidebar.get_by_text("English", exact=True).click()
                settle(page)
            for name, links in PAGES.items():
                sidebar.get_by_role("link", name=links[index], exact=True).click()
                expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(links[index], timeout=30_000)
                page.wait_for_selector(IDLE)
                where = f"{language}/{name}"
                assert page.evaluate("document.documentElement.lang") == language, where
                assert page.locator("[data-testid='stMain'] [data-testid='stException']").count() == 0, where
                charts = page.locator(CHART)
                for i in range(charts.count()):  # readable axis text: axe does not look inside SVG
                    if not charts.nth(i).is_visible():  # on a tab not shown
                        continue
                    charts.nth(i).scroll_into_view_if_needed()
                    drawing = charts.nth(i).locator("svg.marks").first
                    drawing.wait_for(state="attached")
                    fills = set(drawing.locator("text").evaluate_all("ts => ts.map(t => t.getAttribute('fill'))"))
                    assert fills <= {"#3d3d3d", "#111111", "#111", "#000", "black", None}, f"{where}: {fills}"
                tables = page.locator("[data-testid='stMain'] [data-testid='stExpander']").filter(
                    has_text="Diagrammet som tabell" if language == "sv" else "The chart as a table")
                assert tables.count() >= charts.count(), f"{where}: a chart without its table"
                if bad := violations(page):
                    found[where] = describe(bad)
                    page.screenshot(path=str(ARTIFACTS / f"a11y-{language}-{name}.png"), full_page=True)
        browser.close()
    return found


# what has the focus: its kind, its name (aria-label, its <label>, or its text) and the widget it is in
FOCUSED = """() => { const e = document.activeElement; if (!e || e === document.body) return "";
  const name = e.getAttribute("aria-label") || (e.labels && e.labels[0] ? e.labels[0].innerText : "")
               || e.innerText || "";
  const group = e.closest("[data-testid=stRadio]");
  const label = group ? group.querySelector("[data-testid=stWidgetLabel]") : null;
  return [e.tagName, e.getAttribute("role") || e.type || "-", name.trim().replace(/\\s+/g, " "),
          label ? label.innerText.trim().replace(/\\s+/g, " ") : ""].join(" | "); }"""


def focused(page: Page) -> str:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, pattern: str, limit: int = 120, back: bool = False) -> str:
    """Press Tab (or Shift+Tab) until the focused element matches ``pattern``; fail after ``limit``."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if re.search(pattern, now):
            return now
        seen.append(now)
    raise AssertionError(f"no focusable element matching {pattern!r} in {limit} Tabs; passed: {seen[-15:]}")


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)
    settle(page)


def choose_in_group(page: Page, group: str, option: str) -> None:
    """Tab into the radio group labelled ``group`` and choose ``option``: the arrows move and choose,
    Space chooses the first option (Tab only focuses it)."""
    tab_to(page, rf"INPUT \| radio \| .* \| {re.escape(group)}")
    moves = 0
    while not re.search(rf"INPUT \| radio \| {re.escape(option)} \|", focused(page)):
        assert moves < 8, f"{option!r} is not an option of {group!r}"
        page.keyboard.press("ArrowRight")
        moves += 1
        idle(page)
    if not moves:
        page.keyboard.press("Space")
        idle(page)
    # the choice shows on the page (a lost key would fail here, naming the factor)
    page.wait_for_function("() => document.activeElement && document.activeElement.checked", timeout=5000)


def idle(page: Page) -> None:
    """As a keyboard user does: see the choice take (the rerun it starts ends) before the next key."""
    with contextlib.suppress(PlaywrightTimeout):  # the rerun the key started (it may be over before we look)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=150)
    page.wait_for_selector(IDLE)


def keyboard_only(server: AppServer) -> str:
    """Log in, register a referral with its checklist and complete a whole SAVRY-like assessment with the
    keyboard only; returns the new case's code."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        page.goto(f"{server.url}/?page=intake")  # Inkorg: this user also coordinates, and would land on Översikt
        settle(page)
        main = page.locator("[data-testid='stMain']")

        # log in
        tab_to(page, r"INPUT \| text \| Användarnamn")
        page.keyboard.type(USER)
        tab_to(page, r"INPUT \| password \| Lösenord")
        page.keyboard.type(PASSWORD)
        press(page, "Enter")
        expect(page.get_by_text("Inloggad: Axel Axe")).to_be_visible()

        # Inkorg → Registrera remiss (a segmented control: arrows move, Space chooses)
        # the landing page drawn in full before the first Tab (the section control comes after the title)
        expect(main.locator("[data-testid='stButtonGroup']").get_by_text("Kö", exact=True)).to_be_visible()
        page.wait_for_selector(IDLE)
        tab_to(page, r"BUTTON \| radio \| Kö")
        page.keyboard.press("ArrowRight")
        assert "Registrera remiss" in focused(page)
        press(page, "Space")
        expect(main.get_by_role("button", name="Registrera remissen")).to_be_visible()
        for item, answer in (("K1", "Ja"), ("K3", "Ja"), ("K4", "Ja"), ("K2", "Nej")):
            choose_in_group(page, item, answer)
        tab_to(page, r"BUTTON \| .* \| Registrera remissen")
        press(page, "Enter")
        flash = main.get_by_text(re.compile(r"Remissen är registrerad i ärende SIG-"))
        expect(flash).to_be_visible()
        code = re.search(r"SIG-[A-Z0-9]{6}", flash.inner_text()).group(0)
        page.screenshot(path=str(ARTIFACTS / "keyboard-referral.png"), full_page=True)

        # Ärende (the case just registered is open) → the tab Ny bedömning → Starta bedömningen
        tab_to(page, r"^A \| - \| folder_open Ärende \|", back=True)  # the sidebar comes before the page
        press(page, "Enter")
        expect(main.get_by_role("heading", name="Ärende", exact=True)).to_be_visible()
        tab_to(page, r"^DIV \| tab \| ")
        for _ in range(8):  # a tab list: arrows move between the tabs, as in WAI-ARIA
            if "Ny bedömning" in focused(page):
                break
            page.keyboard.press("ArrowRight")
        press(page, "Enter")
        tab_to(page, r"BUTTON \| .* \| Starta bedömningen")
        press(page, "Enter")
        expect(main.get_by_role("heading", name="Bedömning", exact=True)).to_be_visible()

        # every factor, domain by domain (the first option: Space; the arrows are used for the checklist and
        # the judgment), then the judgment the assessor makes; Nästa → between steps
        # a keyboard user sees each choice take (the count of rated factors goes up) before the next key,
        # and the next step's first factor before tabbing into it
        inst = instruments.load("savry-like")
        rated, total = 0, len(inst.items)
        for number, domain in enumerate(inst.domains):
            for item in domain.items:
                choose_in_group(page, f"{item.id} ", "Saknas" if domain.direction == "protective" else "Låg")
                rated += 1
                counted = re.compile(rf"(^|\D){rated} av {total} faktorer skattade")
                expect(main.get_by_text(counted).first).to_be_visible()
            if number < len(inst.domains) - 1:
                tab_to(page, r"BUTTON \| .* \| Nästa →", back=True)  # above the factors
                press(page, "Enter")
                first = inst.domains[number + 1].items[0].id
                expect(main.locator("[data-testid='stRadio']").filter(
                    has_text=re.compile(rf"^{first} ")).first).to_be_visible()
        tab_to(page, r"BUTTON \| .* \| Nästa →", back=True)
        press(page, "Enter")  # the summary judgment
        choose_in_group(page, "Din samlade bedömning", "Hög risk")
        tab_to(page, r"TEXTAREA \| .* \| Motivering")
        page.keyboard.type("Upprepat våld och kriminella vänner; inga skyddsfaktorer ännu.")
        press(page, "Tab")  # leaving the field saves it
        expect(main.get_by_text("30 av 30 faktorer skattade")).to_be_visible()
        tab_to(page, r"BUTTON \| .* \| Slutför bedömningen")
        press(page, "Enter")
        expect(main.get_by_text("Bedömningen är slutförd och låst.")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "keyboard-assessment.png"), full_page=True)
        browser.close()
    return code


def test_every_page_meets_wcag_and_the_keyboard_alone_completes_an_assessment(demo_app):
    """WCAG 2.1 AA on every page (see the module) and keyboard only (WCAG 2.1.1): log in, register a
    referral with its checklist and complete a whole SAVRY-like assessment without the mouse, with Tab and
    Shift+Tab to move, the arrow keys inside a radio group or a tab list (as WAI-ARIA has them), Space to
    choose, Enter to press and typing into fields. The two run at once, each its own user in its own
    browser on the same server, which keeps them inside the issue's budget of a minute."""
    server, page_code = demo_app
    outcome: dict[str, object] = {}

    def keyboard() -> None:
        try:
            outcome["code"] = keyboard_only(server)
        except BaseException as exc:  # re-raised below, in the test's own thread
            outcome["error"] = exc

    worker = threading.Thread(target=keyboard, name="keyboard-only")
    worker.start()
    found = scan_pages(server, page_code)
    worker.join(timeout=300)
    assert not worker.is_alive(), "the keyboard-only path did not finish in 5 minutes"
    if "error" in outcome:
        raise outcome["error"]
    assert not found, "\n".join(f"== {where}\n{text}" for where, text in found.items())
    code, data = outcome["code"], server.data_dir

    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        referral = s.scalars(select(Referral).join(Subject, Subject.id == Referral.subject_id)
                             .where(Subject.case_code == code)).one()
        checklist = s.get(Assessment, referral.checklist_id)
        assert {k: v for k, v in checklist.ratings.items() if v is not None} == {
            "K1": "Ja", "K3": "Ja", "K4": "Ja", "K2": "Nej"}
        savry = s.scalars(select(Assessment).where(Assessment.subject_id == referral.subject_id,
                                                   Assessment.instrument_id == "savry-like")).one()
        assert (savry.status, savry.judgment) == ("final", "high")
        assert set(savry.ratings.values()) == {"L", "A"} and len(savry.ratings) == 30
    engine.dispose()


def test_insats_serve_carries_the_accessible_theme_of_the_config_file():
    """A server started anywhere (not only from the project folder) draws the colours that passed axe."""
    import tomllib

    from cli.serve import streamlit_argv
    from tests.browser import ROOT

    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    argv = streamlit_argv(8501, "localhost")
    for key in ("base", "textColor", "primaryColor"):
        assert argv[argv.index(f"--theme.{key}") + 1] == theme[key]


PARTNER = "axe.polis"


def test_the_partner_page_meets_wcag_in_both_languages(demo_app):
    """"Mina grupper" is a partner's only page (they hold no staff role, so the sweep above never shows
    it): the same axe rules, the document's language, an h1, for a police officer in three demo groups."""
    server, _ = demo_app
    engine = make_engine(f"sqlite:///{server.data_dir / 'insats.sqlite'}")
    with transaction(engine) as s:
        officer = add_user(s, SETUP, PARTNER, display_name="Axel Polis", password=PASSWORD, roles=["partner"],
                           organisation="police")
        for member in s.scalars(select(Member).where(Member.organisation == "police", Member.to_on.is_(None))
                                .order_by(Member.subject_id).limit(3)):
            member.user_id = officer.id
    engine.dispose()
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        log_in(page, server.url, PARTNER, PASSWORD)
        for language, title in (("sv", "Mina grupper"), ("en", "My groups")):
            if language == "en":
                page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
                settle(page)
            expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(title, timeout=30_000)
            page.wait_for_selector(IDLE)
            assert page.evaluate("document.documentElement.lang") == language
            assert page.locator("[data-testid='stMain'] [data-testid='stException']").count() == 0
            expect(page.locator("[data-testid='stMain'] [data-testid='stDataFrame']").first).to_be_visible()  # groups
            if bad := violations(page):
                found[f"{language}/groups"] = describe(bad)
                page.screenshot(path=str(ARTIFACTS / f"a11y-{language}-groups.png"), full_page=True)
        browser.close()
    assert found == {}, found


def test_the_referrers_page_meets_wcag_in_both_languages(demo_app):
    """The referrer's one page (Anmälningar) under axe, in Swedish and in English: it needs its own user,
    since a referrer holds no other role, so it is scanned apart from the staff's pages above."""
    server, _ = demo_app
    engine = make_engine(f"sqlite:///{server.data_dir / 'insats.sqlite'}")
    with transaction(engine) as s:
        add_user(s, SETUP, "axe.anmalare", display_name="Anna Anmälare", password=PASSWORD, roles=["referrer"],
                 organisation="school")
    engine.dispose()
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        log_in(page, server.url, "axe.anmalare", PASSWORD)
        for language, title in (("sv", "Anmälningar"), ("en", "Referrals")):
            if language == "en":
                page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
                settle(page)
            expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(title, timeout=30_000)
            assert page.evaluate("document.documentElement.lang") == language
            if bad := violations(page):
                found[language] = describe(bad)
        browser.close()
    assert not found, "\n".join(f"== {where}\n{text}" for where, text in found.items())
