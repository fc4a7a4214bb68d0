"""A real app server and a real Chromium for end-to-end tests and the first-paint benchmark.

The server is ``streamlit run app.py`` on a free port against its own data directory. The browser
is Debian's ``chromium`` driven by Playwright through ``executable_path`` (no browser download);
when the package is missing and we are root (CI) it is installed with apt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .pg import free_port

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    if os.geteuid() != 0:
        raise RuntimeError("Chromium is missing; install the Debian package 'chromium'")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    found = shutil.which("chromium")
    if not found:
        raise RuntimeError("installing 'chromium' did not provide a chromium binary")
    return found


class AppServer:
    """``streamlit run app.py`` in a subprocess; ``url`` once it answers its health check."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, launcher: str = "streamlit",
                 extra: tuple[str, ...] = ()) -> None:
        self.extra = extra  # more arguments for the launcher
        self.launcher = launcher  # "streamlit": ``streamlit run``; "insats": ``insats serve`` (migrates first)
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.data_dir = data_dir
        self.log = data_dir / "server.log"
        self.env = dict(os.environ, INSATS_DATA_DIR=str(data_dir), **(env or {}))
        self.env.pop("INSATS_DATABASE_URL", None)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> float:
        """Start and wait for health; returns the seconds it took."""
        began = time.perf_counter()
        if self.launcher == "insats":
            command = [sys.executable, "-m", "cli", "serve", "--port", str(self.port), *self.extra]
        else:
            command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
                       "--server.port", str(self.port), "--server.address", "localhost",
                       "--browser.gatherUsageStats", "false", *self.extra]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT)
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the app server did not answer within the timeout")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def serving(data_dir: Path, prepare: Callable, today: str = "2026-11-23") -> Iterator[tuple[AppServer, object]]:
    """A fresh SQLite database in ``data_dir``, what ``prepare(session)`` writes into it (users, cases), and an
    app server on it for the test's day; yields the server and what ``prepare`` returned."""
    from store import make_engine, transaction, upgrade

    engine = make_engine(f"sqlite:///{data_dir / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as session:
        prepared = prepare(session)
    engine.dispose()
    server = AppServer(data_dir, {"INSATS_TODAY": today})
    server.start()
    try:
        yield server, prepared
    finally:
        server.stop()


def settle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the rerun a click started."""
    page.wait_for_timeout(200)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(100)


def log_in(page, url: str | None, user: str, password: str) -> None:
    """Fill the local log-in form (after opening ``url``, when given) and wait for the app."""
    if url is not None:
        page.goto(url)
        settle(page)
    page.get_by_label("Användarnamn").fill(user)
    page.get_by_label("Lösenord", exact=True).fill(password)
    page.get_by_role("button", name="Logga in").click()
    settle(page)


def fetch(page, name: str) -> bytes:
    """Click the download button named ``name`` in the page's main area and return the file that
    arrives; fails when none arrives within 30 s (a screenshot is left in tests/artifacts) or it is empty."""
    target = page.locator("[data-testid='stMain'] [data-testid='stDownloadButton']").filter(has_text=name).first
    target.scroll_into_view_if_needed()
    try:
        with page.expect_download(timeout=30_000) as info:
            target.click()
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"download-{name[:20]}.png"), full_page=True)
        raise
    content = Path(info.value.path()).read_bytes()
    assert content, f"{name}: an empty file"
    settle(page)
    return content
