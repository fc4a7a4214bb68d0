"""The vectorised scoring engine: a cohort of assessments in, one row of scores per assessment out.

See ``_plan.py`` for the packing trick that lets one matrix product do the work of counting every
level in every domain. Nothing here loops over assessments; the only Python loops run over the few
(domain, scale) groups of an instrument.

Scores are research transforms and decision support. The assessor's judgment is never computed:
when supplied it is returned unchanged, with a ``discordant`` flag where it lies two or more levels
from the level the score implies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from instruments import NET, PROTECTIVE_TOTAL, RISK_TOTAL, Instrument

from ._plan import Plan, plan_for
from .responses import CellError, ResponseError, parse_judgments, responses_to_array


def score(
    instrument: Instrument,
    responses: pd.DataFrame | np.ndarray,
    judgment: pd.Series | list | np.ndarray | None = None,
    *,
    allow_missing_items: bool = False,
    first_row: int = 0,
) -> pd.DataFrame:
    """Score a cohort of assessments of one instrument.

    Parameters
    ----------
    instrument : Instrument
    responses : DataFrame or 2-D array
        A DataFrame whose columns include the item ids (cells: level codes or values; omission codes
        or empty cells mean omitted), or a float array with one column per item in definition order
        (NaN = omitted). Other DataFrame columns are ignored; a ``judgment`` column is used as the
        judgment when ``judgment`` is not given.
    judgment : sequence, optional
        The assessor's summary rating per row (level id or label; empty = none given).
    first_row : int
        The number given to the first row in error messages (2 for a CSV file with a header).

    Returns
    -------
    DataFrame, one row per assessment (same index as a DataFrame input) with columns: one total per
    domain (prorated within the omission limit), ``risk_total``, ``protective_total`` and ``net``
    where the instrument has such parts, ``n_<scale>_<code>`` counts, ``omitted``, ``valid``,
    ``band`` (instruments with bands), and ``judgment`` plus ``discordant`` when judgments are given.
    """
    index = responses.index if isinstance(responses, pd.DataFrame) else None
    if isinstance(responses, pd.DataFrame):
        if judgment is None and "judgment" in responses.columns:
            judgment = responses["judgment"]
        X = responses_to_array(instrument, responses, allow_missing_items=allow_missing_items, first_row=first_row)
    else:
        X = np.asarray(responses, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(instrument.items):
            raise ValueError(
                f"expected an array of shape (n, {len(instrument.items)}) for '{instrument.id}', "
                f"got {X.shape}"
            )
    plan = plan_for(instrument)
    frame, invalid = _score_blocks(instrument, plan, X)
    if invalid.any():
        raise ResponseError(_explain_invalid(instrument, X, np.flatnonzero(invalid)))
    if index is not None:
        frame.index = index
    if instrument.bands:
        frame["band"] = band_of(instrument, frame[instrument.band_score].to_numpy())
    if judgment is not None:
        levels = parse_judgments(instrument, judgment, first_row=first_row)
        frame["judgment"] = _level_categorical(instrument.risk_levels, levels)
        frame["discordant"] = discordance(instrument, levels, frame)
    return frame


# -- counting and scoring, block by block --------------------------------------------------------
BLOCK_ROWS = 8192  # rows per block: every temporary of a block stays in the CPU cache


def _score_blocks(inst: Instrument, plan: Plan, X: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Score the cohort in blocks of rows; each block is processed as whole arrays.

    Per block and level: one broadcast comparison writes 0/1 flags, one small matrix product counts
    them per item group, and a second maps the counts onto every linear output (see ``_plan``).
    A few vector steps then prorate and check validity. Returns the output columns and a per-row
    flag for values that are on no level of their scale.
    """
    n, k = X.shape
    names = list(inst.score_names)
    result = np.empty((len(names) + 1, n))  # scores..., omitted
    counts = np.empty((len(plan.level_columns), n), dtype=plan.dtype)
    valid = np.empty(n, dtype=bool)
    invalid = np.zeros(n, dtype=bool)
    rows = min(BLOCK_ROWS, max(n, 1))
    levels = plan.column_level_values.shape[0]
    groups = plan.membership.shape[1]
    flags = np.empty((rows, k), dtype=plan.dtype)
    group_counts = np.empty((levels + 1, rows, groups), dtype=plan.dtype)
    for start in range(0, n, BLOCK_ROWS):
        block = X[start : start + BLOCK_ROWS]
        m = len(block)
        f, c = flags[:m], group_counts[:, :m]
        np.isnan(block, out=f, casting="unsafe")
        np.matmul(f, plan.membership, out=c[0])
        for r in range(levels):
            np.equal(block, plan.column_level_values[r], out=f, casting="unsafe")
            np.matmul(f, plan.membership, out=c[r + 1])
        lin = (c.transpose(1, 0, 2).reshape(m, -1) @ plan.linear_map).T  # outputs x rows
        invalid[start : start + m] = lin[plan.outputs["accounted"]][0] != k
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN marks unscorable rows
            _finish_block(inst, plan, lin, result[:, start : start + m], valid[start : start + m])
        counts[:, start : start + m] = lin[plan.outputs["levels"]]
    # three blocks joined once (scores, counts, validity): a column added at a time cost a fixed ~0.2 ms each,
    # most of scoring one assessment on the page
    whole = np.empty((n, len(plan.level_columns) + 1), dtype=np.int64)
    whole[:, :-1] = counts.T
    whole[:, -1] = result[-1]
    frame = pd.concat([pd.DataFrame(result[:-1].T, columns=names, copy=False),
                       pd.DataFrame(whole, columns=[*plan.level_columns, "omitted"], copy=False),
                       pd.DataFrame({"valid": valid})], axis=1)
    return frame, invalid


def _finish_block(inst: Instrument, plan: Plan, lin: np.ndarray, result: np.ndarray, valid: np.ndarray) -> None:
    """Prorate domain totals within the omission limit and assemble the totals of one block."""
    observed = lin[plan.outputs["observed"]].astype(float)  # domains x rows
    omitted = lin[plan.outputs["omitted"]][0]
    np.less(omitted, plan.n_items, out=valid)
    if inst.omission.max_omitted is not None:
        valid &= omitted <= inst.omission.max_omitted
    # prorating scales each domain sum up to all its items; without it, sums stay as observed
    factor = plan.domain_sizes[:, None] / observed if inst.omission.prorate else np.where(observed > 0, 1.0, np.nan)
    factor[:, ~valid] = np.nan
    d = plan.n_domains
    totals = result[:d]
    np.multiply(lin[plan.outputs["sum"]], factor, out=totals)
    row = d
    if RISK_TOTAL in inst.score_names:
        parts = _with_bipolar_parts(plan, lin[plan.outputs["risk_part"]], factor, totals)
        result[row] = parts[plan.risk_domains].sum(axis=0)
        row += 1
    if PROTECTIVE_TOTAL in inst.score_names:
        parts = _with_bipolar_parts(plan, lin[plan.outputs["protect_part"]], factor, totals)
        result[row] = parts[plan.protective_domains].sum(axis=0)
        row += 1
    if NET in inst.score_names:
        result[row] = result[row - 2] - result[row - 1]
    result[-1] = omitted


def _with_bipolar_parts(plan: Plan, part: np.ndarray, factor: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Domain totals, with bipolar domains replaced by their (prorated) risk or protection part."""
    if not plan.bipolar.any():
        return totals
    return np.where(plan.bipolar[:, None], part * factor, totals)


def _explain_invalid(instrument: Instrument, X: np.ndarray, rows: np.ndarray) -> list[CellError]:
    errors = []
    for row in rows[:100]:
        for j, item in enumerate(instrument.items):
            value = X[row, j]
            allowed = instrument.scales[item.scale].values
            if not (np.isnan(value) or np.isin(value, allowed)):
                expected = "one of " + ", ".join(f"{v:g}" for v in allowed) + " or NaN (omitted)"
                errors.append(CellError(int(row), item.id, float(value), expected))
    return errors


# -- from level counts to scores -----------------------------------------------------------------
# -- levels: bands, judgments, discordance -------------------------------------------------------
def band_index(instrument: Instrument, scores: np.ndarray) -> np.ndarray:
    """Index of the band each score falls in (float, NaN for a missing score or above the top)."""
    edges = np.array([b.max if b.max is not None else np.inf for b in instrument.bands])
    idx = np.searchsorted(edges, scores, side="left").astype(float)
    idx[np.isnan(scores) | (idx >= len(edges))] = np.nan
    return idx


def band_of(instrument: Instrument, scores: np.ndarray) -> pd.Categorical:
    return _level_categorical([b.level for b in instrument.bands], band_index(instrument, scores))


def _level_categorical(levels: list[str], index: np.ndarray) -> pd.Categorical:
    codes = np.where(np.isnan(index), -1, index).astype(np.int64)
    return pd.Categorical.from_codes(codes, categories=levels, ordered=True)


def discordance(instrument: Instrument, judgment_index: np.ndarray, scores: pd.DataFrame) -> pd.array:
    """True where the judgment is two or more levels from the score's band; NA where undefined."""
    if not instrument.bands or instrument.judgment is None:
        return pd.array([pd.NA] * len(judgment_index), dtype="boolean")
    band_idx = band_index(instrument, scores[instrument.band_score].to_numpy())
    levels = instrument.judgment.levels
    as_judgment = np.array([levels.index(b.level) for b in instrument.bands], dtype=float)
    implied = np.full_like(band_idx, np.nan)
    ok = ~np.isnan(band_idx)
    implied[ok] = as_judgment[band_idx[ok].astype(int)]
    gap = np.abs(judgment_index - implied)
    result = pd.array(gap >= 2, dtype="boolean")
    result[np.isnan(gap)] = pd.NA
    return result

