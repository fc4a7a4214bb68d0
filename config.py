"""Settings of the instance that are read in one place.

``today()`` is the day every rule counts from: ``INSATS_TODAY`` pins it (the demo, the tests, a
screenshot), else it is today in Sweden, whatever the server's time zone. ``concern_clocks()``: the
periods of a report of concern about a child (``INSATS_CONCERN_CLOCKS``, see ``rules.clocks``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules.clocks import ConcernClocks, parse_clocks
from rules.dates import parse_day
from rules.mail import Relay
from rules.referrer import parse_daily_limit
from rules.start import DEFAULT_AGE_LIMITS, AgeLimits, parse_age_limits

TIME_ZONE = ZoneInfo("Europe/Stockholm")


def today() -> date:
    pinned = os.environ.get("INSATS_TODAY")
    if pinned:
        return parse_day(pinned, "INSATS_TODAY")
    return datetime.now(TIME_ZONE).date()


def version() -> str:
    """The installed version of Insats (the package metadata), for ``insats --version`` and health."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("insats")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


def health_limits() -> dict[str, float]:
    """How old the last backup and the last audit anchor may be before ``insats health`` asks for a
    person: ``INSATS_HEALTH_BACKUP_HOURS`` and ``INSATS_HEALTH_ANCHOR_HOURS`` (both a day and a bit by
    default, for a nightly job)."""
    limits = {}
    for key, name in (("backup", "INSATS_HEALTH_BACKUP_HOURS"), ("anchor", "INSATS_HEALTH_ANCHOR_HOURS")):
        raw = os.environ.get(name, "26")
        try:
            limits[key] = float(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r}: expected a number of hours") from None
        if limits[key] <= 0:
            raise ValueError(f"{name}={raw!r}: expected a positive number of hours")
    return limits


def log_format() -> str:
    """``INSATS_LOG_FORMAT``: ``text`` (default) or ``json`` (one object per line, for a log collector)."""
    chosen = os.environ.get("INSATS_LOG_FORMAT", "text").strip().lower() or "text"
    if chosen not in ("text", "json"):
        raise ValueError(f"INSATS_LOG_FORMAT={chosen!r}: expected text or json")
    return chosen


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


def concern_clocks() -> ConcernClocks:
    """The clocks of a report of concern: the law's defaults (``rules.timing``), or the organisation's
    ``INSATS_CONCERN_CLOCKS`` ("decision_days=14; investigation_ref=SoL ..."). A bad entry raises
    ``rules.clocks.ClockSettingProblem`` naming it: a deadline is never silently the wrong one."""
    return parse_clocks(os.environ.get("INSATS_CONCERN_CLOCKS", ""))


def referral_limit_per_day() -> int:
    """How many referrals one referrer account may send in a day (``INSATS_REFERRAL_LIMIT_PER_DAY``,
    default ``rules.referrer.DAILY_LIMIT``); a wrong value raises ValueError naming the setting."""
    return parse_daily_limit(os.environ.get("INSATS_REFERRAL_LIMIT_PER_DAY"))


def sig_age_limits() -> AgeLimits:
    """SIG's ages (``rules.start.AgeLimits``): ``INSATS_SIG_AGES=lowest,highest,extended``, default 12,18,19."""
    text = os.environ.get("INSATS_SIG_AGES", "").strip()
    return parse_age_limits(text) if text else DEFAULT_AGE_LIMITS


def mail_settings() -> MailSettings:
    """How the outbox sends (``rules.mail``): ``INSATS_SMTP_URL`` (the municipality's relay, e.g.
    ``smtp://user:password@relay.kommun.se:587``; unset: nothing is sent and notices wait in the queue),
    ``INSATS_MAIL_FROM`` (the sender's address, required with a relay) and ``INSATS_OUTBOX_ATTEMPTS``
    (tries before a notice is failed). Read once when a sender starts; a bad value raises
    ``rules.mail.MailSettingProblem`` naming the setting."""
    from rules.mail import MailSettingProblem, parse_attempts, parse_relay

    raw = os.environ.get("INSATS_SMTP_URL", "").strip()
    relay = parse_relay(raw) if raw else None
    sender = os.environ.get("INSATS_MAIL_FROM", "").strip()
    if relay is not None and (sender.count("@") != 1 or any(c in sender for c in " <>,;\r\n")):
        raise MailSettingProblem(f"INSATS_MAIL_FROM={sender!r}: expected the sender's address, e.g. "
                                 "insats@kommun.se (required with INSATS_SMTP_URL)")
    return MailSettings(relay, sender, parse_attempts(os.environ.get("INSATS_OUTBOX_ATTEMPTS")))


def public_url() -> str:
    """``INSATS_PUBLIC_URL``: the address people log in at, the one link a notice carries (https, or
    a localhost address for a trial on one machine)."""
    from rules.mail import MailSettingProblem

    url = os.environ.get("INSATS_PUBLIC_URL", "").strip() or "http://localhost:8501"
    if not url.startswith(("https://", "http://localhost", "http://127.0.0.1")) or any(c.isspace() for c in url):
        raise MailSettingProblem(f"INSATS_PUBLIC_URL={url!r}: expected the https:// address people log in at")
    return url


@dataclass(frozen=True)
class MailSettings:
    """The outbox's settings (``mail_settings``)."""

    relay: Relay | None
    sender: str
    max_attempts: int
