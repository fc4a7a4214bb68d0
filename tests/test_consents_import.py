"""`insats consents import`: the consents of running groups come in from Excel, all or nothing, every bad row
named, a second import adds nothing, only for the importer's own teams' cases, audited; on both engines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

import cli
from store import cases, transaction
from store.cases.consent import allows, consent_rows
from store.models import AuditEntry, Consent, Subject
from store.users import add_team, add_user

from .actors import SETUP

HEADER = "case_code,signed_on,valid_until,signed_by,actors,categories"
TODAY = date(2026, 6, 1)


@pytest.fixture
def env(engine, monkeypatch, tmp_path):
    """Sam coordinates the default team; two of its cases; one case of another team."""
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    with transaction(engine) as s:
        neighbours = add_team(s, SETUP, "Grannteamet")
        add_user(s, SETUP, "sam.samordnare", display_name="Sam", roles=["coordinator"], teams=["Standard"])
        add_user(s, SETUP, "ines.intag", display_name="Ines", roles=["intake"], teams=["Standard"])
        for code in ("SIG-K1", "SIG-K2"):
            cases.create_subject(s, SETUP, case_code=code)
        s.flush()
        cases.create_subject(s, SETUP, case_code="SIG-GRANNE", team_id=neighbours.id)
    return engine


def _file(tmp_path, rows: list[str], name: str = "samtycken.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def _count(engine, model, *where) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


GOOD = ["SIG-K1,2026-01-15,2026-12-31,ungdom; Vårdnadshavare 1,Polisen;skola;socialtjänst,bedömning;plan;SKOLA",
        "sig-k2,2026-02-01,2027-01-31,youth;guardian 1;guardian 2,polis;fritid,assessment;leisure"]


def test_consents_come_in_with_their_words_once_and_audited(env, tmp_path, capsys):
    path = _file(tmp_path, GOOD)
    assert cli.main(["--as", "sam.samordnare", "consents", "import", path]) == 0
    assert "imported 2 consents; skipped 0" in capsys.readouterr().out
    with transaction(env) as s:
        k1 = s.scalar(select(Subject.id).where(Subject.case_code == "SIG-K1"))
        [consent] = consent_rows(s, k1)
        assert consent.signed_by == ["guardian 1", "youth"] and consent.actors == ["polis", "skola", "socialtjanst"]
        assert consent.categories == ["assessment", "plan", "school"]
        assert allows([consent], "polis", "assessment", TODAY) and not allows([consent], "fritid", "assessment", TODAY)
    audited = _count(env, AuditEntry, AuditEntry.action == "import", AuditEntry.entity == "consent")
    assert audited == 2
    assert cli.main(["--as", "sam.samordnare", "consents", "import", path]) == 0  # the same file again
    out = capsys.readouterr()
    assert "row 2: SIG-K1 already has this consent" in out.err and "row 3: SIG-K2" in out.err
    assert _count(env, Consent) == 2
    assert _count(env, AuditEntry, AuditEntry.action == "import", AuditEntry.entity == "consent") == audited


def test_every_bad_row_is_named_and_nothing_is_imported(env, tmp_path, capsys):
    rows = [GOOD[0],
            "SIG-K2,2026-13-01,2026-12-31,ungdom,polis,plan",       # row 3: not a date
            "SIG-K2,2026-03-01,2026-02-01,ungdom,polis,plan",       # row 4: ends before it is signed
            "SIG-K2,2026-03-01,2026-12-31,grannen,polis,plan",      # row 5: an unknown signer
            "SIG-K2,2026-03-01,2026-12-31,ungdom,polis;kyrkan,plan",  # row 6: an unknown actor
            "SIG-K2,2026-03-01,2026-12-31,ungdom,polis,",           # row 7: no category
            "SIG-NOPE,2026-03-01,2026-12-31,ungdom,polis,plan",     # row 8: no such case
            "SIG-K2,2026-07-01,2027-06-30,ungdom,polis,plan"]       # row 9: signed after today
    assert cli.main(["--lang", "en", "--as", "sam.samordnare", "consents", "import", _file(tmp_path, rows)]) == 2
    err = capsys.readouterr().err
    for part in ("row 3, column 'signed_on': '2026-13-01' – expected a date as YYYY-MM-DD",
                 "row 4, column 'valid_until': '2026-02-01' – expected a date on or after signed_on",
                 "row 5, column 'signed_by': 'grannen'", "not known: grannen",
                 "row 6, column 'actors': 'polis;kyrkan'", "not known: kyrkan",
                 "row 7, column 'categories': ''", "row 8, column 'case_code': 'SIG-NOPE' – expected an existing case",
                 "row 9, column 'signed_on': '2026-07-01' – expected a date on or before today (2026-06-01)",
                 "nothing was imported"):
        assert part in err, part
    assert "row 2," not in err
    assert _count(env, Consent) == 0


def test_a_missing_or_unknown_column_is_named(env, tmp_path, capsys):
    path = tmp_path / "fel.csv"
    path.write_text("case_code,signed_on,valid_until,signed_by,actors,kategorier\nSIG-K1,2026-01-01,2026-12-31,"
                    "ungdom,polis,plan\n", encoding="utf-8")
    assert cli.main(["--as", "sam.samordnare", "consents", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "column 'categories': '(missing)'" in err and "column 'kategorier': '(unknown column)'" in err


def test_another_teams_case_and_a_role_without_consent_work_are_refused(env, tmp_path, capsys):
    other = _file(tmp_path, [GOOD[0], "SIG-GRANNE,2026-01-15,2026-12-31,ungdom,polis,plan"], "granne.csv")
    assert cli.main(["--as", "sam.samordnare", "consents", "import", other]) == 2
    err = capsys.readouterr().err
    assert "row 3, column 'case_code': 'SIG-GRANNE' – expected a case of one of your teams" in err
    assert "row 2," not in err  # only the other team's case is named
    assert cli.main(["--as", "ines.intag", "consents", "import", _file(tmp_path, GOOD)]) == 2
    capsys.readouterr()
    assert _count(env, Consent) == 0
    refusals = _count(env, AuditEntry, AuditEntry.action == "refused", AuditEntry.subject_id.is_(None))
    assert refusals >= 1  # the intake worker's attempt is in the log
