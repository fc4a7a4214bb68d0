"""Disclosure has a floor no caller can lower (#21 item 3).

The floor is the instance's, kept with the database (``insats db set-min-cell``, never below 5); the
environment's ``INSATS_MIN_CELL`` may raise it, never lower it. Every path where counts leave is walked
with ``INSATS_MIN_CELL=1`` set: the follow-up report (page, CLI JSON, CSV and PDF), the research
export and the funnel. A researcher and anything across teams get "< k"; a coordinator's internal
report on their own teams is exact.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

import cli
from rules.disclosure import (
    EXACT,
    FORMULA,
    DisclosureError,
    cell_floor,
    checked_floor,
    coarsen_rows,
    effective_floor,
    is_formula_like,
    neutralise_formulas,
    neutralised,
)
from store import AccessDenied, make_engine, transaction
from store.models import AuditEntry, Setting, Subject, Team
from store.settings import min_cell_floor, report_min_cell, set_min_cell
from store.users import actor_for, add_user

from .app_helpers import ADMIN, RESEARCHER, TODAY, make_database, open_page, open_tab
from .app_helpers import USER as EVERY_TEAM  # intake, assessor and coordinator in both demo teams

SODER, VASTER = "SIG Söderort", "SIG Västerort"
COORDINATOR, BOTH = "coord.soder", "coord.forskare"  # one team; one team and a researcher too
# the figures of the follow-up report that count youths (shares, costs and means are not counts)
COUNTS = re.compile(r"^(cases_started|funnel\.\w+|by_\w+\.\d+\.started|closed\.\w+|occupation_at_closing\.\w+|"
                    r"occupation_after_\d+_months\.\w+|"
                    r"outcomes\.youths|risk_change\.n|comparison_group\.youths|comparison_group\.outcomes\.youths|"
                    r"(comparison_group\.)?outcomes\.youths_followed)$")


# -- the rule, pure -----------------------------------------------------------------------------------
def test_the_floor_is_the_stored_one_and_the_environment_only_raises_it():
    assert effective_floor(None, None) == (5, None)
    assert effective_floor(8, None) == (8, None)
    assert effective_floor(8, "1") == (8, "lower") and effective_floor(None, "0") == (5, "lower")
    assert effective_floor(8, "12") == (12, None)
    assert effective_floor(8, "fem") == (8, "invalid")
    assert effective_floor(2, None) == (5, None)  # a row written by hand below the lowest is not honoured
    with pytest.raises(DisclosureError) as refused:
        checked_floor(4)
    assert refused.value.code == "disclosure.floor_too_low" and refused.value.params == {"k": 4, "lowest": 5}
    assert checked_floor(5) == 5 and checked_floor(np.int64(9)) == 9


def test_exact_counts_only_for_an_internal_report_within_the_readers_own_teams():
    own = frozenset({1, 2})
    assert cell_floor(5, team_reach=True, own_teams=own, teams=None) == EXACT
    assert cell_floor(5, team_reach=True, own_teams=own, teams=frozenset({2})) == EXACT
    assert cell_floor(5, team_reach=True, own_teams=own, teams=None, published=True) == 5
    assert cell_floor(5, team_reach=True, own_teams=own, teams=frozenset({2, 3})) == 5  # across teams
    assert cell_floor(5, team_reach=False, own_teams=own, teams=None) == 5  # a researcher's reach: any
    assert cell_floor(5, team_reach=False, own_teams=own, teams=frozenset({1})) == 5
    assert cell_floor(7, team_reach=True, own_teams=own, teams=frozenset()) == 7


def test_a_youth_without_a_district_is_a_group_of_its_own_in_the_k_check():
    """The reproduction: one youth registered without a district left as ('', '14', 'annat')."""
    frame = pd.DataFrame({"research_id": [f"R{i}" for i in range(12)],
                          "district": [np.nan] + ["Söder"] * 11, "age": [14] + [15] * 11,
                          "gender": ["annat"] + ["pojke"] * 11})
    frame["district"] = frame["district"].astype("string")  # as read back by pandas 3: NA in a string column
    out = coarsen_rows(frame, "research_id", 5)
    keys = out[["district", "age", "gender"]].astype(object).where(out[["district", "age", "gender"]].notna(), "∅")
    sizes = out.assign(**{c: keys[c].astype(str) for c in keys}).groupby(
        ["district", "age", "gender"], dropna=False)["research_id"].nunique()
    assert sizes.min() >= 5
    assert (out.loc[0, ["district", "age", "gender"]] == "*").all()  # the lone youth is hidden in the pool


BLANKS = ["", " ", "  ", "\u00a0", "\u3000", "\ufeff", "\u200b"]
SIGNS = ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"]


@pytest.mark.parametrize("text", [*(b + s + "HYPERLINK(\"x\")" for b in BLANKS for s in SIGNS),
                                  "\t=1", "\r=1", "\n=1", "\n+1", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert is_formula_like(text)
    assert neutralised(text) == "'" + text
    frame = pd.DataFrame({"cell": [text, "ordinary"], "n": [-1, 2]})
    safe = neutralise_formulas(frame)
    assert safe["cell"].tolist() == ["'" + text, "ordinary"] and safe["n"].tolist() == [-1, 2]


def test_redcap_action_tags_may_start_an_annotation_but_nothing_else_may():
    assert not is_formula_like("@HIDDEN @DEFAULT='1'", tags_allowed=True)
    assert not is_formula_like("@INSATS-ITEM={\"id\": \"A\"}", tags_allowed=True)
    assert is_formula_like("=cmd|' /C calc'!A0", tags_allowed=True) and is_formula_like(" +1", tags_allowed=True)
    assert is_formula_like("@HIDDEN")  # anywhere else "@" starts a formula


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from([*SIGNS, " ", "\u00a0", "\t", "\n", "\r", "a", "1", "'"]),
                        max_size=4), min_size=1, max_size=8))
def test_the_column_wise_rule_equals_the_per_cell_rule(cells):
    safe = neutralise_formulas(pd.DataFrame({"c": cells}))
    assert safe["c"].tolist() == [neutralised(c) for c in cells]
    assert [bool(FORMULA.match(c)) for c in cells] == [is_formula_like(c) for c in cells]


# -- the instance's floor, kept with the database --------------------------------------------------------
@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """The demo cohort (two teams), its test users, a coordinator of one team, a coordinator who is also a
    researcher, and one youth registered without a district."""
    data = tmp_path_factory.mktemp("disclosure")
    url = make_database(data, subjects=60)
    engine = make_engine(url)
    with transaction(engine) as s:
        from .app_helpers import SYSTEM

        add_user(s, SYSTEM, COORDINATOR, display_name="Co Söder", roles=["coordinator"], teams=[SODER])
        add_user(s, SYSTEM, BOTH, display_name="Co Forskare", roles=["coordinator", "researcher"], teams=[SODER])
        first = s.scalar(select(Subject.id).order_by(Subject.id))
        s.execute(update(Subject).where(Subject.id == first).values(district=None))
        teams = dict(s.execute(select(Team.name, Team.id)).all())
    engine.dispose()
    return data, url, teams


@pytest.fixture
def env(cohort, monkeypatch):
    data, url, teams = cohort
    monkeypatch.setenv("INSATS_DATA_DIR", str(data))
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.setenv("INSATS_MIN_CELL", "1")  # a caller trying to lower the floor, on every path below
    return data, url, teams


def test_only_an_admin_sets_the_floor_never_below_five_and_each_change_is_audited(env, capsys):
    _, url, _ = env
    assert cli.main(["--as", EVERY_TEAM, "db", "set-min-cell", "7"]) == 2  # a coordinator may not
    assert "nekad (access.role)" in capsys.readouterr().err  # the CLI speaks Swedish unless --lang en
    assert cli.main(["--as", ADMIN, "db", "set-min-cell", "3"]) == 2
    assert "cannot be set below 5" in capsys.readouterr().err
    engine = make_engine(url)
    try:
        with transaction(engine) as s:
            assert min_cell_floor(s).k == 5 and min_cell_floor(s).ignored == "lower"  # INSATS_MIN_CELL=1
        assert cli.main(["--as", ADMIN, "db", "set-min-cell", "6"]) == 0
        with transaction(engine) as s:
            assert min_cell_floor(s).k == 6 and min_cell_floor(s).stored == 6
            rows = [(a, d) for a, d in s.execute(select(AuditEntry.action, AuditEntry.detail)
                                                 .where(AuditEntry.who == ADMIN, AuditEntry.entity == "db"))]
            assert ("refused", "min_cell 3: disclosure.floor_too_low") in rows and ("update", "min_cell default -> 6")\
                in rows
            with pytest.raises(AccessDenied):
                set_min_cell(s, actor_for(s, RESEARCHER), 9)
    finally:
        with transaction(engine) as s:  # back to the default for the other tests of this module
            s.execute(update(Setting).values(value="5"))
        engine.dispose()


def _small_counts(report: dict) -> list[tuple[str, object]]:
    """Count figures of 1..4 youths in a report (what a k of 5 must never show)."""
    from services.followup_report import figures

    return [(path, v) for path, v in figures(report) if COUNTS.match(path) and isinstance(v, int) and 0 < v < 5]


def _cli_report(capsys, user: str, *more: str) -> dict:
    capsys.readouterr()
    assert cli.main(["--as", user, "report", "follow-up", "--from", PERIOD[0], "--to", PERIOD[1], "--by", "month",
                     *more]) == 0
    return json.loads(capsys.readouterr().out)


PERIOD = ("2026-01-01", "2026-06-30")


def test_the_cli_report_is_suppressed_for_researchers_and_across_teams_exact_for_own_teams(env, capsys):
    exact = _cli_report(capsys, COORDINATOR)
    assert exact["min_cell"] == 1 and _small_counts(exact), "the period must hold groups of 1..4 youths"
    assert _cli_report(capsys, COORDINATOR, "--team", SODER) == exact  # own team, named
    every = _cli_report(capsys, EVERY_TEAM)  # a coordinator of both teams: both are their own
    assert every["min_cell"] == 1 and _small_counts(every)
    seen_hidden = 0
    for user, more in ((RESEARCHER, ()), (RESEARCHER, ("--team", SODER)), (BOTH, ()),
                       (COORDINATOR, ("--published",)), (COORDINATOR, ("--team", VASTER))):
        report = _cli_report(capsys, user, *more)
        assert report["min_cell"] == 5 and _small_counts(report) == [], (user, more)
        hidden = [row for row in report["by_month"] + report["by_team"] if row["started"] == "< 5"]
        assert all(row["first_assessment_within_7_days_share"] is None for row in hidden)  # no 1 of 2 as 50 %
        seen_hidden += len(hidden)
    assert seen_hidden
    mixed = _cli_report(capsys, BOTH, "--team", SODER)  # a coordinator on their own team's cases: exact
    assert mixed == exact
    raised = _cli_report(capsys, COORDINATOR, "--min-cell", "10")
    assert raised["min_cell"] == 10
    assert cli.main(["--as", COORDINATOR, "report", "follow-up", "--from", PERIOD[0], "--to", PERIOD[1], "--team",
                     "Ingen sådan"]) == 2


def test_the_cli_csv_and_pdf_carry_the_same_suppression(env, capsys, tmp_path):
    from services.followup_pdf import follow_up_pdf
    from services.followup_report import follow_up_report

    _, url, _ = env
    base = ["report", "follow-up", "--from", PERIOD[0], "--to", PERIOD[1], "--by", "month"]
    for user, k in ((RESEARCHER, 5), (COORDINATOR, 1)):
        capsys.readouterr()
        assert cli.main(["--as", user, *base, "--format", "csv"]) == 0
        rows = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
        counts = rows[rows["figure"].str.match(COUNTS.pattern)]["value"]
        small = counts[counts.str.fullmatch(r"[1-4]")]
        assert (small.empty and (counts == "< 5").any()) if k == 5 else not small.empty, user
        pdf = tmp_path / f"{user}.pdf"
        assert cli.main(["--as", user, *base, "--format", "pdf", "-o", str(pdf)]) == 0
        engine = make_engine(url)
        with transaction(engine) as s:
            report = follow_up_report(s, actor_for(s, user), date.fromisoformat(PERIOD[0]),
                                      date.fromisoformat(PERIOD[1]), by="month")
        engine.dispose()
        undated = re.compile(rb"/CreationDate \(D:\d+Z\)")  # the PDF is the report's, to the byte
        assert report["min_cell"] == k
        assert undated.sub(b"", pdf.read_bytes()) == undated.sub(b"", follow_up_pdf(report))


def test_the_research_export_keeps_the_floor_whatever_the_environment_says(env, capsys, tmp_path):
    out = tmp_path / "export"
    assert cli.main(["--as", RESEARCHER, "research", "export", "--instrument", "savry-like", "--out", str(out),
                     "--formats", "csv"]) == 0
    assert "at least 5 youths" in capsys.readouterr().out
    wide = pd.read_csv(out / "savry-like-wide.csv", dtype=str, keep_default_na=False)
    assert wide.groupby(["district", "age", "gender"])["research_id"].nunique().min() >= 5


def test_every_reader_of_the_funnel_and_the_research_page_gets_the_policys_k(env):
    engine = make_engine(env[1])
    with transaction(engine) as s:
        floor = min_cell_floor(s).k
        assert floor == 5
        k = {who: report_min_cell(floor, actor_for(s, who), "report.funnel")
             for who in (EVERY_TEAM, COORDINATOR, RESEARCHER, BOTH)}
        assert report_min_cell(floor, actor_for(s, BOTH), "research.export") == 5
    engine.dispose()
    assert k == {EVERY_TEAM: 1, COORDINATOR: 1, RESEARCHER: 5, BOTH: 5}


def _page_counts(at) -> list[str]:
    cells = []
    for frame in at.dataframe:
        for column in frame.value.columns:
            if column in ("Antal", "Startade ärenden"):
                cells += [str(v) for v in frame.value[column]]
    return cells + [str(m.value) for m in at.metric if m.label == "Startade ärenden"]


@pytest.mark.parametrize("user, suppressed", [(RESEARCHER, True), (COORDINATOR, False)])
def test_the_follow_up_page_suppresses_for_a_researcher_and_not_a_coordinators_internal_report(env, user,
                                                                                            suppressed):
    from services.followup_report import follow_up_report

    engine = make_engine(env[1])
    with transaction(engine) as s:  # a month in which the coordinator's team started 1..4 youths
        coordinator = actor_for(s, COORDINATOR)
        month = next(m for m in range(1, 11) if isinstance(
            n := follow_up_report(s, coordinator, date(2026, m, 1), date(2026, m + 1, 1))["cases_started"], int)
            and 0 < n < 5)
    engine.dispose()
    at = open_page("followup", user=user)
    at.date_input(key="followup_from").set_value(date(2026, month, 1))
    at.date_input(key="followup_to").set_value(date(2026, month + 1, 1))
    at.toggle(key="followup_publish").set_value(False).run()  # an internal report
    assert not at.exception
    cells = _page_counts(at)
    small = [c for c in cells if re.fullmatch(r"[1-4]", c)]
    assert cells and (small == [] and "< 5" in cells if suppressed else small), cells


def test_the_research_pages_funnel_is_suppressed(env):
    at = open_tab(open_page("research", user=RESEARCHER), "Flöde per månad", "research_tab")
    assert not at.exception
    funnels = [d.value for d in at.dataframe if "Inkomna" in " ".join(map(str, d.value.columns))]
    cells = [str(v) for f in funnels for c in f.columns[1:] for v in f[c]]
    assert cells and not [c for c in cells if re.fullmatch(r"[1-4]", c)], cells
