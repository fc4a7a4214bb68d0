"""One definition of before/after the start (rules.before_after): the follow-up report, the Forskning
page and ``insats research export`` give the same figures for the same youths, and each figure holds by hand."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

import cli
from rules.before_after import Windows, programme_cost
from scoring import before_after
from services.research_outcomes import outcomes_before_after
from store import transaction
from store.users import actor_for, add_user

from .actors import SETUP

OBSERVED = date(2026, 6, 30)  # INSATS_TODAY: the after window of a start on 2025-09-01 is seen for 303 of 365 days
REFERRALS = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on,started_on"
OUTCOMES = "case_code,period_start,period_end,police_reports,placement,placement_days,placement_cost,occupation"
STARTS = {"SIG-BA1": "2025-03-01", "SIG-BA2": "2025-03-01", "SIG-BA3": "2025-05-01", "SIG-BA4": "2025-09-01",
          "SIG-BA5": "2025-06-15", "SIG-BA6": "2025-01-10"}
PERIODS = [
    "SIG-BA1,2025-02-01,2025-03-31,59,none,0,0,school",  # across the start: 28 days before, 31 after
    "SIG-BA2,2023-12-01,2024-03-31,122,none,0,0,none",  # across the before window's edge: 31 of 122 days inside
    "SIG-BA2,2022-01-01,2022-12-31,40,SiS,100,400000,none",  # long before the window: not counted
    "SIG-BA3,2026-04-01,2026-05-31,61,none,0,0,work",  # across the after window's end (2026-04-30): 30 of 61
    "SIG-BA4,2025-09-01,2026-02-28,6,HVB,30,90000,school",  # after; its after window is still running
    "SIG-BA5,2024-06-15,2025-06-14,12,SiS,100,500000,none",  # exactly the before window
    "SIG-BA6,2025-01-10,2025-12-31,0,none,0,0,school",
]
POLICE_BEFORE, POLICE_AFTER = 28 + 31 + 12, 31 + 30 + 6
MONTHS_AFTER = 5 * 12 + 12 * 303 / 365


@pytest.fixture
def register(engine, tmp_path, monkeypatch):
    """Six youths started in 2025 with the periods above, a coordinator and a researcher."""
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INSATS_TODAY", OBSERVED.isoformat())
    with transaction(engine) as s:
        add_user(s, SETUP, "sam.samordnare", display_name="Sam", roles=["intake", "coordinator"], teams=["Standard"])
        add_user(s, SETUP, "rita.forskare", display_name="Rita", roles=["researcher"])
    rows = [f"{code},polis,2025-01-02,ja,2025-01-03,2025-01-04,ja,2025-01-05,{on}" for code, on in STARTS.items()]
    (tmp_path / "r.csv").write_text(REFERRALS + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "o.csv").write_text(OUTCOMES + "\n" + "\n".join(PERIODS) + "\n", encoding="utf-8")
    assert cli.main(["--as", "sam.samordnare", "referrals", "import", str(tmp_path / "r.csv")]) == 0
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", str(tmp_path / "o.csv")]) == 0
    return engine


def test_follow_up_forskning_and_the_research_export_give_the_same_figures(register, tmp_path, capsys):
    capsys.readouterr()
    assert cli.main(["--as", "sam.samordnare", "report", "follow-up", "--from", "2025-01-01", "--to",
                     "2025-12-31"]) == 0
    report = json.loads(capsys.readouterr().out)["outcomes"]
    assert cli.main(["--as", "rita.forskare", "research", "export", "--instrument", "savry-like", "--out",
                     str(tmp_path / "export"), "--formats", "csv"]) == 0
    exported = pd.read_csv(tmp_path / "export" / "outcomes-before-after.csv")
    with transaction(register) as s:  # what the Forskning page reads
        page = outcomes_before_after(s, actor_for(s, "rita.forskare"))
    assert len(exported) == len(page) == 6 and exported["research_id"].str.fullmatch(r"R[0-9a-f]{10}").all()
    # by hand first, so that three equal wrong figures cannot pass
    assert report["before"]["police_reports"] == pytest.approx(POLICE_BEFORE)
    assert report["after"]["police_reports"] == pytest.approx(POLICE_AFTER)
    assert report["before"]["months_at_risk"] == 72 and report["after"]["months_at_risk"] == pytest.approx(MONTHS_AFTER)
    assert report["before"]["placement_cost"] == 500_000 and report["after"]["placement_cost"] == 90_000
    for side in ("before", "after"):
        for measure in ("police_reports", "placements", "placement_days", "placement_cost"):
            figure = report[side][measure]
            assert exported[f"{measure}_{side}"].sum() == pytest.approx(figure), (side, measure)
            assert page[f"{measure}_{side}"].sum() == pytest.approx(figure), (side, measure)
            months = report[side]["months_at_risk"]
            assert report[side]["per_month"][measure] == pytest.approx(figure / months)
            assert (page[f"{measure}_{side}"].sum() / page[f"months_{side}"].sum()
                    == pytest.approx(report[side]["per_month"][measure]))
        assert exported[f"months_{side}"].sum() == pytest.approx(report[side]["months_at_risk"])


def test_occupation_6_and_12_months_after_the_start_is_the_period_covering_that_day(register, capsys):
    capsys.readouterr()
    assert cli.main(["--as", "sam.samordnare", "report", "follow-up", "--from", "2025-01-01", "--to",
                     "2025-12-31"]) == 0
    report = json.loads(capsys.readouterr().out)
    six = report["occupation_after_6_months"]
    # due by 2026-06-30: all six. Only BA6's day (2025-07-10) lies in a period (school); BA1 and BA2 (2025-09-01),
    # BA3 (2025-11-01), BA4 (2026-03-01, the day after its period) and BA5 (2025-12-15) have none covering it
    assert six["due"] == 6 and six["recorded"] == 1 and six["school"] == 1
    assert report["occupation_after_6_months_share"] == 1.0
    twelve = report["occupation_after_12_months"]
    # due: all but BA4 (2026-09-01); only BA3's day (2026-05-01) lies in a period (work)
    assert twelve["due"] == 5 and twelve["recorded"] == 1 and twelve["work"] == 1
    assert "occupation_at_closing_share" in report  # the closing figure stays beside them


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["subject_id", "period_start", "period_end", "police_reports", "placement",
                                       "placement_days", "placement_cost", "occupation"])


def test_unequal_windows_compare_by_rate_per_month():
    starts = pd.Series({1: pd.Timestamp("2012-08-01")})
    rows = _frame([(1, date(2012, 1, 1), date(2012, 7, 31), 14, "none", 0, 0, "none"),
                   (1, date(2012, 8, 1), date(2013, 12, 31), 17, "none", 0, 0, "none")])
    result = before_after.windows_summary(rows, starts, Windows(7, 17))
    assert result["before"]["police_reports"] == 14 and result["after"]["police_reports"] == 17
    rate = {side: result[side]["per_month"]["police_reports"] for side in ("before", "after")}
    assert rate == {"before": 2.0, "after": 1.0}
    seen = before_after.months_at_risk(starts, Windows(7, 17), date(2012, 8, 31))  # 31 of 518 days seen
    assert seen.loc[1, "months_before"] == 7 and seen.loc[1, "months_after"] == pytest.approx(17 * 31 / 518)


def test_the_calendar_year_series_splits_a_period_by_day():
    rows = _frame([(1, date(2011, 12, 1), date(2012, 1, 30), 0, "SiS", 61, 61_000, "none"),  # 31 + 30 days
                   (2, date(2012, 6, 1), date(2012, 6, 30), 0, "HVB", 30, 9_000, "none"),
                   (3, date(2012, 6, 1), date(2012, 6, 30), 0, "HVB", 30, 1_000_000, "none")])  # not in the cohort
    years = {r["year"]: r for r in before_after.by_year(rows, pd.Index([1, 2]))}
    assert years[2011]["placement_days"] == 31 and years[2011]["placement_cost_SiS"] == 31_000
    assert years[2012]["placement_cost"] == 30_000 + 9_000 and years[2012]["placement_cost_HVB"] == 9_000


def test_the_net_figure_is_a_simple_comparison_and_needs_the_programme_cost():
    summary = {"window_months": {"before": 12, "after": 12},
               "before": {"months_at_risk": 24.0, "per_month": {"placement_cost": 1_000.0}},
               "after": {"months_at_risk": 24.0, "per_month": {"placement_cost": 250.0}}}
    net = before_after.net_per_month(summary, 12_000)  # two youths: 2 000 a month before, 500 after
    assert net["placement_cost_per_month_before"] == 2_000 and net["placement_cost_per_month_after"] == 500
    assert net["net_per_month"] == 2_000 - 500 - 1_000 and "not an estimate" in net["note"]
    assert before_after.net_per_month(summary, None)["net_per_month"] is None


def test_the_settings_of_the_definition_refuse_what_is_not_one():
    assert programme_cost(None) is None and programme_cost(" ") is None
    assert programme_cost("1 350 579,50") == 1_350_579.5
    for bad in ("en miljon", "-5", "inf", "nan"):
        with pytest.raises(ValueError, match="programme cost"):
            programme_cost(bad)
    for months in (0, 61, 1.5):
        with pytest.raises(ValueError, match="window"):
            Windows(months, 12)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_follow_up_page_shows_rates_years_occupation_and_the_net_comparison(tmp_path, monkeypatch, lang):
    from .app_helpers import TODAY, make_database, no_trace, open_page, texts

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.setenv("INSATS_PROGRAMME_COST_PER_YEAR", "1 200 000")
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    make_database(tmp_path, subjects=60)
    at = open_page("followup", lang=lang, followup_from=date(2024, 1, 1), followup_to=TODAY, followup_after=6)
    no_trace(at)
    words = {"sv": ("Skola/arbete 6 mån efter start", "ungdomsmånaderna", "inte en skattning av effekten",
                    "per kalenderår", "Före per månad"),
             "en": ("School/work 6 months after the start", "youth-months", "not an estimate of the effect",
                    "per calendar year", "Before per month")}[lang]
    labels = [m.label for m in at.metric]
    assert words[0] in labels and any("12" in label for label in labels if label not in (words[0],))
    captions = texts(at, "caption")
    assert words[1] in captions and words[2] in captions and words[3] in captions
    assert ("och 6 månader efter" if lang == "sv" else "and 6 months after") in captions  # the window chosen
    assert any(words[4] in d.value.columns for d in at.dataframe)
    years = next(d.value for d in at.dataframe if ("År" if lang == "sv" else "Year") in d.value.columns)
    assert len(years) >= 2  # the demo's placements span more than one calendar year
    monkeypatch.setenv("INSATS_PROGRAMME_COST_PER_YEAR", "en miljon")
    at = open_page("followup", lang=lang, followup_from=date(2024, 1, 1), followup_to=TODAY)
    no_trace(at)
    assert ("felaktigt inställd" if lang == "sv" else "set wrongly") in texts(at, "warning")


def test_forskning_and_uppfoljning_show_the_same_before_after_for_the_same_youths(tmp_path, monkeypatch):
    """The two pages as a reader sees them: every youth who started (Uppföljning from the first day to
    today), one table each, the same figures to the digit shown."""
    from .app_helpers import RESEARCHER, TODAY, make_database, no_trace, open_page, open_tab, texts

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    make_database(tmp_path, subjects=60)
    research = open_tab(open_page("research", user=RESEARCHER, research_before=12, research_after=6),
                        "Utfall före/efter", "research_tab")
    followup = open_page("followup", user=RESEARCHER, followup_from=date(2000, 1, 1), followup_to=TODAY,
                         followup_window=12, followup_after=6)
    no_trace(research)
    no_trace(followup)
    assert "12 månader före start och 6 efter" in texts(research, "caption")  # the windows chosen, both pages
    assert "och 6 månader efter" in texts(followup, "caption")
    forskning = next(d.value for d in research.dataframe if "Summa före" in d.value.columns).set_index("Mått")
    uppfoljning = next(d.value for d in followup.dataframe if "SIG Före" in d.value.columns).set_index("Mått")
    shown = [m for m in forskning.index if m in uppfoljning.index]
    assert len(shown) == 3  # police reports, placement days, placement cost
    assert forskning.loc[shown, "Summa före"].tolist() == uppfoljning.loc[shown, "SIG Före"].tolist()
    assert forskning.loc[shown, "Summa efter"].tolist() == uppfoljning.loc[shown, "SIG Efter"].tolist()
    for column in ("Före per månad", "Efter per månad"):
        assert forskning.loc[shown, column].tolist() == uppfoljning.loc[shown, column].tolist()
    assert forskning.loc["Polisanmälningar", "Summa före"] not in ("0", "")  # the demo has police reports before


def test_forskning_outcomes_count_the_filtered_youths_once_a_filter_is_set(tmp_path, monkeypatch):
    """At the filters' starting position the outcomes are every started youth's (as above); once a filter is
    set, only the youths of the filtered cohort count, and the caption says how many."""
    import re

    from rules.before_after import Windows
    from store import make_engine, transaction
    from store.research import assessments_for_research
    from store.users import actor_for

    from .app_helpers import RESEARCHER, TODAY, make_database, no_trace, open_page, open_tab, texts

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    url = make_database(tmp_path, subjects=60)
    at = open_tab(open_page("research", user=RESEARCHER, research_before=12, research_after=6),
                  "Utfall före/efter", "research_tab")
    assert "Ändra ett filter ovan" in texts(at, "caption")

    def police_before() -> float:  # as shown: "62,4"
        table = next(d.value for d in at.dataframe if "Summa före" in d.value.columns).set_index("Mått")
        return float(re.sub(r"[^\d,]", "", str(table.loc["Polisanmälningar", "Summa före"])).replace(",", "."))

    everyone = police_before()
    engine = make_engine(url)
    with transaction(engine) as s:
        actor, key = actor_for(s, RESEARCHER), at.session_state["research_key"]
        outcomes = outcomes_before_after(s, actor, key=key, windows=Windows(12, 6))
        data = assessments_for_research(s, actor, "savry-like", key=key)
    engine.dispose()
    gender = data["gender"].value_counts().index[0]  # the larger group: above the smallest shown
    at.multiselect(key="research_gender").set_value([gender]).run()
    no_trace(at)
    chosen = data[(data["gender"] == gender) & data["age"].between(12, 24)]["research_id"].unique()
    expected = outcomes[outcomes["research_id"].isin(chosen)]
    assert 0 < len(expected) < len(outcomes)
    assert f"utfallen för {len(expected)} ungdomar i urvalet" in texts(at, "caption")
    assert police_before() == round(expected["police_reports_before"].sum(), 1) < everyone


def test_the_follow_up_pdf_says_unequal_windows_occupation_after_the_start_and_the_net(monkeypatch):
    from . import test_printables
    from .test_translations import ENGLISH, RAW_CODE

    plain = test_printables.follow_up_report()
    extended = {**plain, "period": {**plain["period"], "window_months": 7, "after_months": 17},
                "occupation_after_6_months_share": 0.5, "occupation_after_12_months_share": 0.25,
                "net": {"net_per_month": 188_607.0}}
    monkeypatch.setattr(test_printables, "follow_up_report", lambda: extended)
    swedish = test_printables.pdf_words(monkeypatch, "sv")
    assert "Ärenden som startade 2026-01-01 – 2026-12-31; utfall 7 månader före start och 17 efter" in swedish
    assert "Skola/arbete 6 mån efter start" in swedish and "50 %" in swedish and "25 %" in swedish
    assert "Netto per månad, kr (enkel jämförelse, inte en effekt)" in swedish and "188 607" in swedish
    assert not [w for w in swedish if ENGLISH.search(w) or RAW_CODE.search(w)]
    english = test_printables.pdf_words(monkeypatch, "en")
    assert "Cases started 01/01/2026 – 31/12/2026; outcomes 7 months before the start and 17 after" in english
    assert "School/work 12 months after the start" in english
