"""Parts of a page that rerun alone (``forms.fragments``), in a real Chromium: a research filter reruns
only the cohort part and a rating only the form step and score panel, and such a rerun, which does not
pass through app.py, still checks the log-in (a deactivated user sees the no-access page at the next
click, as after a full run)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from store import make_engine, transaction
from store.models import Assessment
from store.users import actor_for, deactivate

from .browser import settle
from .test_day import browser, check, demo, person  # noqa: F401  (the fixtures, one server for this module)
from .test_e2e_browser import click, main, pick

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import expect

COHORT = re.compile(r"(\d+) bedömningar av (\d+) ungdomar")


def cohort_rows(page) -> int:
    caption = main(page).get_by_text(COHORT).first
    expect(caption).to_be_visible()
    return int(COHORT.search(caption.inner_text()).group(1))


@pytest.mark.browser
def test_a_research_filter_narrows_the_cohort_and_a_deactivation_stops_the_next_click(demo, browser):  # noqa: F811
    server, data, passwords, _ = demo
    page = person(browser, server, "demo.forskare", passwords["demo.forskare"])
    expect(main(page).get_by_role("heading", name="Forskning", exact=True)).to_be_visible()
    everyone = cohort_rows(page)
    pick(page, "Remittent", "Polisen")  # the cohort part's own rerun
    check(page, "filtrerad")
    assert 0 < cohort_rows(page) < everyone
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        deactivate(s, actor_for(s, "demo.admin"), "demo.forskare")
    engine.dispose()
    pick(page, "Kön", "flicka")  # a click inside the part again: the log-in is read again first
    settle(page)
    expect(main(page).get_by_text("Du har ingen behörighet i Insats")).to_be_visible()  # on the log-in page
    expect(main(page).get_by_label("Användarnamn")).to_be_visible()
    expect(main(page).get_by_text(COHORT)).to_have_count(0)
    page.context.close()


@pytest.mark.browser
def test_rating_a_factor_updates_the_score_panel_and_is_saved(demo, browser):  # noqa: F811
    server, data, passwords, code = demo
    page = person(browser, server, "demo.soderort", passwords["demo.soderort"], f"?page=case&case={code}")
    click(page, page.get_by_role("tab", name="Ny bedömning"))
    click(page, main(page).get_by_role("button", name="Starta bedömningen"))
    expect(main(page).get_by_role("heading", name="Bedömning", exact=True)).to_be_visible()
    answered = main(page).get_by_text(re.compile(r"^\d+ av 30 faktorer skattade$"))
    before = int(answered.inner_text().split()[0])
    groups = main(page).locator("[data-testid='stRadio']")  # 0 is the step selector, then the factors
    group = next(groups.nth(i) for i in range(1, groups.count()) if groups.nth(i).locator("input:checked").count() == 0)
    factor = group.inner_text().split()[0]
    click(page, group.get_by_text("Hög", exact=True))  # the form step and score panel rerun alone
    check(page, "Bedömning efter en skattning")
    expect(answered).to_have_text(f"{before + 1} av 30 faktorer skattade")
    expect(main(page).get_by_text("Utkastet sparas automatiskt")).to_be_visible()
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        draft = s.scalars(select(Assessment).where(Assessment.status == "draft", Assessment.rater == "demo.soderort")
                          .order_by(Assessment.id.desc())).first()
        assert draft is not None and draft.ratings.get(factor) == "H"
    engine.dispose()
    page.context.close()
