"""Protected identity (skyddade personuppgifter, issue 22 item 5) beyond the access matrix: who sets it,
and what leaves a protected case.

A protected case's network has a guardian and the youth with names and numbers, and the plan names the
guardian in a commitment and a goal. Nothing made of the case - the invitation, the agenda, the family's
and the professionals' plans, the assessment export, the audit log, the case page's member list - holds
their names or numbers; the professionals are still named. The flag is set and lifted from the CLI and
the case page by the case's coordinator only, with a reason.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

import cli
from forms.invitation import agenda_html, invitation_ics
from forms.network import for_documents
from forms.plain_plan import plain_words_html
from forms.professional_plan import PlanSheet, professional_plan_pdf
from store import cases, imports, transaction, users, views
from store.models import AuditEntry, Protection, Subject
from store.users import SETUP, actor_for

from .app_helpers import SYSTEM, TODAY, make_database, no_trace, open_page, open_tab, texts
from .path_helpers import EARLY, start
from .test_extract import pdf_text

GUARDIAN, GUARDIAN_PHONE, GUARDIAN_MAIL = "Maria Hemligsson", "070-987 65 43", "maria@hemlig.example"
YOUTH, YOUTH_PHONE = "Kalle Hemligsson", "073-111 11 11"
TEACHER, TEACHER_MAIL = "Lärare Lind", "lind@skolan.example"
FAMILY = (GUARDIAN, GUARDIAN_PHONE, GUARDIAN_MAIL, YOUTH, YOUTH_PHONE, "0709876543", "0731111111")
SAVRY = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}


def protected_case(s, actor, on: date) -> Subject:
    youth = start(s, actor, cases.create_subject(s, actor, birth_year=2010), on)
    cases.add_member(s, actor, youth, GUARDIAN, "guardian", role="mamma", phone=GUARDIAN_PHONE, email=GUARDIAN_MAIL)
    cases.add_member(s, actor, youth, YOUTH, "youth", phone=YOUTH_PHONE)
    cases.add_member(s, actor, youth, TEACHER, "school", role="mentor", phone="08-123 456", email=TEACHER_MAIL)
    cases.add_member(s, actor, youth, "Polis Pettersson", "police", role="kommunpolis")
    cases.add_consent(s, actor, youth, signed_on=on, signed_by=["youth", "guardian 1"],
                      valid_until=on + timedelta(days=900), actors=["skola", "polis", "socialtjanst"],
                      categories=["assessment", "plan"])
    cases.finalise(s, actor, cases.save_draft(s, actor, youth, "savry-like", occasion="baseline", assessed_on=on,
                                              ratings=SAVRY, judgment="high",
                                              rationale=f"Samtal med {GUARDIAN}, nås på {GUARDIAN_PHONE}"))
    cases.record_meeting(s, actor, youth, cases.MeetingInput(
        on + timedelta(days=1), ["skola", f"{GUARDIAN} (Vårdnadshavare)"], short_goals=[f"{YOUTH} går till skolan"],
        goal_owner="youth", commitments=[
            cases.PlanItem(f"{GUARDIAN} (Vårdnadshavare)", "Väcka i tid", on + timedelta(days=10),
                           if_cannot=f"Ringer {TEACHER} från {GUARDIAN_PHONE}"),
            cases.PlanItem("skola", f"Ringa {GUARDIAN}", on + timedelta(days=10))]))
    cases.protect(s, actor, youth.case_code, "Familjen lever under hot")
    return youth


def holds_family(text: str) -> list[str]:
    return [secret for secret in FAMILY if secret.lower() in text.lower()]


@pytest.fixture
def world(engine, monkeypatch):
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with transaction(engine) as s:
        users.add_team(s, SETUP, "A")
        users.add_user(s, SETUP, "sam", display_name="Sam", roles=["coordinator"], teams=["A"])
        users.add_user(s, SETUP, "asa", display_name="Åsa", roles=["assessor"], teams=["A"])
        code = protected_case(s, SETUP, date(2026, 3, 2)).case_code
        s.execute(Subject.__table__.update().values(team_id=users.team_id(s, "A")))
    return code


def test_the_assessment_export_and_the_log_hold_no_family_name(engine, world):
    with transaction(engine) as s:
        export = imports.export_assessments(s, actor_for(s, "sam"), "savry-like", "skola", on=date(2026, 3, 10))
        assert export.frame["subject_id"].tolist() == [world]  # the case is exported, by its code
        assert holds_family(export.frame.to_csv()) == []
        assert "Samtal med" in export.frame["rationale"].iloc[0]  # the rest of what was written is kept
        log = " ".join(f"{w} {a} {d}" for w, a, d in s.execute(select(AuditEntry.who, AuditEntry.action,
                                                                        AuditEntry.detail)))
    assert holds_family(log) == []


def test_the_documents_of_a_protected_case_name_only_the_professionals(engine, world):
    with transaction(engine) as s:
        sam = actor_for(s, "sam")
        subject = cases.subject_by_code(s, sam, world)
        members = cases.members_of(s, sam, subject.id)
        plan = views.plan_of(s, sam, subject.id)
        named, clean = for_documents(subject.protected, members)
        goals = [clean(g.text) for g in plan.goals]
        commitments = [(clean(c.actor), clean(c.what), c.by_when, clean(c.if_cannot)) for c in plan.commitments]
    ics = invitation_ics(case_code=world, on=date(2026, 3, 20), start=time(15), minutes=90, place="Skolan",
                         summary="Nätverksmöte", description="Kallelse", organiser=("Sam", None),
                         attendees=[(m.name, m.email) for m in named if m.email]).decode().replace("\r\n ", "")
    agenda = agenda_html(words=dict.fromkeys(("title", "members", "since", "review", "who", "what", "by", "kept",
                                              "goals", "new", "next", "none", "lang"), "x"),
                         case_code=world, on=date(2026, 3, 20), start=time(15), place="", events=[],
                         members=[m.name for m in named], goals=goals,
                         commitments=[(who, what, str(by)) for who, what, by, _ in commitments])
    plain = plain_words_html(held_on=date(2026, 3, 3), next_meeting_on=date(2026, 3, 20), short_goals=goals,
                             long_goals=[], commitments=commitments)
    pro = pdf_text(professional_plan_pdf(PlanSheet(
        case_code=world, held_on=date(2026, 3, 3), next_meeting_on=date(2026, 3, 20), attendees=[clean(a) for a in
                                                                                              plan.attendees],
        goals=[("kort", "", g) for g in goals], commitments=[(w, x, str(b), i, "") for w, x, b, i in commitments],
        members=[(m.name, m.organisation, m.role or "", " ".join(filter(None, (m.phone, m.email)))) for m in named],
        labels={k: k for k in ("title", "held", "next", "attendees", "goals", "term", "owner", "goal", "commitments",
                               "person", "what", "by_when", "if_cannot", "review", "network", "name", "organisation",
                               "role", "contact", "footer")})))
    for name, document in (("ics", ics), ("agenda", agenda), ("plain", plain), ("pro", pro)):
        assert holds_family(document) == [], name
    assert TEACHER_MAIL in ics and TEACHER in agenda and TEACHER in pro and "Polis Pettersson" in pro
    assert "Väcka i tid" in plain  # the guardian's commitment is there, by role


def test_protect_and_unprotect_from_the_command_line(engine, world, capsys):
    assert cli.main(["--as", "asa", "cases", "unprotect", world, "--reason", "Hotet är över"]) == 2
    assert cli.main(["--as", "sam", "cases", "protect", world, "--reason", "igen"]) == 2  # already protected
    assert "redan skyddade" in capsys.readouterr().err
    assert cli.main(["--as", "sam", "cases", "unprotect", world, "--reason", "  "]) == 2
    assert cli.main(["--lang", "en", "--as", "sam", "cases", "unprotect", world, "--reason", "Hotet är över"]) == 0
    assert "protected identity lifted" in capsys.readouterr().out
    with transaction(engine) as s:
        assert s.scalar(select(Subject.protected).where(Subject.case_code == world)) is False
        assert [(p.protected, p.reason, p.set_by) for p in s.scalars(select(Protection).order_by(Protection.id))] == [
            (True, "Familjen lever under hot", SETUP.who), (False, "Hotet är över", "sam")]
        views.case_overview(s, actor_for(s, "asa"), world, date(2026, 3, 10))  # the team opens it again


# -- the case page -------------------------------------------------------------------------------
@pytest.fixture
def page_case(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    from store import make_engine

    engine = make_engine(make_database(tmp_path))
    with transaction(engine) as s:
        youth = start(s, SYSTEM, cases.create_subject(s, SYSTEM, birth_year=2010), EARLY)
        cases.add_member(s, SYSTEM, youth, GUARDIAN, "guardian", phone=GUARDIAN_PHONE)
        cases.add_member(s, SYSTEM, youth, TEACHER, "school", email=TEACHER_MAIL)
        users.add_user(s, SYSTEM, "kollega", display_name="Kollega", roles=["assessor"], teams=["Standard"])
        code = youth.case_code
    yield engine, code
    engine.dispose()


def test_a_coordinator_protects_the_case_on_its_page_and_the_team_loses_it(page_case):
    engine, code = page_case
    before = open_page("case", case=code, user="kollega")  # the team's case: open to the team
    no_trace(before)
    assert any(m.value == code for m in before.metric) and "skyddade" not in texts(before, "error")
    at = open_page("case", case=code, case_tab="Integritet")
    no_trace(at)
    at.text_area(key="protect_reason").set_value("Familjen har fått skyddad identitet")
    at.button(key="FormSubmitter:protect_form-Sätt skyddade personuppgifter").click().run()
    no_trace(at)
    assert "Ärendet har nu skyddade personuppgifter." in texts(at, "success")
    at = open_page("case", case=code, case_tab="Nätverket")
    assert "Skyddade personuppgifter: bara ärendets namngivna bedömare" in texts(at, "warning")
    shown = " ".join(str(frame.value.to_csv()) for frame in at.dataframe)
    shown += " ".join(str(frame.value.to_csv()) for frame in open_tab(at, "Integritet").dataframe)
    assert holds_family(shown) == [] and TEACHER in shown  # the member list names the professionals only
    assert "Familjen har fått skyddad identitet" in shown  # the reason, in the protection's history
    refused = open_page("case", case=code, user="kollega")  # a team colleague, not named to the case
    no_trace(refused)
    assert "skyddade personuppgifter och öppnas bara av" in texts(refused, "error")
    assert not any(m.value == code for m in refused.metric)
    assert holds_family(" ".join(str(f.value.to_csv()) for f in refused.dataframe)) == []
    with transaction(engine) as s:
        assert s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "protect")).startswith("protection ")
