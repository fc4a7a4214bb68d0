"""Soak: 20 simulated users working for 10 minutes, on SQLite and on PostgreSQL (``make bench soak``).

Each user acts as their role does with a short think time between actions: coordinators open the
intake queue, cases, their own draft (every rating saved at once), the change and plan pages and the
log; intake staff work the queue; researchers open and filter the cohort. Two drivers, the same users,
actions and think times:

- ``server`` (the default): every user is a browser tab's WebSocket session (benchmarks.soak_server)
  against real ``insats serve`` processes (``SOAK_SERVERS``, 4: two per core), logging in through the
  form; a rating or a filter reruns only its ``st.fragment``, as in the browser. This is what people wait for.
- ``apptest``: every user is a process with its own logged-in AppTest session (the app's real pages,
  store and database; no server). AppTest reruns the whole page on every click and adds its own
  element tree; each run's CPU time is measured in the user's process.

Everything stays on localhost (a throwaway PostgreSQL cluster on 127.0.0.1) and stops by itself at
the deadline. The minutes measured begin when every user has logged in (a warm-up, as load tests
have); each user's first run is reported apart as ``login``.

Reported: page runs (count, p50, p95 per page and overall; wall-clock time, and CPU time: per run with
AppTest, the servers' whole CPU time per run with servers), errors (an exception, a generic failure
message, a refusal nobody should have met, the log-in form met again, a line of a server's log that
says something failed; must be 0), and the audit chain verified at the end.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
import types
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 23)
# what a page shows when something failed or was refused (a missing consent is a state, not a failure)
FAILURES = ("Något gick fel", "Inget har visats eller ändrats", "ändrats av", "Bara den som gör bedömningen",
            "Det gick inte:")
# the longest the first users wait for the last to log in (20 processes starting at once on 2 cores: ~30 s)
WARM_UP_LIMIT = 180.0
# what each role does, one page picked at random per action
PLANS = {"coordinator": ["intake", "case", "assessment", "assessment", "assessment", "change", "plan", "log"],
         "intake": ["intake", "intake", "case"], "researcher": ["research", "research"]}
# of every 7 users: 5 coordinators (intake + assessor + coordinator), 1 intake, 1 researcher (20: 14/3/3)
ROLES = ["coordinator", "coordinator", "intake", "coordinator", "coordinator", "researcher", "coordinator"]


def _prepare(url: str, users: int, password: str | None = None) -> list[tuple[str, str, int | None, str | None]]:
    """Migrate, seed 60 synthetic youths and one user per simulated person (with ``password``, for a
    log-in through the form); each coordinator gets a draft of their own to work on. Returns (login,
    role, draft id, case code) per user."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from store import Actor, make_engine, transaction, upgrade
    from store.demo import seed_demo
    from store.models import Subject, Team
    from store.users import add_user

    setup = Actor("soak.setup", "system")
    engine = make_engine(url)
    upgrade(engine)
    people = []
    with transaction(engine) as s:
        seed_demo(s, setup, n_subjects=60, today=TODAY, seed=11, users=False)
        teams = list(s.scalars(select(Team.name)))
        codes = list(s.scalars(select(Subject.case_code).order_by(Subject.id)))
        for i in range(users):
            role = ROLES[i % len(ROLES)]
            login = f"soak.{role}{i:02d}"
            roles = {"coordinator": ["intake", "assessor", "coordinator"], "intake": ["intake"],
                     "researcher": ["researcher"]}[role]
            add_user(s, setup, login, display_name=f"Soak {i}", roles=roles,
                     teams=teams if role != "researcher" else [], password=password)
            draft_id, code = None, None
            if role == "coordinator":  # a case and a draft of their own: no two users on one draft
                code = codes[i % len(codes)]
                draft_id = _own_draft(s, login, s.scalar(select(Subject.id).where(Subject.case_code == code)))
            people.append((login, role, draft_id, code))
    engine.dispose()
    return people


def _own_draft(session, login: str, subject_id: int) -> int:
    import instruments
    from store.models import Assessment

    inst = instruments.load("savry-like")
    row = Assessment(subject_id=subject_id, instrument_id=inst.id, instrument_version=inst.version,
                     definition_hash=inst.definition_hash, occasion="follow-up", assessed_on=TODAY, rater=login,
                     ratings={}, status="draft", version=1)
    session.add(row)
    session.flush()
    return row.id


def _worker(url: str, data_dir: str, login: str, role: str, draft_id: int | None, code: str | None,
            seconds: float, seed: int, results, started=None) -> None:
    """One simulated user; whatever happens, a result goes back (a crash is an error, never a hang)."""
    try:
        _work(url, data_dir, login, role, draft_id, code, seconds, seed, results, started)
    except BaseException as exc:  # reported to the parent, which counts it
        import traceback

        results.put((login, [("worker", 0.0, f"crashed: {type(exc).__name__}: {exc}\n"
                                              f"{traceback.format_exc()[-1500:]}")]))


def _work(url: str, data_dir: str, login: str, role: str, draft_id: int | None, code: str | None,
          seconds: float, seed: int, results, started=None) -> None:
    os.environ.update({"INSATS_DATABASE_URL": url, "INSATS_DATA_DIR": data_dir, "INSATS_TODAY": TODAY.isoformat()})
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    from forms import auth

    _compile_once()
    rng = random.Random(seed)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[auth.STATE] = {"login": login, "via": "local", "last_seen": time.time()}
    runs: list[tuple[str, float, str | None, float]] = []

    def timed(page: str, action) -> None:
        at.session_state[auth.STATE]["last_seen"] = time.time()
        started, cpu = time.perf_counter(), time.process_time()  # the script runs in a thread of this process
        try:
            action()
            problem = None
            if at.exception:
                problem = "exception: " + str(at.exception[0].value)[:200]
            errors = " | ".join(str(e.value) for e in at.error)
            if any(sign in errors for sign in FAILURES):  # a failure or a refusal nobody here should meet
                problem = f"error shown: {errors[:200]}"
        except Exception as exc:  # the harness itself failed: counted, never hidden
            problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        runs.append((page, time.perf_counter() - started, problem, time.process_time() - cpu))

    def open_page(page: str) -> None:
        at.switch_page(f"forms/pages/{page}.py")
        at.run()

    timed("login", at.run)
    if started is not None:  # the measured minutes begin when everyone is in (a warm-up, as load tests have)
        with contextlib.suppress(threading.BrokenBarrierError):
            started.wait(timeout=WARM_UP_LIMIT)
        time.sleep(rng.uniform(0.3, 1.5))  # a think time first: not all 20 at the same instant
    plan = PLANS[role]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = rng.choice(plan)
        if page in ("case", "assessment", "change", "plan") and code:
            at.session_state["case_code"] = code
        if page == "assessment" and draft_id is not None:
            at.session_state["assessment_id"] = draft_id
            key = f"assessment:{draft_id}:item:H{rng.randint(1, 10)}"
            if any(w.key == key for w in at.radio):
                timed("assessment (save)", lambda k=key: at.radio(key=k).set_value(rng.choice("LMH")).run())
            else:
                timed("assessment", lambda: open_page("assessment"))
        elif page == "research" and any(w.key == "research_ages" for w in at.slider):
            low = rng.randint(12, 16)
            timed("research (filter)", lambda lo=low: at.slider(key="research_ages").set_value((lo, 24)).run())
        else:
            timed(page, lambda p=page: open_page(p))
        time.sleep(rng.uniform(0.3, 1.5))  # think time
    results.put((login, runs))


def _compile_once() -> None:
    """Compile each page script once per simulated user, as a server process does. AppTest makes a new
    script cache on every run, so each run would parse app.py and the page again and rewrite them for
    Streamlit's "magic" (about a third of a short page run on 2 cores): a cost no real user pays. The
    page runs measured are then the app's own work plus AppTest's element tree, as before."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test

    one = ScriptCache()
    app_test.ScriptCache = lambda: one


@contextmanager
def plain_main():
    """A spawned process re-imports the parent's ``__main__``: after an AppTest in the same process
    that is the app script, which the workers would run again. They get an empty main module."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def soak(url: str, data_dir: str, users: int, seconds: float, driver: str = "server", servers: int = 4) -> dict:
    """Run the users with ``driver``: ``server`` (WebSocket sessions against ``servers`` real app
    servers, as browsers; benchmarks.soak_server) or ``apptest`` (each user a process with AppTest)."""
    started = time.monotonic()
    extra: dict = {"driver": driver}
    if driver == "server":
        from .soak_server import soak_servers

        found, said = soak_servers(url, data_dir, users, seconds, servers, prepare=_prepare, plans=PLANS,
                                   failures=FAILURES, today=TODAY.isoformat())
        collected = [("server", [(page, took, problem, None) for page, took, problem in found])]
        collected += [("server", [("log", 0.0, line, None)]) for line in said.pop("log_problems")]
        extra.update(said)
    else:
        collected = _apptest_runs(url, data_dir, users, seconds)
    return _summary(collected, time.monotonic() - started) | extra | dict(zip(("audit_rows", "audit_chain_problems"),
                                                                             _chain(url), strict=True))


def _apptest_runs(url: str, data_dir: str, users: int, seconds: float) -> list:
    people = _prepare(url, users)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    everyone_in = context.Barrier(len(people))
    workers = [context.Process(target=_worker, args=(url, data_dir, login, role, draft, code, seconds, i, results,
                                                     everyone_in))
               for i, (login, role, draft, code) in enumerate(people)]
    with plain_main():
        for w in workers:
            w.start()
    collected, deadline = [], time.monotonic() + seconds + 600
    while len(collected) < len(workers) and time.monotonic() < deadline:
        try:
            collected.append(results.get(timeout=5))
        except queue.Empty:
            if not any(w.is_alive() for w in workers):  # all gone, some without a word: say so
                break
    for w in workers:
        w.join(timeout=60)
    reported = {login for login, _ in collected}
    collected += [(login, [("worker", 0.0, f"exited with code {w.exitcode} and no report", 0.0)])
                  for w, (login, *_rest) in zip(workers, people, strict=True) if login not in reported]
    return collected


def _summary(collected: list, elapsed: float) -> dict:
    """Page runs per page and overall (p50, p95; CPU p50 and p95 where the driver measures it per run)
    and the errors, from each user's (page, seconds, problem, CPU seconds or None)."""
    runs = [r for _, rs in collected for r in rs]
    errors = [f"{login}: {page}: {problem}" for login, rs in collected for page, _, problem, _ in rs if problem]
    by_page: dict[str, list[float]] = {}
    cpu_by_page: dict[str, list[float]] = {}
    for page, took, _, cpu in runs:
        if page in ("worker", "log") and not took:
            continue
        by_page.setdefault(page, []).append(took)
        if cpu is not None:
            cpu_by_page.setdefault(page, []).append(cpu)
    all_runs = [took for page, values in by_page.items() if page != "login" for took in values]
    all_cpu = [cpu for page, values in cpu_by_page.items() if page != "login" for cpu in values]

    def figures(values: list[float], cpu: list[float]) -> dict:
        out = {"runs": len(values), "p50_ms": round(statistics.median(values) * 1000) if values else None,
               "p95_ms": round(_percentile(values, 0.95) * 1000) if values else None}
        if cpu:
            out |= {"cpu_p50_ms": round(statistics.median(cpu) * 1000),
                    "cpu_p95_ms": round(_percentile(cpu, 0.95) * 1000)}
        return out

    overall = figures(all_runs, all_cpu)
    return {"seconds": round(elapsed, 1), "page_runs": overall.pop("runs"), **overall,
            "pages": {p: figures(v, cpu_by_page.get(p, [])) for p, v in sorted(by_page.items())},
            "errors": len(errors), "error_examples": errors[:5]}


def _chain(url: str) -> tuple[int, int]:
    checked, problems = _verify(url)
    return checked, len(problems)


def _verify(url: str) -> tuple[int, list]:
    from store import Actor, make_engine, transaction
    from store.audit import verify

    engine = make_engine(url)
    with transaction(engine) as s:
        checked, problems = verify(s, Actor("soak.admin", "admin"))
    engine.dispose()
    return checked, problems


def _report(name: str, r: dict) -> None:
    cpu = (f"CPU p50 {r['cpu_p50_ms']} ms, p95 {r['cpu_p95_ms']} ms" if "cpu_p50_ms" in r else
           f"{r['servers']} servers, their CPU {r['server_cpu_seconds']} s in {r['measured_seconds']} s, "
           f"{1000 * r['server_cpu_seconds'] / max(r['page_runs'], 1):.0f} ms a page run; the simulated "
           f"browsers' CPU {r.get('client_cpu_seconds', '?')} s")
    print(f"{name} ({r['driver']}): {r['users']} users for {r['seconds']:.0f} s: {r['page_runs']} page runs, "
          f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms ({cpu}); errors {r['errors']}; audit chain "
          f"{'intact' if not r['audit_chain_problems'] else 'BROKEN'} ({r['audit_rows']} rows)")
    for page, figures in r["pages"].items():
        line = f"    {page:<20} {figures['runs']:>5} runs  p50 {figures['p50_ms']:>5} ms  p95 {figures['p95_ms']:>5} ms"
        if "cpu_p50_ms" in figures:
            line += f"  CPU p50 {figures['cpu_p50_ms']:>4} ms  p95 {figures['cpu_p95_ms']:>4} ms"
        print(line)
    for example in r["error_examples"]:
        print(f"    ERROR {example}")


def run(minutes: float | None = None, users: int = 20, engines: tuple[str, ...] = ("sqlite", "postgresql"),
        driver: str | None = None, servers: int | None = None) -> dict:
    """``SOAK_MINUTES`` (10), ``SOAK_DRIVER`` (``server``: browsers' sessions against real app servers;
    ``apptest``: AppTest processes, every click a whole run) and ``SOAK_SERVERS`` (4: two per core, as
    docs/deploying.md advises)."""
    minutes = minutes if minutes is not None else float(os.environ.get("SOAK_MINUTES", "10"))
    driver = driver or os.environ.get("SOAK_DRIVER", "server")
    servers = servers or int(os.environ.get("SOAK_SERVERS", "4"))
    if driver not in ("server", "apptest"):
        raise SystemExit(f"SOAK_DRIVER must be server or apptest, not {driver!r}")
    os.environ.setdefault("INSATS_SECRET_KEY", "soak-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("INSATS_AUDIT_KEY", "soak-audit-key-0123456789-abcdefghijklmnop")
    results = {}
    for name in engines:
        with tempfile.TemporaryDirectory(prefix=f"insats-soak-{name}-") as tmp:
            cluster = None
            if name == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'insats.sqlite'}"
            else:
                from tests.pg import Cluster

                cluster = Cluster()
                server = cluster.start()
                from sqlalchemy import create_engine, text

                admin = create_engine(server, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text("CREATE DATABASE insats"))
                admin.dispose()
                url = server.rsplit("/", 1)[0] + "/insats"
            try:
                results[name] = soak(url, tmp, users, minutes * 60, driver, servers) | {"users": users}
            finally:
                if cluster is not None:
                    cluster.stop()
            _report(name, results[name])
    return results


if __name__ == "__main__":
    run()
