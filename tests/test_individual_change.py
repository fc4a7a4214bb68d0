"""One youth, two occasions: change per factor and reliable change on totals, in each score's direction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import instruments
import scoring
from scoring.change import reliable_change
from scoring.individual import compare, factor_change, level_transition, score_occasions, total_change

SAVRY = instruments.load("savry-like")
ESTER = instruments.load("ester-like")


def ratings(risk: str, protective: str) -> dict[str, str]:
    return {i: (protective if SAVRY.item_domain[i].direction == "protective" else risk) for i in SAVRY.item_ids}


def test_factor_verdicts_follow_each_factor_direction():
    before = scoring.ratings_to_values(SAVRY, ratings("H", "A"))
    after = before.copy()
    ids = SAVRY.item_ids
    after[ids.index("I1")] = 0  # risk falls: improved
    after[ids.index("P1")] = 1  # protection appears: improved
    after[ids.index("P2")] = 1
    before[ids.index("S1")] = 0  # risk rises: worse
    after[ids.index("H1")] = np.nan  # not rated at follow-up
    frame = factor_change(SAVRY, before, after).set_index("item")
    assert frame.loc["I1", "verdict"] == "improved" and frame.loc["P1", "verdict"] == "improved"
    assert frame.loc["S1", "verdict"] == "worse" and frame.loc["H1", "verdict"] == "not_rated"
    assert frame.loc["I2", "verdict"] == "same"
    assert (frame["verdict"] == "improved").sum() == 3


def test_bipolar_factors_improve_towards_protection():
    values = np.zeros(len(ESTER.items))
    after = values.copy()
    after[0], after[1] = -2, 2  # towards protection, towards risk
    frame = factor_change(ESTER, values, after)
    assert frame["verdict"].iloc[:2].tolist() == ["improved", "worse"]


def test_reliable_change_matches_the_cohort_implementation_with_the_reference_sd():
    _, scores = score_occasions(SAVRY, [ratings("H", "A"), ratings("M", "P")], ["high", "moderate"])
    totals = total_change(SAVRY, scores.iloc[0], scores.iloc[1]).set_index("score")
    risk = totals.loc["risk_total"]
    cohort = reliable_change(np.array([risk["before"]]), np.array([risk["after"]]), 0.83, higher_is_better=False,
                             sd_pre=8.0)
    assert risk["rci"] == pytest.approx(cohort["rci"].iloc[0], rel=1e-12)
    assert risk["s_diff"] == pytest.approx(cohort.attrs["s_diff"], rel=1e-12)
    assert risk["category"] == cohort["category"].iloc[0] == "improved"  # 48 -> 24
    assert risk["lower"] == pytest.approx(-24 - 1.959963984540054 * risk["s_diff"])
    protective = totals.loc["protective_total"]
    assert protective["change"] == 6 and protective["category"] == "improved"  # rising protection is better
    assert np.isnan(totals.loc["historical", "rci"]) and pd.isna(totals.loc["historical", "category"])


def test_small_change_is_within_measurement_error():
    small = ratings("H", "A") | {"I1": "M"}
    _, scores = score_occasions(SAVRY, [ratings("H", "A"), small], [None, None])
    risk = total_change(SAVRY, scores.iloc[0], scores.iloc[1]).set_index("score").loc["risk_total"]
    assert risk["category"] == "unchanged" and risk["lower"] < 0 < risk["upper"]


def test_compare_reports_judgments_as_decisions_and_bands_beside():
    values, scores = score_occasions(SAVRY, [ratings("H", "A"), ratings("L", "P")], ["high", "high"])
    result = compare(SAVRY, values, scores, 0, 1)
    assert (result.level_before, result.level_after) == ("high", "high")  # the judgment, not the total
    assert (result.band_before, result.band_after) == ("high", "low")
    assert level_transition(SAVRY.risk_levels, "high", "moderate") == "down"
    assert level_transition(SAVRY.risk_levels, "low", "high") == "up"
    assert level_transition(SAVRY.risk_levels, None, "high") is None
