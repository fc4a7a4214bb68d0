"""Research statistics against published worked examples and independent implementations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from scoring.agreement import bowker, icc, transitions
from scoring.change import cronbach_alpha, hedges_j, paired_change, reliable_change

REF = json.loads((Path(__file__).parent / "data" / "statistics-reference.json").read_text())


def test_paired_change_matches_r_on_the_sleep_data():
    sleep = REF["sleep_paired"]
    x, y = np.array(sleep["x"]), np.array(sleep["y"])
    out = paired_change(pre=y, post=x)  # change = x - y, as in R's t.test(x, y, paired = TRUE)
    r, c = sleep["published_R"], sleep["computed"]
    assert out["n"] == 10
    assert out["t"] == pytest.approx(c["t"], abs=1e-6) and out["t_p"] == pytest.approx(c["p"], rel=1e-5)
    assert out["mean_change"] == pytest.approx(r["mean_diff"])
    assert out["mean_change_ci"] == pytest.approx(c["ci"], abs=1e-7)
    assert out["wilcoxon_w"] == r["wilcox_V"] and out["wilcoxon_p"] == pytest.approx(r["wilcox_p"], abs=1e-6)
    assert out["rank_biserial"] == c["wilcoxon_wilcox_cc"]["rank_biserial"]
    assert out["cohen_dz"] == pytest.approx(c["dz"], abs=1e-6)
    assert out["cohen_dz_ci"] == pytest.approx(c["dz_ci_nct"], abs=1e-6)
    assert out["cohen_d_av"] == pytest.approx(c["d_av"], abs=1e-6)
    assert out["cohen_d_av_ci"] == pytest.approx(c["d_av_ci_algina_keselman"], abs=1e-6)
    assert hedges_j(9) == pytest.approx(c["hedges_J_exact_df9"], abs=1e-6)
    assert out["hedges_g_av"] == pytest.approx(c["g_av"], abs=1e-6)


def test_paired_t_and_wilcoxon_equal_scipy_on_random_data():
    rng = np.random.default_rng(3)
    pre = rng.integers(0, 30, 200).astype(float)
    post = pre + rng.normal(-2, 4, 200).round()
    out = paired_change(pre, post)
    t = stats.ttest_rel(post, pre)
    assert out["t"] == pytest.approx(t.statistic, rel=1e-12) and out["t_p"] == pytest.approx(t.pvalue, rel=1e-9)
    w = stats.wilcoxon(post - pre, zero_method="wilcox", correction=True, method="approx")
    assert out["wilcoxon_p"] == pytest.approx(w.pvalue, rel=1e-12)


def test_exact_wilcoxon_on_darwins_data():
    case = REF["darwin_zea_mays_wilcoxon"]
    d = np.array(case["d"], dtype=float)
    out = paired_change(np.zeros_like(d), d)
    assert out["wilcoxon_p"] == pytest.approx(case["computed"]["p_exact_enumeration"], abs=1e-4)
    smaller_sum = min(out["wilcoxon_w"], d.size * (d.size + 1) / 2 - out["wilcoxon_w"])
    assert smaller_sum == case["published_scipy_docs"]["statistic"]


def test_reliable_change_worked_examples():
    case = REF["rci_jt_illustration"]
    frame = reliable_change([case["x1"]], [case["x2"]], case["rxx"], higher_is_better=True, sd_pre=case["s1"])
    assert frame.attrs["s_diff"] == pytest.approx(case["computed"]["S_diff"], abs=1e-6)
    assert frame["rci"].iloc[0] == pytest.approx(case["computed"]["RCI"], abs=1e-6)
    youth = REF["rci_youth_example"]
    frame = reliable_change(youth["pre"], youth["post"], youth["rxx"], higher_is_better=False)
    assert frame.attrs["s_diff"] == pytest.approx(youth["computed"]["S_diff"], abs=1e-6)
    assert list(frame["rci"].round(4)) == pytest.approx(youth["computed"]["RCI"], abs=1e-4)
    # a falling risk total is improvement: RCI below -1.96
    assert list(frame["category"]) == ["improved", "unchanged", "improved", "unchanged", "improved",
                                        "unchanged", "improved", "unchanged"]
    protective = reliable_change(youth["pre"], youth["post"], youth["rxx"], higher_is_better=True)
    assert list(protective["category"]).count("deteriorated") == 4


def test_bowker_matches_r():
    for name in ("square_3x3_statsmodels_R", "square_4x4_statsmodels_R"):
        case = REF[name]
        out = bowker(case["table"])
        assert out["chi2"] == pytest.approx(case["published_R"]["bowker"], rel=1e-9)
        assert out["df"] == case["published_R"]["bowker_df"]
    case = REF["risk_level_3x3_example"]
    out = bowker(case["table"])
    assert out["chi2"] == pytest.approx(case["computed"]["bowker"]) and out["p"] == pytest.approx(
        case["computed"]["bowker_p"], abs=1e-6)


def test_bowker_equals_statsmodels():
    from statsmodels.stats.contingency_tables import SquareTable

    table = np.array([[30, 7, 2], [11, 40, 6], [1, 14, 22]])
    expected = SquareTable(table).symmetry()
    out = bowker(table)
    assert out["chi2"] == pytest.approx(expected.statistic, rel=1e-12) and out["df"] == expected.df


def test_transition_table_keeps_every_level():
    table = transitions(["low", "high", "high"], ["low", "moderate", "high"], ["low", "moderate", "high"])
    assert table.to_numpy().tolist() == [[1, 0, 0], [0, 0, 0], [0, 1, 1]]


def test_icc_matches_shrout_and_fleiss():
    case = REF["shrout_fleiss_1979"]
    table = icc(np.array(case["ratings"]))
    c = case["computed"]
    for name, key in [("ICC(1,1)", "ICC11"), ("ICC(2,1)", "ICC21"), ("ICC(3,1)", "ICC31"),
                      ("ICC(1,k)", "ICC1k"), ("ICC(2,k)", "ICC2k"), ("ICC(3,k)", "ICC3k")]:
        assert table.loc[name, "icc"] == pytest.approx(c[key], abs=1e-8)
        assert round(table.loc[name, "icc"], 2) == case["published"][key]
        assert [table.loc[name, "ci_low"], table.loc[name, "ci_high"]] == pytest.approx(c["ci95"][name], abs=1e-6)
    assert table.attrs["msr"] == pytest.approx(c["MSR"]) and table.attrs["mse"] == pytest.approx(c["MSE"])
    assert table.loc["ICC(1,1)", "F"] == pytest.approx(c["F_oneway"], abs=1e-6)
    assert table.loc["ICC(3,1)", "F"] == pytest.approx(c["F_twoway"], abs=1e-6)


def test_icc_equals_pingouin_on_random_data():
    import pandas as pd
    import pingouin

    rng = np.random.default_rng(11)
    truth = rng.normal(10, 3, 60)
    Y = truth[:, None] + rng.normal(0, 1.5, (60, 3)) + np.array([0, 0.5, -0.3])
    long = pd.DataFrame({"target": np.repeat(np.arange(60), 3), "rater": np.tile(np.arange(3), 60),
                         "score": Y.ravel()})
    expected = pingouin.intraclass_corr(long, targets="target", raters="rater", ratings="score").set_index("Type")
    ours = icc(Y)
    # pingouin 0.7 names them by McGraw & Wong: A = absolute agreement (2), C = consistency (3)
    for name, theirs in [("ICC(1,1)", "ICC(1,1)"), ("ICC(2,1)", "ICC(A,1)"), ("ICC(3,1)", "ICC(C,1)"),
                         ("ICC(1,k)", "ICC(1,k)"), ("ICC(2,k)", "ICC(A,k)"), ("ICC(3,k)", "ICC(C,k)")]:
        assert ours.loc[name, "icc"] == pytest.approx(expected.loc[theirs, "ICC"], abs=1e-9)
        assert ours.loc[name, "F"] == pytest.approx(expected.loc[theirs, "F"], rel=1e-9)


def test_cronbach_alpha_equals_pingouin():
    import pandas as pd
    import pingouin

    rng = np.random.default_rng(5)
    latent = rng.normal(0, 1, 150)
    items = (latent[:, None] + rng.normal(0, 1, (150, 6))).round()
    alpha, ci = cronbach_alpha(items)
    expected_alpha, expected_ci = pingouin.cronbach_alpha(pd.DataFrame(items))
    assert alpha == pytest.approx(expected_alpha, abs=1e-9)
    assert ci == pytest.approx(tuple(expected_ci), abs=1e-3)  # pingouin rounds its CI to 3 decimals
