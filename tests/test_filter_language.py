"""A filter's chosen chips follow a change of language, in a real browser (forms.choice.kept_many).

The browser keeps a multiselect's chips as the texts it was shown: Forskning's gender filter said "pojke"
on the English page, and after switching back it could come back empty. AppTest cannot show it."""

from __future__ import annotations

from datetime import date

import pytest

from store.demo import seed_demo
from store.users import SETUP, add_user

from .browser import ARTIFACTS, CHROMIUM_ARGS, chromium, log_in, serving, settle

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import sync_playwright

USER, PASSWORD = "filter.forskare", "ett långt lösenord för filtren"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def prepare(s) -> None:
        seed_demo(s, SETUP, n_subjects=60, today=date(2026, 11, 23), seed=5)
        add_user(s, SETUP, USER, display_name="Filter Forskare", roles=["researcher"], password=PASSWORD)

    with serving(tmp_path_factory.mktemp("filters"), prepare) as (app, _):
        yield app


def test_the_gender_filter_says_its_choice_in_the_language_of_the_page(server):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        try:
            log_in(page, server.url, USER, PASSWORD)
            main = page.locator("[data-testid=stMain]")
            box = main.locator("[data-testid=stMultiSelect]").filter(has=page.get_by_text("Kön", exact=True))
            box.click()
            page.get_by_role("option", name="pojke", exact=True).click()
            page.keyboard.press("Escape")
            settle(page)
            assert "pojke" in box.inner_text()
            page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
            settle(page)
            box = main.locator("[data-testid=stMultiSelect]").filter(has=page.get_by_text("Gender", exact=True))
            assert "boy" in box.inner_text() and "pojke" not in box.inner_text()
            page.locator("[data-testid=stSidebar]").get_by_text("Svenska", exact=True).click()
            settle(page)
            box = main.locator("[data-testid=stMultiSelect]").filter(has=page.get_by_text("Kön", exact=True))
            assert "pojke" in box.inner_text()
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "filter-language.png"), full_page=True)
            raise
        finally:
            browser.close()
