"""Sending instead of downloading (#23 item 3, the sending part of item 5): notices about the plan and the
invitation go to the current members the consent covers, through a real SMTP server on 127.0.0.1
(aiosmtpd), carrying the case code, a date and a link and no name or personnummer of the youth or the
family; the invitation's .ics is the only attachment; a relay that is down is tried again with backoff,
a notice past its attempts is failed and counted for the coordinator; nothing goes to a member outside
the consent; and STARTTLS is demanded off the loopback. The store parts on both engines."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import date, time, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

import cli
import config
from forms.invitation import invitation_for
from rules.mail import MailSettingProblem, Relay, gives_up, next_attempt, parse_relay
from services.outbox import SendProblem, compose, connect, send_due
from store import cases, transaction
from store._time import utc_now
from store.access import AccessDenied
from store.cases.consent import consent_rows
from store.models import AuditEntry, Member, OutboxMessage, Subject
from store.outbox import LEASE, OUTBOX, due_messages, failed_notices, network_recipients, send_to_network
from store.users import actor_for, add_user

from .actors import SETUP
from .pg import free_port

TODAY = date(2026, 6, 1)
PLAN_ON = date(2026, 5, 28)
CODE = "SIG-O1"
PNR = "20110612-1237"
# the youth and the family, named in the group: never in a notice
FAMILY = {"Ali Ungdomsson": "ali@hemma.se", "Mona Mammasdotter": "mona@hemma.se"}
LINK = "https://insats.kommun.se"


class Inbox:
    """aiosmtpd's handler: keeps every message the server accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def smtp_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def relay():
    port = free_port()
    controller, inbox = smtp_server(port)
    yield config.MailSettings(Relay("127.0.0.1", port, "none"), "insats@kommun.se", 3), inbox
    controller.stop()


@pytest.fixture
def group(engine, monkeypatch):
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    return make_group(engine)


def make_group(engine):
    """SIG-O1: a police partner with an account; a teacher, a leisure leader, a social worker, the youth
    and a guardian without one (all with an e-mail address); a police officer who left; a consent that
    lets the police and the school have the plan."""
    with transaction(engine) as s:
        add_user(s, SETUP, "sam", display_name="Sam Samordnare", roles=["coordinator"], teams=["Standard"])
        add_user(s, SETUP, "pia.polis", display_name="Pia Polis", roles=["partner"], organisation="police",
                 email="pia@polisen.se")
        subject = cases.create_subject(s, SETUP, case_code=CODE, pnr=PNR)
        s.flush()
        start = date(2026, 1, 1)
        for name, organisation, mail in (("Pia Polis", "police", "pia.privat@example.se"),
                                         ("Stig Skola", "school", "stig@skola.se"),
                                         ("Lisa Fritid", "leisure", "lisa@fritid.se"),
                                         ("Sara Socialsekreterare", "social_services", "sara@kommun.se"),
                                         ("Ali Ungdomsson", "youth", FAMILY["Ali Ungdomsson"]),
                                         ("Mona Mammasdotter", "guardian", FAMILY["Mona Mammasdotter"]),
                                         ("Bo Skola", "school", None)):
            cases.add_member(s, SETUP, subject, name, organisation, email=mail, from_on=start)
        cases.add_member(s, SETUP, subject, "Per Slutat", "police", email="per@polisen.se", from_on=start,
                         to_on=date(2026, 4, 1))
        cases.link_member(s, actor_for(s, "sam"), subject, "Pia Polis", "pia.polis")
        cases.add_consent(s, SETUP, subject, signed_on=date(2026, 1, 10), signed_by=["youth", "guardian 1"],
                          valid_until=date(2026, 12, 31), actors=["polis", "skola"], categories=["plan"])
    return engine


def queue(engine, kind: str = "plan", attachment=None):
    with transaction(engine) as s:
        return send_to_network(s, actor_for(s, "sam"), CODE, kind, on=TODAY, about_on=PLAN_ON,
                               compose=lambda r: compose(kind, CODE, PLAN_ON, r, LINK), attachment=attachment)


def test_who_gets_the_notice_and_why(group):
    with transaction(group) as s:
        listed = {r.name: (r.reason, r.address) for r in network_recipients(s, actor_for(s, "sam"), CODE, "plan",
                                                                             TODAY)}
    assert listed == {
        "Pia Polis": ("account", "pia@polisen.se"),  # the account's address, not the one on the member row
        "Stig Skola": ("notice", "stig@skola.se"),
        "Lisa Fritid": ("no_consent", None),  # the consent names the police and the school only
        "Sara Socialsekreterare": ("staff", None),
        "Ali Ungdomsson": ("family", None),
        "Mona Mammasdotter": ("family", None),
        "Bo Skola": ("no_email", None),
    }  # Per Slutat left the group in April: not listed at all


def test_notices_arrive_without_names_or_personnummer_and_without_the_document(group, relay):
    settings, inbox = relay
    recipients = queue(group)
    assert sorted(r.name for r in recipients if r.gets) == ["Pia Polis", "Stig Skola"]
    report = send_due(group, settings)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    arrived = {tuple(to): message for to, message in inbox.messages}
    assert set(arrived) == {("pia@polisen.se",), ("stig@skola.se",)}
    with transaction(group) as s:
        names = set(s.scalars(select(Member.name)))
    for message in arrived.values():
        assert message["From"] == "insats@kommun.se" and CODE in message["Subject"]
        body = message.get_body(("plain",)).get_content()
        assert CODE in body and LINK in body and "2026-05-28" in body
        assert not list(message.iter_attachments())  # the plan itself never travels
        raw = message.as_string()
        for name in names | {"Ali", "Mona", "Ungdomsson", "Mammasdotter"}:
            assert name not in raw
        assert PNR not in raw and PNR.replace("-", "") not in raw and "110612-1237" not in raw
    assert "Logga in" in arrived[("pia@polisen.se",)].get_body(("plain",)).get_content()
    assert "inget konto" in arrived[("stig@skola.se",)].get_body(("plain",)).get_content()
    with transaction(group) as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
        rows = s.execute(select(AuditEntry.who, AuditEntry.action, AuditEntry.entity, AuditEntry.detail)
                         .order_by(AuditEntry.id)).all()
    released = [d for who, a, e, d in rows if (who, a, e) == ("sam", "send", "consent")]
    assert any(d.endswith("to polis (plan)") for d in released) and any(d.endswith("to skola (plan)") for d in released)
    summary = next(d for d in released if "queued" in d)
    assert "2 queued" in summary and "(no_consent)" in summary and "(family)" in summary
    sends = [d for who, a, e, d in rows if (who, a, e) == ("outbox", "send", "outbox")]
    assert len(sends) == 2 and all("sent, attempt 1" in d for d in sends)
    for detail in [d for *_, d in rows if d]:  # the audit trail names members by id, never by name or address
        assert "@" not in detail and not any(name in detail for name in names)
    assert send_due(group, settings).sent == 0  # sent once only


def test_the_invitation_carries_its_ics_as_the_only_attachment(group, relay):
    settings, inbox = relay

    def ics(recipient):
        return invitation_for(recipient.address, case_code=CODE, on=PLAN_ON, start=time(15), minutes=90,
                              place="Fritidsgården", summary="Nätverksmöte", description="Kallelse till nätverksmöte",
                              organiser=("Sam Samordnare", "sam@kommun.se"))

    queue(group, "invitation", attachment=ics)
    assert send_due(group, settings).sent == 2
    for to, message in inbox.messages:
        [attached] = list(message.iter_attachments())
        assert attached.get_content_type() == "text/calendar" and attached.get_filename().endswith(".ics")
        calendar = attached.get_payload(decode=True).decode("utf-8").replace("\r\n ", "")  # RFC 5545 unfolded
        assert "Fritidsgården" in calendar
        assert CODE in calendar and f"mailto:{to[0]}" in calendar
        assert "stig@skola.se" not in calendar or to == ["stig@skola.se"]  # no other member is named
        for name in FAMILY:
            assert name not in calendar and name not in message.as_string()


def test_a_relay_that_is_down_is_tried_again_later_and_then_failed_for_good(group):
    port = free_port()
    settings = config.MailSettings(Relay("127.0.0.1", port, "none"), "insats@kommun.se", 3)
    queue(group)
    first = send_due(group, settings)  # nobody listens on the port yet
    assert (first.sent, first.retrying, first.failed) == (0, 2, 0) and set(first.codes) == {"connect"}
    with transaction(group) as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert {(m.status, m.attempts, m.last_error) for m in rows} == {("queued", 1, "connect")}
        later = min(m.next_attempt_at for m in rows)
    assert later > utc_now() + timedelta(seconds=30)  # waits, with backoff
    assert send_due(group, settings).retrying == 0  # not due yet: nothing tried
    controller, inbox = smtp_server(port)
    try:
        second = send_due(group, settings, now=later + timedelta(seconds=1))
    finally:
        controller.stop()
    assert second.sent == 2 and len(inbox.messages) == 2
    with transaction(group) as s:
        assert {(m.status, m.attempts) for m in s.scalars(select(OutboxMessage))} == {("sent", 2)}
        fails = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "fail")).all()
    assert len(fails) == 2 and all("attempt 1 connect; next attempt" in d for d in fails)


def test_a_notice_past_its_attempts_is_failed_and_counted_for_the_coordinator(group):
    settings = config.MailSettings(Relay("127.0.0.1", free_port(), "none"), "insats@kommun.se", 2)
    queue(group)
    now = utc_now()
    send_due(group, settings, now=now)
    last = send_due(group, settings, now=now + timedelta(hours=1))
    assert (last.retrying, last.failed) == (0, 2)
    with transaction(group) as s:
        assert {m.status for m in s.scalars(select(OutboxMessage))} == {"failed"}
        assert failed_notices(s, actor_for(s, "sam")) == {CODE: 2}
    assert send_due(group, settings, now=now + timedelta(days=1)).failed == 0  # failed is final: not tried again


def test_a_second_sender_does_not_take_what_the_first_holds(group):
    queue(group)
    now = utc_now()
    with transaction(group) as s:
        first = due_messages(s, OUTBOX, now)
    with transaction(group) as s:
        assert len(first) == 2 and due_messages(s, OUTBOX, now) == []  # held by the first sender
        assert len(due_messages(s, OUTBOX, now + LEASE + timedelta(seconds=1))) == 2  # it died: tried again


def test_nothing_is_sent_outside_the_consent(group, relay):
    settings, inbox = relay
    with transaction(group) as s:
        subject = s.scalar(select(Subject).where(Subject.case_code == CODE))
        cases.withdraw_consent(s, SETUP, consent_rows(s, subject.id)[0], date(2026, 5, 30))
    recipients = queue(group)
    assert not any(r.gets for r in recipients)
    assert {r.reason for r in recipients if r.organisation in ("police", "school", "leisure")} == {"no_consent"}
    assert send_due(group, settings).sent == 0 and inbox.messages == []
    with transaction(group) as s:
        assert s.scalars(select(OutboxMessage)).all() == []


def test_only_the_case_work_may_send_to_the_network(group):
    with transaction(group) as s:
        pia = actor_for(s, "pia.polis")
    with pytest.raises(AccessDenied), transaction(group) as s:
        send_to_network(s, pia, CODE, "plan", on=TODAY, about_on=PLAN_ON, compose=lambda r: ("x", "y"))
    with transaction(group) as s:
        assert s.scalars(select(OutboxMessage)).all() == []


def test_starttls_is_demanded_off_the_loopback():
    assert parse_relay("smtp://insats:hemligt@relay.kommun.se:587") == Relay("relay.kommun.se", 587, "starttls",
                                                                             "insats", "hemligt")
    assert parse_relay("smtp://relay.kommun.se").tls == "starttls" and parse_relay("smtp://relay.kommun.se").port == 587
    assert parse_relay("smtps://relay.kommun.se").tls == "implicit"
    for local in ("smtp://localhost:25", "smtp://127.0.0.1:2525", "smtp://[::1]:25"):
        assert parse_relay(local).tls == "none"
    assert parse_relay("smtp://a%40b:p%3Aw@relay.kommun.se").user == "a@b"
    for bad in ("http://relay.kommun.se", "relay.kommun.se", "smtp://", "smtp://relay:port"):
        with pytest.raises(MailSettingProblem, match="INSATS_SMTP_URL"):
            parse_relay(bad)
    assert next_attempt(1, TIME0) == TIME0 + timedelta(minutes=1)
    assert next_attempt(3, TIME0) == TIME0 + timedelta(minutes=4) and gives_up(6, 6) and not gives_up(5, 6)


TIME0 = utc_now().replace(microsecond=0)


def test_a_relay_without_starttls_is_refused_not_used_in_clear_text(relay):
    settings, inbox = relay
    demanded = Relay("127.0.0.1", settings.relay.port, "starttls")  # as for a relay off this machine
    with pytest.raises(SendProblem) as refused:
        connect(demanded)
    assert refused.value.code == "starttls_missing" and inbox.messages == []


def test_the_mail_settings_are_checked(monkeypatch):
    monkeypatch.delenv("INSATS_SMTP_URL", raising=False)
    assert config.mail_settings().relay is None
    monkeypatch.setenv("INSATS_SMTP_URL", "smtp://relay.kommun.se:587")
    monkeypatch.delenv("INSATS_MAIL_FROM", raising=False)
    with pytest.raises(MailSettingProblem, match="INSATS_MAIL_FROM"):
        config.mail_settings()
    monkeypatch.setenv("INSATS_MAIL_FROM", "insats@kommun.se")
    monkeypatch.setenv("INSATS_OUTBOX_ATTEMPTS", "0")
    with pytest.raises(MailSettingProblem, match="INSATS_OUTBOX_ATTEMPTS"):
        config.mail_settings()
    monkeypatch.setenv("INSATS_OUTBOX_ATTEMPTS", "4")
    assert config.mail_settings().max_attempts == 4
    monkeypatch.setenv("INSATS_PUBLIC_URL", "http://insats.kommun.se")
    with pytest.raises(MailSettingProblem, match="INSATS_PUBLIC_URL"):
        config.public_url()


def test_insats_outbox_send_through_the_cli(group, relay, monkeypatch, capsys):
    settings, inbox = relay
    monkeypatch.setenv("INSATS_DATABASE_URL", group.url.render_as_string(hide_password=False))
    monkeypatch.delenv("INSATS_SMTP_URL", raising=False)
    queue(group)
    assert cli.main(["outbox", "send"]) == 2
    assert "INSATS_SMTP_URL is not set" in capsys.readouterr().err
    monkeypatch.setenv("INSATS_SMTP_URL", f"smtp://127.0.0.1:{settings.relay.port}")
    monkeypatch.setenv("INSATS_MAIL_FROM", "insats@kommun.se")
    assert cli.main(["outbox", "send"]) == 0
    assert "sent 2;" in capsys.readouterr().out and len(inbox.messages) == 2


def test_serve_refuses_to_start_with_a_relay_it_could_not_use(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    monkeypatch.setenv("INSATS_SMTP_URL", "http://relay.kommun.se")
    assert cli.main(["serve"]) == 2
    assert "INSATS_SMTP_URL: expected smtp:// or smtps://" in capsys.readouterr().err
    monkeypatch.setenv("INSATS_SMTP_URL", "smtp://relay.kommun.se")
    monkeypatch.setenv("INSATS_MAIL_FROM", "Insats")
    assert cli.main(["serve"]) == 2
    assert "INSATS_MAIL_FROM" in capsys.readouterr().err and not (tmp_path / "insats.sqlite").exists()


def test_the_background_sender_survives_what_it_meets_and_stops_when_told(tmp_path, relay, caplog):
    from services.outbox import run
    from store import make_engine

    settings, _ = relay
    broken = make_engine(f"sqlite:///{tmp_path / 'never-migrated.sqlite'}")  # no outbox table: every run fails
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(broken, stop, settings, 0.05), daemon=True)
    thread.start()
    waited = utc_now()
    while sum("the run stopped" in r.getMessage() for r in caplog.records) < 2 and utc_now() - waited < timedelta(
            seconds=10):
        threading.Event().wait(0.05)
    assert thread.is_alive()  # failed twice, still running
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "OperationalError" in logged and "SELECT" not in logged  # the error's kind, never its SQL or values
    broken.dispose()


def test_a_partner_account_without_an_address_gets_the_notice_at_the_member_rows_address(group):
    """The account is the first address; the member row's is the fallback; with neither, the member is listed
    as missing an address (the page names them), never skipped in silence."""
    with transaction(group) as s:
        subject = s.scalars(select(Subject).where(Subject.case_code == CODE)).one()
        add_user(s, SETUP, "olle.polis", display_name="Olle Polis", roles=["partner"], organisation="police")
        add_user(s, SETUP, "eva.polis", display_name="Eva Polis", roles=["partner"], organisation="police")
        cases.add_member(s, SETUP, subject, "Olle Polis", "police", email="olle@polisen.se", from_on=date(2026, 1, 1))
        cases.add_member(s, SETUP, subject, "Eva Polis", "police", from_on=date(2026, 1, 1))
        sam = actor_for(s, "sam")
        cases.link_member(s, sam, subject, "Olle Polis", "olle.polis")
        cases.link_member(s, sam, subject, "Eva Polis", "eva.polis")
    with transaction(group) as s:
        listed = {r.name: (r.reason, r.address, r.gets) for r in network_recipients(s, actor_for(s, "sam"), CODE,
                                                                                     "plan", TODAY)}
    assert listed["Olle Polis"] == ("account", "olle@polisen.se", True)
    assert listed["Eva Polis"] == ("account_no_email", None, False)
    queued = queue(group)
    assert {r.name for r in queued if r.gets} == {"Pia Polis", "Stig Skola", "Olle Polis"}
    with transaction(group) as s:
        assert sorted(s.scalars(select(OutboxMessage.address))) == ["olle@polisen.se", "pia@polisen.se",
                                                                    "stig@skola.se"]
