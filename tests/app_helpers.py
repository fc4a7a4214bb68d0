"""Helpers for AppTests of the pages: a database per test, one page per test, state via session_state."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from store import Actor, make_engine, transaction, upgrade
from store.demo import seed_demo

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 23)
SYSTEM = Actor("test.setup", "system")


def make_database(directory: Path, subjects: int = 0) -> str:
    """A migrated SQLite database in ``directory`` (the app's INSATS_DATA_DIR), optionally with demo data."""
    url = f"sqlite:///{(directory / 'insats.sqlite').resolve()}"
    engine = make_engine(url)
    upgrade(engine)
    if subjects:
        with transaction(engine) as session:
            seed_demo(session, SYSTEM, n_subjects=subjects, today=TODAY, seed=7)
    engine.dispose()
    return url


def open_page(page: str, case: str | None = None, lang: str = "sv", **state: object) -> AppTest:
    """Run the app once, set the session state, switch to ``forms/pages/<page>.py`` and run it."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.session_state["lang"] = lang
    if case:
        at.session_state["case_code"] = case
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(f"forms/pages/{page}.py")
    at.run()
    return at


def texts(at: AppTest, kind: str) -> str:
    return " | ".join(str(e.value) for e in getattr(at, kind))


def no_trace(at: AppTest) -> None:
    """No exception element and no generic failure message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert "Något gick fel" not in texts(at, "error") and "Something went wrong" not in texts(at, "error")
