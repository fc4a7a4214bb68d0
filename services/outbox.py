"""Sending instead of downloading: the notice a member of the network gets, and the sender that hands the
queued notices to the municipality's SMTP relay.

A notice holds the case code, a date and the link to log in: nothing that names the youth or the family,
and never the document (a partner reads it in Insats after log-in; a member without an account learns
only that it exists). The meeting invitation's .ics is the one attachment; the one made for the outbox
names no attendee but the recipient. Who receives is decided and audited by ``store.outbox``; this
module words the notice and sends what is due, one transaction per outcome so the relay's slowness
never holds the database, and records every send and every failure there (an error *code*, never the
relay's words, which can echo an address).

The sending job is ``insats outbox send`` (a cron job) and a background thread of ``insats serve``
(``start_background``), which stops with the server and never takes it down.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import catalogue
import config
from rules.mail import SEND_EVERY_SECONDS, Relay
from store import transaction
from store.outbox import OUTBOX, Due, Recipient, due_messages, record_failure, record_sent

log = logging.getLogger("insats.outbox")
LANGUAGE = "sv"  # the municipality's professionals: the notice is in Swedish
TIMEOUT_SECONDS = 30
INTERVAL_SECONDS = SEND_EVERY_SECONDS  # how often ``insats serve`` looks for due notices (rules.mail)


def compose(kind: str, case_code: str, about_on: date, recipient: Recipient, link: str) -> tuple[str, str]:
    """(title, body) of the notice about ``kind`` dated ``about_on``: the case code, the date and the link.
    A partner with an account reads the document after log-in; a member without one asks the coordinator."""
    title = catalogue.text(f"outbox_title_{kind}", LANGUAGE, case=case_code, on=about_on)
    lead = catalogue.text(f"outbox_body_{kind}", LANGUAGE, case=case_code, on=about_on)
    how = catalogue.text("outbox_body_account" if recipient.user_id is not None else "outbox_body_no_account",
                         LANGUAGE, link=link)
    return title, f"{lead}\n\n{how}\n\n{catalogue.text('outbox_body_footer', LANGUAGE)}\n"


class SendProblem(Exception):
    """The relay did not take a message (or the connection): ``code`` says which way, without its words."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def error_code(exc: BaseException) -> str:
    """A short code for the audit row and the queue: the kind of failure and the relay's reply number."""
    if isinstance(exc, SendProblem):
        return exc.code
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"auth_{exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return "recipient_refused_" + "_".join(str(c) for c in codes)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender_refused_{exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"relay_{exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "starttls_missing"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "disconnected"
    if isinstance(exc, OSError):
        return "connect"
    return "error_" + type(exc).__name__.lower()[:40]


def connect(relay: Relay) -> smtplib.SMTP:
    """An SMTP session with the relay, logged in if it has a user: TLS demanded off the loopback
    (``rules.mail``). A relay that does not offer STARTTLS is a failure, never a fall-back to plain text."""
    context = ssl.create_default_context()
    if relay.tls == "implicit":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(relay.host, relay.port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        smtp = smtplib.SMTP(relay.host, relay.port, timeout=TIMEOUT_SECONDS)
    try:
        smtp.ehlo()
        if relay.tls == "starttls":
            if not smtp.has_extn("starttls"):
                raise SendProblem("starttls_missing")
            smtp.starttls(context=context)
            smtp.ehlo()
        if relay.user:
            smtp.login(relay.user, relay.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def message_of(due: Due, sender: str) -> EmailMessage:
    """The e-mail: the notice as plain text, and the invitation's .ics when it is one."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, due.address, due.title
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a queue
    mail.set_content(due.body)
    if due.attachment is not None:
        mail.add_attachment(due.attachment, maintype="text", subtype="calendar",
                            filename=due.attachment_name or "kallelse.ics",
                            params={"method": "REQUEST", "charset": "utf-8"})
    return mail


@dataclass
class SendReport:
    """What one run did: notices sent, tried again later, failed for good; ``idle``: no relay set."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    idle: bool = False
    codes: list[str] = field(default_factory=list)


def send_due(engine, settings: config.MailSettings | None = None, now: datetime | None = None,
             limit: int = 50) -> SendReport:
    """Send every notice that is due, through one connection to the relay. A connection that cannot be
    made counts as a failed attempt for each due notice (each is tried again later, with backoff)."""
    from store._time import utc_now

    settings = settings or config.mail_settings()
    report = SendReport()
    if settings.relay is None:
        report.idle = True
        return report
    with transaction(engine) as s:
        due = due_messages(s, OUTBOX, now or utc_now(), limit)
    if not due:
        return report
    try:
        smtp = connect(settings.relay)
    except Exception as exc:  # the relay is down or refuses us: every due notice waits for its next attempt
        code = error_code(exc)
        for message in due:
            _failed(engine, message.id, code, settings, report)
        return report
    try:
        for message in due:
            try:
                smtp.send_message(message_of(message, settings.sender))
            except smtplib.SMTPServerDisconnected as exc:
                _failed(engine, message.id, error_code(exc), settings, report)
                break  # the rest stay queued as they were, for the next run
            except Exception as exc:
                _failed(engine, message.id, error_code(exc), settings, report)
                continue
            with transaction(engine) as s:
                report.sent += record_sent(s, OUTBOX, message.id, utc_now())
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return report


def _failed(engine, message_id: int, code: str, settings: config.MailSettings, report: SendReport) -> None:
    from store._time import utc_now

    with transaction(engine) as s:
        status = record_failure(s, OUTBOX, message_id, code, utc_now(), settings.max_attempts)
    report.codes.append(code)
    if status == "failed":
        report.failed += 1
    elif status == "queued":
        report.retrying += 1


def run(engine, stop: threading.Event, settings: config.MailSettings, interval: float = INTERVAL_SECONDS) -> None:
    """Send what is due every ``interval`` seconds until ``stop`` is set. Nothing it meets stops the
    loop or reaches the caller: a failure is logged (with its error id, no case data) and tried again."""
    from services.errors import report as error_id

    while not stop.is_set():
        try:
            done = send_due(engine, settings)
            if done.sent or done.retrying or done.failed:
                log.info("outbox: %d sent, %d to try again, %d failed", done.sent, done.retrying, done.failed)
        except Exception as exc:  # the database away for a moment, a bug: the server goes on serving
            log.error("outbox: the run stopped (id %s: %s); trying again in %ss", error_id(exc),
                      type(exc).__name__, interval)
        stop.wait(interval)


def start_background(url: str, settings: config.MailSettings, interval: float = INTERVAL_SECONDS):
    """The sender as a daemon thread of ``insats serve``, with its own engine; returns a function that
    stops it (called at exit: the thread finishes the message in hand, then ends)."""
    from store import make_engine

    engine = make_engine(url)
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(engine, stop, settings, interval), name="insats-outbox", daemon=True)
    thread.start()

    def halt(timeout: float = TIMEOUT_SECONDS) -> None:
        stop.set()
        thread.join(timeout)
        engine.dispose()

    return halt
