"""WCAG 2.1 AA as a test (#13 item 1): axe-core on every page with a demo case open, in Swedish and in
English, in a real Chromium against a real server. Any violation of a WCAG 2.0/2.1 A or AA rule, a
skipped heading level or a page without an h1 fails. Each page also says its language in
``<html lang>`` and every chart has readable text and its numbers as a table under it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store import make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import Assessment, Subject, Team
from store.users import SETUP, add_user

from .axe import describe, violations
from .browser import ARTIFACTS, CHROMIUM_ARGS, AppServer, chromium, log_in, settle

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import sync_playwright

USER, PASSWORD = "axe.alla", "ett långt lösenord för axe-testet"
PAGES = {  # sidebar link in each language, in the order of the sidebar
    "intake": ("Inkorg", "Intake"), "case": ("Ärende", "Case"), "assessment": ("Bedömning", "Assessment"),
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


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_page_meets_wcag_21_aa_with_a_case_open(demo_app, language):
    server, code = demo_app
    index = 0 if language == "sv" else 1
    found: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=f"{language}-SE")
        log_in(page, f"{server.url}/?page=case&case={code}", USER, PASSWORD)
        sidebar = page.locator("[data-testid='stSidebar']")
        if language == "en":  # the language switch as a user finds it, in the sidebar
            sidebar.get_by_text("English", exact=True).click()
            settle(page)
        for name, links in PAGES.items():
            sidebar.get_by_role("link", name=links[index], exact=True).click()
            settle(page)
            page.wait_for_selector("[data-testid='stMain'] h1")
            assert page.evaluate("document.documentElement.lang") == language, name
            assert page.locator("[data-testid='stMain'] [data-testid='stException']").count() == 0, name
            charts = page.locator(CHART)
            for i in range(charts.count()):  # readable axis text: axe does not look inside SVG
                if not charts.nth(i).is_visible():  # on a tab not shown
                    continue
                charts.nth(i).scroll_into_view_if_needed()
                drawing = charts.nth(i).locator("svg.marks").first
                drawing.wait_for(state="attached")
                fills = set(drawing.locator("text").evaluate_all("ts => ts.map(t => t.getAttribute('fill'))"))
                assert fills <= {"#3d3d3d", "#111111", "#111", "#000", "black", None}, f"{name}: chart text {fills}"
            tables = page.locator("[data-testid='stMain'] [data-testid='stExpander']").filter(
                has_text="Diagrammet som tabell" if language == "sv" else "The chart as a table")
            assert tables.count() >= charts.count(), f"{name}: a chart without its table"
            if bad := violations(page):
                found[name] = describe(bad)
                page.screenshot(path=str(ARTIFACTS / f"a11y-{language}-{name}.png"), full_page=True)
        browser.close()
    assert not found, "\n".join(f"== {name}\n{text}" for name, text in found.items())
