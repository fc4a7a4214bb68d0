"""The outbox's rules: how the municipality's SMTP relay is named, when TLS is demanded, and when a
message that could not be sent is tried again.

A notice carries only a case code, a date and a link, but the relay's password and the recipients'
addresses still cross the network: off this machine that is never in clear text, so ``smtp://`` to any
host but the loopback demands STARTTLS (the send fails if the relay does not offer it), and ``smtps://``
is TLS from the first byte. Only the loopback (a relay on the same machine, a test server) may go plain.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from .setting_values import whole_number

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
MAX_ATTEMPTS = 6  # tried at once, then after 1, 2, 4, 8 and 16 minutes: about half an hour, then failed
RETRY_SECONDS = 60
SEND_EVERY_SECONDS = 30  # how often ``insats serve`` looks for due notices


class MailSettingProblem(ValueError):
    """A mail setting that cannot be used; the message names the setting and what was expected."""


@dataclass(frozen=True)
class Relay:
    """Where and how to hand messages over. ``tls``: ``starttls``, ``implicit`` (smtps) or ``none``."""

    host: str
    port: int
    tls: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS


def parse_relay(url: str, setting: str = "INSATS_SMTP_URL") -> Relay:
    """``smtp://user:password@relay.kommun.se:587`` (STARTTLS demanded unless the host is the loopback) or
    ``smtps://…:465`` (TLS at once). A user name or password with ``@`` or ``:`` is percent-encoded."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise MailSettingProblem(f"{setting}: not a URL like smtp://user:password@relay:587") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise MailSettingProblem(f"{setting}: expected smtp:// or smtps://, not {parts.scheme or 'nothing'}://")
    if not parts.hostname:
        raise MailSettingProblem(f"{setting}: the relay's host name is missing")
    host = parts.hostname
    # smtps: TLS from the first byte; smtp: STARTTLS demanded, except on the loopback
    tls = "implicit" if parts.scheme == "smtps" else "none" if host in LOCAL_HOSTS else "starttls"
    return Relay(host, port or DEFAULT_PORTS[parts.scheme], tls,
                 unquote(parts.username) if parts.username else None,
                 unquote(parts.password) if parts.password else None)


def parse_attempts(raw: str | None, setting: str = "INSATS_OUTBOX_ATTEMPTS") -> int:
    """How many times a message is tried before it is failed (at least 1)."""
    return whole_number(raw, setting, MAX_ATTEMPTS, "attempts", problem=MailSettingProblem)


def next_attempt(attempts: int, now: datetime, base_seconds: int = RETRY_SECONDS) -> datetime:
    """After the ``attempts``-th failed try: wait ``base_seconds`` doubled for each try before it, so a
    relay that is down for a while is not hammered, and one that blinked is tried again soon."""
    return now + timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0))


def gives_up(attempts: int, max_attempts: int) -> bool:
    """Whether a message tried ``attempts`` times without success is failed for good."""
    return attempts >= max_attempts
