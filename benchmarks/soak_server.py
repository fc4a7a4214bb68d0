"""The soak against real app servers, as browsers use them (``make bench soak``; ``SOAK_DRIVER=server``).

``SOAK_SERVERS`` ``insats serve`` processes (default 4: two per core, as docs/deploying.md advises; a
server's page runs are threads of one process and share its one interpreter lock) on the soak's
database. Each simulated user is a WebSocket session (benchmarks.browser_session) that logs in through
the real log-in form and then does what the AppTest soak's users do, with the same roles, actions and
think times; users are dealt to the servers in turn, as a load balancer's round robin does. What differs
from the AppTest soak is what a click asks for: rating a factor on Bedömning or moving Forskning's age
filter reruns only its ``st.fragment``, as in the browser, where AppTest can only rerun the whole page.

A page run is the time from the click's message to the end of the run the server sends back. The
servers' CPU time over the measured minutes is read from /proc and reported per page run (the mean).
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from .browser_session import BrowserSession

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "ett långt lösenord för soaken"
STARTUP_LIMIT = 120.0


class Server:
    """``insats serve`` on a free 127.0.0.1 port, in a process group of its own (its CPU time is the group's)."""

    def __init__(self, url: str, data_dir: Path, today: str) -> None:
        from tests.pg import free_port

        self.port = free_port()
        self.log = data_dir / f"server-{self.port}.log"
        env = dict(os.environ, INSATS_DATABASE_URL=url, INSATS_DATA_DIR=str(data_dir), INSATS_TODAY=today)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--address", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def stream(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def wait(self) -> None:
        began = time.monotonic()
        while time.monotonic() - began < STARTUP_LIMIT:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-1500:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {STARTUP_LIMIT:.0f} s")

    def cpu_seconds(self) -> float:
        """User and system CPU time of every process in the server's group, from /proc."""
        tick, total = os.sysconf("SC_CLK_TCK"), 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            if int(fields[2]) == self.process.pid:  # field 5 of stat: the process group
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def problems(self) -> list[str]:
        """Lines of the server's log that say something went wrong (must be none)."""
        return [line for line in self.log.read_text(errors="replace").splitlines()
                if "Traceback" in line or "ERROR" in line or "Exception" in line]

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _user(server: Server, login: str, role: str, draft_id: int | None, code: str | None, seconds: float,
          seed: int, everyone_in: threading.Barrier, failures: tuple[str, ...], plans: dict,
          runs: list) -> None:
    """One simulated person in a browser tab; whatever happens, the runs and any failure go back."""
    rng = random.Random(seed)
    tab = None
    try:
        tab = BrowserSession(server.stream)
        query = f"case={code}&assessment={draft_id}" if code else ""  # the case's link, as a bookmark holds it
        began = time.perf_counter()
        shown = tab.log_in(login, PASSWORD)
        runs.append(("login", time.perf_counter() - began, _problem(shown, failures, "login")))
        with contextlib.suppress(threading.BrokenBarrierError):
            everyone_in.wait(timeout=300)
        time.sleep(rng.uniform(0.3, 1.5))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            page = rng.choice(plans[role])
            key = f"assessment:{draft_id}:item:H{rng.randint(1, 10)}"
            began = time.perf_counter()
            if page == "assessment" and key in tab.widgets:
                name, shown = "assessment (save)", tab.choose(key, rng.choice(tab.widgets[key].options), query)
            elif page == "research" and "research_ages" in tab.widgets:
                name, shown = "research (filter)", tab.slide("research_ages", rng.randint(12, 16), 24)
            else:
                name, shown = page, tab.run(page=page, query=query if page in ("case", "assessment", "change",
                                                                                "plan") else "")
            runs.append((name, time.perf_counter() - began, _problem(shown, failures, name)))
            time.sleep(rng.uniform(0.3, 1.5))  # think time
    except Exception as exc:  # counted, never hidden
        runs.append(("worker", 0.0, f"{type(exc).__name__}: {str(exc)[:300]}"))
    finally:
        if tab is not None:
            tab.close()


def _problem(shown, failures: tuple[str, ...], page: str) -> str | None:
    if shown.exceptions:
        return "exception: " + shown.exceptions[0][:200]
    errors = " | ".join(shown.errors)
    if any(sign in errors for sign in failures):
        return f"error shown: {errors[:200]}"
    if shown.login_form:  # after the log-in: it was refused; later: the session was lost
        return "the log-in form again"
    return None


def soak_servers(url: str, data_dir: str, users: int, seconds: float, servers: int, *, prepare, plans: dict,
                 failures: tuple[str, ...], today: str) -> tuple[list, dict]:
    """Run the soak's users against ``servers`` app servers; returns every (page, seconds, problem) and
    what the servers say: their CPU seconds in the measured minutes and the problems in their logs."""
    people = prepare(url, users, password=PASSWORD)
    started = [Server(url, Path(data_dir), today) for _ in range(servers)]
    try:
        for server in started:
            server.wait()
        per_user: list[list] = [[] for _ in people]
        cpu: dict[str, float] = {}

        def measured_from() -> None:  # the barrier's action: everyone has logged in
            cpu["start"] = sum(s.cpu_seconds() for s in started)
            cpu["client"] = time.process_time()  # the simulated browsers: on the same 2 cores
            cpu["began"] = time.monotonic()

        everyone_in = threading.Barrier(len(people), action=measured_from)
        threads = [threading.Thread(target=_user, daemon=True,
                                    args=(started[i % servers], login, role, draft, code, seconds, i, everyone_in,
                                          failures, plans, per_user[i]))
                   for i, (login, role, draft, code) in enumerate(people)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 600)
        cpu_used = sum(s.cpu_seconds() for s in started) - cpu.get("start", 0.0)
        client_used = time.process_time() - cpu.get("client", time.process_time())
        wall = time.monotonic() - cpu.get("began", time.monotonic())
        problems = [f"server log: {line[:200]}" for s in started for line in s.problems()]
    finally:
        for server in started:
            server.stop()
    runs = [run for user_runs in per_user for run in user_runs]
    return runs, {"servers": servers, "server_cpu_seconds": round(cpu_used, 1),
                  "client_cpu_seconds": round(client_used, 1), "measured_seconds": round(wall, 1),
                  "log_problems": problems}
