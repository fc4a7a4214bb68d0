"""Log-in and access end to end: a real app server, a real Chromium and, for OIDC, a real OpenID
Connect provider process (``tests/oidc_provider.py``), all on localhost.

Local mode: each demo user sees only their team's cases, opens another team's case only with a stated
reason, logs out, is asked to log in again after the idle timeout, and is locked out after five wrong
passwords. OIDC mode: the log-in goes through the provider's own form and back; a person the provider
knows but Insats does not sees "no access"; a tampered identity cookie logs nobody in.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select

from store import make_engine, transaction, upgrade
from store.demo import RATER, seed_demo
from store.models import AuditEntry, EmergencyAccess, Subject, Team
from store.users import SETUP, add_user

from .browser import ARTIFACTS, CHROMIUM_ARGS, ROOT, AppServer, chromium, log_in, settle
from .pg import free_port

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, expect, sync_playwright

E2E_KEY = "e2e-key-0123456789-abcdefghijklmnop"

TODAY = "2026-11-23"


def seeded(directory) -> dict[str, str]:
    """A demo database; returns the demo users' passwords."""
    engine = make_engine(f"sqlite:///{directory / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as s:
        report = seed_demo(s, SETUP, n_subjects=40, seed=3)
    engine.dispose()
    return report.passwords


def codes_of(directory, team: str) -> set[str]:
    engine = make_engine(f"sqlite:///{directory / 'insats.sqlite'}")
    with transaction(engine) as s:
        codes = set(s.scalars(select(Subject.case_code).join(Team, Team.id == Subject.team_id)
                              .where(Team.name == team)))
    engine.dispose()
    return codes


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def main(page: Page):
    return page.locator("[data-testid='stMain']")


def case_options(page: Page) -> set[str]:
    main(page).locator("[data-testid='stSelectbox']").filter(has_text="Ärende").first.click()
    options = {o.inner_text().strip() for o in page.get_by_role("option").all()}
    page.keyboard.press("Escape")
    return options


@pytest.fixture(scope="module")
def local_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e-local")
    passwords = seeded(data)
    server = AppServer(data, {"INSATS_TODAY": TODAY, "INSATS_SECRET_KEY": E2E_KEY, "INSATS_IDLE_MINUTES": "0.1"})
    server.start()
    yield server, data, passwords
    server.stop()


def test_local_log_in_team_cases_emergency_access_and_log_out(local_app, browser):
    server, data, passwords = local_app
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    log_in(page, server.url, "demo.soderort", passwords["demo.soderort"])
    expect(page.get_by_text("Inloggad: Sara Söder (demo)")).to_be_visible()
    sidebar = page.locator("[data-testid='stSidebar']")
    for hidden in ("Forskning", "Logg"):  # an assessor has neither
        expect(sidebar.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    sidebar.get_by_role("link", name="Ärende", exact=True).click()
    settle(page)
    own, other = codes_of(data, "SIG Söderort"), codes_of(data, "SIG Västerort")
    shown = case_options(page)
    assert shown and shown <= own and not shown & other
    page.screenshot(path=str(ARTIFACTS / "access-own-team.png"), full_page=True)

    # another team's case: refused, then opened with a stated reason
    foreign = sorted(other)[0]
    main(page).get_by_label("Sök ärendekod").fill(foreign)
    main(page).get_by_label("Sök ärendekod").press("Enter")
    settle(page)
    expect(main(page).get_by_text("hör till ett annat team")).to_be_visible()
    main(page).get_by_label("Skäl till nödåtkomst").fill("Polisen ringde: akut oro för ungdomen i kväll.")
    main(page).get_by_role("button", name="Öppna med nödåtkomst").click()
    settle(page)
    expect(main(page).get_by_text(f"Nödåtkomst till {foreign} är loggad.")).to_be_visible()
    expect(main(page).get_by_text(foreign).first).to_be_visible()

    sidebar.get_by_role("button", name="Logga ut").click()
    settle(page)
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    expect(page.get_by_label("Lösenord", exact=True)).to_be_visible()
    page.close()

    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.who == "demo.soderort")
                         .order_by(AuditEntry.id)).all()
    engine.dispose()
    actions = [a for a, _ in rows]
    assert actions[0] == "login" and actions[-1] == "logout" and "emergency" in actions
    [(reference)] = [d for a, d in rows if a == "emergency"]  # the reason is kept with the case, not in the log
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        reasons = s.scalars(select(EmergencyAccess.reason).where(EmergencyAccess.login == "demo.soderort")).all()
    engine.dispose()
    assert reference.startswith("emergency_access ") and reasons == ["Polisen ringde: akut oro för ungdomen i kväll."]


def test_a_protected_case_opens_to_its_named_assessor_and_by_emergency_access(local_app, browser):
    """The demo's protected case (skyddade personuppgifter): a colleague of its team who is not named to
    it is refused and told why, then opens it under emergency access (audited); its named assessor
    opens it as any case of theirs."""
    server, data, passwords = local_app
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        code, team = s.execute(select(Subject.case_code, Team.name).join(Team, Team.id == Subject.team_id)
                               .where(Subject.protected.is_(True))).one()
    engine.dispose()
    url = f"{server.url}/?page=case&case={code}"
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    log_in(page, url, "demo.mottagning", passwords["demo.mottagning"])  # intake, in both teams
    expect(main(page).get_by_text("skyddade personuppgifter och öppnas bara av")).to_be_visible()
    main(page).get_by_label("Skäl till nödåtkomst").fill("Polisen ringde: akut oro för ungdomen i kväll.")
    main(page).get_by_role("button", name="Öppna med nödåtkomst").click()
    settle(page)
    expect(main(page).get_by_text(f"Nödåtkomst till {code} är loggad.")).to_be_visible()
    expect(main(page).get_by_text("Skyddade personuppgifter: bara ärendets").first).to_be_visible()
    page.close()
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    log_in(page, url, RATER[team], passwords[RATER[team]])  # the case's named assessor
    expect(main(page).get_by_text("Skyddade personuppgifter: bara ärendets").first).to_be_visible()
    expect(main(page).get_by_text("skyddade personuppgifter och öppnas bara av")).to_have_count(0)
    page.close()
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        rows = s.execute(select(AuditEntry.who, AuditEntry.action, AuditEntry.detail)
                         .join(Subject, Subject.id == AuditEntry.subject_id).where(Subject.case_code == code)).all()
    engine.dispose()
    assert ("demo.mottagning", "refused", "access.protected case.read") in rows
    assert any(w == "demo.mottagning" and a == "emergency" for w, a, _ in rows)
    assert any(w == RATER[team] and a == "read" for w, a, _ in rows)


def test_idle_timeout_asks_for_log_in_again(local_app, browser):
    server, _, passwords = local_app
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    log_in(page, server.url, "demo.vasterort", passwords["demo.vasterort"])
    expect(page.get_by_text("Inloggad: Vera Väster (demo)")).to_be_visible()
    page.wait_for_timeout(7_000)  # the server was started with a six-second idle timeout
    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Ärende", exact=True).click()
    settle(page)
    expect(page.get_by_text("inaktiv för länge")).to_be_visible()
    expect(page.get_by_label("Lösenord", exact=True)).to_be_visible()
    page.close()


def test_five_wrong_passwords_lock_the_account(local_app, browser):
    server, _, passwords = local_app
    page = browser.new_page(locale="sv-SE")
    for attempt in range(5):
        log_in(page, server.url, "demo.samordnare", f"fel lösenord nummer {attempt}")
        expect(page.get_by_text("Fel användarnamn eller lösenord")).to_be_visible()
    log_in(page, server.url, "demo.samordnare", passwords["demo.samordnare"])  # right, but locked
    expect(page.get_by_text("Fel användarnamn eller lösenord")).to_be_visible()
    log_in(page, server.url, "nobody.at.all", "whatever password")  # unknown: the very same answer
    expect(page.get_by_text("Fel användarnamn eller lösenord")).to_be_visible()
    page.close()


# -- OIDC ------------------------------------------------------------------------------------------
class Provider:
    """tests/oidc_provider.py as a process on 127.0.0.1."""

    def __init__(self, users: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [f"--user={u}={p}" for u, p in users.items()]
        self.process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "oidc_provider.py"), "--port",
                                         str(self.port), "--client-id", "insats", "--client-secret", "e2e-secret",
                                         *args])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/.well-known/openid-configuration", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the OIDC provider did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _oidc_server(tmp_path_factory, idle_minutes: str = "30"):
    """A fresh database with Anna, the provider, and the app in OIDC mode (secrets in a HOME of its own)."""
    data = tmp_path_factory.mktemp("e2e-oidc")
    home = tmp_path_factory.mktemp("home")
    provider = Provider({"anna.oidc": "anna-idp-pw", "eve.stranger": "eve-idp-pw"})
    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as s:
        add_user(s, SETUP, "anna", display_name="Anna", roles=["coordinator"], teams=["Standard"],
                 subject="anna.oidc")  # the provider's sub claim maps to this row
    engine.dispose()
    port = free_port()
    (home / ".streamlit").mkdir()
    (home / ".streamlit" / "secrets.toml").write_text(f"""
[insats]
auth = "oidc"

[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "an-e2e-cookie-secret-of-good-length"
client_id = "insats"
client_secret = "e2e-secret"
server_metadata_url = "{provider.url}/.well-known/openid-configuration"
""")
    server = AppServer(data, {"INSATS_TODAY": TODAY, "INSATS_SECRET_KEY": E2E_KEY, "HOME": str(home),
                              "INSATS_IDLE_MINUTES": idle_minutes})
    server.port, server.url = port, f"http://localhost:{port}"
    server.start()
    return server, data, provider


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory):
    server, data, provider = _oidc_server(tmp_path_factory)
    yield server, data
    server.stop()
    provider.stop()


def test_oidc_idle_timeout_and_an_old_identity_cookie_ask_for_log_in_again(tmp_path_factory, browser):
    server, _, provider = _oidc_server(tmp_path_factory, idle_minutes="0.1")
    try:
        context = browser.new_context(locale="sv-SE")
        page = context.new_page()
        oidc_log_in(page, server.url, "anna.oidc", "anna-idp-pw")
        expect(page.get_by_text("Inloggad: Anna")).to_be_visible()
        page.wait_for_timeout(7_000)  # six seconds without a click
        with page.expect_response(lambda r: "/auth/logout" in r.url):
            page.locator("[data-testid='stSidebar']").get_by_role("link", name="Ärende", exact=True).click()
        settle(page)
        expect(page.get_by_role("button", name="Logga in med organisationens inloggning")).to_be_visible()
        oidc_log_in(page, server.url, "anna.oidc", "anna-idp-pw")
        expect(page.get_by_text("Inloggad: Anna")).to_be_visible()
        page.wait_for_timeout(7_000)
        page.reload()  # a new browser session on the same (still signed) cookie, older than the idle time
        settle(page)
        expect(page.get_by_role("button", name="Logga in med organisationens inloggning")).to_be_visible()
        expect(page.get_by_text("Inloggad: Anna")).to_have_count(0)
        context.close()
    finally:
        server.stop()
        provider.stop()


def oidc_log_in(page: Page, url: str, user: str, password: str) -> None:
    page.goto(url)
    settle(page)
    page.get_by_role("button", name="Logga in med organisationens inloggning").click()
    page.wait_for_url("**/authorize**")
    page.get_by_label("Användare").fill(user)
    page.get_by_label("Lösenord", exact=True).fill(password)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url(f"{url}/**")
    settle(page)


def test_oidc_log_in_through_a_real_provider(oidc_app, browser):
    server, data = oidc_app
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    page = context.new_page()
    oidc_log_in(page, server.url, "anna.oidc", "anna-idp-pw")
    expect(page.get_by_text("Inloggad: Anna")).to_be_visible()
    expect(main(page).get_by_role("heading", name="Översikt", exact=True)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "access-oidc.png"), full_page=True)

    # log out and in again, then a tampered identity cookie: the signature fails, nobody is logged in
    with page.expect_response(lambda r: "/auth/logout" in r.url):  # the browser drops the identity cookie
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Logga ut").click()
    settle(page)
    expect(page.get_by_role("button", name="Logga in med organisationens inloggning")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]
    oidc_log_in(page, server.url, "anna.oidc", "anna-idp-pw")
    expect(page.get_by_text("Inloggad: Anna")).to_be_visible()
    cookies = context.cookies()
    assert any(c["name"].startswith("_streamlit_user") for c in cookies)
    context.clear_cookies()
    context.add_cookies([{**c, "value": c["value"][:-6] + "AAAAAA"} if c["name"].startswith("_streamlit_user")
                         else c for c in cookies])
    page.goto(server.url)
    settle(page)
    expect(page.get_by_role("button", name="Logga in med organisationens inloggning")).to_be_visible()
    expect(page.get_by_text("Inloggad: Anna")).to_have_count(0)
    context.close()

    # known to the provider, not to Insats: no access, audited
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    oidc_log_in(page, server.url, "eve.stranger", "eve-idp-pw")
    expect(page.get_by_text("Du har ingen behörighet i Insats – kontakta din administratör.")).to_be_visible()
    expect(main(page).locator("[data-testid='stDataFrame']")).to_have_count(0)
    context.close()

    engine = make_engine(f"sqlite:///{data / 'insats.sqlite'}")
    with transaction(engine) as s:
        rows = {tuple(r) for r in s.execute(select(AuditEntry.who, AuditEntry.action))}
    engine.dispose()
    assert {("anna", "login"), ("anna", "logout"), ("eve.stranger", "login_refused")} <= rows


def test_the_provider_refuses_a_wrong_password(oidc_app, browser):
    server, _ = oidc_app
    page = browser.new_page(locale="sv-SE")
    page.goto(server.url)
    settle(page)
    page.get_by_role("button", name="Logga in med organisationens inloggning").click()
    page.wait_for_url("**/authorize**")
    page.get_by_label("Användare").fill("anna.oidc")
    page.get_by_label("Lösenord", exact=True).fill("not her password")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("alert")).to_have_text("Fel användare eller lösenord.")
    page.close()



def test_a_bookmark_to_a_case_opens_it_after_log_in_and_survives_a_reload(local_app, browser):
    """Links that last (#13 item 4), in a real browser: the address names the case; log-in keeps it."""
    server, data, passwords = local_app
    code = sorted(codes_of(data, "SIG Söderort"))[1]
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    log_in(page, f"{server.url}/case?page=case&case={code}", "demo.soderort", passwords["demo.soderort"])
    expect(main(page).locator("[data-testid='stMetricValue']").first).to_have_text(code)
    assert f"case={code}" in page.url and "page=case" in page.url
    page.reload()
    settle(page)
    log_in(page, None, "demo.soderort", passwords["demo.soderort"])  # local mode: a reload asks again
    expect(main(page).locator("[data-testid='stMetricValue']").first).to_have_text(code)
    page.close()
