"""Agreement between raters and symmetry of risk-level transitions.

ICCs follow Shrout & Fleiss (1979) with the confidence intervals of McGraw & Wong (1996), as R's
psych::ICC and pingouin compute them; everything is computed from the mean squares of one two-way
ANOVA on the whole (targets × raters) array, so 10,000 targets cost a few array passes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def icc(ratings: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """All six intraclass correlations of a complete (n targets × k raters) array.

    Returns
    -------
    DataFrame indexed by ``ICC(1,1)``, ``ICC(2,1)``, ``ICC(3,1)``, ``ICC(1,k)``, ``ICC(2,k)``,
    ``ICC(3,k)`` with columns ``icc``, ``F``, ``df1``, ``df2``, ``p``, ``ci_low``, ``ci_high``.
    """
    Y = np.asarray(ratings, dtype=float)
    if np.isnan(Y).any():
        raise ValueError("ICC needs complete ratings: drop targets with a missing rating first")
    n, k = Y.shape
    grand = Y.mean()
    row_means, col_means = Y.mean(axis=1), Y.mean(axis=0)
    ss_total = ((Y - grand) ** 2).sum()
    ss_rows = k * ((row_means - grand) ** 2).sum()
    ss_cols = n * ((col_means - grand) ** 2).sum()
    ss_error = ss_total - ss_rows - ss_cols
    msr, msc = ss_rows / (n - 1), ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    msw = (ss_cols + ss_error) / (n * (k - 1))
    q = (1 - level) / 2
    df_w, df_e = n * (k - 1), (n - 1) * (k - 1)

    icc1 = (msr - msw) / (msr + (k - 1) * msw)
    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    icc3 = (msr - mse) / (msr + (k - 1) * mse)
    icc1k, icc3k = (msr - msw) / msr, (msr - mse) / msr
    icc2k = (msr - mse) / (msr + (msc - mse) / n)

    f1, f3 = msr / msw, msr / mse
    f1_lo, f1_hi = f1 / stats.f.ppf(1 - q, n - 1, df_w), f1 * stats.f.ppf(1 - q, df_w, n - 1)
    f3_lo, f3_hi = f3 / stats.f.ppf(1 - q, n - 1, df_e), f3 * stats.f.ppf(1 - q, df_e, n - 1)
    ci1 = ((f1_lo - 1) / (f1_lo + k - 1), (f1_hi - 1) / (f1_hi + k - 1))
    ci3 = ((f3_lo - 1) / (f3_lo + k - 1), (f3_hi - 1) / (f3_hi + k - 1))
    ci1k, ci3k = (1 - 1 / f1_lo, 1 - 1 / f1_hi), (1 - 1 / f3_lo, 1 - 1 / f3_hi)
    fj = msc / mse
    vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f_u, f_l = stats.f.ppf(1 - q, n - 1, v), stats.f.ppf(1 - q, v, n - 1)
    low2 = n * (msr - f_u * mse) / (f_u * (k * msc + (k * n - k - n) * mse) + n * msr)
    high2 = n * (f_l * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f_l * msr)
    ci2 = (low2, high2)
    ci2k = (low2 * k / (1 + low2 * (k - 1)), high2 * k / (1 + high2 * (k - 1)))

    rows = [
        ("ICC(1,1)", icc1, f1, n - 1, df_w, ci1), ("ICC(2,1)", icc2, f3, n - 1, df_e, ci2),
        ("ICC(3,1)", icc3, f3, n - 1, df_e, ci3), ("ICC(1,k)", icc1k, f1, n - 1, df_w, ci1k),
        ("ICC(2,k)", icc2k, f3, n - 1, df_e, ci2k), ("ICC(3,k)", icc3k, f3, n - 1, df_e, ci3k),
    ]
    table = pd.DataFrame(
        [{"type": name, "icc": value, "F": F, "df1": d1, "df2": d2, "p": stats.f.sf(F, d1, d2),
          "ci_low": ci[0], "ci_high": ci[1]} for name, value, F, d1, d2, ci in rows]
    ).set_index("type")
    table.attrs.update(msr=msr, msc=msc, mse=mse, msw=msw)
    return table


def bowker(table: np.ndarray) -> dict[str, float]:
    """McNemar–Bowker test of symmetry of a square (pre level × post level) table.

    Notes
    -----
    chi2 = Σ_{i<j} (n_ij − n_ji)² / (n_ij + n_ji), df = k(k − 1)/2 as in R's mcnemar.test; pairs with
    n_ij + n_ji = 0 contribute nothing (R returns NaN for them).
    """
    T = np.asarray(table, dtype=float)
    if T.ndim != 2 or T.shape[0] != T.shape[1]:
        raise ValueError("the transition table must be square")
    upper = np.triu_indices(T.shape[0], k=1)
    a, b = T[upper], T.T[upper]
    total = a + b
    chi2 = float(np.sum(np.divide((a - b) ** 2, total, out=np.zeros_like(total), where=total > 0)))
    df = T.shape[0] * (T.shape[0] - 1) // 2
    return {"chi2": chi2, "df": df, "p": float(stats.chi2.sf(chi2, df))}


def transitions(pre_levels, post_levels, levels: list[str]) -> pd.DataFrame:
    """The (pre × post) count table of risk levels, rows = pre, in the given level order."""
    pre = pd.Categorical(pre_levels, categories=levels)
    post = pd.Categorical(post_levels, categories=levels)
    return pd.crosstab(pre, post, dropna=False).reindex(index=levels, columns=levels, fill_value=0)


# -- categorical agreement -------------------------------------------------------------------------
WEIGHTS = ("none", "linear", "quadratic")


def agreement_weights(k: int, weights: str = "none") -> np.ndarray:
    """Agreement weights w_ij for k ordered categories: identity, linear (Cicchetti–Allison) or
    quadratic (Fleiss–Cohen), as SAS PROC FREQ and scikit-learn define them."""
    i, j = np.indices((k, k))
    if weights == "none":
        return (i == j).astype(float)
    if k < 2:
        return np.ones((k, k))
    if weights == "linear":
        return 1 - np.abs(i - j) / (k - 1)
    if weights == "quadratic":
        return 1 - (i - j) ** 2 / (k - 1) ** 2
    raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, got {weights!r}")


def cohen_kappa(table: np.ndarray, weights: str = "none", level: float = 0.95) -> dict[str, float]:
    """Cohen's kappa (unweighted, linear or quadratic weights) of a square (rater A × rater B) table.

    Returns
    -------
    dict with ``kappa``, ``ase`` (asymptotic SE, for the CI), ``ci`` (kappa ± z·ase), ``ase0`` (SE
    under kappa = 0, for the test), ``z`` and ``p`` (two-sided), ``po``, ``pe`` and ``n``.

    Notes
    -----
    Variances of Fleiss, Cohen & Everitt (1969), as SAS PROC FREQ (AGREE) reports them.
    """
    T = np.asarray(table, dtype=float)
    if T.ndim != 2 or T.shape[0] != T.shape[1]:
        raise ValueError("the agreement table must be square (same categories for both raters)")
    n = T.sum()
    p = T / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    w = agreement_weights(T.shape[0], weights)
    po, pe = float((w * p).sum()), float(rows @ w @ cols)
    kappa = (po - pe) / (1 - pe)
    w_row, w_col = w @ cols, rows @ w  # w̄_i. and w̄_.j
    both = w_row[:, None] + w_col[None, :]
    var = ((p * (w - both * (1 - kappa)) ** 2).sum() - (kappa - pe * (1 - kappa)) ** 2) / ((1 - pe) ** 2 * n)
    var0 = ((np.outer(rows, cols) * (w - both) ** 2).sum() - pe**2) / ((1 - pe) ** 2 * n)
    ase, ase0 = float(np.sqrt(var)), float(np.sqrt(var0))
    zcrit = stats.norm.ppf(1 - (1 - level) / 2)
    z = kappa / ase0 if ase0 > 0 else np.nan
    return {"kappa": float(kappa), "ase": ase, "ci": (kappa - zcrit * ase, kappa + zcrit * ase), "ase0": ase0,
            "z": float(z), "p": float(2 * stats.norm.sf(abs(z))) if ase0 > 0 else np.nan, "po": po, "pe": pe,
            "n": int(n)}


def agreement_table(a, b, categories: list) -> np.ndarray:
    """Counts of (rater A category, rater B category) over pairs where both rated."""
    k = len(categories)
    index = {c: i for i, c in enumerate(categories)}
    ia = pd.Series(a).map(index).to_numpy(dtype=float)
    ib = pd.Series(b).map(index).to_numpy(dtype=float)
    keep = ~(np.isnan(ia) | np.isnan(ib))
    codes = ia[keep].astype(int) * k + ib[keep].astype(int)
    return np.bincount(codes, minlength=k * k).reshape(k, k)


_METRICS = ("nominal", "ordinal", "interval", "ratio")


def krippendorff_alpha(data: np.ndarray, level: str = "ordinal", values: list[float] | None = None) -> float:
    """Krippendorff's alpha of a (coders × units) array of values, NaN = missing.

    Built from the coincidence matrix in one pass (Krippendorff, 2011): units with fewer than two
    values are not pairable and are left out. ``values`` fixes the ordered value domain (default:
    the values that occur); it matters for the ordinal metric only through the frequencies.
    """
    if level not in _METRICS:
        raise ValueError(f"level must be one of {', '.join(_METRICS)}, got {level!r}")
    X = np.asarray(data, dtype=float)
    domain = np.unique(X[~np.isnan(X)]) if values is None else np.asarray(sorted(values), dtype=float)
    position = np.searchsorted(domain, X)
    position[np.isnan(X)] = len(domain)  # the "missing" column, dropped below
    units = X.shape[1]
    counts = np.zeros((units, len(domain) + 1))
    np.add.at(counts, (np.broadcast_to(np.arange(units), X.shape), position), 1)
    counts = counts[:, :-1]
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    weighted = counts / (m - 1)[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=0)
    n = n_c.sum()
    c, k = np.meshgrid(domain, domain, indexing="ij")
    if level == "nominal":
        delta = (c != k).astype(float)
    elif level == "interval":
        delta = (c - k) ** 2
    elif level == "ratio":
        delta = np.divide((c - k) ** 2, (c + k) ** 2, out=np.zeros_like(c), where=(c + k) != 0)
    else:
        cumulative = np.cumsum(n_c)
        i, j = np.indices(coincidence.shape)
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        between = cumulative[hi] - np.where(lo > 0, cumulative[np.maximum(lo - 1, 0)], 0)
        delta = (between - (n_c[i] + n_c[j]) / 2) ** 2
    observed = (coincidence * delta).sum() / n
    expected = (np.outer(n_c, n_c) * delta).sum() / (n * (n - 1))
    return float(1 - observed / expected)


def item_agreement(ratings: np.ndarray, steps: np.ndarray | None = None) -> pd.DataFrame:
    """Exact and within-one-step agreement per item over every pair of raters.

    Parameters
    ----------
    ratings : (subjects × raters × items) values, NaN = not rated.
    steps : per item, the size of one step on its scale (default 1).

    Returns
    -------
    DataFrame with one row per item: ``pairs`` (rater pairs where both rated), ``exact`` and
    ``within_one`` (proportions).
    """
    R = np.asarray(ratings, dtype=float)
    _, k, items = R.shape
    step = np.ones(items) if steps is None else np.asarray(steps, dtype=float)
    a_idx, b_idx = np.triu_indices(k, 1)
    diff = np.abs(R[:, a_idx, :] - R[:, b_idx, :]) / step  # subjects × pairs × items
    valid = ~np.isnan(diff)
    pairs = valid.sum(axis=(0, 1))
    with np.errstate(invalid="ignore"):
        exact = np.where(valid, diff < 1e-9, False).sum(axis=(0, 1)) / pairs
        within = np.where(valid, diff <= 1 + 1e-9, False).sum(axis=(0, 1)) / pairs
    return pd.DataFrame({"pairs": pairs, "exact": exact, "within_one": within})
