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


def programme_cost_per_year() -> float | None:
    """What the programme costs per year in kronor (``INSATS_PROGRAMME_COST_PER_YEAR``; unset or empty:
    none, and the follow-up report shows no net figure). A value that is not a number raises ValueError
    naming the setting, for the caller to say."""
    from rules.before_after import programme_cost

    raw = os.environ.get("INSATS_PROGRAMME_COST_PER_YEAR")
    try:
        return programme_cost(raw)
    except ValueError as exc:
        raise ValueError(f"INSATS_PROGRAMME_COST_PER_YEAR: {exc}") from None
