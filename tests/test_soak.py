"""The soak harness, short: 7 simulated users (coordinators, intake, a researcher) for 12 seconds on
SQLite and on PostgreSQL, through both drivers: browsers' WebSocket sessions against two real app
servers (log-in through the form, fragment reruns), and AppTest processes. No page run may fail, no
server may log an error, and the audit chain must be intact. The full soak (20 users, 10 minutes each)
is ``make bench soak``; its figures are in the README."""

from __future__ import annotations

import pytest

from benchmarks import soak


@pytest.mark.parametrize("driver", ["server", "apptest"])
@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_seven_users_working_at_once_meet_no_error_and_keep_the_chain(engine_name, driver):
    result = soak.run(minutes=0.2, users=7, engines=(engine_name,), driver=driver, servers=2)[engine_name]
    assert result["errors"] == 0, result["error_examples"]
    assert result["audit_chain_problems"] == 0 and result["audit_rows"] > 100
    pages = result["pages"]
    assert {"assessment (save)", "intake", "research", "case"} <= set(pages) or {"research (filter)"} & set(pages)
    assert pages.get("assessment (save)", {}).get("runs", 0) > 0  # drafts were really written
    assert result["page_runs"] > 7 * 5


def test_a_browser_session_logs_in_rates_in_its_fragment_and_the_rating_is_saved(tmp_path):
    """The soak's browser session against a real server: a wrong password leaves the log-in form; the
    right one opens the pages; a rating sent as the browser sends it reruns the form's fragment alone
    and is in the database afterwards."""
    from sqlalchemy import select

    from benchmarks.browser_session import BrowserSession
    from benchmarks.soak_server import PASSWORD, Server
    from store import make_engine, transaction
    from store.models import Assessment

    url = f"sqlite:///{tmp_path / 'insats.sqlite'}"
    (login, _role, draft, code), *_ = soak._prepare(url, 1, password=PASSWORD)
    server = Server(url, tmp_path, soak.TODAY.isoformat())
    try:
        server.wait()
        stranger = BrowserSession(server.stream)
        assert stranger.log_in(login, "inte lösenordet").login_form
        stranger.close()
        tab = BrowserSession(server.stream)
        assert not tab.log_in(login, PASSWORD).login_form
        assert {"intake", "case", "assessment", "log"} <= set(tab.pages)
        shown = tab.run(page="assessment", query=f"case={code}&assessment={draft}")
        key = f"assessment:{draft}:item:H3"
        assert not shown.errors and not shown.exceptions and key in tab.widgets
        rating = tab.widgets[key]
        assert rating.fragment and len(rating.options) >= 3  # drawn in the form's fragment
        shown = tab.choose(key, rating.options[2], query=f"case={code}&assessment={draft}")
        assert not shown.errors and not shown.exceptions
        tab.close()
        assert server.problems() == []
    finally:
        server.stop()
    engine = make_engine(url)
    with transaction(engine) as s:
        ratings = s.scalar(select(Assessment.ratings).where(Assessment.id == draft))
    engine.dispose()
    assert ratings.get("H3") == "H"
