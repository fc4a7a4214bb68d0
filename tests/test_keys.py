"""The instance key: strong at start-up, one id per stored personnummer, rotation all or nothing, and
personnummer checks for intake and coordinators only, audited found or not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import cli
from store import AccessDenied, Actor, cases, transaction
from store.cases import CaseError
from store.identity import key_id
from store.keys import KeyProblem, check_keys, rotate
from store.models import AuditEntry, Subject

from .actors import ADMIN, SETUP

OLD = "old-instance-key-0123456789-abcdefghijklmnop"
NEW = "new-instance-key-ABCDEFGHIJ-9876543210-qrstuv"
PNRS = ("20110612-1237", "20090303-2308", "20100101-0006")
INTAKE = Actor("ivar.intake", {"intake"}, {1})
ASSESSOR = Actor("asa.assessor", {"assessor"}, {1})


@pytest.fixture
def cohort(engine, monkeypatch):
    monkeypatch.setenv("INSATS_SECRET_KEY", OLD)
    with transaction(engine) as s:
        codes = [cases.create_subject(s, SETUP, pnr=p).case_code for p in PNRS]
    return codes


@pytest.mark.parametrize("key", ["short", "a" * 64, "0123456789" * 4])
def test_a_weak_key_stops_the_start_not_the_first_personnummer(engine, monkeypatch, key, tmp_path, capsys):
    monkeypatch.setenv("INSATS_SECRET_KEY", key)
    with pytest.raises(KeyProblem, match="too weak"), transaction(engine) as s:
        check_keys(s)
    monkeypatch.setenv("INSATS_DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    assert cli.main(["teams", "list"]) == 2
    assert "INSATS_SECRET_KEY is too weak" in capsys.readouterr().err


def test_rotation_moves_every_personnummer_to_the_new_key_in_one_step(engine, cohort, monkeypatch):
    with transaction(engine) as s:
        assert check_keys(s) == key_id(OLD)
        assert rotate(s, ADMIN, OLD, NEW) == len(PNRS)
    with transaction(engine) as s:
        assert set(s.scalars(select(Subject.pnr_key_id))) == {key_id(NEW)}
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "rotate")).one()
        assert row.who == "ada.admin" and f"{key_id(OLD)} -> {key_id(NEW)}" in row.detail
    # the old key is now refused at start-up, by name, instead of silently finding nothing
    with pytest.raises(KeyProblem, match=f"key {key_id(OLD)}.*3 under {key_id(NEW)}"), transaction(engine) as s:
        check_keys(s)
    monkeypatch.setenv("INSATS_SECRET_KEY", NEW)
    with transaction(engine) as s:
        check_keys(s)
        assert cases.subject_by_pnr(s, SETUP, "110612-1237").case_code == cohort[0]  # look-up works
        with pytest.raises(CaseError, match="already exists"):  # duplicate detection works
            cases.create_subject(s, SETUP, pnr="201001010006")


def test_rotation_is_all_or_nothing_and_an_admins_task(engine, cohort):
    with transaction(engine) as s:  # one row under a key nobody has: nothing may change
        s.execute(Subject.__table__.update().where(Subject.case_code == cohort[1]).values(pnr_key_id="kforeign"))
    before = _pnr_columns(engine)
    with pytest.raises(KeyProblem, match="nothing changed"), transaction(engine) as s:
        rotate(s, ADMIN, OLD, NEW)
    with pytest.raises(AccessDenied), transaction(engine) as s:
        rotate(s, Actor("c", {"coordinator"}, {1}), OLD, NEW)
    with pytest.raises(KeyProblem, match="too weak"), transaction(engine) as s:
        rotate(s, ADMIN, OLD, "weak")
    assert _pnr_columns(engine) == before


def _pnr_columns(engine):
    with transaction(engine) as s:
        return sorted(s.execute(select(Subject.id, Subject.pnr_encrypted, Subject.pnr_hash, Subject.pnr_key_id)).all())


def test_a_changed_key_is_caught_at_start(engine, cohort, monkeypatch):
    monkeypatch.setenv("INSATS_SECRET_KEY", NEW)
    with pytest.raises(KeyProblem, match=f"INSATS_SECRET_KEY is key {key_id(NEW)}"), transaction(engine) as s:
        check_keys(s)
    monkeypatch.delenv("INSATS_SECRET_KEY")
    with pytest.raises(KeyProblem, match="3 encrypted personnummer but INSATS_SECRET_KEY is not set"), \
            transaction(engine) as s:
        check_keys(s)


def test_rows_from_before_key_ids_are_adopted_by_the_key_that_opens_them(engine, cohort, monkeypatch):
    with transaction(engine) as s:
        s.execute(Subject.__table__.update().values(pnr_key_id=None))
    monkeypatch.setenv("INSATS_SECRET_KEY", NEW)
    with pytest.raises(KeyProblem, match="does not open"), transaction(engine) as s:
        check_keys(s)
    monkeypatch.setenv("INSATS_SECRET_KEY", OLD)
    with transaction(engine) as s:
        check_keys(s)
    with transaction(engine) as s:
        assert set(s.scalars(select(Subject.pnr_key_id))) == {key_id(OLD)}


def test_personnummer_checks_are_for_intake_and_coordinators_and_always_audited(engine, cohort):
    with pytest.raises(AccessDenied), transaction(engine) as s:  # an assessor cannot probe numbers
        cases.create_subject(s, ASSESSOR, pnr=PNRS[0])
    with pytest.raises(AccessDenied), transaction(engine) as s:
        cases.subject_by_pnr(s, ASSESSOR, PNRS[1])
    with pytest.raises(CaseError, match="already exists"), transaction(engine) as s:
        cases.create_subject(s, INTAKE, pnr=PNRS[0])
    with transaction(engine) as s:
        assert cases.subject_by_pnr(s, INTAKE, "20050505-0005") is None
        found = cases.subject_by_pnr(s, INTAKE, PNRS[1])
    with transaction(engine) as s:
        rows = s.execute(select(AuditEntry.who, AuditEntry.action, AuditEntry.subject_id, AuditEntry.detail)
                         .where(AuditEntry.who.in_(["ivar.intake", "asa.assessor"])).order_by(AuditEntry.id)).all()
    checks = [r for r in rows if r.action == "pnr_check"]
    assert [r.who for r in rows if r.action == "refused"] == ["asa.assessor", "asa.assessor"]
    assert len(checks) == 3 and {r.who for r in checks} == {"ivar.intake"}
    assert checks[0].subject_id is not None and "already known" in checks[0].detail  # the refused duplicate
    assert checks[1].subject_id is None and "none" in checks[1].detail
    assert checks[2].subject_id == found.id
    assert not any(p.replace("-", "") in str(rows) for p in PNRS)  # the number itself is never logged
