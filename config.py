"""Settings of the instance that are read in one place.

``today()`` is the day every rule counts from: ``INSATS_TODAY`` pins it (the demo, the tests, a
screenshot), else it is today in Sweden, whatever the server's time zone. ``concern_clocks()``: the
periods of a report of concern about a child (``INSATS_CONCERN_CLOCKS``, see ``rules.clocks``).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules.clocks import ConcernClocks, parse_clocks
from rules.dates import parse_day

TIME_ZONE = ZoneInfo("Europe/Stockholm")


def today() -> date:
    pinned = os.environ.get("INSATS_TODAY")
    if pinned:
        return parse_day(pinned, "INSATS_TODAY")
    return datetime.now(TIME_ZONE).date()


def concern_clocks() -> ConcernClocks:
    """The clocks of a report of concern: the law's defaults (``rules.timing``), or the organisation's
    ``INSATS_CONCERN_CLOCKS`` ("decision_days=14; investigation_ref=SoL ..."). A bad entry raises
    ``rules.clocks.ClockSettingProblem`` naming it: a deadline is never silently the wrong one."""
    return parse_clocks(os.environ.get("INSATS_CONCERN_CLOCKS", ""))
