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
