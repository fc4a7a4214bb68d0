"""The follow-up report reproduces a published SIG report, and its windows are consistent."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import cli
from scoring.followup import outcome_windows
from store import transaction
from store.users import add_user

from .actors import SETUP
from .path_helpers import EARLY, start

# SIG Skärholmen, final report (../shared/domain/sig-skarholmen-slutrapport.txt), section 3.1.1 Effektmål
# (page 14, under "3.1 Måluppfyllelse ... 14" in its contents): "kostnaden för ungdomar i målgruppen placerade
# på SiS under perioden 2012-01-01 till 2012-07-30 uppgick till 2 169 150 kr [...] Under perioden 2012-08-01
# till och med 2013-12-31 uppgår kostnaden för målgruppen på SiS till 148 300 kr"; and "placerades sju
# ungdomar i målgruppen på SiS och efter projektet startade [...] har endast en ungdom placerats på SiS".
BEFORE_COST, AFTER_COST = 2_169_150, 148_300
# The report's two periods meet on 2012-08-01: 7 months before it, 17 months from it. It splits its cohort
# there, not at each youth's start (the first started in March 2012), so each youth's start is that day.
SPLIT, BEFORE_MONTHS, AFTER_MONTHS = date(2012, 8, 1), 7, 17
# Section 3.6 Projektbudget (page 19), the table's "summa" row: 2 701 159 kr spent over the two project years.
PROGRAMME_COST_TWO_YEARS = 2_701_159


def _coordinator(engine, monkeypatch) -> None:
    """The CLI on this database, with a coordinator ("sam.samordnare") to act as."""
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with transaction(engine) as s:
        add_user(s, SETUP, "sam.samordnare", display_name="Sam", roles=["intake", "coordinator"],
                 teams=["Standard"])


def _one_referral(tmp_path, code: str) -> None:
    header = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on"
    assert cli.main(["--as", "sam.samordnare", "referrals", "import",
                     _write(tmp_path / f"{code}.csv", header, [f"{code},polis,2026-01-10,,,,,"])]) == 0


def _write(path, header: str, rows: list[str]) -> str:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_the_skarholmen_report_periods_and_costs_as_rates_per_month(engine, tmp_path, monkeypatch, capsys):
    """The report's real periods (7 months before, 17 after) and its real costs: windows of unequal length
    compare by their rates per month. The report gives the group's cost, not each youth's: the split among
    the seven is ours (equal shares) and changes no figure compared here; it gives no days or police reports
    (left empty), and no comparison group (the youth who said no is ours)."""
    _coordinator(engine, monkeypatch)
    monkeypatch.setenv("INSATS_PROGRAMME_COST_PER_YEAR", str(PROGRAMME_COST_TWO_YEARS / 2))
    codes = [f"SIG-SKH{i}" for i in range(1, 9)]
    referrals = [f"{code},polis,2012-02-01,ja,2012-02-05,2012-02-10,ja,2012-02-20,{SPLIT}" for code in codes[:7]]
    referrals.append(f"{codes[7]},skola,2012-03-01,ja,{SPLIT},2012-08-08,nej,2012-08-10,")  # said no
    header = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on,started_on"
    assert cli.main(["--as", "sam.samordnare", "referrals", "import",
                     _write(tmp_path / "register.csv", header, referrals)]) == 0
    costs = [BEFORE_COST // 7] * 6 + [BEFORE_COST - 6 * (BEFORE_COST // 7)]
    outcomes = [f"{code},2012-01-01,2012-07-30,,SiS,,{cost},none" for code, cost in zip(codes, costs, strict=False)]
    outcomes.append(f"{codes[0]},2012-08-01,2013-12-31,,SiS,,{AFTER_COST},none")  # the one placed after
    outcomes += [f"{code},2012-08-01,2013-12-31,,none,,0,none" for code in codes[1:7]]
    outcomes.append(f"{codes[7]},2012-08-01,2012-12-31,1,HVB,30,90000,none")  # the comparison youth
    header = "case_code,period_start,period_end,police_reports,placement,placement_days,placement_cost,occupation"
    path = _write(tmp_path / "outcomes.csv", header, outcomes)
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", path]) == 0
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", path]) == 0  # again: nothing doubles
    capsys.readouterr()
    period = ["report", "follow-up", "--from", str(SPLIT), "--to", str(SPLIT), "--window-months", str(BEFORE_MONTHS),
              "--after-months", str(AFTER_MONTHS)]
    assert cli.main(["--as", "sam.samordnare", *period]) == 0
    report = json.loads(capsys.readouterr().out)
    before, after = report["outcomes"]["before"], report["outcomes"]["after"]
    assert report["cases_started"] == 7
    assert report["period"]["window_months"] == 7 and report["period"]["after_months"] == 17
    assert before["placements"] == 7 and before["placement_cost"] == BEFORE_COST  # the report's totals
    assert before["placement_cost_by_type"]["SiS"] == BEFORE_COST
    assert after["placements"] == 1 and after["placement_cost"] == AFTER_COST
    assert before["months_at_risk"] == 7 * 7 and after["months_at_risk"] == 7 * 17  # youth-months
    net = report["net"]
    # the cohort's SiS cost per month: 2 169 150 / 7 = 309 879 kr before, 148 300 / 17 = 8 724 kr after
    assert np.isclose(net["placement_cost_per_month_before"], 309_878.5714, atol=0.01)
    assert np.isclose(net["placement_cost_per_month_after"], 8_723.5294, atol=0.01)
    assert np.isclose(before["per_month"]["placement_cost"] * 7, 309_878.5714, atol=0.01)  # per youth-month
    assert after["per_month"]["placement_cost"] / before["per_month"]["placement_cost"] < 0.03  # "kraftigt minskat"
    # 1 350 579.50 kr a year is 112 548.29 kr a month: 309 878.57 - 8 723.53 - 112 548.29
    assert np.isclose(net["programme_cost_per_month"], 112_548.2917, atol=0.01)
    assert np.isclose(net["net_per_month"], 188_606.7505, atol=0.01) and "not an estimate" in net["note"]
    years = {row["year"]: row for row in report["placement_by_year"]}
    # 2012 holds the whole before period and 153 of the after period's 518 days; 2013 the other 365
    assert np.isclose(years[2012]["placement_cost_SiS"], BEFORE_COST + AFTER_COST * 153 / 518)
    assert np.isclose(years[2013]["placement_cost"], AFTER_COST * 365 / 518) and set(years) == {2012, 2013}
    comparison = report["comparison_group"]
    assert comparison["youths"] == 1 and comparison["outcomes"]["after"]["placement_cost_by_type"]["HVB"] == 90_000
    assert "not randomised" in comparison["note"]
    for key in ("funnel", "first_assessment_within_7_days_share", "meeting_intervals_within_28_days_share",
                "closed", "occupation_at_closing_share", "occupation_after_6_months", "occupation_after_12_months"):
        assert key in report
    assert cli.main(["--as", "sam.samordnare", *period, "--min-cell", "10"]) == 0
    assert json.loads(capsys.readouterr().out)["cases_started"] == "< 10"
    pdf = tmp_path / "uppfoljning.pdf"
    assert cli.main(["--as", "sam.samordnare", *period, "--format", "pdf"]) == 2  # a PDF needs -o
    assert cli.main(["--as", "sam.samordnare", *period, "--format", "pdf", "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF") and not list(tmp_path.glob(".uppfoljning.pdf.*"))
    monkeypatch.setenv("INSATS_PROGRAMME_COST_PER_YEAR", "en miljon")
    assert cli.main(["--as", "sam.samordnare", *period]) == 2
    assert "INSATS_PROGRAMME_COST_PER_YEAR" in capsys.readouterr().err


def test_a_bad_outcome_register_names_every_row_and_imports_nothing(engine, tmp_path, monkeypatch, capsys):
    _coordinator(engine, monkeypatch)
    _one_referral(tmp_path, "SIG-A1")
    header = "case_code,period_start,period_end,police_reports,placement,placement_days,placement_cost,occupation"
    bad = _write(tmp_path / "o.csv", header, ["SIG-A1,2026-01-01,2026-03-31,1,none,0,0,school",
                                             "SIG-A1,2026-04-01,2026-03-01,-1,jail,x,0,school",
                                             "SIG-NOPE,2026-01-01,2026-03-31,0,none,0,0,work"])
    capsys.readouterr()
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", bad]) == 2
    err = capsys.readouterr().err
    for part in ("row 3, column 'period_end'", "row 3, column 'police_reports'", "row 3, column 'placement'",
                 "row 3, column 'placement_days'", "row 4, column 'case_code': 'SIG-NOPE'", "nothing was imported"):
        assert part in err
    from store.models import Outcome

    with transaction(engine) as s:
        assert s.query(Outcome).count() == 0


@settings(max_examples=300, deadline=None)
@given(offset=st.integers(-500, 500), length=st.integers(1, 400), reports=st.integers(0, 20),
       days=st.integers(0, 400), cost=st.integers(0, 2_000_000), window=st.sampled_from([6, 12, 24]),
       kind=st.sampled_from(["SiS", "HVB", "none"]))
def test_splitting_a_period_at_the_start_never_changes_a_total(offset, length, reports, days, cost, window, kind):
    start = pd.Timestamp("2025-06-15")
    first = start + pd.Timedelta(days=offset)
    last = first + pd.Timedelta(days=length - 1)
    whole = pd.DataFrame([{"subject_id": 1, "period_start": first, "period_end": last, "police_reports": reports,
                           "placement": kind, "placement_days": days, "placement_cost": cost}])
    pieces = whole
    if first < start <= last:  # split by days, as a register with the start as a period boundary would
        left = (start - first).days / length
        pieces = pd.DataFrame([
            {"subject_id": 1, "period_start": first, "period_end": start - pd.Timedelta(days=1),
             "police_reports": reports * left, "placement": kind, "placement_days": days * left,
             "placement_cost": cost * left},
            {"subject_id": 1, "period_start": start, "period_end": last, "police_reports": reports * (1 - left),
             "placement": kind, "placement_days": days * (1 - left), "placement_cost": cost * (1 - left)}])
    starts = pd.Series({1: start})
    a, b = outcome_windows(whole, starts, window), outcome_windows(pieces, starts, window)
    for side in ("before", "after"):
        for measure in ("police_reports", "placements", "placement_days", "placement_cost"):
            assert np.isclose(a[side][measure], b[side][measure]), (side, measure)
        for kind_name, value in a[side]["placement_cost_by_type"].items():
            assert np.isclose(value, b[side]["placement_cost_by_type"][kind_name])


def test_windows_count_only_what_lies_inside_them():
    start = date(2025, 1, 1)
    rows = pd.DataFrame([
        {"subject_id": 1, "period_start": start - timedelta(days=800), "period_end": start - timedelta(days=700),
         "police_reports": 5, "placement": "SiS", "placement_days": 100, "placement_cost": 1000},  # too early
        {"subject_id": 1, "period_start": start - timedelta(days=10), "period_end": start + timedelta(days=9),
         "police_reports": 2, "placement": "HVB", "placement_days": 20, "placement_cost": 2000},  # straddles
        {"subject_id": 2, "period_start": start, "period_end": start + timedelta(days=9),
         "police_reports": 9, "placement": "SiS", "placement_days": 10, "placement_cost": 900},  # no start
    ])
    result = outcome_windows(rows, pd.Series({1: pd.Timestamp(start)}), 12)
    assert result["before"]["police_reports"] == 1 and result["after"]["police_reports"] == 1
    assert result["before"]["placements"] == 1 and result["after"]["placements"] == 1  # one stay, both sides
    assert result["before"]["placement_cost_by_type"]["HVB"] == 1000 and result["after"]["placement_cost"] == 1000


def test_the_follow_up_page_and_pdf(tmp_path, monkeypatch):
    from .app_helpers import TODAY, make_database, no_trace, open_page

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    make_database(tmp_path, subjects=60)
    at = open_page("followup", followup_from=date(2025, 1, 1), followup_to=TODAY)
    no_trace(at)
    started = next(m for m in at.metric if m.label == "Startade ärenden").value
    assert started not in ("0", "< 5")  # the demo cohort started cases in the period
    assert any("SIG Före" in d.value.columns for d in at.dataframe)
    from .app_helpers import texts

    assert "risksumma" in texts(at, "caption")  # paired change of the started cohort, beside the outcomes
    from services.followup_pdf import follow_up_pdf
    from services.followup_report import follow_up_report
    from store import make_engine

    from .app_helpers import USER

    engine = make_engine(f"sqlite:///{tmp_path / 'insats.sqlite'}")
    with transaction(engine) as s:
        from store.users import actor_for

        report = follow_up_report(s, actor_for(s, USER), date(2025, 1, 1), TODAY, 12, published=True)
    assert report["risk_change"]["risk_total"]["post_mean"] < report["risk_change"]["risk_total"]["pre_mean"]
    pdf = follow_up_pdf(report)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 3
    engine.dispose()


def test_the_case_page_closes_reopens_and_records_outcomes(tmp_path, monkeypatch):
    from store import cases as store_cases
    from store import make_engine
    from store.models import Outcome, Subject

    from .app_helpers import SYSTEM, TODAY, make_database, no_trace, open_page, texts

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(make_database(tmp_path))
    with transaction(engine) as s:
        code = start(s, SYSTEM, store_cases.create_subject(s, SYSTEM), EARLY).case_code
    at = open_page("case", case=code, case_tab="Avslut")
    no_trace(at)
    assert "ingen slutförd avslutande bedömning" in texts(at, "warning")
    at.selectbox(key="close_reason").set_value("other")
    at.button(key="close_case").click().run()
    assert "Skriv vad som hände" in texts(at, "error")  # 'other' needs the text
    at.selectbox(key="close_reason").set_value("moved")
    at.text_area(key="close_summary").input("Flyttade till Malmö; skolan där har fått en överlämning.")
    at.button(key="close_case").click().run()
    no_trace(at)
    with transaction(engine) as s:
        subject = s.query(Subject).filter_by(case_code=code).one()
        assert subject.closed_on == TODAY and subject.closed_reason == "moved"
        assert subject.closing_summary.startswith("Flyttade till Malmö")
    assert "avslutades" in texts(at, "info")
    assert any(sb.key == "summary_recipient" for sb in at.selectbox)  # the written summary, under consent
    at.text_input(key="reopen_reason").input("Flyttade tillbaka till stadsdelen.")
    at.button(key="reopen").click().run()
    with transaction(engine) as s:
        assert s.query(Subject).filter_by(case_code=code).one().closed_on is None
    form = open_page("case", case=code, case_tab="Utfall")
    form.number_input[0].set_value(2)
    submit = next(b for b in form.button if "Spara utfallsperioden" in str(b.label))
    submit.click().run()
    no_trace(form)
    with transaction(engine) as s:
        [row] = s.query(Outcome).all()
        assert row.police_reports == 2 and row.period_end == TODAY
    engine.dispose()


def test_follow_ups_at_6_and_12_months_show_when_due_until_recorded(engine):
    from store import cases as store_cases
    from store import views

    with transaction(engine) as s:
        youth = start(s, SETUP, store_cases.create_subject(s, SETUP), EARLY)
        store_cases.close_case(s, SETUP, youth, date(2025, 1, 15), "goals_reached")
        code = youth.case_code
    with transaction(engine) as s:
        assert views.follow_ups_due(s, SETUP, date(2025, 7, 14)).empty  # not yet
        due = views.follow_ups_due(s, SETUP, date(2025, 7, 15))
        assert due[["case_code", "months"]].values.tolist() == [[code, 6]]
        assert views.follow_ups_due(s, SETUP, date(2026, 2, 1))["months"].tolist() == [6, 12]
        store_cases.record_outcome(s, SETUP, youth, period_start=date(2025, 1, 15), period_end=date(2025, 7, 20),
                                   occupation="school")
    with transaction(engine) as s:
        assert views.follow_ups_due(s, SETUP, date(2026, 2, 1))["months"].tolist() == [12]


def test_a_cost_left_empty_is_days_times_the_price_table(engine, tmp_path, monkeypatch, capsys):
    import instruments
    from store.models import Outcome

    _coordinator(engine, monkeypatch)
    _one_referral(tmp_path, "SIG-P1")
    header = "case_code,period_start,period_end,police_reports,placement,placement_days,placement_cost,occupation"
    hvb = _write(tmp_path / "hvb.csv", header, ["SIG-P1,2026-01-01,2026-03-31,0,HVB,10,,none"])
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", hvb]) == 2
    assert "no price per day for HVB" in capsys.readouterr().err
    sis = _write(tmp_path / "sis.csv", header, ["SIG-P1,2026-01-01,2026-03-31,0,SiS,10,,none"])
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", sis]) == 0
    with transaction(engine) as s:
        assert s.query(Outcome).one().placement_cost == 10 * instruments.load_prices().price("SiS")
    own = tmp_path / "prices.yaml"
    own.write_text("source: Avtal 2026\nyear: 2026\nper_day:\n  HVB: 3100\n  jail: 1\n")
    monkeypatch.setenv("INSATS_PLACEMENT_PRICES", str(own))
    import pytest

    with pytest.raises(instruments.InstrumentError, match=r"prices\.yaml:5.*unknown placement type"):
        instruments.load_prices()


def test_optional_outcome_columns_are_imported_and_reported(engine, tmp_path, monkeypatch, capsys):
    _coordinator(engine, monkeypatch)
    header = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on,started_on"
    row = "SIG-Q1,skola,2026-01-02,ja,2026-01-03,2026-01-04,ja,2026-01-05,2026-01-10"
    assert cli.main(["--as", "sam.samordnare", "referrals", "import", _write(tmp_path / "r.csv", header, [row])]) == 0
    header = ("case_code,period_start,period_end,police_reports,placement,placement_days,placement_cost,occupation,"
              "attendance,concern_reports,lvu_applications,outpatient_cost")
    rows = ["SIG-Q1,2025-07-01,2025-12-31,3,none,0,0,school,40,4,1,12000",
            "SIG-Q1,2026-01-10,2026-06-30,0,none,0,0,school,90,1,0,",
            "SIG-Q1,2026-07-01,2026-08-31,0,none,0,0,school,101,0,0,0"]
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", _write(tmp_path / "o.csv", header, rows)]) == 2
    assert "row 4, column 'attendance': '101'" in capsys.readouterr().err
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import",
                     _write(tmp_path / "o2.csv", header, rows[:2])]) == 0
    capsys.readouterr()
    assert cli.main(["--as", "sam.samordnare", "report", "follow-up", "--from", "2026-01-01", "--to",
                     "2026-01-31"]) == 0
    outcomes = json.loads(capsys.readouterr().out)["outcomes"]
    assert outcomes["before"]["attendance"] == 40 and outcomes["after"]["attendance"] == 90
    assert outcomes["before"]["concern_reports"] == 4 and outcomes["after"]["concern_reports"] == 1
    assert outcomes["before"]["outpatient_cost"] == 12000 and outcomes["before"]["lvu_applications"] == 1


def test_process_indicators_per_group_by_hand():
    from scoring.followup import indicators_by

    group = pd.Series({1: "2026Q1", 2: "2026Q1", 3: "2026Q2"})
    yes = pd.Series({1: pd.Timestamp("2026-01-01"), 2: pd.Timestamp("2026-02-01"), 3: pd.Timestamp("2026-04-01")})
    first = pd.Series({1: pd.Timestamp("2026-01-05"), 2: pd.Timestamp("2026-02-20")})  # 3: none yet
    meetings = pd.DataFrame({"subject_id": [1, 1, 1, 3, 3],
                             "held_on": pd.to_datetime(["2026-01-10", "2026-02-05", "2026-03-20", "2026-04-10",
                                                        "2026-05-01"])})
    table = indicators_by(group, yes, first, meetings).set_index("group")
    assert table.loc["2026Q1", "started"] == 2 and table.loc["2026Q1", "first_assessment_within_7_days_share"] == 0.5
    assert table.loc["2026Q1", "meeting_intervals_within_28_days_share"] == 0.5  # 26 days ok, 43 not
    assert table.loc["2026Q2", "first_assessment_within_7_days_share"] == 0.0
    assert table.loc["2026Q2", "meeting_intervals_within_28_days_share"] == 1.0


def test_the_closing_summary_is_plain_words_and_escaped():
    from forms.plain_plan import closing_summary_html

    page = closing_summary_html(closed_on=date(2026, 6, 30), goals=["Gå i skolan <varje dag>"],
                                done=[("Skolan", "Extra stöd i matte")], continues=[("Fritid", "Fotboll på tisdagar")],
                                written="Det har gått bra.\nMålen nåddes.")
    assert "Vi avslutade vårt arbete tillsammans 2026-06-30" in page and "&lt;varje dag&gt;" in page
    assert "Extra stöd i matte" in page and "Fotboll på tisdagar" in page and "<p>Målen nåddes.</p>" in page
    assert "risk" not in page.lower() and "poäng" not in page.lower()  # no scores, no risk words


def test_a_closed_case_leaves_the_case_list_unless_asked_for(engine):
    from store import cases as store_cases
    from store import views

    with transaction(engine) as s:
        open_case, closed_case = (start(s, SETUP, store_cases.create_subject(s, SETUP), EARLY) for _ in range(2))
        store_cases.close_case(s, SETUP, closed_case, date(2026, 1, 1), "moved")
        codes = open_case.case_code, closed_case.case_code
    with transaction(engine) as s:
        assert views.find_cases(s, SETUP) == [codes[0]]
        assert set(views.find_cases(s, SETUP, include_closed=True)) == set(codes)
        assert views.find_cases(s, SETUP, codes[1]) == [codes[1]]  # searched for by its code


def test_a_recorded_outcome_without_cost_is_priced_or_refused(engine):
    import pytest

    import instruments
    from store import cases as store_cases

    with transaction(engine) as s:
        youth = store_cases.create_subject(s, SETUP)
        row = store_cases.record_outcome(s, SETUP, youth, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31),
                                         placement="SiS", placement_days=3)
        assert row.placement_cost == 3 * instruments.load_prices().price("SiS")
        with pytest.raises(store_cases.CaseError, match="no price per day for HVB"):
            store_cases.record_outcome(s, SETUP, youth, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28),
                                       placement="HVB", placement_days=3)
        with pytest.raises(store_cases.CaseError, match="ends before it starts"):
            store_cases.record_outcome(s, SETUP, youth, period_start=date(2026, 3, 1), period_end=date(2026, 2, 1))


def test_the_report_as_figures_has_one_value_per_cell():
    """#19 item 15: the spreadsheet had Python dicts in its cells."""
    from services.followup_report import figures

    rows = figures({"n": 3, "by_team": [{"group": "SIG Söderort", "started": 2}], "risk": {"pre_mean": 27.5}})
    assert rows == [("n", 3), ("by_team.0.group", "SIG Söderort"), ("by_team.0.started", 2), ("risk.pre_mean", 27.5)]
    assert not any(isinstance(v, dict | list) for _, v in rows)


def test_the_pdf_says_the_concern_clocks_as_the_page_does():
    """The follow-up PDF lacked the reports of concern's clock shares that the page shows."""
    import catalogue
    from services.followup_pdf import concern_rows

    def say(key, **values):
        return catalogue.text(key, "sv", **values)

    clocks = {"reports": 7, "safety_assessment": {"counted": 7, "met_share": 6 / 7},
              "investigation_decision": {"counted": 6, "met_share": 0.5},
              "investigation": {"counted": "< 5", "met_share": None}}
    assert concern_rows(clocks, say) == [["Orosanmälningar under perioden", "7"],
                                         ["Skyddsbedömning inom tidsfristen", "86 % av 7"],
                                         ["Beslut om utredning inom tidsfristen", "50 % av 6"],
                                         ["Utredning klar inom tidsfristen", "– av < 5"]]
    assert concern_rows({"reports": 0}, say) == [] and concern_rows({}, say) == []


def test_inkorg_says_one_follow_up_in_the_singular_and_more_in_the_plural(tmp_path, monkeypatch):
    """The warning counts through ngettext: "1 uppföljning ... är aktuell", "2 uppföljningar ... är aktuella"
    (the newcomer walk saw "1 uppföljning(ar) ... är aktuella")."""
    from store import cases as store_cases
    from store import make_engine

    from .app_helpers import SYSTEM, TODAY, make_database, no_trace, open_page, texts

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    engine = make_engine(make_database(tmp_path))
    closed_on = date(2026, 4, 1)  # its 6-month follow-up (2026-10-01) is due on TODAY, its 12-month one not yet
    for expected in ("1 uppföljning efter avslut är aktuell:", "2 uppföljningar efter avslut är aktuella:"):
        with transaction(engine) as s:
            youth = start(s, SYSTEM, store_cases.create_subject(s, SYSTEM), EARLY)
            store_cases.close_case(s, SYSTEM, youth, closed_on, "goals_reached")
        at = open_page("intake")
        no_trace(at)
        assert expected in texts(at, "warning")
    assert "2 follow-ups after closing are due:" in texts(open_page("intake", lang="en"), "warning")
    engine.dispose()


def test_a_share_in_per_cent_is_whole_with_a_minus_sign_for_a_fall():
    """As Babel writes a Swedish number: "−20 %" with the minus sign (U+2212), never a hyphen, and a share that
    rounds to nothing is "0 %", not "-0 %"."""
    from services.followup_pdf import percent

    assert percent(0.62) == "62 %" and percent(-0.2) == "\N{MINUS SIGN}20 %"
    assert percent(-0.001) == "0 %" and percent(None) == "–" and percent(float("nan")) == "–"
