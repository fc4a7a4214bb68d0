"""The case's path from one table (``rules.path``): what belongs in which phase, on both engines; the
per-row and column-wise forms of each rule agree; no interval of the work is written outside
``rules/`` and ``config``."""

from __future__ import annotations

import ast
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from forms.i18n import refusal
from rules.dates import DateProblem, parse_day, parse_days
from rules.path import PATH, case_phase, case_phases, referral_status, statuses
from store import cases, transaction
from store.cases import CaseError

from .actors import SETUP
from .app_helpers import ROOT
from .path_helpers import start

D = date(2026, 3, 2)

# -- per row and column-wise agree ----------------------------------------------------------------------
maybe_day = st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2027, 12, 31)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.one_of(st.none(), st.booleans()) if value is not None else maybe_day
                            for _, _, value in PATH]), min_size=1, max_size=30))
def test_referral_status_per_row_and_for_a_frame_agree(rows):
    frame = pd.DataFrame(rows, columns=[column for _, column, _ in PATH])
    frame = frame.loc[:, ~frame.columns.duplicated()]
    per_row = [referral_status(row) for row in frame.itertuples(index=False)]
    assert statuses(frame).tolist() == per_row


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(maybe_day, maybe_day, maybe_day), min_size=1, max_size=30))
def test_case_phase_per_row_and_for_columns_agree(rows):
    started, closed, _ = (pd.to_datetime(pd.Series([r[i] for r in rows])) for i in range(3))
    assert case_phases(started, closed).tolist() == [case_phase(s, c) for s, c, _ in rows]
    dated = [(s, c, o) for s, c, o in rows if o is not None]
    if dated:
        s_, c_, o_ = (pd.to_datetime(pd.Series([r[i] for r in dated])) for i in range(3))
        assert case_phases(s_, c_, o_).tolist() == [case_phase(s, c, o) for s, c, o in dated]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.dates().map(date.isoformat), st.text(max_size=12),
                          st.sampled_from(["2025-13-40", "2025-02-29", "2024-02-29", " 2025-06-01 ", "",
                                           "2025-6-1", "20250601", "2025-06-01T00:00"])), min_size=1, max_size=20))
def test_one_date_parser_for_a_value_and_a_column(values):
    parsed, bad = parse_days(pd.Series(values, dtype=object))
    for value, day, wrong in zip(values, parsed, bad, strict=True):
        if value.strip() == "":
            assert not wrong and pd.isna(day)
            continue
        try:
            expected = parse_day(value)
        except DateProblem:
            assert wrong and pd.isna(day), value
        else:
            assert not wrong and day.date() == expected, value


def test_an_impossible_date_is_an_error():
    for text in ("2025-13-40", "2025-02-29", "2025-6-1"):
        with pytest.raises(DateProblem, match="expected a date as YYYY-MM-DD"):
            parse_day(text, "--on")


# -- what belongs in which phase, on both engines ---------------------------------------------------------
def _refused(engine, work) -> str:
    with pytest.raises(CaseError) as refused, transaction(engine) as s:
        work(s)
    return refused.value


def test_steps_after_the_start_belong_to_a_running_participation(engine, monkeypatch):
    monkeypatch.setenv("INSATS_TODAY", (D + timedelta(days=200)).isoformat())
    with transaction(engine) as s:
        youth = cases.create_subject(s, SETUP)
        code = youth.case_code

    def subject(s):
        return cases.subject_by_code(s, SETUP, code)

    def meeting(on):
        return lambda s: cases.record_meeting(s, SETUP, subject(s), cases.MeetingInput(on, ["skola"], commitments=[
            cases.PlanItem("skola", "Närvaro", on + timedelta(days=7))]))

    not_started = [_refused(engine, meeting(D)),
                   _refused(engine, lambda s: cases.log_event(s, SETUP, subject(s), "contact", D)),
                   _refused(engine, lambda s: cases.close_case(s, SETUP, subject(s), D, "moved"))]
    assert {e.code for e in not_started} == {"path.not_started"}
    assert _refused(engine, lambda s: cases.reopen_case(s, SETUP, subject(s), "fel", on=D)).code == "path.not_closed"

    with transaction(engine) as s:
        start(s, SETUP, subject(s), D)
    before = _refused(engine, meeting(D - timedelta(days=1)))
    assert before.code == "path.before_start" and before.params["start"] == D
    with transaction(engine) as s:
        plan = meeting(D + timedelta(days=1))(s)
        commitment = plan.commitments[0].id
        cases.close_case(s, SETUP, subject(s), D + timedelta(days=30), "goals_reached")

    after_closing = [_refused(engine, meeting(D + timedelta(days=40))),
                     _refused(engine, lambda s: cases.log_event(s, SETUP, subject(s), "contact",
                                                                D + timedelta(days=40))),
                     _refused(engine, lambda s: cases.set_commitment_status(s, SETUP, commitment, "done")),
                     _refused(engine, lambda s: cases.review_commitment(s, SETUP, commitment, "kept"))]
    assert {e.code for e in after_closing} == {"path.closed"}
    said = refusal(after_closing[0])  # outside a page: Swedish
    assert "återöppna det under Avslut innan du registrerar nätverksmötet" in said and "Inget har ändrats" in said
    early = _refused(engine, lambda s: cases.reopen_case(s, SETUP, subject(s), "Flyttade tillbaka",
                                                         on=D + timedelta(days=29)))
    assert early.code == "case.closing_date"  # a reopening is not before the closing

    with transaction(engine) as s:  # reopened: the work goes on
        cases.reopen_case(s, SETUP, subject(s), "Flyttade tillbaka till kommunen", on=D + timedelta(days=35))
        meeting(D + timedelta(days=40))(s)
        cases.set_commitment_status(s, SETUP, commitment, "done")


# -- every interval of the work once ------------------------------------------------------------------
INTERVALS = {4, 5, 6, 7, 12, 14, 26, 28, 30, 540}  # weeks, days and months the reports and the law set
NAMES = ("day", "days", "week", "weeks", "month", "months", "interval", "within", "warn")
K_NAMES = ("min_cell", "min_k", "floor", "k_floor", "cell_floor")  # the smallest group shown: rules.disclosure
HOMES = ("rules", "config.py")  # where they may be written


def _literal_intervals(path) -> list[str]:
    """``timedelta(days=7)``, ``days: int = 28``, ``X_DAYS = 5``: an interval literal, not in its home."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        pairs = []
        if isinstance(node, ast.Call):
            pairs = [(k.arg or "", k.value) for k in node.keywords]
        elif isinstance(node, ast.arguments):
            plain = node.posonlyargs + node.args
            pairs = list(zip([a.arg for a in plain[len(plain) - len(node.defaults):]], node.defaults, strict=True))
            pairs += [(a.arg, d) for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True) if d is not None]
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            pairs = [(node.targets[0].id, node.value)]
        for name, value in pairs:
            if not (isinstance(value, ast.Constant) and type(value.value) is int):
                continue
            interval = value.value in INTERVALS and any(word in name.lower() for word in NAMES)
            k_default = value.value > 0 and name.lower() in K_NAMES
            if interval or k_default:
                found.append(f"{path.relative_to(ROOT)}:{value.lineno} {name}={value.value}")
    return found


def test_no_interval_of_the_work_and_no_k_default_is_written_outside_rules():
    offences = []
    for package in ("store", "scoring", "forms", "cli", "instruments", "services", "catalogue"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                offences += _literal_intervals(path)
    offences += _literal_intervals(ROOT / "app.py")
    assert offences == []


def test_the_interval_check_sees_what_it_is_for(tmp_path):
    sample = ROOT / "forms" / "_interval_sample.py"
    sample.write_text("from datetime import timedelta\n\nWARN_DAYS = 5\n\n\ndef due(days: int = 28, min_cell=5):\n"
                      "    return timedelta(days=7)\n", encoding="utf-8")
    try:
        assert len(_literal_intervals(sample)) == 4
    finally:
        sample.unlink()


def test_an_imported_meeting_history_is_checked_against_the_same_table(engine, monkeypatch):
    """The coordinator's Excel of held meetings: each row in its case's participation on the day it was held
    (a closed case's history comes in; a meeting before the start or after the closing is a named row)."""
    from store.imports import ImportRefused
    from store.models import Meeting
    from store.network_imports import import_meetings

    monkeypatch.setenv("INSATS_TODAY", (D + timedelta(days=200)).isoformat())
    with transaction(engine) as s:
        never = cases.create_subject(s, SETUP).case_code
        youth = start(s, SETUP, cases.create_subject(s, SETUP), D)
        cases.close_case(s, SETUP, youth, D + timedelta(days=30), "goals_reached")
        closed = youth.case_code

    def rows(*pairs):
        return pd.DataFrame([{"case_code": c, "held_on": str(d), "attendees": "school; police"} for c, d in pairs])

    bad = rows((never, D + timedelta(days=5)), (closed, D - timedelta(days=1)), (closed, D + timedelta(days=10)),
               (closed, D + timedelta(days=40)))
    with pytest.raises(ImportRefused) as refused, transaction(engine) as s:
        import_meetings(s, SETUP, bad)
    said = {(e.row, e.column): e.expected for e in refused.value.errors}
    assert said == {(2, "held_on"): "a case that has started (record the start first)",
                    (3, "held_on"): f"a date on or after the case's start, {D}",
                    (5, "held_on"): f"a date on or before the case's closing, {D + timedelta(days=30)} "
                                    "(or reopen it first)"}
    with transaction(engine) as s:
        assert s.scalars(select(Meeting)).all() == []  # all or nothing
        assert import_meetings(s, SETUP, rows((closed, D + timedelta(days=10)))).imported == 1
