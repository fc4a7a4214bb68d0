"""The soak harness, short: 7 simulated users (coordinators, intake, a researcher) for 12 seconds on
SQLite and on PostgreSQL. No page run may fail and the audit chain must be intact. The full soak
(20 users, 10 minutes each) is ``make bench soak``; its figures are in the README."""

from __future__ import annotations

import pytest

from benchmarks import soak


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_seven_users_working_at_once_meet_no_error_and_keep_the_chain(engine_name):
    result = soak.run(minutes=0.2, users=7, engines=(engine_name,))[engine_name]
    assert result["errors"] == 0, result["error_examples"]
    assert result["audit_chain_problems"] == 0 and result["audit_rows"] > 100
    pages = result["pages"]
    assert {"assessment (save)", "intake", "research", "case"} <= set(pages) or {"research (filter)"} & set(pages)
    assert pages.get("assessment (save)", {}).get("runs", 0) > 0  # drafts were really written
    assert result["page_runs"] > 7 * 5
