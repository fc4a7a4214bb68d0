"""Imports are all or nothing; the funnel counts each step in its own month; CLI commands on both engines."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

import cli
from store import Actor, cases, transaction
from store.models import Assessment, AuditEntry, Referral, Subject

SETUP_ROWS = 2  # the audit rows of use_db: two users added
IVAR = Actor("ivar.intake", {"intake", "coordinator", "assessor"}, {1})
HEADER = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on,reason"


def register(tmp_path, *rows: str, name="register.csv", header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def use_db(db_url, monkeypatch, capsys):
    """The database, its first admin (made without --as) and Ivar, intake and coordinator of the
    default team, who runs the commands (INSATS_USER)."""
    monkeypatch.setenv("INSATS_DATABASE_URL", db_url)
    monkeypatch.delenv("INSATS_USER", raising=False)
    assert cli.main(["users", "add", "ada.admin", "--name", "Ada", "--role", "admin"]) == 0
    assert cli.main(["--as", "ada.admin", "users", "add", "ivar.intake", "--name", "Ivar", "--role", "intake",
                     "--role", "coordinator", "--team", "Standard"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("INSATS_USER", "ivar.intake")
    return db_url


def count(engine, model) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_referral_register_import_and_funnel_by_month_of_each_step(use_db, engine, tmp_path, capsys):
    path = register(
        tmp_path,
        "SIG-AAA111,polis,2026-01-10,ja,2026-01-20,2026-03-02,ja,2026-03-09,",
        "SIG-BBB222,skola,2026-01-15,nej,2026-02-01,,,,För ung för SIG",
        "SIG-CCC333,fältassistenter,2026-02-03,ja,2026-02-10,2026-02-11,nej,2026-02-20,",
        "SIG-AAA111,socialtjanst,2026-03-01,,,,,,",
    )
    assert cli.main(["referrals", "import", path]) == 0
    assert "imported 4 referrals (3 new cases" in capsys.readouterr().out
    assert cli.main(["report", "funnel", "--format", "json"]) == 0
    months = json.loads(capsys.readouterr().out)
    assert months == [
        {"month": "2026-01", "received": 2, "suitable": 1, "asked": 0, "accepted": 0, "started": 0},
        {"month": "2026-02", "received": 1, "suitable": 1, "asked": 1, "accepted": 0, "started": 0},
        {"month": "2026-03", "received": 1, "suitable": 0, "asked": 1, "accepted": 1, "started": 0},
    ]
    assert cli.main(["report", "funnel", "--from", "2026-02-01", "--to", "2026-02-28"]) == 0
    table = capsys.readouterr().out
    assert "2026-02" in table and "2026-01" not in table and "total" in table


def test_importing_the_same_register_twice_creates_no_duplicates(use_db, engine, tmp_path, capsys):
    first = register(tmp_path, "SIG-AAA111,polis,2026-01-10,,,,,,")
    assert cli.main(["referrals", "import", first]) == 0
    grown = register(tmp_path, "SIG-AAA111,polis,2026-01-10,,,,,,", "SIG-DDD444,skola,2026-02-01,,,,,,",
                     name="grown.csv")
    capsys.readouterr()
    assert cli.main(["referrals", "import", grown]) == 0
    out = capsys.readouterr()
    assert "imported 1 referrals" in out.out and "row 2: SIG-AAA111 received 2026-01-10 already exists" in out.err
    assert count(engine, Referral) == 2 and count(engine, Subject) == 2


def test_one_bad_row_among_10000_changes_nothing_and_names_the_row(use_db, engine, tmp_path, capsys):
    rows = [f"SIG-{i:06d},polis,2026-01-{1 + i % 28:02d},,,,,," for i in range(10_000)]
    rows[7_345] = "SIG-007345,polis,2026-13-40,,,,,,"
    path = register(tmp_path, *rows)
    assert cli.main(["referrals", "import", path]) == 2
    err = capsys.readouterr().err
    assert "row 7347, column 'received_on': '2026-13-40' – expected a date as YYYY-MM-DD" in err
    assert "nothing was imported" in err
    assert count(engine, Referral) == 0 and count(engine, Subject) == 0 and count(engine, AuditEntry) == SETUP_ROWS


def test_every_bad_row_is_reported(use_db, tmp_path, capsys):
    path = register(
        tmp_path,
        ",polis,2026-01-10,,,,,,",
        "SIG-B,grannen,2026-01-10,,,,,,",
        "SIG-C,skola,2026-01-10,nej,2026-01-12,,,,",
        "SIG-D,skola,2026-01-10,ja,2026-01-09,,,,",
        "SIG-E,skola,2026-01-10,kanske,,,,,",
    )
    assert cli.main(["referrals", "import", path]) == 2
    err = capsys.readouterr().err
    assert "row 2, column 'case_code'" in err
    assert "row 3, column 'source': 'grannen' – expected one of polis, skola" in err
    assert "row 4, column 'reason'" in err and "a reason when not suitable" in err
    assert "row 5, column 'decided_on': '2026-01-09' – expected a date on or after received_on" in err
    assert "row 6, column 'suitable': 'kanske' – expected ja, nej or empty" in err


def test_referral_checklist_columns_become_irk_8_assessments(use_db, engine, tmp_path, capsys):
    header = HEADER + ",K1,K2,K3,K4,K5,K6,K7,K8"
    path = register(tmp_path, "SIG-AAA111,polis,2026-01-10,,,,,,,Ja,Ja,Nej,Vet ej,Ja,Nej,Nej,Ja",
                    "SIG-BBB222,skola,2026-01-11,,,,,,,,,,,,,,", header=header)
    assert cli.main(["referrals", "import", path]) == 0
    with transaction(engine) as s:
        [checklist] = s.scalars(select(Assessment)).all()
        assert checklist.instrument_id == "irk-8"
        assert checklist.ratings["K4"] is None and checklist.ratings["K1"] == "Ja"
        assert s.scalar(select(Referral.checklist_id).where(Referral.checklist_id.is_not(None))) == checklist.id
    bad = register(tmp_path, "SIG-X,polis,2026-01-10,,,,,,,Ja,Kanske,Nej,Nej,Nej,Nej,Nej,Nej", header=header,
                   name="bad.csv")
    assert cli.main(["referrals", "import", bad]) == 2
    assert "row 2, column 'K2': 'Kanske'" in capsys.readouterr().err


def test_assessments_import_export_round_trip(use_db, engine, tmp_path, capsys):
    items = "H1,H2,H3,H4,H5,H6,H7,H8,H9,H10,S1,S2,S3,S4,S5,S6,I1,I2,I3,I4,I5,I6,I7,I8,P1,P2,P3,P4,P5,P6"
    header = f"subject_id,assessed_on,occasion,rater,judgment,rationale,{items}"
    ratings = ",".join(["H"] * 24 + ["A"] * 6)
    in_anothers_name = register(tmp_path, f"SIG-AAA111,2026-02-01,baseline,anna,high,Allvarligt våld,{ratings}",
                                header=header, name="other.csv")
    assert cli.main(["assessments", "import", "--instrument", "savry-like", in_anothers_name,
                     "--create-subjects"]) == 2
    assert "column 'rater': 'anna' – expected empty or ivar.intake" in capsys.readouterr().err
    path = register(tmp_path, f"sig-aaa111,2026-02-01,baseline,,high,Allvarligt våld,{ratings}", header=header,
                    name="a.csv")
    assert cli.main(["assessments", "import", "--instrument", "savry-like", path]) == 2
    assert "row 2, column 'subject_id': 'SIG-AAA111' – expected an existing case code" in capsys.readouterr().err
    assert cli.main(["assessments", "import", "--instrument", "savry-like", path, "--create-subjects"]) == 0
    out = tmp_path / "export.csv"
    assert cli.main(["assessments", "export", "--instrument", "savry-like", "--recipient", "skola",
                     "-o", str(out)]) == 0
    assert "withheld 1 case(s)" in capsys.readouterr().err  # no consent yet: nothing leaves
    assert pd.read_csv(out, dtype=str).empty
    with transaction(engine) as s:
        youth = cases.subject_by_code(s, IVAR, "sig-aaa111")
        cases.add_consent(s, IVAR, youth, signed_on=date(2026, 1, 1), signed_by=["youth"],
                          valid_until=date(2099, 1, 1), actors=["skola"], categories=["assessment"])
    assert cli.main(["assessments", "export", "--instrument", "savry-like", "--recipient", "skola",
                     "-o", str(out)]) == 0
    exported = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert exported.loc[0, "subject_id"] == "SIG-AAA111" and exported.loc[0, "judgment"] == "high"
    assert list(exported.loc[0, ["H1", "P6"]]) == ["H", "A"] and exported.loc[0, "rater"] == "ivar.intake"
    long_code = register(tmp_path, f"SIG-{'X' * 30},2026-02-01,baseline,,high,x,{ratings}", header=header,
                         name="long.csv")
    assert cli.main(["assessments", "import", "--instrument", "savry-like", long_code, "--create-subjects"]) == 2
    assert "expected a case code of 1-16 letters" in capsys.readouterr().err  # not a database error


def test_audit_verify_and_backup_restore(use_db, engine, tmp_path, capsys):
    assert cli.main(["referrals", "import", register(tmp_path, "SIG-AAA111,polis,2026-01-10,,,,,,")]) == 0
    assert cli.main(["audit", "verify"]) == 2  # an admin's task
    assert "nekad (access.role)" in capsys.readouterr().err
    assert cli.main(["--as", "ada.admin", "audit", "verify"]) == 0
    assert "audit chain intact: 5 rows" in capsys.readouterr().out  # 2 users, the import, the refusal, this check
    backup = tmp_path / "backup.db"
    assert cli.main(["--as", "ada.admin", "db", "backup", str(backup)]) == 0
    assert cli.main(["referrals", "import", register(tmp_path, "SIG-BBB222,skola,2026-01-11,,,,,,", name="2.csv")]) == 0
    assert count(engine, Referral) == 2
    engine.dispose()
    assert cli.main(["--as", "ada.admin", "db", "restore", str(backup)]) == 0
    assert count(engine, Referral) == 1
    assert cli.main(["--as", "ada.admin", "audit", "verify"]) == 0
    (tmp_path / "junk.db").write_text("not a database")
    assert cli.main(["--as", "ada.admin", "db", "restore", str(tmp_path / "junk.db")]) == 2


def test_a_register_larger_than_the_postgresql_parameter_limit_imports(use_db, engine, tmp_path, capsys):
    rows = [f"SIG-{i:06d},skola,2026-02-{1 + i % 28:02d},,,,,," for i in range(66_000)]
    before = count(engine, AuditEntry)
    assert cli.main(["referrals", "import", register(tmp_path, *rows)]) == 0
    assert count(engine, Referral) == 66_000 and count(engine, AuditEntry) - before == 66_000


def test_the_register_import_dates_no_step_after_today_as_a_single_step_would(use_db, tmp_path, capsys, monkeypatch):
    """A page refuses a step dated after today (store/cases/_dates.py); the import took such rows. Both now
    read one today (``config.today``) and the referral steps' one order (``rules.path.REFERRAL_STEP_ORDER``)."""
    monkeypatch.setenv("INSATS_TODAY", "2026-03-01")
    path = register(tmp_path, "SIG-F1,polis,2026-02-20,ja,2026-02-25,2026-03-02,,,",
                    "SIG-F2,skola,2026-03-05,,,,,,")
    assert cli.main(["referrals", "import", path]) == 2
    err = capsys.readouterr().err
    assert "row 2, column 'asked_on': '2026-03-02' – expected a date not after today (2026-03-01)" in err
    assert "row 3, column 'received_on': '2026-03-05' – expected a date not after today (2026-03-01)" in err
    monkeypatch.setenv("INSATS_TODAY", "2026-03-10")  # the same file once those days have come
    assert cli.main(["referrals", "import", path]) == 0


def test_the_store_reads_today_in_one_place():
    """``date.today()`` is the machine's day; the store, services, rules and pages ask ``config.today()``,
    which ``INSATS_TODAY`` pins for the demo and the tests, so no two parts disagree about today."""
    from .app_helpers import ROOT

    found = [f"{p.relative_to(ROOT)}:{n}" for folder in ("store", "services", "rules", "forms", "cli", "scoring")
             for p in (ROOT / folder).rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1) if "date.today()" in line]
    assert not found
