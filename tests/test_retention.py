"""Gallring: the due cases go (or lose all that identifies them), all at once, audited; nothing else
is touched; a dry run lists the same cases and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

import cli
from store import AccessDenied, Actor, cases, transaction
from store.audit import verify
from store.models import Assessment, AuditEntry, Goal, Meeting, Outcome, Referral, Subject
from store.retention import RetentionError, gallring

from .actors import ADMIN, SETUP

D = date(2019, 3, 1)
SAVRY = {f"H{i}": "L" for i in range(1, 11)} | {f"S{i}": "L" for i in range(1, 7)} | {
    f"I{i}": "L" for i in range(1, 9)} | {f"P{i}": "P" for i in range(1, 7)}


def _full_case(s, closed_on: date | None, pnr: str | None = None) -> str:
    """A started case with a final (and corrected) assessment, a meeting with a goal, an outcome."""
    youth = cases.create_subject(s, SETUP, pnr=pnr, district="Söderort", birth_year=2005, birth_month=4)
    cases.add_referral(s, SETUP, youth, "polis", D)
    referral = youth.referrals[0]
    cases.screen(s, SETUP, referral, suitable=True, criteria=["crime_active"], on=D + timedelta(days=2))
    cases.mark_asked(s, SETUP, referral, D + timedelta(days=3))
    cases.record_answer(s, SETUP, referral, accepted=True, on=D + timedelta(days=4))
    cases.mark_started(s, SETUP, referral, D + timedelta(days=5), reason="Akut: hemkomst från SiS.",
                       legal_basis="LVU 11")
    draft = cases.save_draft(s, SETUP, youth, "savry-like", occasion="baseline", assessed_on=D, ratings=SAVRY,
                             judgment="low", rationale="Namn Namnsson bor hos mamma.")
    final = cases.finalise(s, SETUP, draft)
    cases.finalise(s, SETUP, cases.correct(s, SETUP, final, "fel datum"))
    cases.record_meeting(s, SETUP, youth, cases.MeetingInput(D + timedelta(days=10), ["skola"], notes="hemligt",
                                                             short_goals=["gå till skolan"]))
    cases.record_outcome(s, SETUP, youth, period_start=D, period_end=D + timedelta(days=90), police_reports=2)
    if closed_on:
        cases.close_case(s, SETUP, youth, closed_on, "goals_reached")
    return youth.case_code


def _declined_case(s, answered: date) -> str:
    youth = cases.create_subject(s, SETUP)
    cases.add_referral(s, SETUP, youth, "skola", answered - timedelta(days=20))
    referral = youth.referrals[0]
    cases.screen(s, SETUP, referral, suitable=True, criteria=["crime_active"], on=answered - timedelta(days=10))
    cases.mark_asked(s, SETUP, referral, answered - timedelta(days=5))
    cases.record_answer(s, SETUP, referral, accepted=False, on=answered)
    return youth.case_code


@pytest.fixture
def register(engine):
    with transaction(engine) as s:
        codes = {
            "closed long ago": _full_case(s, date(2020, 1, 15), pnr="20050412-1203"),
            "closed recently": _full_case(s, date(2024, 6, 1)),
            "open": _full_case(s, None),
            "declined long ago": _declined_case(s, date(2020, 2, 1)),
            "declined recently": _declined_case(s, date(2025, 2, 1)),
        }
    return codes


def _counts(engine) -> dict:
    with transaction(engine) as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Subject, Referral, Assessment, Meeting, Goal, Outcome)}


def test_dry_run_lists_the_due_cases_and_changes_nothing(engine, register):
    before = _counts(engine)
    with transaction(engine) as s:
        report = gallring(s, ADMIN, date(2021, 1, 1), dry_run=True)
    assert sorted(report.cases["case_code"]) == sorted([register["closed long ago"], register["declined long ago"]])
    assert set(report.cases["why"]) == {"closed", "never started"}
    assert _counts(engine) == before


def test_remove_takes_every_row_of_the_due_cases_and_nothing_else(engine, register):
    before = _counts(engine)
    with transaction(engine) as s:
        gallring(s, ADMIN, date(2021, 1, 1))
    after = _counts(engine)
    with transaction(engine) as s:
        left = set(s.scalars(select(Subject.case_code)))
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "gallring", AuditEntry.entity == "case")).all()
        assert verify(s, ADMIN)[1] == []  # the chain is intact: the log itself is never thinned
    assert left == {register["closed recently"], register["open"], register["declined recently"]}
    assert after["Subject"] == before["Subject"] - 2
    assert after["Assessment"] == before["Assessment"] - 2 and after["Goal"] == before["Goal"] - 1
    assert after["Outcome"] == before["Outcome"] - 1
    assert len(rows) == 2 and all("due before 2021-01-01" in r.detail for r in rows)


def test_anonymise_keeps_what_research_needs_and_nothing_that_identifies(engine, register):
    with transaction(engine) as s:
        gallring(s, ADMIN, date(2021, 1, 1), mode="anonymise")
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).where(Subject.case_code == register["closed long ago"])) == 0
        youth = s.scalars(select(Subject).where(Subject.case_code.like("GALLRAD-%"))
                          .where(Subject.closed_on.is_not(None))).one()
        assert youth.pnr_encrypted is None and youth.pnr_hash is None and youth.district is None
        assert youth.birth_month is None and youth.birth_year == 2005
        finals = s.scalars(select(Assessment).where(Assessment.subject_id == youth.id)).all()
        assert {a.judgment for a in finals} == {"low"} and all(a.ratings == SAVRY for a in finals)
        assert all(a.rationale is None and a.correction_reason is None for a in finals)
        assert s.scalar(select(Meeting.notes).where(Meeting.subject_id == youth.id)) is None
        assert s.scalar(select(Outcome.police_reports).where(Outcome.subject_id == youth.id)) == 2
        other = s.scalars(select(Assessment).where(Assessment.rationale.is_not(None))).all()
        assert len(other) >= 2  # the other cases keep their texts


def test_the_triggers_still_guard_final_assessments_outside_gallring(engine, register):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError, IntegrityError

    with transaction(engine) as s:
        gallring(s, ADMIN, date(2021, 1, 1))
    with pytest.raises((DBAPIError, IntegrityError), match="immutable"), engine.begin() as conn:
        conn.execute(text("DELETE FROM assessments WHERE status = 'final'"))


def test_only_an_admin_and_never_for_the_future(engine, register):
    before = _counts(engine)
    with pytest.raises(AccessDenied), transaction(engine) as s:
        gallring(s, Actor("c", {"coordinator"}, {1}), date(2021, 1, 1))
    with pytest.raises(RetentionError, match="future"), transaction(engine) as s:
        gallring(s, ADMIN, date.today() + timedelta(days=1))
    assert _counts(engine) == before


def test_cli_dry_run_then_run(engine, register, monkeypatch, capsys):
    from store.users import add_user

    with transaction(engine) as s:
        add_user(s, SETUP, "ada.admin", display_name="Ada", roles=["admin"])
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert cli.main(["--as", "ada.admin", "gallring", "--before", "2021-01-01", "--dry-run"]) == 0
    out = capsys.readouterr()
    assert register["closed long ago"] in out.out and "would be removed" in out.err
    assert cli.main(["--as", "ada.admin", "gallring", "--before", "2021-01-01"]) == 0
    assert "2 case(s) removed" in capsys.readouterr().err
    assert cli.main(["--as", "ada.admin", "gallring", "--before", "01/01/2021"]) == 2
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err
