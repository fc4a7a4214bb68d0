"""The sidebar names the case the page shows, also in the run where Ärende's picker opened another one."""

from __future__ import annotations

from store import cases, transaction

from .app_helpers import SYSTEM, no_trace, open_page


def sidebar_case(at) -> list[str]:
    return [str(c.value) for c in at.sidebar.caption if str(c.value).startswith("Ärende:")]


def test_the_sidebar_follows_the_case_picked_on_the_case_page(app_engine):
    with transaction(app_engine) as s:
        first, second = (cases.create_subject(s, SYSTEM).case_code for _ in range(2))
    at = open_page("case", case=first)
    assert sidebar_case(at) == [f"Ärende: **{first}**"]
    at.selectbox(key="case_pick").set_value(second).run()
    no_trace(at)
    assert at.metric[0].value == second  # the page shows the picked case ...
    assert sidebar_case(at) == [f"Ärende: **{second}**"]  # ... and so does the sidebar, in the same run
