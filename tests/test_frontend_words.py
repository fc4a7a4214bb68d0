"""Streamlit's own words in the browser (forms.frontend_words), in a real Chromium: a Swedish page has none of
them in English, neither as text nor as a label a screen reader reads, and an English page has them back."""

from __future__ import annotations

import re
from datetime import date

import pytest

import catalogue
from forms.frontend_words import PATTERNS
from store import cases
from store.users import SETUP, add_user

from .browser import ARTIFACTS, CHROMIUM_ARGS, chromium, log_in, serving, settle

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import sync_playwright

USER, PASSWORD = "ord.mottagning", "ett långt lösenord för orden"
ENGLISH = [re.compile(english) for _, _, english, _ in PATTERNS]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def prepare(s) -> None:
        add_user(s, SETUP, USER, display_name="Orden Mottagning", roles=["intake", "coordinator"],
                 teams=["Standard"], password=PASSWORD)
        # one referral waiting: Inkorg draws its queue table (a toolbar) and its decision form (an empty date)
        cases.add_referral(s, SETUP, cases.create_subject(s, SETUP), "polis", date(2026, 11, 2))

    with serving(tmp_path_factory.mktemp("words"), prepare) as (app, _):
        yield app


def streamlit_english(page) -> list[str]:
    """Every text and label on the page that is one of Streamlit's English phrases."""
    texts = [line.strip() for line in page.locator("body").inner_text().splitlines()]
    labels = page.eval_on_selector_all("[aria-label], [aria-valuetext]", "els => els.flatMap(e => "
                                       "[e.getAttribute('aria-label'), e.getAttribute('aria-valuetext')])")
    return sorted({t for t in [*texts, *labels] if t and any(p.search(t) for p in ENGLISH)})


def shown(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_streamlits_own_words_are_swedish_on_a_swedish_page_and_english_on_an_english_one(server):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        try:
            page.goto(server.url)
            settle(page)
            page.get_by_label("Användarnamn").fill(USER)  # a field in a form: "Press Enter to submit form"
            page.wait_for_selector("[data-testid=InputInstructions]")
            assert "Tryck Enter för att skicka formuläret" in shown(page, "[data-testid=InputInstructions]")
            labels = page.eval_on_selector_all("[aria-label]", "els => els.map(e => e.getAttribute('aria-label'))")
            assert "Visa lösenordet" in labels, labels  # the password field's eye
            assert streamlit_english(page) == []
            log_in(page, None, USER, PASSWORD)
            page.get_by_role("link", name="Inkorg").click()
            settle(page)

            # Inkorg: a range slider read out by its two handles
            page.locator("[data-testid=stSlider]").first.wait_for()
            assert streamlit_english(page) == []
            handles = page.eval_on_selector_all("[data-testid=stSlider] input[aria-label]",
                                                "els => els.map(e => e.getAttribute('aria-label'))")
            assert handles[:2] == ["Ålder – från", "Ålder – till"], handles
            # the queue table's toolbar, and an empty date field read out (the decision's "informed on")
            page.locator("[data-testid=stDataFrame]").first.hover()  # the toolbar shows on a hover
            page.wait_for_selector("[data-testid=stElementToolbar] [aria-label]")
            toolbar = page.eval_on_selector_all("[data-testid=stElementToolbar] [aria-label]",
                                                "els => els.map(e => e.getAttribute('aria-label'))")
            assert {"Helskärm", "Sök", "Visa/dölj kolumner"} <= set(toolbar), toolbar
            assert "Tomt" in page.eval_on_selector_all("[data-testid=stDateInput] [aria-valuetext]",
                                                       "els => els.map(e => e.getAttribute('aria-valuetext'))")
            # a list opened: its options counted out loud
            page.locator("[data-testid=stMultiSelect]").first.click()
            page.wait_for_selector("[role=option]")
            assert streamlit_english(page) == []
            page.keyboard.press("Escape")
            # a date picker's month, weekdays and buttons
            page.get_by_role("radio", name=catalogue.text("register_referral", "sv")).click()
            settle(page)
            page.locator("[data-testid=stDateInputCalendarButton]").first.click()
            page.wait_for_selector("[data-testid=stDateInputCalendar]")
            calendar = page.locator("[data-testid=stDateInputCalendar]")
            assert "november 2026" in calendar.inner_text()
            assert calendar.get_attribute("aria-label") == "Välj datum"
            assert streamlit_english(page) == []
            page.keyboard.press("Escape")
            # the bulk import's file picker
            page.get_by_role("radio", name=catalogue.text("bulk_import", "sv")).click()
            settle(page)
            uploader = " ".join(shown(page, "[data-testid=stFileUploader]"))
            assert "Ladda upp" in uploader and "per fil" in uploader, uploader
            assert streamlit_english(page) == []

            # the same page in English: Streamlit's words as Streamlit wrote them
            page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
            settle(page)
            uploader = " ".join(shown(page, "[data-testid=stFileUploader]"))
            assert "Upload" in uploader and "per file" in uploader, uploader
            page.get_by_role("radio", name=catalogue.text("queue", "en")).click()
            settle(page)
            handles = page.eval_on_selector_all("[data-testid=stSlider] input[aria-label]",
                                                "els => els.map(e => e.getAttribute('aria-label'))")
            assert handles[:2] == ["Age — start", "Age — end"], handles
            # the status filter's chosen statuses follow the language (the browser kept "Inkommen" before)
            chips = shown(page, "[data-testid=stMultiSelect]")[1]
            assert "Received" in chips and "Inkommen" not in chips, chips
            page.locator("[data-testid=stSidebar]").get_by_text("Svenska", exact=True).click()
            settle(page)
            assert "Inkommen" in shown(page, "[data-testid=stMultiSelect]")[1]  # not emptied on the way back
            page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
            settle(page)
            assert "Collapse sidebar" in page.eval_on_selector_all(
                "[aria-label]", "els => els.map(e => e.getAttribute('aria-label'))")
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "frontend-words.png"), full_page=True)
            raise
        finally:
            browser.close()


def test_every_word_is_in_both_catalogues_and_every_pattern_matches_what_streamlit_writes():
    for _, _, english, msgid in PATTERNS:
        assert set(catalogue.STRINGS[msgid]) >= {"sv", "en"}, msgid
        re.compile(english)
    said = {msgid: catalogue.text(msgid, "en") for *_, msgid in PATTERNS}
    # the English of each msgid, its placeholders filled, is what the pattern matches (the catalogue and the
    # patterns say the same thing)
    filled = {m: re.sub(r"\{(\w+)\}", lambda g: {"key": "Ctrl", "size": "200MB", "label": "Ålder",
                                                  "year": " 2026", "name": "Polis", "month": "november 2026",
                                                  "n": "11"}[g.group(1)], t) for m, t in said.items()}
    for _, _, english, msgid in PATTERNS:
        assert re.fullmatch(english, filled[msgid]) or re.fullmatch(english, said[msgid].replace("{year}", "")), \
            (msgid, english, filled[msgid])


def test_the_script_cannot_be_ended_by_a_word(monkeypatch):
    """The words travel as JSON inside <script>: a translator's "</script>" stays text in a string."""
    from forms import frontend_words

    monkeypatch.setattr(frontend_words, "PATTERNS", (("", "text", "^</script><b>$", "frontend_upload"),))
    monkeypatch.setattr(catalogue, "text", lambda msgid, lang, **_: "</script><img src=x onerror=alert(1)>")
    frontend_words.script.cache_clear()
    try:
        said = frontend_words.script("sv")
    finally:
        frontend_words.script.cache_clear()
    assert said.count("</script>") == 1 and said.endswith("</script>")
