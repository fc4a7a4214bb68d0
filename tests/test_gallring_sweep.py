"""After a full day on the demo cohort and a gallring, nothing personal is left of a gallrad case.

The day types a marker name and a personnummer into every free-text field a case has (reasons for
emergency access, a reopening and a correction, notes, goals, commitments, who signed, a closing summary)
and into the log-in form's user-name field. After gallring, in both modes, the whole database is read
back column by column: the marker and the number appear nowhere, and the demo's invented member names of
the gallrad cases appear neither in their rows nor in the audit log.

A second test walks the models: every text column of case data is either cleared by anonymising
(``store.retention.FREE_TEXT``) or named below as a code that identifies no one, so a new free-text
column cannot be forgotten.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, inspect, select

from store import cases, groups, transaction, users
from store.demo import seed_demo
from store.models import AuditEntry, Base, Goal, Member, Subject
from store.retention import FREE_TEXT, FREE_TEXT_VIA, due_for_gallring, gallring
from store.users import SETUP, actor_for, authenticate

from .actors import ADMIN

TODAY = date(2026, 11, 20)
MARK = "Zlatan Markörsson"
PNR = "20080101-2384"
TYPED = f"{MARK} {PNR}"
SAVRY = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}

# case data columns that hold codes, not anything a person typed or anyone's name (kept by anonymising)
KEPT_TEXT = {
    "subjects": {"case_code", "gender", "closed_reason"},  # the code is replaced by a random GALLRAD- code
    "referrals": {"source", "criteria", "legal_basis"},
    "consents": {"actors", "categories"},
    "assessments": {"instrument_id", "instrument_version", "definition_hash", "occasion", "ratings", "judgment",
                    "status"},
    "goals": {"term"},
    "commitments": {"status", "intervention_id", "review"},
    "events": {"kind"},
    "interventions_given": {"intervention_id"},
    "outcomes": {"placement", "occupation"},
    "reopenings": set(),
    "meetings": set(),
    "asks": set(),
}
REMOVED = {"members", "emergency_access", "case_assessors", "outbox", "agenda_items"}  # anonymising deletes these rows


def _day(s, youth_code: str) -> None:
    """One case through the whole path, every free-text field carrying the marker."""
    coordinator = SETUP
    start = TODAY - timedelta(days=200)
    youth = cases.create_subject(s, coordinator, district=TYPED, birth_year=2008, birth_month=1)
    youth_code.append(youth.case_code)
    referral = cases.add_referral(s, coordinator, youth, "polis", start)
    cases.screen(s, coordinator, referral, suitable=True, criteria=["crime_active"], on=start + timedelta(days=1),
                 decided_by=[f"{MARK} (intake)"])
    cases.mark_asked(s, coordinator, referral, start + timedelta(days=2))
    cases.record_answer(s, coordinator, referral, accepted=True, on=start + timedelta(days=3))
    cases.mark_started(s, coordinator, referral, start + timedelta(days=4), reason=TYPED, legal_basis="LVU 11",
                       decision_reference=PNR)
    cases.add_consent(s, coordinator, youth, signed_on=start + timedelta(days=4), signed_by=["youth", TYPED],
                      valid_until=TODAY + timedelta(days=300), actors=["skola"], categories=["plan"])
    draft = cases.save_draft(s, coordinator, youth, "savry-like", occasion="baseline",
                             assessed_on=start + timedelta(days=5), ratings=SAVRY, judgment="low", rationale=TYPED,
                             notes={"H1": TYPED})
    final = cases.finalise(s, coordinator, draft)
    cases.finalise(s, coordinator, cases.correct(s, coordinator, final, TYPED))
    cases.add_member(s, coordinator, youth, TYPED, "school", role=TYPED, phone="070-000 00 00", email="z@example.org")
    cases.record_meeting(s, coordinator, youth, cases.MeetingInput(
        start + timedelta(days=10), ["skola", TYPED], next_meeting_on=start + timedelta(days=60), notes=TYPED,
        short_goals=[TYPED], goal_owner="youth", interval_reason=TYPED,
        commitments=[cases.PlanItem("skola", TYPED, start + timedelta(days=20), if_cannot=TYPED)]))
    plan = cases.current_plan(s, coordinator, youth.id)
    cases.review_commitment(s, coordinator, plan.commitments[0].id, "not_kept", TYPED)
    cases.log_event(s, coordinator, youth, "contact", start + timedelta(days=12), note=TYPED)
    groups.send_agenda_item(s, coordinator, youth.id, TYPED, start + timedelta(days=12))
    cases.close_case(s, coordinator, youth, TODAY - timedelta(days=30), "other", TYPED)
    cases.reopen_case(s, coordinator, youth, TYPED, on=TODAY - timedelta(days=20))
    cases.close_case(s, coordinator, youth, TODAY - timedelta(days=10), "other", TYPED)


@pytest.fixture
def demo_day(engine, monkeypatch):
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    code: list[str] = []
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=40, today=TODAY, max_assessments=3)
        users.add_team(s, SETUP, "Grannteamet")
        users.add_user(s, SETUP, "granne", display_name="Granne", roles=["assessor"], teams=["Grannteamet"])
        _day(s, code)
    with transaction(engine) as s:  # another team's assessor in an emergency, and a slip at the log-in form
        cases.open_in_emergency(s, actor_for(s, "granne"), code[0], f"Polisen ringde om {TYPED} i natt")
        assert authenticate(s, PNR, "vad som helst") is None
    return code[0]


def _everything(session, tables=None, where=None) -> str:
    """Every value of every row of every table (but the staff's own user and team tables), as text."""
    texts = []
    for table in Base.metadata.sorted_tables:
        if table.name in {"users", "teams", "user_teams", "alembic_version"} or (tables and table.name not in tables):
            continue
        query = select(table)
        if where is not None and "subject_id" in table.c:
            query = query.where(table.c.subject_id.in_(where))
        for row in session.execute(query):
            texts.extend(str(v) for v in row)
    return "\n".join(texts)


@pytest.mark.parametrize("mode", ["remove", "anonymise"])
def test_nothing_personal_is_left_of_a_gallrad_case(engine, demo_day, mode):
    with transaction(engine) as s:
        assert TYPED in _everything(s)  # the day did write the marker where the sweep will look
        due = due_for_gallring(s, ADMIN, TODAY)
        assert demo_day in set(due["case_code"]) and len(due) > 1  # the day's case and closed demo cases
        ids = list(s.scalars(select(Subject.id).where(Subject.case_code.in_(list(due["case_code"])))))
        names = set(s.scalars(select(Member.name).where(Member.subject_id.in_(ids))))
        names -= set(s.scalars(select(Member.name).where(Member.subject_id.not_in(ids))))  # shared invented names
        assert names  # the demo named people in the gallrad cases' networks
    with transaction(engine) as s:
        gallring(s, ADMIN, TODAY, mode=mode, today=TODAY)
    with transaction(engine) as s:
        everything = _everything(s)
        of_the_cases = _everything(s, where=ids)
        log = "\n".join(f"{w} {d}" for w, d in s.execute(select(AuditEntry.who, AuditEntry.detail)))
    for text in (MARK, PNR, PNR.replace("-", ""), PNR[2:]):
        assert text not in everything, text
    for name in names:
        assert name not in of_the_cases and name not in log, name


def test_every_text_column_of_case_data_is_cleared_or_a_code():
    cleared = {model.__tablename__: set(values) for model, values in (FREE_TEXT | FREE_TEXT_VIA).items()}
    unaccounted = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        case_data = "subject_id" in table.c or table.name in {"subjects", "goals", "commitments", "asks"}
        if not case_data or table.name in REMOVED | {"gallring_permits", "audit_log"}:
            continue
        texts = {c.name for c in inspect(mapper.class_).columns
                 if isinstance(c.type, String | Text | JSON | LargeBinary)} - {"id"}
        missing = texts - cleared.get(table.name, set()) - KEPT_TEXT.get(table.name, set())
        if missing:
            unaccounted[table.name] = sorted(missing)
    assert unaccounted == {}
    assert Goal.__tablename__ in cleared and "owner" in cleared["goals"]
