"""What may reach the store (#20 items 5, 9 and 10): no personnummer as a case code, every number
finite and in range, no control characters in text, a coded refusal with exit 2 for every refusal, and
an upload row limit that counts rows the way the CSV reader does.

Reproduced before the change: a register with ``20100101-0006`` as case code was imported in clear;
``placement_cost=inf`` was stored and the follow-up JSON held ``Infinity``; a twenty-digit count was an
"unexpected error (OverflowError)"; a NUL byte was stored on SQLite and a DataError on PostgreSQL; the
loser of a finalise race on PostgreSQL got a StaleDataError; ``referrals import --team <other team>``
exited 1; a file with CR line ends passed the app's row limit as one line.
"""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import cli
import instruments
from forms.i18n import STRINGS, expected
from store import cases, transaction
from store.identity import looks_like_pnr, pnr_like
from store.input_rules import case_code_problem, case_code_problems
from store.models import Assessment, AuditEntry, Member, Outcome, Referral, Subject
from store.users import add_team, add_user

from .actors import SETUP
from .path_helpers import EARLY, start

REGISTER = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on,reason"
OUTCOMES = "case_code,period_start,period_end,police_reports,placement,placement_days,placement_cost,occupation"
PNRS = ["20100101-0006", "100101-0006", "1001010006", "201001010006", "100101+0006",  # with the right check digit
        "20100101-0007", "100101-1234", "100161-0006",  # a wrong check digit; a samordningsnummer (day + 60)
        "SIG-100101-0006"]  # inside a code
NOT_PNRS = ["SIG-K7QF3M", "SIG-000001", "DEMO-000123", "1234567890", "101301-0006", "100132-0006",
            "20100101-00061", "SIG-2010"]


# -- the rule ------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", PNRS)
def test_a_personnummer_in_either_form_is_no_case_code(code):
    assert looks_like_pnr(code)
    assert case_code_problem(code.upper()) is not None


@pytest.mark.parametrize("code", NOT_PNRS)
def test_ordinary_codes_are_not_taken_for_a_personnummer(code):
    assert not looks_like_pnr(code)


digits_and_dashes = st.text(alphabet="0123456789-+ASIG", max_size=16)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(digits_and_dashes, st.sampled_from(PNRS + NOT_PNRS)), max_size=30))
def test_the_column_rule_is_the_row_rule(codes):
    column = pd.Series(codes, dtype=object)
    assert pnr_like(column).tolist() == [looks_like_pnr(c) for c in codes]
    assert case_code_problems(column).tolist() == [case_code_problem(c) or "" for c in codes]


def test_the_new_row_errors_are_said_in_swedish(monkeypatch):
    import streamlit as st_

    monkeypatch.setattr(st_, "session_state", {"lang": "sv"})
    from store.input_rules import CODE_NOT_PNR, COST_EXPECTED, COUNT_EXPECTED, FREE_TEXT_EXPECTED, SINGLE_LINE_EXPECTED

    for english in (CODE_NOT_PNR, COUNT_EXPECTED, COST_EXPECTED, SINGLE_LINE_EXPECTED, FREE_TEXT_EXPECTED):
        assert expected(english) != english
    for code in ("case.code_pnr", "input.count", "input.cost", "input.text", "input.free_text", "input.number"):
        assert {"sv", "en"} <= set(STRINGS[f"err_{code}"])


# -- imports through the CLI, on both engines ------------------------------------------------------
@pytest.fixture
def cli_db(engine, monkeypatch, capsys):
    """The CLI on this database, acting as a coordinator of the default team (another team exists)."""
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with transaction(engine) as s:
        add_team(s, SETUP, "Annat team")
        add_user(s, SETUP, "sam.samordnare", display_name="Sam", roles=["intake", "coordinator", "assessor"],
                 teams=["Standard"])
    monkeypatch.setenv("INSATS_USER", "sam.samordnare")
    capsys.readouterr()
    return engine


def _file(tmp_path, name: str, header: str, rows: list[str]) -> str:
    path = tmp_path / name
    path.write_bytes((header + "\n" + "\n".join(rows) + "\n").encode("utf-8"))
    return str(path)


def _counts(engine) -> tuple[int, ...]:
    with transaction(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Subject, Referral, Assessment, Outcome,
                                                                             Member))


def _refused(capsys, argv: list[str], engine) -> str:
    before = _counts(engine)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "unexpected error" not in err
    assert _counts(engine) == before  # nothing was imported, not even the good rows
    return err


def test_a_register_with_a_personnummer_as_case_code_is_refused_by_row(cli_db, tmp_path, capsys):
    path = _file(tmp_path, "register.csv", REGISTER, ["SIG-AAA111,polis,2026-01-10,,,,,,",
                                                       "20100101-0006,polis,2026-01-10,,,,,,",
                                                       "100101-0006,skola,2026-01-11,,,,,,"])
    err = _refused(capsys, ["referrals", "import", path], cli_db)
    for row in (3, 4):
        assert f"register.csv: row {row}, column 'case_code'" in err
    assert "not a personnummer" in err and "nothing was imported" in err
    assert "0006" not in err and "100101" not in err  # the number itself is not repeated on the terminal


def test_every_other_import_refuses_a_personnummer_as_case_code(cli_db, tmp_path, capsys):
    items = instruments.load("savry-like").item_ids
    ratings = _file(tmp_path, "ratings.csv", "subject_id,assessed_on,occasion," + ",".join(items),
                    ["201001010006,2026-01-10,baseline," + ",".join("NA" for _ in items)])
    err = _refused(capsys, ["assessments", "import", "--instrument", "savry-like", "--create-subjects", ratings],
                   cli_db)
    assert "ratings.csv: row 2, column 'subject_id'" in err and "not a personnummer" in err
    outcomes = _file(tmp_path, "outcomes.csv", OUTCOMES, ["100101-0006,2026-01-01,2026-03-31,0,none,0,0,school"])
    err = _refused(capsys, ["outcomes", "import", outcomes], cli_db)
    assert "outcomes.csv: row 2, column 'case_code'" in err and "not a personnummer" in err
    members = _file(tmp_path, "members.csv", "case_code,name,organisation,role,from,to",
                    ["100101-0006,Kim,school,mentor,,"])
    err = _refused(capsys, ["members", "import", members], cli_db)
    assert "members.csv: row 2, column 'case_code'" in err and "not a personnummer" in err


def test_a_form_cannot_create_a_case_with_a_personnummer_as_code(engine):
    with transaction(engine) as s:
        for code in ("20100101-0006", "100101-0006", "sig-100161-0006"):
            with pytest.raises(cases.CaseError) as refused:
                cases.create_subject(s, SETUP, case_code=code)
            assert refused.value.code == "case.code_pnr"
        with pytest.raises(cases.CaseError) as refused:
            cases.register_referral(s, SETUP, source="polis", received_on=date(2026, 1, 10),
                                    case_code="100101-0006")
        assert refused.value.code in ("case.code_pnr", "case.unknown")
    assert _counts(engine)[0] == 0


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf", "nan", "-5", "1000000001", "1e10"])
def test_an_impossible_cost_is_a_named_row_error(cli_db, tmp_path, capsys, value):
    _one_case(cli_db, tmp_path, capsys)
    path = _file(tmp_path, "outcomes.csv", OUTCOMES, [f"SIG-A1,2026-01-01,2026-03-31,0,SiS,10,{value},school"])
    err = _refused(capsys, ["outcomes", "import", path], cli_db)
    assert "outcomes.csv: row 2, column 'placement_cost'" in err and "an amount from 0 to 1000000000" in err


@pytest.mark.parametrize("column,value", [("police_reports", "99999999999999999999"), ("police_reports", "1e400"),
                                          ("police_reports", "1000001"), ("placement_days", "inf"),
                                          ("police_reports", "2.5")])
def test_an_impossible_count_is_a_named_row_error(cli_db, tmp_path, capsys, column, value):
    _one_case(cli_db, tmp_path, capsys)
    row = {"police_reports": "0", "placement_days": "0"} | {column: value}
    path = _file(tmp_path, "outcomes.csv", OUTCOMES,
                 [f"SIG-A1,2026-01-01,2026-03-31,{row['police_reports']},none,{row['placement_days']},0,school"])
    err = _refused(capsys, ["outcomes", "import", path], cli_db)
    assert f"outcomes.csv: row 2, column '{column}'" in err and "a whole number from 0 to 1000000" in err


def test_days_times_the_price_over_a_billion_is_refused(cli_db, tmp_path, capsys):
    _one_case(cli_db, tmp_path, capsys)
    path = _file(tmp_path, "outcomes.csv", OUTCOMES, ["SIG-A1,2026-01-01,2026-03-31,0,SiS,1000000,,school"])
    err = _refused(capsys, ["outcomes", "import", path], cli_db)
    assert "column 'placement_cost'" in err


def _one_case(engine, tmp_path, capsys) -> None:
    path = _file(tmp_path, "one.csv", REGISTER, ["SIG-A1,polis,2026-01-10,,,,,,"])
    assert cli.main(["referrals", "import", path]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("text", ["För ung\x00", "ok\x1b[2J", "a\x07b", "bad\ud800"])
def test_control_characters_in_a_register_are_named_rows(cli_db, tmp_path, capsys, text):
    path = tmp_path / "register.csv"
    path.write_bytes((REGISTER + "\n" + f'SIG-B2,skola,2026-01-15,nej,2026-02-01,,,,"{text}"\n')
                     .encode("utf-8", errors="surrogatepass"))
    assert cli.main(["referrals", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unexpected error" not in err
    assert _counts(cli_db)[1] == 0


def test_a_line_break_in_a_one_line_field_is_refused_but_kept_in_free_text(cli_db, tmp_path, capsys):
    _one_case(cli_db, tmp_path, capsys)
    members = _file(tmp_path, "members.csv", "case_code,name,organisation,role,from,to",
                    ['SIG-A1,"Kim\nAndersson",school,mentor,,', "SIG-A1,Lo\x00,school,mentor,,"])
    err = _refused(capsys, ["members", "import", members], cli_db)
    assert "row 2, column 'name'" in err and "text without control characters" in err
    path = _file(tmp_path, "register.csv", REGISTER,
                 ['SIG-C3,skola,2026-01-15,nej,2026-02-01,,,,"två\nrader\tmed tabb"'])
    assert cli.main(["referrals", "import", path]) == 0
    with transaction(cli_db) as s:
        assert s.scalar(select(Referral.suitable_reason).where(Referral.suitable_reason.is_not(None))) == \
            "två\nrader\tmed tabb"


def test_an_import_for_another_team_is_a_refusal_with_exit_2(cli_db, tmp_path, capsys):
    path = _file(tmp_path, "register.csv", REGISTER, ["SIG-D4,polis,2026-01-10,,,,,,"])
    err = _refused(capsys, ["referrals", "import", "--team", "Annat team", path], cli_db)
    assert "(case.not_your_team)" in err and "Inget har ändrats" in err  # said as the pages say it (sv)


# -- store functions (forms), on both engines ------------------------------------------------------
def _subject(engine):
    """A started case: events belong to a running participation (``rules.path``)."""
    with transaction(engine) as s:
        return start(s, SETUP, cases.create_subject(s, SETUP, case_code="SIG-E5"), EARLY).id


@pytest.mark.parametrize("values,code", [
    ({"placement_cost": math.inf}, "input.cost"), ({"placement_cost": 1e400}, "input.cost"),
    ({"placement_cost": -1.0}, "input.cost"), ({"placement_cost": float("nan")}, "input.cost"),
    ({"police_reports": 99999999999999999999}, "input.count"), ({"police_reports": -1}, "input.count"),
    ({"placement_days": 10**7, "placement": "SiS"}, "input.count"),
    ({"placement_days": 999_999, "placement": "SiS"}, "input.cost"),  # days × the price table's price
    ({"attendance": 101.0}, "input.percent"), ({"outpatient_cost": math.inf}, "input.cost"),
])
def test_record_outcome_refuses_numbers_out_of_range(engine, values, code):
    sid = _subject(engine)
    with pytest.raises(cases.CaseError) as refused, transaction(engine) as s:
        cases.record_outcome(s, SETUP, s.get(Subject, sid), period_start=date(2026, 1, 1),
                             period_end=date(2026, 3, 31), **values)
    assert refused.value.code == code and refused.value.params["field"] in {*values, "placement_cost"}
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Outcome)) == 0


numbers = st.one_of(st.integers(-10, 10**21), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([math.inf, -math.inf, 1e400, 10**20, 10**6, 10**6 + 1, 1e9, 1e9 + 1, 0.5]))
texts = st.one_of(st.text(max_size=12), st.sampled_from(["a\x00b", "\x1b[2J", "två\nrader", "\t", "\r\n",
                                                        "\u0085", "\ud800", "100101-0006"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=numbers, cost=numbers, note=texts, name=texts)
def test_store_functions_store_within_the_rules_or_refuse_with_a_code(engine, count, cost, note, name):
    """Fuzzed values at the store functions a form calls: kept within the rules, or a CaseError with a
    code the app can say - never a driver error, on either engine."""
    with transaction(engine) as s:
        sid = s.scalar(select(Subject.id).where(Subject.case_code == "SIG-H8"))
        sid = sid or start(s, SETUP, cases.create_subject(s, SETUP, case_code="SIG-H8"), EARLY).id
    for write in (
        lambda s: cases.record_outcome(s, SETUP, s.get(Subject, sid), period_start=date(2026, 1, 1),
                                       period_end=date(2026, 3, 31), police_reports=count, placement="SiS",
                                       placement_cost=cost),
        lambda s: cases.log_event(s, SETUP, s.get(Subject, sid), "contact", date(2026, 1, 2), note=note),
        lambda s: cases.add_member(s, SETUP, s.get(Subject, sid), name, "school", role=note),
    ):
        try:
            with transaction(engine) as s:
                write(s)
        except cases.CaseError as exc:
            assert {"sv", "en"} <= set(STRINGS[f"err_{exc.code}"])
    with transaction(engine) as s:
        for o in s.scalars(select(Outcome)):
            assert 0 <= o.police_reports <= 10**6 and math.isfinite(o.placement_cost) and 0 <= o.placement_cost <= 1e9
        stored = [*s.scalars(select(Member.name)), *s.scalars(select(Member.role))]
        assert not [t for t in stored if t and any(ord(c) < 32 or 127 <= ord(c) < 160 for c in t)]


def test_nul_and_control_characters_are_coded_refusals_on_both_engines(engine):
    sid = _subject(engine)
    with pytest.raises(cases.CaseError) as refused, transaction(engine) as s:
        cases.log_event(s, SETUP, s.get(Subject, sid), "police_report", date(2026, 1, 2), note="inbrott\x00")
    assert refused.value.code == "input.free_text"
    with pytest.raises(cases.CaseError) as refused, transaction(engine) as s:
        cases.add_member(s, SETUP, s.get(Subject, sid), "Kim\nAndersson", "school")
    assert refused.value.code == "input.text" and refused.value.params["field"] == "name"
    with pytest.raises(cases.CaseError) as refused, transaction(engine) as s:
        cases.add_member(s, SETUP, s.get(Subject, sid), "Kim", "sch\x00ool")
    # the organisation is checked before the audit rows are written (at commit): either is a coded refusal
    assert refused.value.code in ("input.text", "input.free_text", "member.organisation")
    with transaction(engine) as s:  # free text keeps its tabs and line breaks
        event = cases.log_event(s, SETUP, s.get(Subject, sid), "police_report", date(2026, 1, 2), note="a\n\tb")
        assert event.note == "a\n\tb"
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
        assert not [d for d in s.scalars(select(AuditEntry.detail)) if d and "\x00" in d]
    with transaction(engine) as s:
        with pytest.raises(cases.CaseError):
            cases.subject_by_code(s, SETUP, "SIG-E5\x00")
        from store.views import find_cases

        assert find_cases(s, SETUP, "E5\x00") == []


def test_the_loser_of_a_finalise_race_gets_a_refusal_on_postgresql(pg_engine):
    from .app_helpers import AS_USER
    from .test_app_pages import SAVRY_LOW

    with transaction(pg_engine) as s:
        add_user(s, SETUP, AS_USER.who, display_name="Test", roles=["assessor", "coordinator"], teams=["Standard"])
        youth = cases.create_subject(s, SETUP, case_code="SIG-F6")
        draft = cases.save_draft(s, AS_USER, youth, "savry-like", occasion="baseline", assessed_on=date(2026, 1, 5),
                                 ratings=SAVRY_LOW, judgment="low", rationale="Stabil skolgång.")
        draft_id = draft.id
    with pytest.raises(cases.CaseError) as refused, transaction(pg_engine) as loser:
        mine = loser.get(Assessment, draft_id)  # read before the winner commits
        with transaction(pg_engine) as winner:
            cases.finalise(winner, AS_USER, winner.get(Assessment, draft_id))
        cases.finalise(loser, AS_USER, mine)
    assert refused.value.code == "assessment.already_final"
    with transaction(pg_engine) as s:
        assert s.get(Assessment, draft_id).status == "final"


# -- the follow-up JSON stays JSON -------------------------------------------------------------------
def test_the_follow_up_json_never_holds_nan_or_infinity(cli_db, tmp_path, capsys):
    """An infinite cost stored before this rule (written here past it, as an old version did) does not
    make the report invalid JSON: what cannot be computed is null."""
    header = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on,started_on"
    path = _file(tmp_path, "r.csv", header, ["SIG-G7,polis,2026-01-02,ja,2026-01-03,2026-01-04,ja,2026-01-05,"
                                              "2026-01-06"])
    assert cli.main(["referrals", "import", path]) == 0
    with transaction(cli_db) as s:
        sid = s.scalar(select(Subject.id).where(Subject.case_code == "SIG-G7"))
        s.connection().execute(Outcome.__table__.insert(), [
            {"subject_id": sid, "period_start": date(2025, 6, 1), "period_end": date(2025, 12, 31),
             "police_reports": 0, "placement": "SiS", "placement_days": 10, "placement_cost": math.inf,
             "occupation": "none"}])
    capsys.readouterr()
    assert cli.main(["report", "follow-up", "--from", "2026-01-01", "--to", "2026-01-31", "--min-cell", "1"]) == 0
    json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))


# -- the app's upload row limit ------------------------------------------------------------------------
@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_rows_are_counted_as_the_csv_reader_counts_them(ending):
    from forms.uploads import csv_rows

    body = ending.join([REGISTER.encode(), *[b"SIG-AAA111,polis,2026-01-10,,,,,,"] * 1000]) + ending
    assert csv_rows(body) == 1001
    quoted = ending.join([REGISTER.encode(), b'SIG-AAA111,polis,2026-01-10,nej,,,,,"en' + ending + b'tva"']) + ending
    assert csv_rows(quoted) == 2  # a line break inside a quoted field is no row


def test_a_file_with_cr_line_ends_over_the_row_limit_is_refused_in_the_app(app_engine, monkeypatch):
    from .app_helpers import open_page, texts

    monkeypatch.setenv("INSATS_MAX_ROWS", "1000")
    at = open_page("intake", intake_view="bulk_import")
    big = (REGISTER + "\r" + "SIG-AAA111,polis,2026-01-10,,,,,,\r" * 1500).encode()
    at.file_uploader(key="import_upload").set_value(("cr.csv", big, "text/csv")).run()
    assert "1 000" in texts(at, "error") and "1 500" in texts(at, "error")
    assert not [b for b in at.button if b.key == "import_go"]


def test_the_outcome_form_offers_only_numbers_the_store_keeps(app_engine):
    from forms.i18n import STRINGS as words
    from store.input_rules import MAX_COST, MAX_COUNT

    from .app_helpers import SYSTEM, no_trace, open_page

    with transaction(app_engine) as s:
        cases.create_subject(s, SYSTEM, case_code="SIG-J9", team_id=1)
    at = open_page("case", case="SIG-J9", case_tab="Utfall")
    no_trace(at)
    limits = {w.label: w.max for w in at.number_input}
    assert limits[words["outcome_col_police_reports"]["sv"]] == MAX_COUNT
    assert limits[words["outcome_col_placement_cost"]["sv"]] == MAX_COST


def test_a_nul_typed_as_user_name_is_a_failed_log_in_not_an_error(app_engine, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from .app_helpers import ROOT, texts

    monkeypatch.delenv("INSATS_AUTH", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="login_user").input("ada\x00\x1b[2J")
    at.text_input(key="login_password").input("ett lösenord som inte finns")
    at.button[0].click().run()
    assert not at.exception
    assert "Fel användarnamn eller lösenord" in texts(at, "error")
    with transaction(app_engine) as s:
        assert not [w for w in s.scalars(select(AuditEntry.who)) if any(ord(c) < 32 for c in w)]
