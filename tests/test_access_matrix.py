"""The roles table of the issue, walked in full: each role x each store action x own team / other team /
assigned case, on SQLite and PostgreSQL. Written out as a specification here, not derived from the
policy table, so a wrong rule in ``store.access.POLICY`` fails this test.

Every refusal must be ``AccessDenied``, change nothing and leave exactly one ``refused`` audit row in
the actor's name; every permitted action must leave at least one audit row in the actor's name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from store import AccessDenied, cases, imports, research, transaction, users, views
from store.audit import verify
from store.models import Assessment, AuditEntry, Commitment, Consent, EmergencyAccess, Referral, Subject
from store.users import SETUP, actor_for

D = date(2026, 3, 2)
ROLES = ("intake", "assessor", "coordinator", "researcher", "admin")
CASE_ROLES = {"intake", "assessor", "coordinator"}
WORK = {"assessor", "coordinator"}  # consent, assessments, plans, outcomes
SCREEN = {"intake", "coordinator"}  # referral steps
SAVRY = {f"H{i}": "L" for i in range(1, 11)}
SAVRY_ALL = SAVRY | {f"S{i}": "L" for i in range(1, 7)} | {f"I{i}": "L" for i in range(1, 9)} | {
    f"P{i}": "A" for i in range(1, 7)}

# operation -> the roles that may do it to a case of their own team (and, for assessors and
# coordinators, to a case they are assigned to); a case of another team is refused for all of them
CASE_OPS: dict[str, set[str]] = {
    "open case": CASE_ROLES,
    "timeline": CASE_ROLES,
    "read referral": CASE_ROLES,
    "new referral on case": SCREEN,
    "screen referral": SCREEN,
    "read consents": WORK,
    "add consent": WORK,
    "withdraw consent": WORK,
    "release sheet": WORK,
    "new draft": WORK,
    "edit own draft": WORK,
    "finalise own draft": WORK,
    "edit another's draft": set(),  # nobody: only the rater changes a draft
    "read assessment": WORK,
    "correct final": WORK,
    "record meeting": WORK,
    "read plan": WORK,
    "commitment status": WORK,
    "record outcome": WORK,
    "log event": CASE_ROLES,
    "close and reopen": {"coordinator"},
    "assign assessor": {"coordinator", "admin"},  # last: it replaces the assigned assessors
}
OTHER_TEAM_OPS = {"assign assessor": {"admin"}}  # an admin assigns anywhere; nobody else crosses teams
# operations not about one case -> the roles that may do them
GLOBAL_OPS: dict[str, set[str]] = {
    "intake queue": CASE_ROLES,
    "case search": CASE_ROLES,
    "funnel": {"intake", "coordinator", "researcher"},
    "research export": {"researcher"},
    "outcomes for research": {"researcher"},
    "access log": {"coordinator", "admin"},
    "audit verify": {"admin"},
    "add user": {"admin"},
    "list users": {"admin"},
    "add team": {"admin"},
    "import referrals": SCREEN,
    "import assessments": {"coordinator"},
    "export assessments": {"coordinator"},
}


@pytest.fixture
def world(engine):
    """Teams A and B, a user for every role in team A, a case in each team with a referral, an
    active consent, a final assessment, another user's draft and a plan."""
    with transaction(engine) as s:
        users.add_team(s, SETUP, "A")
        users.add_team(s, SETUP, "B")
        for role in ROLES:
            users.add_user(s, SETUP, role, display_name=role, roles=[role], teams=["A"])
        users.add_user(s, SETUP, "other", display_name="other", roles=["assessor"], teams=["A", "B"])
        codes = {}
        for team in ("A", "B"):
            subject = cases.create_subject(s, SETUP, team_id=users.team_id(s, team), birth_year=2010)
            codes[team] = subject.case_code
            referral = cases.add_referral(s, SETUP, subject, "polis", D)
            cases.screen(s, SETUP, referral, suitable=True, criteria=["crime_active"], on=D)
            cases.mark_asked(s, SETUP, referral, D)
            cases.record_answer(s, SETUP, referral, accepted=True, on=D)
            cases.mark_started(s, SETUP, referral, D, reason="Startad innan bedömningen i testet.",
                               legal_basis="LVU 11")  # no consent needed: the matrix sets its own
            cases.add_consent(s, SETUP, subject, signed_on=D, signed_by=["youth"], valid_until=D + timedelta(days=9999),
                              actors=["skola"], categories=["assessment", "plan"])
            final = cases.save_draft(s, SETUP, subject, "savry-like", occasion="baseline", assessed_on=D,
                                     ratings=SAVRY, judgment="low", rationale="x")
            cases.finalise(s, SETUP, final)
            cases.record_meeting(s, SETUP, subject, cases.MeetingInput(D, ["skola"], commitments=[
                cases.PlanItem("skola", "Närvaro", D + timedelta(days=7))]))
    return codes


def _draft_by(s, code: str, rater: str) -> Assessment:
    subject = s.scalar(select(Subject).where(Subject.case_code == code))
    row = Assessment(subject_id=subject.id, instrument_id="savry-like", instrument_version="x", definition_hash="x",
                     occasion="follow-up", assessed_on=D, rater=rater, ratings={}, status="draft", version=1)
    s.add(row)
    s.flush()
    return row


def _edit(s, actor, code: str, draft: Assessment) -> Assessment:
    return cases.save_draft(s, actor, draft.subject, "savry-like", occasion="follow-up", assessed_on=D,
                            ratings=SAVRY, draft=draft, revision=draft.revision)


def _case_op(name: str) -> Callable:
    """What each operation does to the case ``code`` as ``actor`` (set-up rows are made as SETUP)."""
    def subject(s, code):
        return s.scalar(select(Subject).where(Subject.case_code == code))

    def referral(s, code):
        return s.scalar(select(Referral).where(Referral.subject_id == subject(s, code).id))

    def final(s, code):
        return s.scalar(select(Assessment).where(Assessment.subject_id == subject(s, code).id,
                                                 Assessment.status == "final"))

    ops = {
        "open case": lambda s, a, c: views.case_overview(s, a, c, D),
        "timeline": lambda s, a, c: cases.timeline(s, a, subject(s, c)),
        "read referral": lambda s, a, c: views.referral_by_id(s, a, referral(s, c).id),
        "new referral on case": lambda s, a, c: cases.register_referral(s, a, source="skola", received_on=D + timedelta(
            days=s.scalar(select(func.count()).select_from(Referral)) + 1), case_code=c),
        "screen referral": lambda s, a, c: cases.screen(s, a, referral(s, c), suitable=True, criteria=["crime_active"],
                                                        on=D),
        "read consents": lambda s, a, c: cases.consents_of(s, a, subject(s, c).id),
        "add consent": lambda s, a, c: cases.add_consent(s, a, subject(s, c), signed_on=D, signed_by=["youth"],
                                                         valid_until=D, actors=["polis"], categories=["police"]),
        "withdraw consent": lambda s, a, c: cases.withdraw_consent(s, a, cases.add_consent(
            s, SETUP, subject(s, c), signed_on=D, signed_by=["youth"], valid_until=D + timedelta(days=9),
            actors=["polis"], categories=["police"]), D + timedelta(days=1)),
        "release sheet": lambda s, a, c: cases.release(s, a, c, recipient="skola", category="assessment",
                                                       what="sheet.pdf", on=D),
        "new draft": lambda s, a, c: cases.save_draft(s, a, subject(s, c), "savry-like", occasion="follow-up",
                                                      assessed_on=D, ratings={}),
        "edit own draft": lambda s, a, c: _edit(s, a, c, _draft_by(s, c, a.who)),
        "finalise own draft": lambda s, a, c: cases.finalise(s, a, _finalisable(s, c, a.who)),
        "edit another's draft": lambda s, a, c: _edit(s, a, c, _draft_by(s, c, "other")),
        "read assessment": lambda s, a, c: views.assessment_by_id(s, a, final(s, c).id),
        "correct final": lambda s, a, c: cases.correct(s, a, final(s, c), "fel faktor"),
        "record meeting": lambda s, a, c: cases.record_meeting(s, a, subject(s, c), cases.MeetingInput(
            D + timedelta(days=1), ["skola"])),
        "read plan": lambda s, a, c: views.plan_of(s, a, subject(s, c).id),
        "commitment status": lambda s, a, c: cases.set_commitment_status(s, a, s.scalar(
            select(Commitment.id).order_by(Commitment.id.desc()).where(Commitment.meeting_id.in_(
                [m.id for m in views.meetings_of(s, SETUP, subject(s, c).id)])).limit(1)), "done"),
        "record outcome": lambda s, a, c: cases.record_outcome(s, a, subject(s, c), period_start=D, period_end=D,
                                                               police_reports=1),
        "assign assessor": lambda s, a, c: users.assign_case(s, a, c, assessors=["other"]),
        "log event": lambda s, a, c: cases.log_event(s, a, subject(s, c), "contact", D, note="Ringde"),
        "close and reopen": lambda s, a, c: cases.reopen_case(s, a, cases.close_case(
            s, a, subject(s, c), D + timedelta(days=1), "moved"), "Flyttade tillbaka", on=D + timedelta(days=2)),
    }
    return ops[name]


def _finalisable(s, code: str, rater: str) -> Assessment:
    draft = _draft_by(s, code, rater)
    draft.ratings, draft.judgment, draft.rationale = SAVRY, "low", "motivering"
    s.flush()
    return draft


GLOBAL = {
    "intake queue": lambda s, a: views.intake_queue(s, a, D),
    "case search": lambda s, a: views.find_cases(s, a),
    "funnel": lambda s, a: imports.referral_dates(s, a),
    "research export": lambda s, a: research.assessments_for_research(s, a, "savry-like"),
    "outcomes for research": lambda s, a: research.outcome_periods_for_research(s, a),
    "access log": lambda s, a: views.access_log(s, a),
    "audit verify": lambda s, a: verify(s, a),
    "add user": lambda s, a: users.add_user(s, a, f"new.{a.who}", display_name="Ny", roles=["intake"]),
    "list users": lambda s, a: users.list_users(s, a),
    "add team": lambda s, a: users.add_team(s, a, f"Team {a.who}"),
    "import referrals": lambda s, a: imports.import_referrals(s, a, pd.DataFrame(
        [{"case_code": f"SIG-NEW{len(a.who)}", "source": "polis", "received_on": "2026-03-01", "suitable": "",
          "decided_on": "", "asked_on": "", "answer": "", "answered_on": ""}])),
    "import assessments": lambda s, a: imports.import_assessments(s, a, "savry-like", pd.DataFrame(
        [{"subject_id": f"SIG-IMP{len(a.who)}", "assessed_on": "2026-03-01", **SAVRY_ALL}]), create_subjects=True),
    "export assessments": lambda s, a: imports.export_assessments(s, a, "savry-like", "skola", on=D),
}


def _attempt(engine, login: str, work: Callable) -> str:
    try:
        with transaction(engine) as s:
            work(s, actor_for(s, login))
    except AccessDenied:
        return "refused"
    return "done"


def _audit_rows(engine, login: str) -> tuple[int, int]:
    with transaction(engine) as s:
        rows = s.execute(select(AuditEntry.action).where(AuditEntry.who == login)).scalars().all()
    return sum(a == "refused" for a in rows), len(rows)


def test_every_role_against_every_case_action(engine, world):
    with transaction(engine) as s:
        # the assigned case: team B's, with the A-team assessor and coordinator responsible for it
        users.assign_case(s, SETUP, world["B"], assessors=["assessor", "coordinator"])
    mismatches = []
    for role in ROLES:
        for name, allowed in CASE_OPS.items():
            op = _case_op(name)
            for target, code in (("own", world["A"]), ("other", world["B"])):
                assigned = target == "other" and role in WORK
                expected = (role in allowed if target == "own" or assigned
                            else role in OTHER_TEAM_OPS.get(name, set()))
                refused_before, rows_before = _audit_rows(engine, role)
                outcome = _attempt(engine, role, lambda s, a, op=op, c=code: op(s, a, c))
                refused_after, rows_after = _audit_rows(engine, role)
                if outcome != ("done" if expected else "refused"):
                    mismatches.append((role, name, "assigned" if assigned else target, outcome))
                elif outcome == "refused" and (refused_after - refused_before, rows_after - rows_before) != (1, 1):
                    mismatches.append((role, name, target, "refusal not audited exactly once"))
                elif outcome == "done" and rows_after == rows_before:
                    mismatches.append((role, name, target, "not audited"))
    assert mismatches == [], mismatches


def test_every_role_against_every_action_beyond_one_case(engine, world):
    mismatches = []
    for role in ROLES:
        for name, allowed in GLOBAL_OPS.items():
            refused_before, _ = _audit_rows(engine, role)
            outcome = _attempt(engine, role, GLOBAL[name])
            if outcome != ("done" if role in allowed else "refused"):
                mismatches.append((role, name, outcome))
            elif outcome == "refused" and _audit_rows(engine, role)[0] != refused_before + 1:
                mismatches.append((role, name, "refusal not audited"))
    assert mismatches == [], mismatches


def test_lists_show_only_the_teams_cases(engine, world):
    with transaction(engine) as s:
        assessor = actor_for(s, "assessor")
        assert set(views.find_cases(s, assessor)) == {world["A"]}
        assert set(views.intake_queue(s, actor_for(s, "intake"), D)["case_code"]) == {world["A"]}
        log = views.access_log(s, actor_for(s, "coordinator"))
        assert set(log["case_code"]) == {world["A"]}  # nothing about team B's case
        assert set(views.access_log(s, actor_for(s, "admin"))["case_code"].dropna()) == {world["A"], world["B"]}
        with pytest.raises(AccessDenied):
            cases.subject_by_code(s, assessor, world["B"])


REASON = "Polisen ringde: akut oro för ungdomen i kväll"
# the emergency column, written out: what a team-A member may do to team B's case while holding emergency
# access to it. Reading, and logging what happened; nothing about consent, no assessment or plan of
# their own, and nothing that changes who holds the case.
EMERGENCY_OPS = {"open case", "timeline", "read referral", "read consents", "read assessment", "read plan",
                 "log event"}


def test_every_role_against_every_case_action_under_emergency_access(engine, world):
    with transaction(engine) as s:
        for role in CASE_ROLES:
            cases.open_in_emergency(s, actor_for(s, role), world["B"], REASON)
    mismatches = []
    for role in ROLES:
        for name, allowed in CASE_OPS.items():
            if role in CASE_ROLES:
                expected = role in allowed and name in EMERGENCY_OPS
            else:  # researchers and admins cannot open a case in an emergency: as any other team's case
                expected = role in OTHER_TEAM_OPS.get(name, set())
            refused_before, rows_before = _audit_rows(engine, role)
            op = _case_op(name)
            outcome = _attempt(engine, role, lambda s, a, op=op: op(s, a, world["B"]))
            refused_after, rows_after = _audit_rows(engine, role)
            if outcome != ("done" if expected else "refused"):
                mismatches.append((role, name, outcome))
            elif outcome == "refused" and (refused_after - refused_before, rows_after - rows_before) != (1, 1):
                mismatches.append((role, name, "refusal not audited exactly once"))
    assert mismatches == [], mismatches
    with transaction(engine) as s:  # the list shows the case while the grant runs
        assert world["B"] in views.find_cases(s, actor_for(s, "assessor"))


def _expire_grants(engine) -> None:
    with transaction(engine) as s:
        s.execute(update(EmergencyAccess).values(expires_at=datetime(2000, 1, 1)))


def test_emergency_access_is_never_a_takeover(engine, world):
    """The review's attack: under emergency access, move the case to one's own team, make oneself its
    assessor, backdate a closing so that gallring takes it. All refused, and after the grant nothing is
    left: the case's own assessor still works on it."""
    with transaction(engine) as s:
        users.add_user(s, SETUP, "coord.b", display_name="B", roles=["coordinator", "assessor"], teams=["B"])
        cases.open_in_emergency(s, actor_for(s, "coordinator"), world["B"], REASON)
    attacks = {
        "move the case": lambda s, a: users.assign_case(s, a, world["B"], team="A"),
        "assign oneself": lambda s, a: users.assign_case(s, a, world["B"], assessors=["coordinator"]),
        "backdate a closing": lambda s, a: cases.close_case(s, a, cases.subject_by_code(s, a, world["B"]),
                                                            date(2001, 1, 1), "moved"),
        "add a consent": lambda s, a: _case_op("add consent")(s, a, world["B"]),
        "release to a partner": lambda s, a: _case_op("release sheet")(s, a, world["B"]),
    }
    assert {name: _attempt(engine, "coordinator", attack) for name, attack in attacks.items()} == dict.fromkeys(
        attacks, "refused")
    with pytest.raises(AccessDenied) as refused, transaction(engine) as s:  # said as what the grant covers
        attacks["add a consent"](s, actor_for(s, "coordinator"))
    assert refused.value.code == "access.emergency_only"
    assert _attempt(engine, "coordinator", lambda s, a: views.case_overview(s, a, world["B"], D)) == "done"
    _expire_grants(engine)
    assert _attempt(engine, "coordinator", lambda s, a: views.case_overview(s, a, world["B"], D)) == "refused"
    with transaction(engine) as s:
        assert world["B"] not in views.find_cases(s, actor_for(s, "coordinator"))
        subject = s.scalar(select(Subject).where(Subject.case_code == world["B"]))
        assert subject.team_id == users.team_id(s, "B") and subject.closed_on is None
    assert _attempt(engine, "coord.b", lambda s, a: views.case_overview(s, a, world["B"], D)) == "done"


def test_an_assigned_coordinator_does_not_move_the_case_away(engine, world):
    with transaction(engine) as s:
        users.assign_case(s, SETUP, world["B"], assessors=["coordinator"])
    assert _attempt(engine, "coordinator", lambda s, a: users.assign_case(s, a, world["B"], team="A")) == "refused"


@pytest.mark.parametrize("reason", ["   ", "xxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxx", "akut akut akut",
                                    "12345 67890 12345 67890"])
def test_an_emergency_needs_a_reason_in_a_sentence(engine, world, reason):
    with transaction(engine) as s, pytest.raises(cases.CaseError) as refused:
        cases.open_in_emergency(s, actor_for(s, "assessor"), world["B"], reason)
    assert refused.value.code == "case.emergency_reason"
    assert _attempt(engine, "assessor", lambda s, a: views.case_overview(s, a, world["B"], D)) == "refused"


def test_emergency_access_opens_another_teams_case_with_a_reason_and_is_listed(engine, world):
    assert _attempt(engine, "assessor", lambda s, a: views.case_overview(s, a, world["B"], D)) == "refused"
    with transaction(engine) as s:
        cases.open_in_emergency(s, actor_for(s, "assessor"), world["B"], "Akut hot mot ungdomen, jour ikväll")
    assert _attempt(engine, "assessor", lambda s, a: views.case_overview(s, a, world["B"], D)) == "done"
    with transaction(engine) as s:
        users.add_user(s, SETUP, "coord.b", display_name="B", roles=["coordinator"], teams=["B"])
        listed = views.access_log(s, actor_for(s, "coord.b"), actions=["emergency"])
        log_text = " ".join(str(d) for d in s.scalars(select(AuditEntry.detail)))
    assert listed[["who", "case_code"]].values.tolist() == [["assessor", world["B"]]]
    assert listed["reason"].iloc[0] == "Akut hot mot ungdomen, jour ikväll"  # in full, for the case's team
    assert "Akut hot" not in log_text  # kept with the case (gallring reaches it), referred to from the log


def test_a_refused_action_changes_nothing(engine, world):
    with transaction(engine) as s:
        before = (s.scalar(select(func.count()).select_from(Consent)), s.scalar(select(func.count())
                                                                              .select_from(Assessment)))
    assert _attempt(engine, "intake", lambda s, a: _case_op("add consent")(s, a, world["A"])) == "refused"
    assert _attempt(engine, "assessor", lambda s, a: _case_op("new draft")(s, a, world["B"])) == "refused"
    with transaction(engine) as s:
        after = (s.scalar(select(func.count()).select_from(Consent)), s.scalar(select(func.count())
                                                                             .select_from(Assessment)))
        assert verify(s, SETUP)[1] == []
    assert after == before


# the protected column (skyddade personuppgifter), written out: on a protected case of their own team, who
# does what. Its team's coordinators and its named (assigned) assessor as on any case of theirs; the rest of
# the team as on another team's case; emergency access as on another team's case (EMERGENCY_OPS, audited).
PROTECTED_OPEN_TO = {"coordinator", "named"}  # "named": an assessor of team A assigned to the case
PROTECT_REASON = "Familjen har skyddad identitet efter hot"


def _protect_a(engine, world) -> None:
    with transaction(engine) as s:
        users.add_user(s, SETUP, "named", display_name="named", roles=["assessor"], teams=["A"])
        cases.protect(s, SETUP, world["A"], PROTECT_REASON)


def test_every_role_against_every_action_on_a_protected_case(engine, world):
    _protect_a(engine, world)
    mismatches = []
    for role in (*ROLES, "named"):
        with transaction(engine) as s:  # "assign assessor" (last) replaces the named assessor: name them again
            users.assign_case(s, SETUP, world["A"], assessors=["named"])
        for name, allowed in CASE_OPS.items():
            op = _case_op(name)
            rule_role = "assessor" if role == "named" else role
            expected = (rule_role in allowed if role in PROTECTED_OPEN_TO
                        else role in OTHER_TEAM_OPS.get(name, set()))
            refused_before, rows_before = _audit_rows(engine, role)
            outcome = _attempt(engine, role, lambda s, a, op=op: op(s, a, world["A"]))
            refused_after, rows_after = _audit_rows(engine, role)
            if outcome != ("done" if expected else "refused"):
                mismatches.append((role, name, outcome))
            elif outcome == "refused" and (refused_after - refused_before, rows_after - rows_before) != (1, 1):
                mismatches.append((role, name, "refusal not audited exactly once"))
            elif outcome == "done" and rows_after == rows_before:
                mismatches.append((role, name, "not audited"))
    assert mismatches == [], mismatches


def test_emergency_access_still_opens_a_protected_case_and_is_audited(engine, world):
    _protect_a(engine, world)
    assert _attempt(engine, "assessor", lambda s, a: views.case_overview(s, a, world["A"], D)) == "refused"
    with transaction(engine) as s:
        for role in ("intake", "assessor"):
            cases.open_in_emergency(s, actor_for(s, role), world["A"], REASON)
    mismatches = []
    for role in ("intake", "assessor"):
        for name, allowed in CASE_OPS.items():
            if name == "assign assessor":
                continue
            expected = role in allowed and name in EMERGENCY_OPS
            op = _case_op(name)
            outcome = _attempt(engine, role, lambda s, a, op=op: op(s, a, world["A"]))
            if outcome != ("done" if expected else "refused"):
                mismatches.append((role, name, outcome))
    assert mismatches == [], mismatches
    with transaction(engine) as s:
        listed = views.access_log(s, actor_for(s, "coordinator"), case_code=world["A"], actions=["emergency"])
        assert set(listed["who"]) == {"intake", "assessor"}
        assert world["A"] in views.find_cases(s, actor_for(s, "assessor"))  # while the grant runs
        assert views.case_overview(s, actor_for(s, "assessor"), world["A"], D).emergency_until is not None


def test_lists_leave_out_a_protected_case_for_the_rest_of_the_team(engine, world):
    _protect_a(engine, world)
    with transaction(engine) as s:
        users.assign_case(s, SETUP, world["A"], assessors=["named"])
    with transaction(engine) as s:
        assert world["A"] not in views.find_cases(s, actor_for(s, "assessor"))
        assert world["A"] not in set(views.intake_queue(s, actor_for(s, "intake"), D)["case_code"])
        assert world["A"] in views.find_cases(s, actor_for(s, "named"))
        assert world["A"] in views.find_cases(s, actor_for(s, "coordinator"))
        log = views.access_log(s, actor_for(s, "coordinator"), case_code=world["A"], actions=["protect"])
        assert log["reason"].tolist() == [PROTECT_REASON]  # kept with the case, the log refers to it
        assert PROTECT_REASON not in " ".join(str(d) for d in s.scalars(select(AuditEntry.detail)))


def test_only_a_coordinator_protects_and_lifts_with_a_reason(engine, world):
    for role in ("intake", "assessor", "researcher", "admin"):
        assert _attempt(engine, role, lambda s, a: cases.protect(s, a, world["A"], PROTECT_REASON)) == "refused"
    assert _attempt(engine, "coordinator", lambda s, a: cases.protect(s, a, world["B"], PROTECT_REASON)) == "refused"
    with transaction(engine) as s, pytest.raises(cases.CaseError) as refused:
        cases.protect(s, actor_for(s, "coordinator"), world["A"], "   ")
    assert refused.value.code == "case.protect_reason"
    assert _attempt(engine, "coordinator", lambda s, a: cases.protect(s, a, world["A"], PROTECT_REASON)) == "done"
    assert _attempt(engine, "assessor", lambda s, a: views.case_overview(s, a, world["A"], D)) == "refused"
    assert _attempt(engine, "coordinator", lambda s, a: cases.unprotect(s, a, world["A"], "Hotet är över")) == "done"
    assert _attempt(engine, "assessor", lambda s, a: views.case_overview(s, a, world["A"], D)) == "done"
    with transaction(engine) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.who == "coordinator")))
        assert actions.count("protect") == 1 and actions.count("unprotect") == 1


# -- referrers (#23 item 2) ----------------------------------------------------------------------------
# The referrer's rows, written out. A referrer (organisation police, no team) sends the checklist to a team's
# intake and reads the intake decision of their own referrals: nothing else. Every case action is refused
# on team A's case, on team B's and on the case their own referral became; so is every action beyond one
# case. The two referral actions are the referrer's alone.
REFERRER_ON_CASES = {("own referral", name): "refused" for name in CASE_OPS} | {
    ("team A", name): "refused" for name in CASE_OPS} | {("team B", name): "refused" for name in CASE_OPS}
REFERRER_BEYOND_CASES = dict.fromkeys(GLOBAL_OPS, "refused")
# action -> outcome for intake, assessor, coordinator, researcher, admin, referrer
REFERRAL_ACTIONS = {
    "send referral": ("refused", "refused", "refused", "refused", "refused", "done"),
    "own referrals' status": ("refused", "refused", "refused", "refused", "refused", "done"),
}


def _send(s, a, team: str = "A") -> None:
    from store import referrers
    from store.identity import luhn_ok

    birth, serial = "20100315", "123"  # a right check digit: a wrong one is refused before the guard
    number = next(f"{birth}-{serial}{c}" for c in range(10) if luhn_ok(birth[2:] + serial + str(c)))
    referrers.send_referral(s, a, team_id=users.team_id(s, team), pnr=number, checklist={"K1": "Ja"}, on=D)


def _sent_status(s, a) -> None:
    from store import referrers

    referrers.sent_referrals(s, a)


REFERRAL_OPS = {"send referral": _send, "own referrals' status": _sent_status}


@pytest.fixture
def referrer(engine, world):
    """A police referrer, and the case their referral to team A became, with the same rows as the others."""
    with transaction(engine) as s:
        users.add_user(s, SETUP, "referrer", display_name="referrer", roles=["referrer"], organisation="police")
    with transaction(engine) as s:
        _send(s, actor_for(s, "referrer"))
    with transaction(engine) as s:
        sent = s.scalar(select(Referral).where(Referral.sent_by.is_not(None)))
        subject = sent.subject
        cases.screen(s, SETUP, sent, suitable=True, criteria=["crime_active"], on=D)
        cases.mark_asked(s, SETUP, sent, D)
        cases.record_answer(s, SETUP, sent, accepted=True, on=D)
        cases.mark_started(s, SETUP, sent, D, reason="Startad innan bedömningen i testet.", legal_basis="LVU 11")
        cases.add_consent(s, SETUP, subject, signed_on=D, signed_by=["youth"], valid_until=D + timedelta(days=9999),
                          actors=["skola"], categories=["assessment", "plan"])
        cases.finalise(s, SETUP, cases.save_draft(s, SETUP, subject, "savry-like", occasion="baseline",
                                                  assessed_on=D, ratings=SAVRY, judgment="low", rationale="x"))
        cases.record_meeting(s, SETUP, subject, cases.MeetingInput(D, ["skola"], commitments=[
            cases.PlanItem("skola", "Närvaro", D + timedelta(days=7))]))
        return subject.case_code


def test_the_referrer_against_every_case_action(engine, world, referrer):
    targets = {"own referral": referrer, "team A": world["A"], "team B": world["B"]}
    mismatches = []
    for (target, name), expected in REFERRER_ON_CASES.items():
        op = _case_op(name)
        refused_before, rows_before = _audit_rows(engine, "referrer")
        outcome = _attempt(engine, "referrer", lambda s, a, op=op, c=targets[target]: op(s, a, c))
        refused_after, rows_after = _audit_rows(engine, "referrer")
        if outcome != expected:
            mismatches.append((target, name, outcome))
        elif (refused_after - refused_before, rows_after - rows_before) != (1, 1):
            mismatches.append((target, name, "refusal not audited exactly once"))
    assert mismatches == [], mismatches


def test_the_referrer_against_every_action_beyond_one_case(engine, world, referrer):
    mismatches = []
    for name, expected in REFERRER_BEYOND_CASES.items():
        refused_before, _ = _audit_rows(engine, "referrer")
        outcome = _attempt(engine, "referrer", GLOBAL[name])
        if outcome != expected:
            mismatches.append((name, outcome))
        elif _audit_rows(engine, "referrer")[0] != refused_before + 1:
            mismatches.append((name, "refusal not audited"))
    assert mismatches == [], mismatches


def test_every_role_against_the_referral_actions(engine, world, referrer):
    mismatches = []
    for name, outcomes in REFERRAL_ACTIONS.items():
        for role, expected in zip((*ROLES, "referrer"), outcomes, strict=True):
            refused_before, rows_before = _audit_rows(engine, role)
            outcome = _attempt(engine, role, REFERRAL_OPS[name])
            refused_after, rows_after = _audit_rows(engine, role)
            if outcome != expected:
                mismatches.append((role, name, outcome))
            elif outcome == "refused" and (refused_after - refused_before, rows_after - rows_before) != (1, 1):
                mismatches.append((role, name, "refusal not audited exactly once"))
            elif outcome == "done" and rows_after == rows_before:
                mismatches.append((role, name, "not audited"))
    assert mismatches == [], mismatches
