""""Skicka till nätverket" on the plan and the invitation, and failed notices on Översikt (#23 item 3), as
the coordinator sees them: who gets the notice and who does not, and why, in Swedish; the notices queued
under consent; a notice the relay never took counted above the coordinator's table."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from store import cases, transaction
from store._time import utc_now
from store.models import OutboxMessage
from store.outbox import OUTBOX, record_failure
from store.users import add_user

from .app_helpers import SYSTEM, TODAY, USER, no_trace, open_page, texts
from .path_helpers import EARLY, start


def started_group(engine) -> str:
    """A started case (a consent renewed this month lets the police and the school have the plan), a plan, a school
    mentor, a leisure leader, the youth and a police partner with an account."""
    with transaction(engine) as s:
        youth = start(s, SYSTEM, cases.create_subject(s, SYSTEM), EARLY)
        add_user(s, SYSTEM, "pia.polis", display_name="Pia Polis", roles=["partner"], organisation="police",
                 email="pia@polisen.se")
        for name, organisation, mail in (("Sara Skola", "school", "sara@skola.se"),
                                         ("Lisa Fritid", "leisure", "lisa@fritid.se"),
                                         ("Ali Ungdomsson", "youth", "ali@hemma.se"),
                                         ("Pia Polis", "police", None)):
            cases.add_member(s, SYSTEM, youth, name, organisation, email=mail)
        cases.link_member(s, SYSTEM, youth, "Pia Polis", "pia.polis")
        cases.add_consent(s, SYSTEM, youth, signed_on=TODAY - timedelta(days=10), signed_by=["youth", "guardian 1"],
                          valid_until=TODAY + timedelta(days=300), actors=["polis", "skola"], categories=["plan"])
        cases.record_meeting(s, SYSTEM, youth, cases.MeetingInput(held_on=TODAY - timedelta(days=3),
                                                                  attendees=["ungdom"], long_goals=["Klara nian"]))
        return youth.case_code


def test_the_plan_is_sent_to_the_network_the_consent_covers_with_who_does_not_get_it_and_why(app_engine,
                                                                                             monkeypatch):
    monkeypatch.setenv("INSATS_PUBLIC_URL", "https://insats.kommun.se")
    code = started_group(app_engine)
    at = open_page("plan", case=code)
    no_trace(at)
    assert "Skicka till nätverket" in texts(at, "markdown")
    at.toggle(key="plan_network:prepare").set_value(True).run()
    no_trace(at)
    listed = at.dataframe[0].value.set_index("Medlem")
    assert listed.loc["Lisa Fritid", "Varför"] == "Samtycket omfattar inte organisationen för detta."
    assert listed.loc["Ali Ungdomsson", "Får meddelandet"] == "Nej"
    assert listed.loc["Sara Skola", "Får meddelandet"] == "Ja" and listed.loc["Pia Polis", "Får meddelandet"] == "Ja"
    assert "leisure" not in listed.to_string() and "no_consent" not in listed.to_string()
    send = at.button(key="plan_network:send")
    assert send.label == "Skicka till 2 medlemmar"
    send.click().run()
    no_trace(at)
    # no relay is set in the test: queued, and the page says plainly that nothing is sent yet
    said = texts(at, "warning")
    assert "2 meddelanden ligger i kön" in said and "Inget har skickats" in said and not texts(at, "success")
    with transaction(app_engine) as s:
        queued = s.scalars(select(OutboxMessage).order_by(OutboxMessage.address)).all()
    assert [(m.address, m.kind, m.status) for m in queued] == [("pia@polisen.se", "plan", "queued"),
                                                               ("sara@skola.se", "plan", "queued")]
    assert all(code in m.body and "https://insats.kommun.se" in m.body and "Klara nian" not in m.body
               and m.attachment is None for m in queued)


def test_the_invitation_is_sent_with_its_ics(app_engine):
    code = started_group(app_engine)
    at = open_page("plan", case=code)
    at.toggle(key="invite_network:prepare").set_value(True).run()
    at.button(key="invite_network:send").click().run()
    no_trace(at)
    with transaction(app_engine) as s:
        queued = s.scalars(select(OutboxMessage)).all()
    assert len(queued) == 2 and all(m.kind == "invitation" and m.attachment_name.endswith(".ics") for m in queued)
    for m in queued:
        calendar = m.attachment.decode("utf-8").replace("\r\n ", "")
        assert code in calendar and f"mailto:{m.address}" in calendar and "Ali" not in calendar


def test_failed_notices_show_on_the_coordinators_overview(app_engine, monkeypatch):
    code = started_group(app_engine)
    at = open_page("plan", case=code)
    at.toggle(key="plan_network:prepare").set_value(True).run()
    at.button(key="plan_network:send").click().run()
    with transaction(app_engine) as s:
        first = s.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
        assert record_failure(s, OUTBOX, first, "connect", utc_now(), max_attempts=1) == "failed"
    board = open_page("caseload", user=USER)
    no_trace(board)
    assert f"1 meddelande till nätverket kunde inte skickas ({code})" in texts(board, "error")


def test_with_a_relay_set_the_page_says_the_notices_go_out_shortly(app_engine, monkeypatch):
    """The other side of the warning above: a server with a relay says the notices are on their way."""
    monkeypatch.setenv("INSATS_PUBLIC_URL", "https://insats.kommun.se")
    monkeypatch.setenv("INSATS_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("INSATS_MAIL_FROM", "insats@kommun.se")
    code = started_group(app_engine)
    at = open_page("plan", case=code)
    at.toggle(key="plan_network:prepare").set_value(True).run()
    at.button(key="plan_network:send").click().run()
    no_trace(at)
    assert "2 meddelanden ligger i kön och skickas strax" in texts(at, "success") and not texts(at, "warning")


def test_a_partner_without_any_address_is_named_on_the_page_and_one_with_the_member_rows_address_gets_it(app_engine):
    code = started_group(app_engine)  # Pia Polis: an address on the account, none on the member row
    with transaction(app_engine) as s:
        youth = cases.subject_by_code(s, SYSTEM, code)
        add_user(s, SYSTEM, "olle.polis", display_name="Olle Polis", roles=["partner"], organisation="police")
        add_user(s, SYSTEM, "eva.polis", display_name="Eva Polis", roles=["partner"], organisation="police")
        cases.add_member(s, SYSTEM, youth, "Olle Polis", "police", email="olle@polisen.se")
        cases.add_member(s, SYSTEM, youth, "Eva Polis", "police")
        cases.link_member(s, SYSTEM, youth, "Olle Polis", "olle.polis")
        cases.link_member(s, SYSTEM, youth, "Eva Polis", "eva.polis")
    at = open_page("plan", case=code)
    at.toggle(key="plan_network:prepare").set_value(True).run()
    no_trace(at)
    listed = at.dataframe[0].value.set_index("Medlem")
    assert listed.loc["Olle Polis", "Får meddelandet"] == "Ja"
    assert listed.loc["Eva Polis", "Får meddelandet"] == "Nej"
    assert listed.loc["Eva Polis", "Varför"] == ("Har konto i Insats, men varken kontot eller nätverkslistan har en "
                                                 "e-postadress.")
    assert "1 medlem får inget meddelande eftersom e-postadress saknas: Eva Polis." in texts(at, "warning")
    assert at.button(key="plan_network:send").label == "Skicka till 3 medlemmar"
