"""Kappa, Krippendorff's alpha, per-item agreement, DeLong AUC, bootstrap and group comparison,
checked against published values and independent implementations (scikit-learn, krippendorff,
statsmodels, scipy) used only here."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from scoring import bootstrap
from scoring.agreement import agreement_table, cohen_kappa, item_agreement, krippendorff_alpha
from scoring.groups import ancova, compare_groups, factor_change_summary, factor_transitions
from scoring.validity import compare_aucs, delong, roc_auc

REF = json.loads((Path(__file__).parent / "data" / "statistics-reference.json").read_text())


# -- kappa -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("weights", ["none", "linear", "quadratic"])
def test_kappa_and_its_standard_errors_match_sas(weights):
    ref = REF["sas_skin_condition_kappa"]
    expected = ref["computed"]["None" if weights == "none" else weights]
    out = cohen_kappa(ref["table"], weights)
    assert out["kappa"] == pytest.approx(expected["kappa"], abs=1e-6)
    assert out["ase"] == pytest.approx(expected["ase"], abs=1e-6)
    assert out["ase0"] == pytest.approx(expected["ase0"], abs=1e-6)
    assert out["ci"][0] == pytest.approx(out["kappa"] - 1.959963984540054 * out["ase"])


def test_kappa_published_small_tables():
    wiki = cohen_kappa(REF["wikipedia_kappa_2x2"]["table"])
    assert (wiki["kappa"], wiki["po"], wiki["pe"]) == pytest.approx((0.4, 0.7, 0.5))
    assert cohen_kappa(REF["fleiss_3x3_kappa"]["table"])["kappa"] == pytest.approx(0.676471, abs=1e-6)


@pytest.mark.parametrize("weights", ["none", "linear", "quadratic"])
def test_kappa_equals_scikit_learn_on_random_ratings(weights):
    rng = np.random.default_rng(5)
    a = rng.integers(0, 4, 500)
    b = np.clip(a + rng.integers(-1, 2, 500), 0, 3)
    mine = cohen_kappa(agreement_table(a, b, [0, 1, 2, 3]), weights)["kappa"]
    theirs = cohen_kappa_score(a, b, weights=None if weights == "none" else weights)
    assert mine == pytest.approx(theirs, abs=1e-12)


def test_kappa_refuses_a_non_square_table():
    with pytest.raises(ValueError, match="square"):
        cohen_kappa([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([[1, 2], [3, 4]], "cubic")


# -- Krippendorff's alpha --------------------------------------------------------------------------
def _reliability_data(rows) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_matches_the_2011_worked_example(level):
    ref = REF["krippendorff_2011"]
    data = _reliability_data(ref["data"])
    assert krippendorff_alpha(data, level) == pytest.approx(ref["computed"][level], abs=1e-6)
    assert round(krippendorff_alpha(data, level), 3) == ref["published"][level]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_equals_the_krippendorff_package(level):
    rng = np.random.default_rng(11)
    truth = rng.integers(1, 6, 300)
    data = np.clip(truth + rng.integers(-1, 2, (4, 300)), 1, 5).astype(float)
    data[rng.random(data.shape) < 0.15] = np.nan
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(theirs, abs=1e-9)


def test_item_agreement_equals_a_loop_over_rater_pairs():
    rng = np.random.default_rng(2)
    cube = rng.integers(0, 3, (40, 3, 5)).astype(float)
    cube[rng.random(cube.shape) < 0.1] = np.nan
    out = item_agreement(cube)
    for j in range(5):
        diffs = [abs(cube[s, a, j] - cube[s, b, j]) for s in range(40)
                 for a, b in itertools.combinations(range(3), 2) if not np.isnan(cube[s, a, j] - cube[s, b, j])]
        assert out["pairs"][j] == len(diffs)
        assert out["exact"][j] == pytest.approx(np.mean([d == 0 for d in diffs]), abs=1e-12)
        assert out["within_one"][j] == pytest.approx(np.mean([d <= 1 for d in diffs]), abs=1e-12)


# -- ROC AUC and DeLong ----------------------------------------------------------------------------
def _hanley_mcneil():
    ref = REF["hanley_mcneil_1982"]
    levels = ref["rating_levels"]
    scores = np.repeat(levels, ref["normal_counts"]).tolist() + np.repeat(levels, ref["abnormal_counts"]).tolist()
    outcome = [0] * sum(ref["normal_counts"]) + [1] * sum(ref["abnormal_counts"])
    return np.array(outcome), np.array(scores, dtype=float), ref


def test_auc_and_delong_se_on_hanley_and_mcneil():
    outcome, scores, ref = _hanley_mcneil()
    table = roc_auc(outcome, scores)
    assert table["auc"][0] == pytest.approx(ref["computed"]["auc"], abs=1e-8)
    assert round(table["auc"][0], 3) == ref["published"]["auc"]
    assert table["se"][0] == pytest.approx(ref["computed"]["se_delong"], abs=1e-6)
    assert [table["ci_low"][0], table["ci_high"][0]] == pytest.approx(ref["computed"]["ci95_delong_wald"], abs=1e-5)


def _slow_delong(y, a, b):
    """Placement values by explicit double loops: an independent DeLong implementation."""
    pos_a, neg_a, pos_b, neg_b = a[y == 1], a[y == 0], b[y == 1], b[y == 0]

    def psi(x, z):
        return 1.0 if x > z else 0.5 if x == z else 0.0

    def parts(pos, neg):
        v10 = np.array([np.mean([psi(p, q) for q in neg]) for p in pos])
        v01 = np.array([np.mean([psi(p, q) for p in pos]) for q in neg])
        return v10.mean(), v10, v01

    auc_a, v10a, v01a = parts(pos_a, neg_a)
    auc_b, v10b, v01b = parts(pos_b, neg_b)
    m, n = len(pos_a), len(neg_a)
    s10, s01 = np.cov(np.vstack([v10a, v10b])), np.cov(np.vstack([v01a, v01b]))
    cov = s10 / m + s01 / n
    return auc_a, auc_b, cov


def test_delong_equals_an_independent_implementation_and_scikit_learn():
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, 150)
    a = y * 1.0 + rng.normal(0, 1, 150).round(1)
    b = y * 0.5 + rng.normal(0, 1, 150).round(1)
    aucs, cov = delong(y, np.column_stack([a, b]))
    auc_a, auc_b, slow_cov = _slow_delong(y, a, b)
    assert aucs == pytest.approx([roc_auc_score(y, a), roc_auc_score(y, b)], abs=1e-12)
    assert aucs == pytest.approx([auc_a, auc_b], abs=1e-12)
    assert cov == pytest.approx(slow_cov, abs=1e-12)
    test = compare_aucs(y, a, b)
    z = (auc_a - auc_b) / np.sqrt(slow_cov[0, 0] + slow_cov[1, 1] - 2 * slow_cov[0, 1])
    assert test["z"] == pytest.approx(z, abs=1e-9) and test["p"] == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_auc_needs_both_outcomes():
    with pytest.raises(ValueError, match="both events and non-events"):
        delong([1, 1, 1], [0.2, 0.5, 0.9])


# -- bootstrap -------------------------------------------------------------------------------------
def test_bootstrap_is_reproducible_with_a_seed():
    d = np.random.default_rng(0).integers(-5, 6, 300).astype(float)
    first = bootstrap.bootstrap_ci(d, 1000, seed=42)
    assert np.array_equal(first, bootstrap.bootstrap_ci(d, 1000, seed=42))
    assert not np.array_equal(first, bootstrap.bootstrap_ci(d, 1000, seed=43))


def _slow_bca(d, replicates, statistic, level=0.95):
    """Efron's BCa endpoints with an explicit leave-one-out loop (independent of the closed form)."""
    def stat(x):
        return x.mean() if statistic == "mean" else x.mean() / x.std(ddof=1)

    theta = stat(d)
    jack = np.array([stat(np.delete(d, i)) for i in range(len(d))])
    diff = jack.mean() - jack
    a = (diff**3).sum() / (6 * (diff**2).sum() ** 1.5)
    z0 = stats.norm.ppf((replicates < theta).mean() + (replicates == theta).mean() / 2)
    ends = []
    for z in stats.norm.ppf([(1 - level) / 2, 1 - (1 - level) / 2]):
        ends.append(np.quantile(replicates, stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))))
    return ends


@pytest.mark.parametrize("statistic", ["mean", "dz"])
def test_bca_endpoints_equal_a_slow_reference_on_the_same_replicates(statistic):
    d = np.random.default_rng(1).gamma(2, 1, 80).round(1) - 1.5
    replicates = bootstrap.bootstrap_distribution(d, 3000, 9, statistic)[:, 0]
    mine = bootstrap.bootstrap_ci(d, 3000, 9, statistic, "bca")[0]
    assert mine == pytest.approx(_slow_bca(d, replicates, statistic), abs=1e-12)
    percentile = bootstrap.bootstrap_ci(d, 3000, 9, statistic, "percentile")[0]
    assert percentile == pytest.approx(np.quantile(replicates, [0.025, 0.975]), abs=1e-12)


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_bootstrap_agrees_with_scipy_within_resampling_error(method):
    d = np.random.default_rng(4).gamma(2, 1, 120).round(1) - 1.5
    mine = bootstrap.bootstrap_ci(d, 40_000, 1, "mean", method)[0]
    theirs = stats.bootstrap((d,), np.mean, n_resamples=40_000, method="BCa" if method == "bca" else "percentile",
                             random_state=2).confidence_interval
    width = theirs.high - theirs.low
    assert mine == pytest.approx([theirs.low, theirs.high], abs=0.03 * width)


def test_counted_and_gathered_resampling_give_the_same_distribution(monkeypatch):
    d = np.random.default_rng(6).integers(-3, 4, 200).astype(float)
    counted = bootstrap.bootstrap_distribution(d, 20_000, 1)[:, 0]
    monkeypatch.setattr(bootstrap, "MAX_DISTINCT", 0)
    gathered = bootstrap.bootstrap_distribution(d, 20_000, 1)[:, 0]
    assert counted.mean() == pytest.approx(gathered.mean(), abs=0.01)
    assert counted.std() == pytest.approx(gathered.std(), rel=0.03)
    assert counted.std() == pytest.approx(d.std() / np.sqrt(len(d)), rel=0.03)  # the theory


# -- group comparison ------------------------------------------------------------------------------
def _two_groups(seed: int = 7, n: int = 120):
    rng = np.random.default_rng(seed)
    group = np.array(["comparison", "sig"])[rng.integers(0, 2, n)]
    pre = rng.normal(25, 8, n).round()
    post = (pre - 4 * (group == "sig") + rng.normal(0, 5, n)).round()
    return pre, post, group


def test_ancova_equals_statsmodels_ols():
    pre, post, group = _two_groups()
    frame = pd.DataFrame({"pre": pre, "post": post, "sig": (group == "sig").astype(float)})
    fit = smf.ols("post ~ sig + pre", data=frame).fit()
    mine = ancova(pre, post, frame["sig"].to_numpy())
    assert mine["estimate"] == pytest.approx(fit.params["sig"], abs=1e-9)
    assert mine["se"] == pytest.approx(fit.bse["sig"], abs=1e-9)
    assert mine["p"] == pytest.approx(fit.pvalues["sig"], rel=1e-9)
    assert mine["ci"] == pytest.approx(tuple(fit.conf_int().loc["sig"]), abs=1e-9)


def test_group_comparison_tests_and_shares():
    pre, post, group = _two_groups()
    out = compare_groups(pre, post, group, reliability=0.8, higher_is_better=False)
    change = post - pre
    sig, comparison = change[group == "sig"], change[group == "comparison"]
    assert out["groups"] == ["comparison", "sig"]
    assert out["welch_t"] == pytest.approx(stats.ttest_ind(sig, comparison, equal_var=False).statistic)
    assert out["mann_whitney_u"] == pytest.approx(stats.mannwhitneyu(sig, comparison).statistic)
    s_diff = np.sqrt(2) * pre.std(ddof=1) * np.sqrt(0.2)
    improved = (-(change) / s_diff) > 1.96
    assert out["per_group"]["sig"]["reliably_improved"] == pytest.approx(improved[group == "sig"].mean())
    assert out["ancova"]["estimate"] < 0  # the SIG group ends lower, adjusted for baseline
    with pytest.raises(ValueError, match="exactly two groups"):
        compare_groups(pre, post, np.array(["a", "b", "c"] * 40), reliability=None, higher_is_better=False)


# -- per-factor change -----------------------------------------------------------------------------
def test_factor_transitions_and_summary_equal_crosstabs():
    rng = np.random.default_rng(3)
    pre = rng.integers(0, 3, (90, 4))
    post = np.clip(pre + rng.integers(-1, 2, (90, 4)), 0, 2)
    pre[0, 1] = -1  # not rated
    levels = [["L", "M", "H"]] * 4
    table = factor_transitions(pre, post, ["A", "B", "C", "D"], levels)
    for j, item in enumerate("ABCD"):
        keep = pre[:, j] >= 0
        expected = pd.crosstab(pre[keep, j], post[keep, j]).reindex(index=[0, 1, 2], columns=[0, 1, 2], fill_value=0)
        got = table[table["item"] == item].pivot(index="pre", columns="post", values="n").loc[levels[0], levels[0]]
        assert np.array_equal(got.to_numpy(), expected.to_numpy())
    values_pre = np.where(pre >= 0, pre, np.nan).astype(float)
    summary = factor_change_summary(values_pre, post.astype(float), list("ABCD"), np.array([False] * 3 + [True]))
    change = post[1:, 1] - pre[1:, 1]
    assert summary.loc[1, "n"] == 89 and summary.loc[1, "mean_change"] == pytest.approx(change.mean())
    assert summary.loc[1, "improved"] == pytest.approx((change < 0).mean())
    assert summary.loc[3, "improved"] == pytest.approx((post[:, 3] > pre[:, 3]).mean())  # protective: up is better
