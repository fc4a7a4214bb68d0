"""Settings of the instance that are read in one place.

``today()`` is the day every rule counts from: ``INSATS_TODAY`` pins it (the demo, the tests, a
screenshot), else it is today in Sweden, whatever the server's time zone.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules.dates import parse_day

TIME_ZONE = ZoneInfo("Europe/Stockholm")


def today() -> date:
    pinned = os.environ.get("INSATS_TODAY")
    if pinned:
        return parse_day(pinned, "INSATS_TODAY")
    return datetime.now(TIME_ZONE).date()
