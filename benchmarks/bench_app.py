"""App speed with 10,000 subjects and 50,000 assessments in the database.

- Server-side script run of the assessment page and of the before/after page, measured with AppTest
  (median of repeated reruns of a warm session), against a one-line page in the same harness: the
  ratio shows what the page itself costs on top of Streamlit's own script run.
- What the access checks cost: the case page's script run with the store's checks, against the same
  run with the scope check switched off (``store.access.in_scope`` answering yes), in one process.
- First meaningful paint in a real Chromium from a cold server: seconds from starting
  ``streamlit run`` until the log-in form is on screen, and from the log-in until the intake queue is.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select, text

from store import Actor, make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import Assessment, Subject, Team
from store.users import add_user

from ._timing import line, timed

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 23)
USER, PASSWORD = "bench.samordnare", "a bench password of length"


def _database(directory: Path, subjects: int, assessments: int) -> str:
    """The demo generator for the subjects, then final assessments spread over them up to the total."""
    url = f"sqlite:///{directory / 'insats.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        setup = Actor("bench", "system")
        seed_demo(s, setup, n_subjects=subjects, today=TODAY, plans=False, users=False)
        add_user(s, setup, USER, display_name="Bench", roles=["intake", "assessor", "coordinator"],
                 teams=list(s.scalars(select(Team.name))), password=PASSWORD)
    with transaction(engine) as s:
        have = s.scalar(select(func.count()).select_from(Assessment))
        template = s.scalars(select(Assessment).where(Assessment.status == "final").limit(1)).one()
        ids = np.random.default_rng(1).choice(subjects, size=assessments - have) + 1
        base = {c.name: getattr(template, c.name) for c in Assessment.__table__.columns if c.name != "id"}
        rows = [base | {"subject_id": int(i), "assessed_on": TODAY - timedelta(days=int(d))}
                for i, d in zip(ids, np.random.default_rng(2).integers(1, 700, size=len(ids)), strict=True)]
        s.execute(Assessment.__table__.insert(), rows)
    with transaction(engine) as s:
        total = s.scalar(select(func.count()).select_from(Assessment))
        code = s.execute(select(Subject.case_code).join(Assessment, Assessment.subject_id == Subject.id)
                         .where(Subject.synthetic.is_(True)).group_by(Subject.case_code)
                         .having(func.count() == 6).limit(1)).scalar_one()
    engine.dispose()
    return code if total == assessments else ""


def _page_runs(page: str | None, case: str, repeat: int) -> float:
    return timed(_warm_page(page, case).run, repeat=repeat)["median"]


def _warm_page(page: str | None, case: str):
    from streamlit.testing.v1 import AppTest

    from forms import auth

    if page is None:
        at = AppTest.from_string('import streamlit as st\nst.title("baseline")', default_timeout=60)
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state[auth.STATE] = {"login": USER, "via": "local", "last_seen": time.time()}
        at.run()
        at.session_state["case_code"] = case
        at.switch_page(f"forms/pages/{page}.py")
    at.run()  # warm: caches, imports, first queries
    assert not at.exception, [e.value for e in at.exception]
    return at


def _access_cost(case: str, repeat: int) -> tuple[float, float]:
    """Median script run of the case page with and without the scope checks, alternating run by run in
    one warm session so that drift in the machine's load falls on both alike."""
    import store.access

    at = _warm_page("case", case)
    real = store.access.in_scope
    without = lambda session, actor, scope, subject_id, action: scope is not None  # noqa: E731
    runs: dict[bool, list[float]] = {True: [], False: []}
    try:
        for i in range(2 * repeat):
            checks = i % 2 == 0
            store.access.in_scope = real if checks else without
            started = time.perf_counter()
            at.run()
            runs[checks].append(time.perf_counter() - started)
    finally:
        store.access.in_scope = real
    return statistics.median(runs[True]), statistics.median(runs[False])


def _checks_per_run(case: str) -> tuple[int, int, float]:
    """How many scope checks and case look-ups one case-page run makes, and one look-up's cost (ms)."""
    import store.access
    from store import transaction
    from store.users import actor_for

    at = _warm_page("case", case)
    counts = {"checks": 0, "lookups": 0}
    real_scope, real_lookup = store.access.in_scope, store.access.case_access

    def counting_scope(*args):
        counts["checks"] += 1
        return real_scope(*args)

    def counting_lookup(*args):
        counts["lookups"] += 1
        return real_lookup(*args)

    store.access.in_scope, store.access.case_access = counting_scope, counting_lookup
    try:
        at.run()
    finally:
        store.access.in_scope, store.access.case_access = real_scope, real_lookup
    from forms.context import engine

    with transaction(engine()) as session:
        actor = actor_for(session, USER)
        subject_id = session.scalar(select(Subject.id).where(Subject.case_code == case))

    def one_lookup() -> None:
        with transaction(engine()) as session:
            real_lookup(session, actor, subject_id)

    def empty() -> None:  # the same transaction with a trivial query: BEGIN and COMMIT cost the same
        with transaction(engine()) as session:
            session.execute(text("SELECT 1"))

    cost = (timed(one_lookup, repeat=200)["median"] - timed(empty, repeat=200)["median"]) * 1000
    return counts["checks"], counts["lookups"], cost


def _first_paint(directory: Path, launcher: str) -> tuple[float, float]:
    """Seconds from starting the server to the intake queue on screen, and from opening the page."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, AppServer, chromium

    server = AppServer(directory, {"INSATS_TODAY": TODAY.isoformat()}, launcher=launcher)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        began = time.perf_counter()
        try:
            server.start()
            opened = time.perf_counter()
            page.goto(server.url)
            page.get_by_label("Lösenord").wait_for(timeout=60_000)  # the log-in form
            painted = time.perf_counter()
            page.get_by_label("Användarnamn").fill(USER)
            page.get_by_label("Lösenord").fill(PASSWORD)
            submitted = time.perf_counter()
            page.get_by_role("button", name="Logga in").click()
            page.get_by_text("Hantera en remiss").wait_for(timeout=60_000)  # drawn below the queue
            queue = time.perf_counter()
        finally:
            server.stop()
            browser.close()
    return painted - began, painted - opened, queue - submitted





def run(subjects: int = 10_000, assessments: int = 50_000, repeat: int = 15) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="insats-bench-app-") as tmp:
        directory = Path(tmp)
        os.environ["INSATS_DATA_DIR"], os.environ["INSATS_TODAY"] = tmp, TODAY.isoformat()
        os.environ.setdefault("INSATS_SECRET_KEY", "bench-key-0123456789-abcdefghijklmnop")
        started = time.perf_counter()
        code = _database(directory, subjects, assessments)
        print(f"Database: {subjects:,} subjects, {assessments:,} assessments "
              f"(built in {time.perf_counter() - started:.1f} s); case {code} has 6")
        baseline = _page_runs(None, code, repeat)
        line("one-line page (AppTest harness baseline)", f"{baseline * 1000:.0f} ms")
        results["baseline_ms"] = baseline * 1000
        for page in ("assessment", "change", "case", "intake"):
            seconds = _page_runs(page, code, repeat)
            line(f"{page} page script run (median of {repeat})", f"{seconds * 1000:.0f} ms  "
                 f"({seconds / baseline:.1f}× the one-line page; target < 150 ms)" if page in ("assessment", "change")
                 else f"{seconds * 1000:.0f} ms  ({seconds / baseline:.1f}× the one-line page)")
            results[f"{page}_ms"] = seconds * 1000
        with_checks, without = _access_cost(code, 2 * repeat)
        line("access checks on the case page", f"{(with_checks - without) * 1000:+.1f} ms "
             f"({with_checks * 1000:.0f} ms with, {without * 1000:.0f} ms without; target < 5 ms)")
        results["access_checks_case_page_ms"] = (with_checks - without) * 1000
        checks, lookups, cost = _checks_per_run(code)
        line("… counted: checks and case look-ups per case-page run", f"{checks} checks, {lookups} look-ups × "
             f"{cost:.2f} ms = {lookups * cost:.1f} ms of the run")
        results["access_lookups_case_page_ms"] = lookups * cost
        for launcher, label in (("streamlit", "`streamlit run app.py` (naive)"), ("insats", "`insats serve`")):
            cold, page_only, login = _first_paint(directory, launcher)
            line(f"first paint, cold server, {label}", f"{cold:.2f} s from server start, {page_only:.2f} s "
                 f"from opening the page (target < 4 s); queue {login:.2f} s after log-in")
            results[f"first_paint_{launcher}_s"], results[f"first_paint_{launcher}_page_s"] = cold, page_only
            results[f"login_to_queue_{launcher}_s"] = login
    return results
