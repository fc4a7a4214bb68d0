"""README screenshots from the demo cohort: ``.venv/bin/python -m tests.screenshots``.

Starts the app on a fresh demo database in a temp dir, opens each page in Chromium and saves
docs/screenshots/<page>.png. Not a test; the end-to-end test takes its own screenshots.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import func, select

from store import make_engine, transaction
from store.models import Assessment, Subject
from store.users import SETUP, set_password

from .app_helpers import RESEARCHER, USER, make_database
from .browser import CHROMIUM_ARGS, ROOT, AppServer, chromium, log_in, settle

PAGES = [("intake", "Inkorg"), ("caseload", "Översikt"),
         ("case", "Ärende"), ("assessment", "Bedömning"), ("change", "Förändring"),
         ("matching", "Insatser"), ("plan", "Åtgärdsplan"), ("followup", "Uppföljning"), ("log", "Logg")]
PASSWORD = "screenshots only, not a real password"



def main() -> None:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("INSATS_SECRET_KEY", "screenshots-key-0123456789-abcdefghijklmnop")
    with tempfile.TemporaryDirectory() as tmp:
        url = make_database(Path(tmp), subjects=200)
        engine = make_engine(url)
        with transaction(engine) as s:
            for user in (USER, RESEARCHER):
                set_password(s, SETUP, user, PASSWORD)
        with transaction(engine) as s:
            code = s.execute(select(Subject.case_code).join(Assessment, Assessment.subject_id == Subject.id)
                             .where(Assessment.status == "final").group_by(Subject.case_code)
                             .having(func.count() >= 4).order_by(Subject.case_code).limit(1)).scalar_one()
        engine.dispose()
        server = AppServer(Path(tmp), {"INSATS_TODAY": "2026-11-23"})
        server.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1050})
                page.goto(server.url)
                settle(page)
                page.screenshot(path=str(out / "login.png"), full_page=False)
                log_in(page, server.url, USER, PASSWORD)
                for slug, title in PAGES:
                    page.locator("[data-testid='stSidebar']").get_by_role("link", name=title, exact=True).click()
                    settle(page)
                    if slug == "case":
                        page.get_by_label("Sök ärendekod").fill(code)
                        page.keyboard.press("Enter")
                        settle(page)
                    page.screenshot(path=str(out / f"{slug}.png"), full_page=False)
                research = browser.new_page(viewport={"width": 1400, "height": 1050})
                log_in(research, server.url, RESEARCHER, PASSWORD)
                research.screenshot(path=str(out / "research.png"), full_page=False)
                browser.close()
        finally:
            server.stop()
        professional_plan_png(url, code, out / "professional-plan.png")
    print(f"saved {len(PAGES) + 3} screenshots in {out}")


def professional_plan_png(url: str, code: str, path: Path) -> None:
    """The first page of the professionals' action plan PDF, as the README shows it."""
    from forms.i18n import STRINGS
    from forms.professional_plan import PlanSheet, figures
    from store import cases

    def sv(key: str) -> str:
        return STRINGS[key]["sv"]

    def who(name: str) -> str:  # as the plan page names an actor
        return STRINGS.get(f"actor_{name}", {}).get("sv", name)

    engine = make_engine(url)
    with transaction(engine) as s:
        subject = cases.subject_by_code(s, SETUP, code)
        plan = cases.current_plan(s, SETUP, subject.id)
        members = cases.members_of(s, SETUP, subject.id)
        sheet = PlanSheet(
            case_code=code, held_on=plan.held_on, next_meeting_on=plan.next_meeting_on,
            attendees=[who(a) for a in plan.attendees],
            goals=[(sv(f"{g.term}_goals"), sv(f"owner_{g.owner}") if g.owner else "–", g.text) for g in plan.goals],
            commitments=[(who(c.actor), c.what, str(c.by_when), c.if_cannot or "–", "–") for c in plan.commitments],
            members=[(m.name, sv(f"org_{m.organisation}"), m.role or "", m.email or "") for m in members],
            labels={key: sv(f"pro_{key}") for key in (
                "title", "held", "next", "attendees", "goals", "term", "owner", "goal", "commitments", "person",
                "what", "by_when", "if_cannot", "review", "network", "name", "organisation", "role", "contact",
                "footer")})
    engine.dispose()
    first = next(figures(sheet))
    first.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
