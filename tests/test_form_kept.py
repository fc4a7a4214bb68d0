"""A form keeps what was typed when the store refuses it, in a real browser (forms.context.form).

``st.form(clear_on_submit=True)`` is emptied by the browser on every submit, so a refused entry was gone with
its refusal; the walk of session 7 lost an event's note that way. AppTest cannot show it: the emptying is the
browser's."""

from __future__ import annotations

import pytest

from store import cases
from store.users import SETUP, add_user

from .browser import ARTIFACTS, CHROMIUM_ARGS, chromium, log_in, serving, settle

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import expect, sync_playwright

USER, PASSWORD = "form.samordnare", "ett långt lösenord för formulären"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def prepare(s) -> str:
        add_user(s, SETUP, USER, display_name="Form Samordnare", roles=["intake", "assessor", "coordinator"],
                 teams=["Standard"], password=PASSWORD)
        return cases.create_subject(s, SETUP).case_code  # not started: an event between meetings is refused

    with serving(tmp_path_factory.mktemp("forms"), prepare) as served:
        yield served


def test_a_refused_event_keeps_its_note_in_the_browser(server):
    app, code = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        try:
            log_in(page, f"{app.url}/?page=case&case={code}", USER, PASSWORD)
            main = page.locator("[data-testid=stMain]")
            main.get_by_role("tab", name="Händelser").click()
            settle(page)
            note = main.get_by_label("Vad hände")
            note.fill("Bråk på skolgården, polisen kom.")
            main.get_by_role("button", name="Logga händelsen").click()
            settle(page)
            expect(main.get_by_text("Ärendet har inte startat")).to_be_visible()
            expect(main.get_by_label("Vad hände")).to_have_value("Bråk på skolgården, polisen kom.")
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "form-kept.png"), full_page=True)
            raise
        finally:
            browser.close()
