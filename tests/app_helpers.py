"""Helpers for AppTests of the pages: a database per test, one page per test, state via session_state."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from forms import auth
from store import Actor, make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import Member, Team
from store.users import add_user

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 23)
SYSTEM = Actor("test.setup", "system")
USER = "test.coordinator"  # intake, assessor and coordinator in every team
RESEARCHER, ADMIN = "test.researcher", "test.admin"
PARTNER = "test.polis"  # a police officer in the network: the police member of a few demo groups ("Mina grupper")
REFERRER = "test.referrer"  # a police referrer: no team, one page (forms/pages/referrals_sent.py)
AS_USER = Actor(USER, {"intake", "assessor", "coordinator"}, {1})  # to make the user's own drafts in set-up


_TEMPLATES: dict[int, Path] = {}


def make_database(directory: Path, subjects: int = 0) -> str:
    """A migrated SQLite database in ``directory`` (the app's INSATS_DATA_DIR), optionally with demo data.

    Built once per test run for each size and copied (with the data folder's audit key) into each test's
    folder: the same database every time, without migrating and seeding it again for every test."""
    if subjects not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix=f"insats-template-{subjects}-"))
        before = os.environ.get("INSATS_DATA_DIR")
        os.environ["INSATS_DATA_DIR"] = str(template)
        try:
            _build_database(template, subjects)
        finally:
            if before is None:
                os.environ.pop("INSATS_DATA_DIR", None)
            else:
                os.environ["INSATS_DATA_DIR"] = before
        _TEMPLATES[subjects] = template
    for item in _TEMPLATES[subjects].iterdir():
        if item.is_dir():
            shutil.copytree(item, directory / item.name, dirs_exist_ok=True)
        else:
            shutil.copy2(item, directory / item.name)
    return f"sqlite:///{(directory / 'insats.sqlite').resolve()}"


def _build_database(directory: Path, subjects: int) -> None:
    url = f"sqlite:///{(directory / 'insats.sqlite').resolve()}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as session:
        if subjects:
            seed_demo(session, SYSTEM, n_subjects=subjects, today=TODAY, seed=7, users=False)
        teams = list(session.scalars(select(Team.name)))
        add_user(session, SYSTEM, USER, display_name="Test Samordnare", roles=["intake", "assessor", "coordinator"],
                 teams=teams)
        add_user(session, SYSTEM, RESEARCHER, display_name="Test Forskare", roles=["researcher"])
        add_user(session, SYSTEM, ADMIN, display_name="Test Admin", roles=["admin"])
        partner = add_user(session, SYSTEM, PARTNER, display_name="Test Polis", roles=["partner"],
                           organisation="police")
        police = session.scalars(select(Member).where(Member.organisation == "police", Member.to_on.is_(None))
                                 .order_by(Member.subject_id).limit(3)).all()
        for member in police:  # linked as a coordinator would (insats members link), in set-up
            member.user_id = partner.id
        add_user(session, SYSTEM, REFERRER, display_name="Test Anmälare", roles=["referrer"], organisation="police")
    engine.dispose()


def logged_in(at: AppTest, user: str = USER) -> AppTest:
    """As after a log-in: the browser session's server-side state names the user."""
    at.session_state[auth.STATE] = {"login": user, "via": "local", "last_seen": time.time()}
    return at


def open_page(page: str, case: str | None = None, lang: str = "sv", user: str = USER, **state: object) -> AppTest:
    """Log ``user`` in, run the app once, set the session state, switch to ``forms/pages/<page>.py``
    and run it."""
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), user)
    at.run()
    at.session_state["lang"] = lang
    if case:
        at.session_state["case_code"] = case
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(f"forms/pages/{page}.py")
    at.run()
    return at


TAB_KEYS = ("case_tab", "research_tab")  # the pages whose tabs read only when open (forms.tabs)


def each_tab(page: str, **opened: object) -> Iterator[AppTest]:
    """``open_page(page, **opened)`` with each of its tabs open in turn, as a person clicking through
    them sees it. Each tab in a fresh session: AppTest calls a widget's label function outside the
    page's run, in Swedish, so a second run of an English page with a translated choice fails."""
    at = open_page(page, **opened)
    no_trace(at)
    yield at
    key = next((k for k in TAB_KEYS if k in at.session_state), None)
    for label in [t.label for t in at.tabs][1:] if key else []:
        view = _opened_on(page, {key: label}, **opened)
        no_trace(view)
        assert view.session_state[key] == label  # that tab open: its reads drawn
        yield view


def _opened_on(page: str, tab: dict[str, str], case: str | None = None, lang: str = "sv", user: str = USER,
               **state: object) -> AppTest:
    """``open_page`` in one run, with the tab open: the page named in the address (``?page=``, as a link
    opens it) and the state set before that run. A second run of an English page would meet AppTest's
    Swedish label functions (see each_tab)."""
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), user)
    at.query_params["page"] = page
    for name, value in {"lang": lang, **({"case_code": case} if case else {}), **state, **tab}.items():
        at.session_state[name] = value
    return at.run()


def open_tab(at: AppTest, label: str, key: str = "case_tab") -> AppTest:
    """Click the tab ``label``: the page reruns with that tab open (forms.tabs draws a tab's reads only
    when it is open)."""
    assert label in [t.label for t in at.tabs], (label, [t.label for t in at.tabs])
    at.session_state[key] = label
    return at.run()


def texts(at: AppTest, kind: str) -> str:
    return " | ".join(str(e.value) for e in getattr(at, kind))


def no_trace(at: AppTest) -> None:
    """No exception element and no generic failure message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert "Något gick fel" not in texts(at, "error") and "Something went wrong" not in texts(at, "error")
