"""Each role's day in a real Chromium, through the pages only, read back afterwards (#19).

AppTest opens one page at a time and never runs a deferred download or sends a widget's value back as
a browser does; a day's work in the browser met a PDF that never came and ratings split between two
drafts. So the demo users work here as people do: intake registers, decides, asks and imports; an
assessor records consent, rates a whole assessment with the mouse, compares and releases the sheet;
a coordinator starts on Översikt, works the group's network and plan and closes the case; a researcher
filters and downloads (also in English); an admin reads the log. After every step ``check`` fails on
an error box, a raw vocabulary code, an English sentence or a dot decimal on a Swedish page, and what
was saved is read back in a fresh browser session or in the database.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from store import make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import Ask, Assessment, AuditEntry, Commitment, Consent, Meeting, Member, Referral, Subject, Team
from store.users import SETUP

from .browser import CHROMIUM_ARGS, IDLE, AppServer, chromium, fetch, log_in, settle
from .test_e2e_browser import click, go, main, pick, rate_all
from .test_translations import DOT_DECIMAL, ENGLISH, RAW_CODE

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

TODAY = date(2026, 11, 23)
PNR = "20110314-2376"  # a valid, invented personnummer typed at registration
FAILED = re.compile(r"Inget har ändrats|Nothing was changed|Det gick inte|fel-id|error id", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo cohort with its users (their passwords kept for the log-ins), served on localhost."""
    data = tmp_path_factory.mktemp("day")
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as s:
        passwords = seed_demo(s, SETUP, n_subjects=40, seed=3, today=TODAY).passwords
        finals = dict(s.execute(select(Assessment.subject_id, func.count()).where(
            Assessment.status == "final", Assessment.instrument_id == "savry-like")
            .group_by(Assessment.subject_id)).all())
        covered = {c.subject_id for c in s.scalars(select(Consent)) if c.withdrawn_on is None
                   and c.signed_on <= TODAY <= c.valid_until and "socialtjanst" in c.actors}
        soder = s.execute(select(Subject.id, Subject.case_code).join(Team).where(
            Team.name == "SIG Söderort", Subject.closed_on.is_(None)).order_by(Subject.case_code)).all()
        rated = next(code for sid, code in soder if finals.get(sid, 0) >= 1 and sid in covered)
    engine.dispose()
    # `insats serve`, as deployed, with JSON log lines: the last test reads the whole day's log (server.log)
    server = AppServer(data, {"INSATS_TODAY": TODAY.isoformat(), "INSATS_LOG_FORMAT": "json",
                              "INSATS_SECRET_KEY": "day-test-key-0123456789-abcdefghijklmnop"}, launcher="insats")
    server.start()
    yield server, data, passwords, rated
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def person(browser, server: AppServer, login: str, password: str, path: str = "", lang: str = "sv") -> Page:
    """A fresh browser session (its own cookies) logged in as ``login``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server.url}/{path}")
    settle(page)
    if lang == "en":
        page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
        settle(page)
    log_in(page, None, login, password) if lang == "sv" else english_log_in(page, login, password)
    return page


def english_log_in(page: Page, login: str, password: str) -> None:
    page.get_by_label("User name", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    settle(page)



def check(page: Page, where: str, lang: str = "sv") -> None:
    """What a person must never meet: an error box or a trace, a code from the vocabularies, English
    on a Swedish page, a dot decimal."""
    page.wait_for_selector(IDLE)
    assert main(page).locator("[data-testid='stException']").count() == 0, where
    # a refusal or the error boundary (a red alert about the case itself, an overdue meeting, is the point)
    errors = main(page).locator("[data-testid='stAlertContentError']").filter(has_text=FAILED)
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()}"
    text = main(page).inner_text()
    raw = [text[max(0, m.start() - 60):m.end() + 20] for m in RAW_CODE.finditer(text)]
    assert not raw, f"{where}: {raw[:3]}"
    if lang == "sv":
        assert not ENGLISH.search(text), f"{where}: {ENGLISH.search(text).group(0)!r} in {text[:300]!r}"
        assert not DOT_DECIMAL.search(text), f"{where}: {DOT_DECIMAL.search(text).group(0)}"




def segment(page: Page, name: str) -> None:
    click(page, main(page).locator("[data-testid='stButtonGroup']").get_by_text(name, exact=True))


def radio(page: Page, label: str, option: str) -> None:
    group = main(page).locator("[data-testid='stRadio']").filter(has_text=label).first
    click(page, group.get_by_text(option, exact=True))


def choose(page: Page, label: str, option_text: str, typed: bool = False) -> None:
    """A selectbox by its label: the first option that contains the text (typed to filter a long list)."""
    box = main(page).locator("[data-testid='stSelectbox']").filter(has_text=label).first
    open_list(page, box, page.get_by_role("option").filter(has_text=option_text).first, option_text if typed else "")


def open_list(page: Page, box, option, typed: str = "") -> None:
    """Open a selectbox's list and click ``option``. A rerun that ends just after the click (a download's
    audit, say) draws the box again and closes the list: it is opened again, as a person would (the day
    test met this once under a full suite's load)."""
    for _ in range(3):
        settle(page)
        box.scroll_into_view_if_needed()
        box.click()
        if typed:
            page.keyboard.type(typed)
        try:
            option.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    click(page, option)


def button(page: Page, name: str) -> None:
    click(page, main(page).get_by_role("button", name=name, exact=True))



def flash(page: Page, pattern: str) -> str:
    found = main(page).locator("[data-testid='stAlertContentSuccess']").filter(has_text=re.compile(pattern)).first
    expect(found).to_be_visible()
    return found.inner_text()


def test_intake_registers_decides_asks_and_imports(demo, browser):
    server, data, passwords, _ = demo
    page = person(browser, server, "demo.mottagning", passwords["demo.mottagning"])
    expect(main(page).get_by_role("heading", name="Inkorg", exact=True)).to_be_visible()  # where intake starts
    check(page, "Inkorg")
    # register a referral with its checklist
    segment(page, "Registrera remiss")
    main(page).get_by_label("Personnummer (valfritt, sparas krypterat)", exact=True).fill(PNR)  # must never reach a log
    for item, answer in (("K1", "Ja"), ("K2", "Nej")):
        radio(page, item, answer)
    button(page, "Registrera remissen")
    code = re.search(r"SIG-[A-Z0-9]{6}", flash(page, "Remissen är registrerad")).group(0)
    check(page, "registrerad")
    # decide on it, with criteria; ask; the answer is no: every step stays on this youth (#19 item 3)
    segment(page, "Kö")
    choose(page, "Remiss", code, typed=True)
    click(page, main(page).get_by_text(re.compile("Remittentens svar")).first)
    expect(main(page).get_by_text("Tidigare brottslighet").first).to_be_visible()  # the checklist as sent
    radio(page, "aktuell för SIG", "Ja")
    pick(page, "Kriterier som uppfylls", "Grova eller strategiska brott")
    button(page, "Spara beslut")
    flash(page, f"Sparat för {code}")
    button(page, "Ungdom och vårdnadshavare tillfrågade")
    flash(page, f"Sparat för {code}")
    radio(page, "Tackade de ja?", "Nej")
    button(page, "Spara svar")
    flash(page, f"Sparat för {code}")
    check(page, "beslut och svar")
    # the motivation list: ask again, one click
    segment(page, "Motivation")
    row = main(page).locator("[data-testid='stHorizontalBlock']").filter(has_text=code).first
    expect(row).to_contain_text("Tillfrågad 1 gång,")
    click(page, row.get_by_role("button", name="Fråga igen"))
    check(page, "motivation")
    # an import with errors: named by row, in Swedish, nothing saved
    segment(page, "Importera fil")
    upload = data / "remisser.csv"
    upload.write_text("case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on\n"
                      "SIG-IMP001,polis,2026-13-01,,,,,\nSIG-IMP002,grannen,2026-11-01,,,,,\n")
    main(page).locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(upload))
    settle(page)
    errors = main(page).locator("[data-testid='stTable']").last
    expect(errors).to_contain_text("ett datum som ÅÅÅÅ-MM-DD")
    expect(errors).to_contain_text("något av")
    page.context.close()
    # read back in a fresh session: asked again, so back in the queue waiting for the answer
    again = person(browser, server, "demo.mottagning", passwords["demo.mottagning"])
    choose(again, "Remiss", code, typed=True)
    expect(main(again).locator("[data-testid='stRadio']").filter(has_text="Tackade de ja?")).to_be_visible()
    check(again, "tillbaka i kön")
    again.context.close()
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        referral = s.scalars(select(Referral).join(Subject, Subject.id == Referral.subject_id)
                             .where(Subject.case_code == code)).one()
        # asked again after a no: the answer is open again
        assert referral.suitable is True and referral.criteria == ["serious_crime"] and referral.accepted is None
        assert len(s.scalars(select(Ask).where(Ask.referral_id == referral.id)).all()) == 2
        assert s.scalar(select(func.count()).select_from(Subject).where(Subject.case_code.like("SIG-IMP%"))) == 0
    engine.dispose()


def test_assessor_records_consent_rates_compares_and_releases(demo, browser):
    server, data, passwords, code = demo
    page = person(browser, server, "demo.soderort", passwords["demo.soderort"], f"?page=case&case={code}")
    expect(main(page).get_by_role("heading", name="Ärende", exact=True)).to_be_visible()
    check(page, "Ärende")
    # a consent that covers the school for the plan
    click(page, page.get_by_role("tab", name="Samtycken"))
    pick(page, "Undertecknat av", "Ungdomen", "Vårdnadshavare 1")
    pick(page, "Aktörer som får dela", "Skolan")
    pick(page, "Uppgifter som får delas", "Åtgärdsplan")
    button(page, "Spara samtycke")
    flash(page, "Samtycket är sparat")
    check(page, "samtycke")
    # a follow-up assessment, every factor with the mouse, finalised
    click(page, page.get_by_role("tab", name="Ny bedömning"))
    choose(page, "Tillfälle", "Uppföljning")
    button(page, "Starta bedömningen")
    expect(main(page).get_by_role("heading", name="Bedömning", exact=True)).to_be_visible()
    check(page, "Bedömning")
    rate_all(page, risk="Måttlig", protective="Finns", judgment="Måttlig risk", rationale="Skolan fungerar, ny fritid.")
    expect(main(page).get_by_text("Utkastet sparas automatiskt")).to_have_count(0)  # a final one is locked
    check(page, "slutförd")
    # a second one the same day, for closing: its own draft, never the first one's
    go(page, "Ärende")
    click(page, page.get_by_role("tab", name="Ny bedömning"))
    choose(page, "Tillfälle", "Avslut")
    button(page, "Starta bedömningen")
    rate_all(page, risk="Låg", protective="Finns", judgment="Låg risk", rationale="Målen nådda.")
    check(page, "andra slutförda")
    # Förändring: the sheet to a covered recipient, and the refusal for one not covered
    go(page, "Förändring")
    check(page, "Förändring")
    choose(page, "Mottagare", "Socialtjänsten")
    assert fetch(page, "Ladda ner en sida (PDF)").startswith(b"%PDF")
    choose(page, "Mottagare", "BUP")
    expect(main(page).locator("[data-testid='stAlertContentWarning']").first).to_contain_text("samtycke")
    go(page, "Insatser")
    check(page, "Insatser")
    page.context.close()
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        closing, follow_up = s.scalars(select(Assessment).join(Subject).where(
            Subject.case_code == code, Assessment.rater == "demo.soderort").order_by(Assessment.id.desc())).all()[:2]
        assert (follow_up.occasion, follow_up.status, follow_up.judgment) == ("follow-up", "final", "moderate")
        assert (closing.occasion, closing.status, closing.judgment) == ("closing", "final", "low")
        assert all(sum(v is not None for v in a.ratings.values()) == 30 for a in (follow_up, closing))
        consent = s.scalars(select(Consent).join(Subject).where(Subject.case_code == code)
                            .order_by(Consent.id.desc())).first()
        assert consent.actors == ["skola"] and consent.categories == ["plan"]
    engine.dispose()


def test_coordinator_starts_on_the_overview_and_works_a_group_to_its_close(demo, browser):
    server, data, passwords, _ = demo
    page = person(browser, server, "demo.samordnare", passwords["demo.samordnare"])
    expect(main(page).get_by_role("heading", name="Översikt", exact=True)).to_be_visible()
    check(page, "Översikt")
    grid = main(page).locator("[data-testid='stDataFrame']").first  # the most urgent group is the first row
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 52)  # its row-selection cell
    settle(page)
    expect(main(page).get_by_role("heading", name="Ärende", exact=True)).to_be_visible()
    code = re.search(r"DEMO-[A-Z0-9-]+|SIG-[A-Z0-9]+", main(page).locator("[data-testid='stMetric']").first
                     .inner_text()).group(0)
    check(page, "Ärende från Översikt")
    # the network: a member, then an event between meetings
    click(page, page.get_by_role("tab", name="Nätverket"))
    form = main(page).locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name="Lägg till medlem"))
    form.get_by_label("Namn", exact=True).fill("Kim Kontaktpolis")
    click(page, form.get_by_role("button", name="Lägg till medlem"))
    check(page, "medlem")
    click(page, page.get_by_role("tab", name="Händelser"))
    events = main(page).locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name="Logga händelsen"))
    events.get_by_label("Vad hände").fill("Samtal med mentor om frånvaro.")
    # a look at another tab keeps what was typed (a tab drawn only when open lost it: the walk of #24)
    click(page, page.get_by_role("tab", name="Nätverket"))
    click(page, page.get_by_role("tab", name="Händelser"))
    expect(events.get_by_label("Vad hände")).to_have_value("Samtal med mentor om frånvaro.")
    click(page, events.get_by_role("button", name="Logga händelsen"))
    check(page, "händelse")
    # the plan: a meeting held today, the invitation and agenda, both plans as documents
    go(page, "Åtgärdsplan")
    meeting = main(page).locator("[data-testid='stExpander']").filter(has_text="Registrera nätverksmöte").first
    if not meeting.get_by_role("button", name="Spara mötet").is_visible():
        click(page, meeting.get_by_text("Registrera nätverksmöte").first)
    meeting.get_by_role("textbox", name="Kortsiktiga mål").fill("Gå till skolan varje dag")
    meeting.get_by_role("textbox", name="Kortsiktiga mål").press("Tab")
    settle(page)
    click(page, meeting.get_by_role("button", name="Spara mötet"))
    check(page, "möte")
    # a commitment with its "if I can't", then the review of the first one on the list
    click(page, main(page).locator("[data-testid='stExpander'] summary").filter(has_text="Lägg till åtagande").first)
    adding = page.get_by_role("button", name="Lägg till åtagande")
    form = main(page).locator("[data-testid='stForm']").filter(has=adding)
    form.get_by_role("textbox", name="Åtagande till nästa möte").fill("Ringer mentorn varje måndag")
    form.get_by_role("textbox", name="Om jag inte kan").fill("Skickar ett sms till samordnaren")
    click(page, form.get_by_role("button", name="Lägg till åtagande"))
    flash(page, "Åtagandet är tillagt")
    review = main(page).locator("[data-testid='stExpander']").filter(has_text="Följ upp på mötet").first
    click(page, review.get_by_text("Följ upp på mötet").first)
    click(page, review.get_by_text("Delvis", exact=True))
    review.get_by_role("textbox", name="Med ett ord: varför").fill("Sjuk en vecka")
    review.get_by_role("textbox", name="Med ett ord: varför").press("Tab")
    settle(page)
    click(page, review.get_by_role("button", name="Spara uppföljningen"))
    flash(page, "Uppföljningen är sparad")
    check(page, "åtagande och uppföljning")
    click(page, main(page).get_by_text("Kalla till nästa möte", exact=True))
    assert fetch(page, "Kallelse till kalendern (.ics)").startswith(b"BEGIN:VCALENDAR")
    agenda = main(page).locator("[data-testid='stSelectbox']").filter(has_text="Mottagare").nth(2)
    # the agenda holds the plan: it goes to a recipient the consent covers
    open_list(page, agenda, page.get_by_role("option", name="Ungdomen och vårdnadshavare", exact=True))
    assert b"<html" in fetch(page, "Dagordning att skriva ut")
    choose(page, "Mottagare", "Ungdomen och vårdnadshavare")
    assert b"<html" in fetch(page, "Plan i klarspråk att skriva ut")
    pro = main(page).locator("[data-testid='stSelectbox']").filter(has_text="Mottagare").nth(1)
    open_list(page, pro, page.get_by_role("option", name="Ungdomen och vårdnadshavare", exact=True))
    assert fetch(page, "Åtgärdsplan för nätverket (PDF)").startswith(b"%PDF")
    check(page, "planen")
    # closing
    go(page, "Ärende")
    click(page, page.get_by_role("tab", name="Avslut"))
    summary = main(page).get_by_role("textbox", name=re.compile("Avslutande sammanfattning: hur"))
    summary.fill("Målen nådda.")
    summary.press("Tab")  # a text area keeps its value on leaving it: before the button, under any load
    settle(page)
    button(page, "Avsluta deltagandet")
    expect(main(page).get_by_text(re.compile("Deltagandet avslutades")).first).to_be_visible(timeout=15_000)
    check(page, "avslut")
    page.context.close()
    # read back in a fresh session: closed, no next meeting, a closing row on the timeline
    again = person(browser, server, "demo.samordnare", passwords["demo.samordnare"], f"?page=case&case={code}")
    expect(main(again).locator("[data-testid='stMetric']").filter(has_text="Status")).to_contain_text("Avslutad")
    expect(main(again).get_by_text("Nästa nätverksmöte")).to_have_count(0)
    check(again, "avslutat ärende")
    again.context.close()
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        subject = s.scalars(select(Subject).where(Subject.case_code == code)).one()
        assert subject.closed_on == TODAY and "Kim Kontaktpolis" in {m.name for m in s.scalars(
            select(Member).where(Member.subject_id == subject.id))}
        commitments = s.scalars(select(Commitment).join(Meeting).where(Meeting.subject_id == subject.id)).all()
        assert any(c.what == "Ringer mentorn varje måndag" and c.if_cannot == "Skickar ett sms till samordnaren"
                   for c in commitments)
        assert any(c.review == "partly" and c.review_note == "Sjuk en vecka" for c in commitments)
    engine.dispose()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_researcher_filters_and_downloads(demo, browser, lang):
    server, _, passwords, _ = demo
    page = person(browser, server, "demo.forskare", passwords["demo.forskare"], lang=lang)
    heading = "Forskning" if lang == "sv" else "Research"
    expect(main(page).get_by_role("heading", name=heading, exact=True)).to_be_visible()
    check(page, heading, lang)
    pick(page, "Remittent" if lang == "sv" else "Referral source", "Polisen" if lang == "sv" else "Police")
    check(page, "filtrerad", lang)
    assert b"," in fetch(page, "Ladda ner tabellen (CSV)" if lang == "sv" else "Download the table (CSV)")
    page.context.close()


def test_admin_reads_the_log_and_no_case(demo, browser):
    server, data, passwords, code = demo
    page = person(browser, server, "demo.admin", passwords["demo.admin"])
    expect(main(page).get_by_role("heading", name="Logg", exact=True)).to_be_visible()
    check(page, "Logg")
    links = page.locator("[data-testid='stSidebar']").get_by_role("link")
    assert "Ärende" not in links.all_inner_texts()  # no case content for the admin
    page.goto(f"{server.url}/?page=case&case={code}")  # a link to a case opens no case
    settle(page)
    log_in(page, None, "demo.admin", passwords["demo.admin"])
    expect(main(page).get_by_role("heading", name="Ärende", exact=True)).to_have_count(0)
    page.context.close()
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.who == "demo.admin",
                                                                          AuditEntry.action == "read",
                                                                          AuditEntry.entity == "case")) == 0
    engine.dispose()


def test_the_days_server_log_is_json_lines_without_a_name_a_personnummer_or_free_text(demo):
    """Last in the module: the server's whole output for the day above (``insats serve`` with
    ``INSATS_LOG_FORMAT=json``) is one JSON object per line, and holds none of the demo cohort's names
    (members, family, users), no personnummer (the one typed, or any of its shape) and none of the free
    text typed in the day or stored in the cohort (events, commitments, rationales, the protection reason)."""
    import json
    from pathlib import Path

    from store.demo import FAMILY, FIRST_NAMES, PROTECTED_REASON, USERS
    from store.models import Event, Protection

    server, data, _, _ = demo
    lines = server.log.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]  # a plain line fails here, named by json
    assert all(set(r) == {"time", "level", "logger", "message"} for r in records), records[:3]
    assert any(r["logger"] == "insats" and r["message"].startswith("database:") for r in records)  # really read
    # a day of ordinary work leaves no trace: Inkorg's clock columns (dates beside "–") made Arrow log one each run
    traces = [r["message"][:300] for r in records if "Traceback" in r["message"] or r["level"] in ("ERROR", "CRITICAL")]
    assert traces == [], traces[:3]
    source = Path(__file__).read_text(encoding="utf-8")
    typed = re.findall(r'\.fill\("([^"]{4,})"\)', source) + re.findall(r'rationale="([^"]+)"', source)
    assert "Kim Kontaktpolis" in typed and "Samtal med mentor om frånvaro." in typed
    secrets = {*typed, PNR, PNR.replace("-", ""), PNR[2:], PROTECTED_REASON,
               *(name for name, _, _ in FAMILY), *(name for name, _, _ in USERS.values())}
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        secrets |= set(s.scalars(select(Member.name)))
        secrets |= {n for n in s.scalars(select(Event.note)) if n}
        secrets |= {t for c in s.scalars(select(Commitment)) for t in (c.what, c.if_cannot, c.review_note) if t}
        secrets |= {r for r in s.scalars(select(Assessment.rationale)) if r}
        secrets |= {r for r in s.scalars(select(Protection.reason)) if r}
    engine.dispose()
    text = "\n".join(" ".join(map(str, r.values())) for r in records)  # every field, \u-escapes decoded
    leaked = sorted(secret for secret in secrets if len(secret) >= 4 and secret in text)
    assert leaked == [], leaked[:5]
    first_names = re.compile(r"\b(?:" + "|".join(FIRST_NAMES) + r")\b")
    assert not first_names.search(text), first_names.search(text)
    shaped = re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+]?\d{4}(?!\d)")  # a personnummer of any spelling
    assert not shaped.search(text), shaped.search(text)
