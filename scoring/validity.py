"""Predictive validity: ROC AUC of scores for a binary outcome, DeLong CIs and the DeLong test.

DeLong, DeLong & Clarke-Pearson (1988) in the fast midrank form of Sun & Xu (2014): every score
column is ranked once, so AUCs and their covariance for many scores cost a few array passes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def delong(outcome, scores) -> tuple[np.ndarray, np.ndarray]:
    """AUCs of the score columns and their DeLong covariance matrix.

    Parameters
    ----------
    outcome : 0/1 per subject (1 = the event, e.g. a new police report).
    scores : (subjects,) or (subjects × m); higher = more expected to have the event.

    Returns
    -------
    (aucs, covariance) with shapes (m,) and (m, m). Ties count one half.
    """
    y = np.asarray(outcome)
    X = np.asarray(scores, dtype=float)
    X = X[:, None] if X.ndim == 1 else X
    keep = ~np.isnan(X).any(axis=1) & ~pd.isna(y)
    y, X = y[keep].astype(bool), X[keep]
    pos, neg = X[y], X[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        raise ValueError("the outcome needs both events and non-events")
    rank_pos = stats.rankdata(pos, axis=0)
    rank_neg = stats.rankdata(neg, axis=0)
    rank_all = stats.rankdata(np.vstack([pos, neg]), axis=0)
    aucs = (rank_all[:m].sum(axis=0) - m * (m + 1) / 2) / (m * n)
    v01 = (rank_all[:m] - rank_pos) / n  # per event: share of non-events scored lower
    v10 = 1 - (rank_all[m:] - rank_neg) / m  # per non-event: share of events scored higher
    cov = np.atleast_2d(np.cov(v01, rowvar=False)) / m + np.atleast_2d(np.cov(v10, rowvar=False)) / n
    return aucs, cov


def roc_auc(outcome, scores, names: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """AUC with DeLong SE and Wald CI (clipped to [0, 1]) per score column; tidy, one row per score."""
    aucs, cov = delong(outcome, scores)
    se = np.sqrt(np.diag(cov))
    z = stats.norm.ppf(1 - (1 - level) / 2)
    names = names or [f"score{i}" for i in range(len(aucs))]
    y = np.asarray(outcome)
    return pd.DataFrame({"score": names, "auc": aucs, "se": se, "ci_low": np.clip(aucs - z * se, 0, 1),
                         "ci_high": np.clip(aucs + z * se, 0, 1), "events": int(np.nansum(y == 1)),
                         "non_events": int(np.nansum(y == 0))})


def compare_aucs(outcome, first, second) -> dict[str, float]:
    """DeLong test of two correlated AUCs (the same subjects scored two ways)."""
    aucs, cov = delong(outcome, np.column_stack([first, second]))
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    z = (aucs[0] - aucs[1]) / np.sqrt(var) if var > 0 else np.nan
    return {"auc_first": float(aucs[0]), "auc_second": float(aucs[1]), "difference": float(aucs[0] - aucs[1]),
            "se": float(np.sqrt(var)), "z": float(z), "p": float(2 * stats.norm.sf(abs(z))) if var > 0 else np.nan}
