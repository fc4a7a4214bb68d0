"""Two app servers, one PostgreSQL, HAProxy in front, and one server killed while people work (#24 item 2).

The design says the Streamlit servers are stateless over the database, so several can stand behind a
load balancer. Here they do: two ``insats serve`` processes on one throwaway PostgreSQL (same keys),
HAProxy on a third port with cookie stickiness and WebSocket pass-through, and four people in their own
Chromium sessions rating a draft assessment through the proxy. One server is SIGKILLed in the middle.
HAProxy moves its people to the other server; that server does not know them (who is logged in lives in
the server's memory, forms/auth.py), so it asks them to log in again: by itself within seconds (the
timed fragment ``forms.auth.rejoin_after_reconnect`` makes the page ask for a run when it reconnects), or
after a reload. After that they continue, and every rating saved before the kill is on the page and in
the store. The audit chain verifies, and the surviving server's log holds no error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks.soak_server import Server
from store import Actor, audit, cases, transaction
from store.models import Assessment
from store.users import SETUP, add_user

from .browser import CHROMIUM_ARGS, ROOT, chromium, settle
from .haproxy import COOKIE, HAProxy, config, haproxy, kill_group
from .test_e2e_browser import main

pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: run `make test`")
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.slow  # browser and pg are added by conftest from what the test uses

TODAY = date(2026, 11, 23)
KEYS = ("INSATS_SECRET_KEY", "INSATS_AUDIT_KEY")  # the test's own (tests/conftest.py): both servers share them
PASSWORD = "ett långt lösenord för lastbalansering"
PEOPLE = ("lb.anna", "lb.bo", "lb.cilla", "lb.david")
CODES = {"Låg": "L", "Måttlig": "M", "Hög": "H"}
BEFORE = (("H1", "Måttlig"), ("H2", "Hög"))  # rated by everyone before the kill
DURING = ("H3", "Låg")  # rated on the surviving server as the other is killed; by the moved people after
AFTER = (("H4", "Måttlig"),)  # rated by everyone at the end
ERRORS = ("Traceback", "ERROR", "Exception")


@dataclass
class Person:
    login: str
    code: str  # the case
    draft: int  # the draft assessment they rate
    page: Page | None = None
    rated: dict[str, str] = field(default_factory=dict)  # item -> level label, as clicked and saved

    def server(self) -> str:
        """The app server HAProxy's cookie pins this browser to."""
        return next(c["value"] for c in self.page.context.cookies() if c["name"] == COOKIE)


@pytest.fixture
def cluster(pg_engine, tmp_path):
    """Four assessors with a draft each on one PostgreSQL, two app servers on it, HAProxy in front."""
    url = pg_engine.url.render_as_string(hide_password=False)
    people = []
    with transaction(pg_engine) as s:
        for login in PEOPLE:
            add_user(s, SETUP, login, display_name=login.split(".")[1].title(), roles=["assessor"],
                     teams=["Standard"], password=PASSWORD)
            actor = Actor(login, {"assessor"}, {1})
            youth = cases.create_subject(s, actor)
            draft = cases.save_draft(s, actor, youth, "savry-like", occasion="baseline", assessed_on=TODAY, ratings={})
            people.append(Person(login, youth.case_code, draft.id))
    assert all(os.environ.get(key) for key in KEYS)
    for name in ("app1", "app2"):
        (tmp_path / name).mkdir()
    servers = {name: Server(url, tmp_path / name, TODAY.isoformat()) for name in ("app1", "app2")}  # started
    proxy = HAProxy(tmp_path, {name: server.port for name, server in servers.items()})
    try:
        for server in servers.values():
            server.wait()
        proxy.start()
        yield servers, proxy, people
    finally:  # all told at once, then each waited for (SIGKILL after 10 s)
        for process in (proxy.process, *(server.process for server in servers.values())):
            kill_group(process, wait=0)
        proxy.stop()
        for server in servers.values():
            kill_group(server.process)


def radio_group(page: Page, item: str):
    return main(page).locator("[data-testid='stRadio']").filter(has_text=item).first


def rate(people: list[Person], item: str, level: str) -> None:
    """Everyone clicks one factor's level (all at once, so the servers serve them side by side), then each
    page must say that the draft was saved with it."""
    for person in people:
        radio_group(person.page, item).get_by_text(level, exact=True).click()
        person.rated[item] = level
    for person in people:
        saved(person)


def saved(person: Person) -> None:
    settle(person.page)
    expect(main(person.page).get_by_text(f"{len(person.rated)} av 30 faktorer skattade")).to_be_visible()
    expect(main(person.page).get_by_text("Utkastet sparas automatiskt")).to_be_visible()


def log_in_all(people: list[Person]) -> None:
    for person in people:
        person.page.get_by_label("Användarnamn").fill(person.login)
        person.page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
        person.page.get_by_role("button", name="Logga in").click()
    for person in people:
        settle(person.page)


def shows_what_was_saved(person: Person) -> None:
    """The page of the draft shows every rating made so far, each on its own factor."""
    expect(main(person.page).get_by_role("heading", name="Bedömning", exact=True)).to_be_visible()
    expect(main(person.page).get_by_text(f"{len(person.rated)} av 30 faktorer skattade")).to_be_visible()
    for item, level in person.rated.items():
        expect(radio_group(person.page, item).get_by_role("radio", name=level, exact=True)).to_be_checked()


def stored(engine, person: Person) -> dict[str, str]:
    with transaction(engine) as s:
        ratings = s.scalar(select(Assessment.ratings).where(Assessment.id == person.draft))
    return {item: level for item, level in ratings.items() if level is not None}


def expected(person: Person) -> dict[str, str]:
    return {item: CODES[level] for item, level in person.rated.items()}


def test_a_killed_app_server_moves_its_people_to_the_other_who_log_in_again_and_lose_nothing_saved(
        cluster, pg_engine):
    servers, proxy, people = cluster
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            for person in people:  # each in a browser session of their own, through the proxy
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
                context.set_default_timeout(30_000)
                person.page = context.new_page()
                link = f"{proxy.url}/?page=assessment&case={person.code}&assessment={person.draft}"
                person.page.goto(link, wait_until="commit")  # HAProxy has chosen a server: the next one may come
            for person in people:  # a server's first session imports the pages: slow on a busy machine
                settle(person.page, 90_000)
            first_server = {person.login: person.server() for person in people}
            log_in_all(people)
            for item, level in BEFORE:
                rate(people, item, level)
            on = {name: [q for q in people if q.server() == name] for name in servers}
            assert all(on.values()), f"HAProxy put everyone on one server: {on}"
            assert {person.login: person.server() for person in people} == first_server  # sticky
            for person in people:
                assert stored(pg_engine, person) == expected(person)

            # the kill, while the people on the other server are saving: no shutdown, no goodbye
            killed = people[0].server()
            survivor = next(name for name in servers if name != killed)
            moved, stayed = on[killed], on[survivor]
            for person in stayed:
                radio_group(person.page, DURING[0]).get_by_text(DURING[1], exact=True).click()
                person.rated[DURING[0]] = DURING[1]
            kill_group(servers[killed].process, signal.SIGKILL)
            began = time.monotonic()
            factor = moved[0].page.locator("[data-testid='stMain'] input[type='radio']").first
            expect(factor).to_be_disabled(timeout=15_000)  # while the page reconnects nothing can be entered
            for person in stayed:  # they notice nothing
                saved(person)
            for n, person in enumerate(moved):
                if n:  # a reload goes to the surviving server too
                    person.page.reload()
                # the first one waits: the page reconnects through HAProxy by itself and shows the log-in
                expect(person.page.get_by_role("button", name="Logga in")).to_be_visible(timeout=60_000)
                if not n:
                    print(f"\nkill -> log-in page without a reload: {time.monotonic() - began:.1f} s")
                settle(person.page)
                expect(main(person.page)).not_to_contain_text(person.code)  # nothing of the case before log-in
                assert person.server() == survivor  # HAProxy's cookie now names the other server
            log_in_all(moved)
            for person in people:  # everything saved before the kill is on the page
                shows_what_was_saved(person)
            rate(moved, *DURING)  # and work goes on
            for item, level in AFTER:
                rate(people, item, level)
            for person in people:
                shows_what_was_saved(person)
        finally:
            browser.close()
    for person in people:
        assert stored(pg_engine, person) == expected(person)
        assert set(expected(person)) == {"H1", "H2", "H3", "H4"}
    with transaction(pg_engine) as s:
        checked, problems = audit.verify(s, Actor("lb.admin", {"admin"}))
    assert checked > 0 and problems == []
    assert f"{killed} is DOWN" in proxy.log.read_text()  # the health check saw it
    log = servers[survivor].log.read_text()
    assert not [line for line in log.splitlines() if any(word in line for word in ERRORS)], log[-3000:]


def sections(text: str) -> dict[str, set[str]]:
    """An HAProxy configuration as {section head: its directives}, comments and blank lines dropped."""
    found: dict[str, set[str]] = {}
    head = ""
    for raw in text.splitlines():
        line = " ".join(raw.split("#", 1)[0].split())
        if not line:
            continue
        if not raw.startswith((" ", "\t")):
            head = line.split()[0]  # global, defaults, frontend, backend
            found[head] = set()
        else:
            found[head].add(line)
    return found


def self_signed(directory: Path) -> Path:
    """A certificate and its key in one PEM file, as HAProxy's ``crt`` wants them."""
    from datetime import datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "insats.kommun.se")])
    now = datetime.now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = directory / "insats.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return pem


def test_the_documented_haproxy_configuration_is_valid_and_is_the_one_the_failover_test_runs(tmp_path):
    text = (ROOT / "docs" / "deploying.md").read_text()
    documented = text.split("```haproxy\n", 1)[1].split("```", 1)[0]
    pem = self_signed(tmp_path)
    checked = tmp_path / "documented.cfg"
    checked.write_text(documented.replace("/etc/haproxy/certs/insats.kommun.se.pem", str(pem)))
    done = subprocess.run([haproxy(), "-c", "-f", str(checked)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[WARNING]" not in done.stdout + done.stderr, done.stdout + done.stderr
    ours, theirs = sections(config(8000, {"app1": 8001, "app2": 8002})), sections(documented)
    assert ours["defaults"] == theirs["defaults"]
    # the same balancing, stickiness and checks; only the servers' addresses and the cookie's secure flag
    # (the test speaks plain HTTP on 127.0.0.1, where a secure cookie would never come back) differ
    assert ({d for d in ours["backend"] if not d.startswith("server ")}
            == {d.replace(" secure", "") for d in theirs["backend"] if not d.startswith("server ")})
    assert {d.split()[1] for d in ours["backend"] if d.startswith("server ")} == {"app1", "app2"}
