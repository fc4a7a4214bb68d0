"""Every download the pages offer arrives, non-empty, in a real Chromium (#19 item 1).

A deferred ``st.download_button`` runs its callable on Streamlit's download thread, where the page's
session state is out of reach: the professionals' plan once spun forever there ("no one is logged in")
while every AppTest passed, because AppTest never runs the callable. So each download is clicked here,
as a person would, and the file read back. A static check keeps the list complete: every download a
page draws goes through ``forms.release.download`` (the only ``st.download_button``), and each call
site is counted against what this test clicks.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store import cases, make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import Assessment, AuditEntry, Consent, Meeting, Subject, Team
from store.users import SETUP, add_user

from .browser import CHROMIUM_ARGS, AppServer, chromium, fetch, log_in, settle
from .test_extract import pdf_text

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 23)
USER, PASSWORD = "ladda.ner", "ett långt lösenord för nedladdningar"
# the download call sites per page module, each clicked below (a new one fails the static test)
CLICKED = {
    "forms/pages/plan.py": {"download": 1, "release_button": 3},
    "forms/pages/change.py": {"release_button": 2},
    "forms/closing.py": {"release_button": 1},
    "forms/pages/followup.py": {"download": 2, "audited_download": 1},
    "forms/pages/research.py": {"audited_download": 1},
    "forms/pages/log.py": {"audited_download": 1},
    "forms/pages/case.py": {"download": 1},
}
MAKERS = {"download", "release_button", "audited_download"}
FAMILY = ("Maria Hemligsson", "070-987 65 43", "maria@hemlig.example")


def call_sites() -> dict[str, dict[str, int]]:
    """Calls of the release path's three makers in the page code, by file (the makers' own module and
    the CSV helper that wraps ``download`` are the path itself)."""
    found: dict[str, dict[str, int]] = {}
    for path in sorted((ROOT / "forms").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in ("forms/release.py", "forms/safe_csv.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MAKERS:
                found.setdefault(name, {}).setdefault(node.func.id, 0)
                found[name][node.func.id] += 1
    return found


def test_every_download_goes_through_the_release_path_and_is_clicked_below():
    direct = [str(p.relative_to(ROOT)) for p in (ROOT / "forms").rglob("*.py")
              if "download_button(" in p.read_text() and p.name != "release.py"]
    direct += ["app.py"] if "download_button(" in (ROOT / "app.py").read_text() else []
    assert direct == [], "st.download_button outside forms/release.py"
    assert call_sites() == CLICKED


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo cohort, a user with every role in Söderort, an open case with a plan and two final
    assessments and a closed one, each under a consent that lets social services have its plan."""
    data = tmp_path_factory.mktemp("downloads")
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=40, seed=3, today=TODAY)
        add_user(s, SETUP, USER, display_name="Lo Laddner", password=PASSWORD, teams=["SIG Söderort"],
                 roles=["intake", "assessor", "coordinator", "researcher", "admin"])
        covered = {c.subject_id for c in s.scalars(select(Consent)) if c.withdrawn_on is None
                   and c.signed_on <= TODAY <= c.valid_until and "socialtjanst" in c.actors
                   and {"plan", "assessment"} <= set(c.categories)}
        planned = set(s.scalars(select(Meeting.subject_id)))
        finals = dict(s.execute(select(Assessment.subject_id, func.count()).where(Assessment.status == "final")
                                .group_by(Assessment.subject_id)).all())
        soder = s.execute(select(Subject.id, Subject.case_code, Subject.closed_on).join(Team)
                          .where(Team.name == "SIG Söderort").order_by(Subject.case_code)).all()
        open_code = next(code for sid, code, closed in soder
                         if closed is None and sid in covered and sid in planned and finals.get(sid, 0) >= 2)
        closed_code = next(code for sid, code, closed in soder if closed is not None and sid in covered)
        # the open case has protected identity and a family in its network: no file may name them
        youth = s.scalar(select(Subject).where(Subject.case_code == open_code))
        cases.add_member(s, SETUP, youth, FAMILY[0], "guardian", phone=FAMILY[1], email=FAMILY[2])
        if not youth.protected:
            cases.protect(s, SETUP, open_code, "Familjen lever under hot")
    engine.dispose()
    server = AppServer(data, {"INSATS_TODAY": TODAY.isoformat(),
                                     "INSATS_SECRET_KEY": "downloads-key-0123456789-abcdefghijklmnop"})
    server.start()
    yield server, data, open_code, closed_code
    server.stop()



def recipient(page: Page, nth: int, label: str = "Socialtjänsten") -> None:
    box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").filter(has_text="Mottagare").nth(nth)
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=label, exact=True).click()
    settle(page)


def go(page: Page, link: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_role("link", name=link, exact=True).click()
    settle(page)


def test_every_download_arrives_in_a_real_browser(demo):
    server, data, open_code, closed_code = demo
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE", accept_downloads=True)
        page.goto(f"{server.url}/?page=plan&case={open_code}")
        settle(page)
        log_in(page, None, USER, PASSWORD)
        files = {}
        # Åtgärdsplan: the family's plan and the professionals' PDF to a covered recipient, the invitation
        # and the agenda of the next meeting
        recipient(page, 0)
        files["plain"] = fetch(page, "Plan i klarspråk att skriva ut")
        recipient(page, 1)
        files["pro"] = fetch(page, "Åtgärdsplan för nätverket (PDF)")
        page.get_by_text("Kalla till nästa möte", exact=True).click()
        settle(page)
        files["ics"] = fetch(page, "Kallelse till kalendern (.ics)")
        assert page.get_by_role("button", name="Dagordning att skriva ut").count() == 0  # no recipient yet
        recipient(page, 2)  # the agenda holds the plan: only to a recipient the consent covers
        files["agenda"] = fetch(page, "Dagordning att skriva ut")
        # Förändring: the before/after sheet as PDF and PNG
        go(page, "Förändring")
        recipient(page, 0)
        files["sheet_pdf"] = fetch(page, "Ladda ner en sida (PDF)")
        files["sheet_png"] = fetch(page, "Ladda ner som bild (PNG)")
        # Uppföljning: the report as PDF, JSON and CSV
        go(page, "Uppföljning")
        files["report_pdf"] = fetch(page, "Rapport (PDF)")
        files["report_json"] = fetch(page, "JSON")
        files["report_csv"] = fetch(page, "Ladda ner tabellen (CSV)")
        go(page, "Forskning")
        files["research_csv"] = fetch(page, "Ladda ner tabellen (CSV)")
        go(page, "Logg")
        files["log_csv"] = fetch(page, "Ladda ner tabellen (CSV)")
        # the grid's own toolbar offers no "Download as CSV" (client.disableDataExport): its file would
        # skip the audit row and the formula neutralisation; the toolbar itself is still there
        grid = page.locator("[data-testid='stMain'] [data-testid='stDataFrame']").first
        grid.hover()
        page.wait_for_selector("[data-testid='stElementToolbarButton']")
        labels = page.locator("[data-testid='stElementToolbarButton']").evaluate_all(
            "bs => bs.map(b => (b.querySelector('button') || b).getAttribute('aria-label') || '')")
        assert labels and not any("CSV" in (label or "") for label in labels), labels
        # a closed case: its closing summary for the family
        page.goto(f"{server.url}/?page=case&case={closed_code}")
        settle(page)
        page.wait_for_selector("input[aria-label='Användarnamn'], [data-testid='stMain'] h1")
        if page.locator("input[aria-label='Användarnamn']").count():  # a new browser session may ask again
            log_in(page, None, USER, PASSWORD)
        page.get_by_role("tab", name="Avslut").click()
        settle(page)
        recipient(page, 0, "Ungdomen och vårdnadshavare")
        files["closing"] = fetch(page, "Avslutande sammanfattning (för ungdom och familj)")
        # the protected case's register extract (GDPR art. 15), from its Integritet tab
        page.goto(f"{server.url}/?page=case&case={open_code}")
        settle(page)
        page.wait_for_selector("input[aria-label='Användarnamn'], [data-testid='stMain'] h1")
        if page.locator("input[aria-label='Användarnamn']").count():
            log_in(page, None, USER, PASSWORD)
        page.get_by_role("tab", name="Integritet").click()
        settle(page)
        files["extract"] = fetch(page, "Registerutdrag (PDF)")
        browser.close()
    for pdf in ("pro", "sheet_pdf", "report_pdf"):
        assert files[pdf].startswith(b"%PDF"), pdf
    assert files["sheet_png"].startswith(b"\x89PNG")
    assert files["ics"].startswith(b"BEGIN:VCALENDAR") and open_code.encode() in files["ics"]
    assert open_code.encode() in files["pro"] or files["pro"].startswith(b"%PDF")
    assert b"<html" in files["agenda"].lower() and b"<html" in files["plain"].lower()
    assert files["extract"].startswith(b"%PDF") and "Registerutdrag" in pdf_text(files["extract"])
    for name in ("plain", "pro", "ics", "agenda", "extract"):  # the protected case's files name no family member
        text = pdf_text(files[name]) if files[name].startswith(b"%PDF") else files[name].decode("utf-8")
        text = text.replace("\r\n ", "")  # an .ics folds its long lines
        assert not [secret for secret in FAMILY if secret in text], name
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:  # each file made was audited under the user who clicked
        mine = [(a, d or "") for a, d in s.execute(select(AuditEntry.action, AuditEntry.detail)
                                                  .where(AuditEntry.who == USER))]
    engine.dispose()
    released = " ".join(d for a, d in mine)
    for part in (f"atgardsplan-{open_code}", "plan-", f"invitation {open_code}", f"dagordning-{open_code}", ".pdf",
                 ".png", "uppfoljning-", "insats-logg-", f"sammanfattning-{closed_code}", "register extract"):
        assert part in released, part
