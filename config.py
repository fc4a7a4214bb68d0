"""Settings of the instance that are read in one place.

``today()`` is the day every rule counts from: ``INSATS_TODAY`` pins it (the demo, the tests, a
screenshot), else it is today in Sweden, whatever the server's time zone.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules.dates import parse_day
from rules.start import DEFAULT_AGE_LIMITS, AgeLimits, parse_age_limits

TIME_ZONE = ZoneInfo("Europe/Stockholm")


def today() -> date:
    pinned = os.environ.get("INSATS_TODAY")
    if pinned:
        return parse_day(pinned, "INSATS_TODAY")
    return datetime.now(TIME_ZONE).date()


def sig_age_limits() -> AgeLimits:
    """SIG's ages (``rules.start.AgeLimits``): ``INSATS_SIG_AGES=lowest,highest,extended``, default 12,18,19."""
    text = os.environ.get("INSATS_SIG_AGES", "").strip()
    return parse_age_limits(text) if text else DEFAULT_AGE_LIMITS
