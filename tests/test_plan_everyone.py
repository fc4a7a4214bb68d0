"""The plan everyone works from (#14 item 4): every person's commitments with what they do if they cannot
keep them, reviewed at the next meeting (kept, partly, not kept, with a word why), goals that say whose
they are, and the professionals' plan as a PDF beside the family's, only to recipients the consent allows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forms.professional_plan import PlanSheet, professional_plan_pdf
from store import cases, transaction
from store.cases import CaseError
from store.models import AuditEntry, Commitment, Goal

from .app_helpers import SYSTEM, TODAY, no_trace, open_page, texts
from .path_helpers import EARLY, start


def test_commitments_carry_if_i_cannot_and_are_reviewed_with_a_word_why(engine, assessor):
    with transaction(engine) as s:
        youth = start(s, assessor, cases.create_subject(s, assessor), EARLY)
        plan = cases.record_meeting(s, assessor, youth, cases.MeetingInput(
            held_on=TODAY, attendees=["ungdom", "Per Polis (Polisen)"], short_goals=["Gå till skolan"],
            goal_owner="youth", commitments=[cases.PlanItem(
                "Per Polis (Polisen)", "Hembesök varje vecka", TODAY + timedelta(days=28),
                if_cannot="Ringer samordnaren samma dag")]))
        with pytest.raises(CaseError, match="unknown goal owner"):
            cases.record_meeting(s, assessor, youth, cases.MeetingInput(held_on=TODAY + timedelta(days=1),
                                                                        attendees=[], goal_owner="mormor"))
        commitment = plan.commitments[0]
        assert commitment.if_cannot == "Ringer samordnaren samma dag" and plan.goals[0].owner == "youth"
        with pytest.raises(CaseError, match="in a word why") as refused:
            cases.review_commitment(s, assessor, commitment.id, "not_kept")
        assert refused.value.code == "plan.review_note" and commitment.review is None
        cases.review_commitment(s, assessor, commitment.id, "not_kept", "Sjuk två veckor")
        assert (commitment.review, commitment.review_note, commitment.status) == ("not_kept", "Sjuk två veckor",
                                                                                  "not_done")
        cases.review_commitment(s, assessor, commitment.id, "kept")
        assert (commitment.review, commitment.status) == ("kept", "done")
        with pytest.raises(CaseError, match="needs its person"):
            cases.add_commitment(s, assessor, plan, cases.PlanItem("", "x", TODAY))
    with transaction(engine) as s:  # the audit rows are written when the transaction commits
        details = s.scalars(select(AuditEntry.detail).where(AuditEntry.subject_id == youth.id)).all()
        assert any("reviewed: not_kept" in (d or "") for d in details)


def test_the_plan_page_adds_a_commitment_and_reviews_it(app_engine):
    engine = app_engine
    with transaction(engine) as s:
        youth = start(s, SYSTEM, cases.create_subject(s, SYSTEM), EARLY)
        cases.add_member(s, SYSTEM, youth, "Sara Skola", "school", role="Mentor")
        cases.record_meeting(s, SYSTEM, youth, cases.MeetingInput(held_on=TODAY - timedelta(days=3),
                                                                  attendees=["ungdom"], long_goals=["Klara nian"],
                                                                  goal_owner="guardian"))
        code = youth.case_code
    at = open_page("plan", case=code)
    no_trace(at)
    assert "- Klara nian _(Vårdnadshavarnas)_" in texts(at, "markdown")
    person = next(b for b in at.selectbox if b.label == "Person")
    assert "Sara Skola (Skolan)" in person.options
    person.set_value("Sara Skola (Skolan)")
    next(t for t in at.text_input if t.label == "Åtagande till nästa möte").input("Ringer hem vid frånvaro")
    next(t for t in at.text_input if t.label == "Om jag inte kan").input("Mejlar samordnaren")
    at.button(key="FormSubmitter:commitment_form-Lägg till åtagande").click().run()
    no_trace(at)
    with transaction(engine) as s:
        added = s.scalars(select(Commitment)).one()
        assert (added.actor, added.if_cannot) == ("Sara Skola (Skolan)", "Mejlar samordnaren")
    assert at.radio(key=f"plan:review:{added.id}").value is None  # nothing chosen for the network
    at.button(key=f"plan:review_save:{added.id}").click().run()
    assert "Välj hur åtagandet hölls" in texts(at, "error")
    with transaction(engine) as s:
        assert s.scalars(select(Commitment)).one().review is None  # one click saved nothing
    at.radio(key=f"plan:review:{added.id}").set_value("partly").run()
    at.button(key=f"plan:review_save:{added.id}").click().run()
    assert "varför åtagandet inte hölls" in texts(at, "error")
    at.text_input(key=f"plan:review_note:{added.id}").input("Två av fem dagar")
    at.button(key=f"plan:review_save:{added.id}").click().run()
    no_trace(at)
    assert "Uppföljt: Delvis – Två av fem dagar" in texts(at, "markdown")
    with transaction(engine) as s:
        assert s.scalars(select(Goal.owner)).all() == ["guardian"]


def test_the_professionals_plan_is_a_two_page_pdf():
    sheet = PlanSheet(case_code="SIG-ABC123", held_on=TODAY, next_meeting_on=TODAY + timedelta(days=28),
                      attendees=["Ungdomen", "Per Polis (Polisen)"],
                      goals=[("Kort sikt", "Ungdomens", "Gå till skolan varje dag")],
                      commitments=[("Per Polis (Polisen)", "Hembesök varje vecka", "2026-12-21",
                                    "Ringer samordnaren", "–")] * 12,
                      members=[("Per Polis", "Polisen", "Kommunpolis", "070-000 00 00")],
                      labels={k: k for k in ("title", "held", "next", "attendees", "goals", "term", "owner", "goal",
                                             "commitments", "person", "what", "by_when", "if_cannot", "review",
                                             "network", "name", "organisation", "role", "contact", "footer")})
    pdf = professional_plan_pdf(sheet)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == 2


def test_the_invitation_is_a_calendar_file_with_the_members_and_no_names_of_the_family():
    from datetime import time

    from icalendar import Calendar

    from forms.invitation import agenda_html, invitation_ics

    raw = invitation_ics(case_code="SIG-ABC123", on=TODAY, start=time(15, 30), minutes=90, place="Rum 4, Söder",
                         summary="Nätverksmöte", description="Dagordningen delas på mötet.", organiser=None,
                         attendees=[("Per Polis", "per.polis@example.org"), ("Sara Skola", "sara@example.org")])
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines) and raw.endswith(b"\r\n")  # RFC 5545: CRLF, folded at 75
    event = next(c for c in Calendar.from_ical(raw).walk() if c.name == "VEVENT")
    assert str(event["summary"]) == "Nätverksmöte SIG-ABC123" and str(event["location"]) == "Rum 4, Söder"
    assert event.decoded("dtstart").isoformat() == f"{TODAY}T15:30:00+01:00"  # Stockholm, winter time
    assert (event.decoded("dtend") - event.decoded("dtstart")).seconds == 90 * 60
    assert sorted(str(a) for a in event["attendee"]) == ["mailto:per.polis@example.org", "mailto:sara@example.org"]
    page = agenda_html(words={k: k for k in ("title", "members", "since", "review", "who", "what", "by", "kept",
                                             "goals", "new", "next", "none", "lang")},
                       case_code="SIG-ABC123", on=TODAY, start=time(15, 30), place="",
                       members=["<script>alert(1)</script> (Polisen)"], events=[],
                       commitments=[("Skolan", "Ringer hem", "2026-12-21")], goals=["Klara nian"])
    assert "<script>" not in page and "&lt;script&gt;" in page and "Ringer hem" in page


def test_the_plan_page_offers_the_invitation_and_the_agenda(app_engine):
    engine = app_engine
    with transaction(engine) as s:
        youth = start(s, SYSTEM, cases.create_subject(s, SYSTEM), EARLY)
        cases.add_member(s, SYSTEM, youth, "Per Polis", "police", email="per@example.org")
        cases.add_member(s, SYSTEM, youth, "Sara Skola", "school")
        cases.record_meeting(s, SYSTEM, youth, cases.MeetingInput(held_on=TODAY, attendees=["ungdom"]))
        code = youth.case_code
    at = open_page("plan", case=code)
    no_trace(at)
    assert "Kallelsen går till 1 av 2 medlemmar" in texts(at, "caption")
    keys = {b.key for b in at.get("download_button")}
    assert "invite_download" in keys and "agenda_download" not in keys  # the agenda holds the plan: consent first
    at.selectbox(key="agenda_recipient").select("polis").run()  # no consent at all
    assert "Samtycke saknas" in texts(at, "warning") and "agenda_download" not in {
        b.key for b in at.get("download_button")}
    with transaction(engine) as s:
        cases.add_consent(s, SYSTEM, cases.subject_by_code(s, SYSTEM, code), signed_on=TODAY, signed_by=["ungdom"],
                          valid_until=TODAY + timedelta(days=365), actors=["polis"], categories=["plan"])
    at = open_page("plan", case=code)
    at.selectbox(key="agenda_recipient").select("polis").run()
    assert "agenda_download" in {b.key for b in at.get("download_button")}
