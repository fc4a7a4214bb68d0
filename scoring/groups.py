"""Comparing change between groups (SIG vs a comparison group) and change per factor.

Group comparison: change scores by Mann–Whitney U and Welch's t, ANCOVA of post on group adjusting
for pre (ordinary least squares, as statsmodels' ``ols('post ~ group + pre')``), and the share
reliably improved per group. Per-factor change: every item's pre→post transition counts and mean
change, computed for all items at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .change import reliable_change


def ancova(pre: np.ndarray, post: np.ndarray, in_group: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """OLS of post on an intercept, the group indicator and pre. Returns the group effect (the adjusted
    difference in post, group 1 minus group 0) with SE, t, p and CI, and the slope on pre."""
    pre, post = np.asarray(pre, float), np.asarray(post, float)
    g = np.asarray(in_group, dtype=float)
    keep = ~(np.isnan(pre) | np.isnan(post) | np.isnan(g))
    X = np.column_stack([np.ones(keep.sum()), g[keep], pre[keep]])
    y = post[keep]
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = len(y) - X.shape[1]
    sigma2 = resid @ resid / df
    cov = sigma2 * np.linalg.inv(X.T @ X)
    se = np.sqrt(np.diag(cov))
    t = beta[1] / se[1]
    crit = stats.t.ppf(1 - (1 - level) / 2, df)
    return {"estimate": float(beta[1]), "se": float(se[1]), "t": float(t), "df": int(df),
            "p": float(2 * stats.t.sf(abs(t), df)),
            "ci": (float(beta[1] - crit * se[1]), float(beta[1] + crit * se[1])),
            "pre_slope": float(beta[2])}


def compare_groups(pre: np.ndarray, post: np.ndarray, group: np.ndarray, *, reliability: float | None,
                   higher_is_better: bool, level: float = 0.95) -> dict:
    """Change in two groups. ``group`` holds two labels; the first in sorted order is the reference.

    Returns
    -------
    dict with ``groups`` (labels), per group ``n``, ``mean_change``, ``sd_change`` and (when a
    reliability is known) ``reliably_improved`` share; ``mann_whitney_u`` and ``mann_whitney_p``
    (two-sided, on change), ``welch_t``, ``welch_df``, ``welch_p``, and ``ancova`` (see ``ancova``;
    positive = higher post in the second group).

    Notes
    -----
    Reliable change uses the SD of the pooled baseline, so both groups are judged by the same S_diff.
    """
    pre, post = np.asarray(pre, float), np.asarray(post, float)
    labels = pd.Series(group)
    keep = (~(np.isnan(pre) | np.isnan(post)) & labels.notna()).to_numpy()
    pre, post, labels = pre[keep], post[keep], labels[keep].astype(str).to_numpy()
    names = sorted(set(labels))
    if len(names) != 2:
        raise ValueError(f"group comparison needs exactly two groups, found {len(names)}: {', '.join(names)}")
    change = post - pre
    first, second = labels == names[0], labels == names[1]
    out: dict = {"groups": names, "per_group": {}}
    rc = reliable_change(pre, post, reliability, higher_is_better=higher_is_better) if reliability else None
    for name, mask in ((names[0], first), (names[1], second)):
        row = {"n": int(mask.sum()), "mean_change": float(change[mask].mean()),
               "sd_change": float(change[mask].std(ddof=1)) if mask.sum() > 1 else np.nan}
        if rc is not None:
            row["reliably_improved"] = float((rc["category"].to_numpy()[mask] == "improved").mean())
        out["per_group"][name] = row
    u = stats.mannwhitneyu(change[second], change[first], alternative="two-sided")
    welch = stats.ttest_ind(change[second], change[first], equal_var=False)
    out.update(mann_whitney_u=float(u.statistic), mann_whitney_p=float(u.pvalue), welch_t=float(welch.statistic),
               welch_df=float(welch.df), welch_p=float(welch.pvalue),
               ancova=ancova(pre, post, second.astype(float), level))
    return out


def factor_transitions(pre_codes: np.ndarray, post_codes: np.ndarray, item_ids: list[str],
                       levels: list[list[str]]) -> pd.DataFrame:
    """Pre→post transition counts of every item (tidy: item, pre, post, n).

    ``pre_codes``/``post_codes``: (subjects × items) level positions (0, 1, …; −1 = not rated);
    ``levels``: each item's level labels in order.
    """
    pre, post = np.asarray(pre_codes), np.asarray(post_codes)
    width = max(len(x) for x in levels)
    valid = (pre >= 0) & (post >= 0)
    cell = np.where(valid, pre * width + post, -1) + np.arange(pre.shape[1]) * width * width
    counts = np.bincount(cell[valid], minlength=pre.shape[1] * width * width).reshape(pre.shape[1], width, width)
    rows = [(item_ids[i], levels[i][a], levels[i][b], int(counts[i, a, b]))
            for i in range(len(item_ids)) for a in range(len(levels[i])) for b in range(len(levels[i]))]
    return pd.DataFrame(rows, columns=["item", "pre", "post", "n"])


def factor_change_summary(pre_values: np.ndarray, post_values: np.ndarray, item_ids: list[str],
                          improves_upwards: np.ndarray) -> pd.DataFrame:
    """Per item: pairs rated at both occasions, mean pre, mean post, mean change, and the shares that
    improved / stayed / worsened in the item's direction."""
    pre, post = np.asarray(pre_values, float), np.asarray(post_values, float)
    change = post - pre
    better = np.where(improves_upwards, change, -change)
    valid = ~np.isnan(change)
    n = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "item": item_ids, "n": n,
            "pre_mean": np.nanmean(np.where(valid, pre, np.nan), axis=0),
            "post_mean": np.nanmean(np.where(valid, post, np.nan), axis=0),
            "mean_change": np.nanmean(change, axis=0),
            "improved": (better > 0).sum(axis=0) / n, "same": (better == 0).sum(axis=0) / n,
            "worse": (better < 0).sum(axis=0) / n,
        })
