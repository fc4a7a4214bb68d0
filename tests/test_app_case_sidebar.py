"""The sidebar names the case the page shows, also in the run where Ärende's picker opened another one."""

from __future__ import annotations

import pytest

from store import cases, make_engine, transaction

from .app_helpers import SYSTEM, TODAY, make_database, no_trace, open_page


@pytest.fixture
def empty(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(make_database(tmp_path))
    yield engine
    engine.dispose()


def sidebar_case(at) -> list[str]:
    return [str(c.value) for c in at.sidebar.caption if str(c.value).startswith("Ärende:")]


def test_the_sidebar_follows_the_case_picked_on_the_case_page(empty):
    with transaction(empty) as s:
        first, second = (cases.create_subject(s, SYSTEM).case_code for _ in range(2))
    at = open_page("case", case=first)
    assert sidebar_case(at) == [f"Ärende: **{first}**"]
    at.selectbox(key="case_pick").set_value(second).run()
    no_trace(at)
    assert at.metric[0].value == second  # the page shows the picked case ...
    assert sidebar_case(at) == [f"Ärende: **{second}**"]  # ... and so does the sidebar, in the same run
