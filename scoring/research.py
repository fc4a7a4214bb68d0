"""Pre/post evaluation of a cohort: the tidy results researchers report, for any score of any instrument.

Long or wide frame in (one row per assessment: ``subject_id``, ``occasion``, ``assessed_on``, item
columns, optionally ``judgment`` and a group column), one dict or tidy DataFrame out, like pingouin.
Everything is computed on whole columns; nothing loops over subjects.

Typical use::

    pairs = research.pair_occasions(frame)                       # first and last per subject
    result = research.change(instrument, pairs, scores=["risk_total"], n_boot=2000, seed=1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from instruments import Instrument
from rules.dates import EXPECTED, parse_days

from .agreement import bowker, transitions
from .bootstrap import bootstrap_ci
from .change import cronbach_alpha, paired_change, reliable_change
from .engine import score
from .groups import compare_groups, factor_change_summary, factor_transitions
from .individual import item_improves_upwards
from .responses import responses_to_array

SUBJECT, OCCASION, DATE = "subject_id", "occasion", "assessed_on"


@dataclass
class Pairs:
    """Each subject's pre and post assessment: item values, score rows, judgments, extra columns."""

    subjects: np.ndarray
    pre_values: np.ndarray
    post_values: np.ndarray
    pre_scores: pd.DataFrame
    post_scores: pd.DataFrame
    pre_rows: pd.DataFrame  # the original rows (for a group column and dates)
    post_rows: pd.DataFrame


def pair_occasions(instrument: Instrument, frame: pd.DataFrame, pre: str | None = None,
                   post: str | None = None, order: str = DATE) -> Pairs:
    """Pick each subject's pre and post rows: the named occasions, else the first and last by date.

    Subjects without both are left out. When an occasion occurs twice for a subject, the later by
    date is used (a re-assessment replaces an earlier one of the same occasion). ``order`` names the
    column that orders a subject's assessments (a date, or a number such as days from the first).
    """
    if SUBJECT not in frame.columns:
        raise ValueError(f"the file needs a '{SUBJECT}' column")
    if order not in frame:
        when = pd.Series(pd.NaT, index=frame.index)
    elif pd.api.types.is_numeric_dtype(frame[order]):
        when = frame[order]
    else:  # the one date format: an impossible date is an error, never a row silently ordered last
        when, bad = parse_days(frame[order])
        if bad.any():
            rows = ", ".join(str(int(i) + 2) for i in np.flatnonzero(bad.to_numpy())[:5])
            raise ValueError(f"the '{order}' column holds values that are not dates (rows {rows}): expected "
                             f"{EXPECTED}")
    ordered = frame.assign(_date=when, _row=np.arange(len(frame)))
    ordered = ordered.sort_values([SUBJECT, "_date", "_row"], kind="stable")
    if (pre is None) != (post is None):
        raise ValueError("give both --pre and --post occasions, or neither")
    if pre is None:
        counts = ordered.groupby(SUBJECT, sort=False)[SUBJECT].transform("size")
        ordered = ordered[counts >= 2]
        first = ordered.drop_duplicates(SUBJECT, keep="first")
        last = ordered.drop_duplicates(SUBJECT, keep="last")
    else:
        if OCCASION not in frame.columns:
            raise ValueError(f"--pre/--post need an '{OCCASION}' column")
        first = ordered[ordered[OCCASION] == pre].drop_duplicates(SUBJECT, keep="last")
        last = ordered[ordered[OCCASION] == post].drop_duplicates(SUBJECT, keep="last")
        both = np.intersect1d(first[SUBJECT].to_numpy(), last[SUBJECT].to_numpy())
        first, last = first[first[SUBJECT].isin(both)], last[last[SUBJECT].isin(both)]
    first, last = first.set_index(SUBJECT), last.set_index(SUBJECT)
    last = last.loc[first.index]
    values = responses_to_array(instrument, pd.concat([first, last]).reset_index())
    n = len(first)
    judgments = None
    if instrument.judgment is not None and "judgment" in frame.columns:
        judgments = pd.concat([first, last])["judgment"].fillna("").astype(str).tolist()
    scored = score(instrument, values, judgment=judgments)
    return Pairs(subjects=first.index.to_numpy(), pre_values=values[:n], post_values=values[n:],
                 pre_scores=scored.iloc[:n].reset_index(drop=True), post_scores=scored.iloc[n:].reset_index(drop=True),
                 pre_rows=first.reset_index(), post_rows=last.reset_index())


def default_scores(instrument: Instrument) -> list[str]:
    """The totals an evaluation reports by default: risk, protection and net where they exist."""
    return [s for s in ("risk_total", "protective_total", "net") if s in instrument.score_names]


def change(instrument: Instrument, pairs: Pairs, scores: list[str] | None = None, *,
           reliability: float | None = None, n_boot: int = 0, seed: int = 0, level: float = 0.95,
           group: str | None = None) -> dict[str, dict]:
    """Everything about pre→post change, per score.

    Reliability: ``reliability`` if given, else the definition's for that score, else Cronbach's α of
    the baseline items of the score's domains (reported with ``reliability_source``). Transitions and
    the Bowker test use the assessor's judgment where the instrument has one, else the bands.
    """
    scores = scores or default_scores(instrument)
    unknown = [s for s in scores if s not in instrument.score_names]
    if unknown:
        raise ValueError(f"unknown score(s) {', '.join(unknown)}; scores of {instrument.id}: "
                         f"{', '.join(instrument.score_names)}")
    pre = pairs.pre_scores[scores].to_numpy(float)
    post = pairs.post_scores[scores].to_numpy(float)
    boot_mean = boot_dz = None
    if n_boot:
        diffs = post - pre
        boot_mean = bootstrap_ci(diffs, n_boot, seed, "mean", "bca", level)
        boot_dz = bootstrap_ci(diffs, n_boot, seed, "dz", "bca", level)
    table, test = _transitions(instrument, pairs)
    out = {}
    for j, name in enumerate(scores):
        result = paired_change(pre[:, j], post[:, j], level)
        r, source = reliability_of(instrument, pairs, name, reliability)
        result.update(reliability=r, reliability_source=source)
        if r is not None and result["n"] > 1:
            rc = reliable_change(pre[:, j], post[:, j], r, higher_is_better=instrument.higher_is_better(name),
                                 cutoff=instrument.cutoffs.get(name))
            counts = rc["category"].value_counts()
            result.update(s_diff=rc.attrs["s_diff"], **{f"rci_{c}": int(counts.get(c, 0))
                                                         for c in ("improved", "unchanged", "deteriorated")})
            if "recovered" in rc:
                result["clinically_significant"] = int(rc["recovered"].sum())
        if boot_mean is not None:
            result.update(mean_change_boot_ci=tuple(boot_mean[j]), cohen_dz_boot_ci=tuple(boot_dz[j]),
                          bootstrap=f"BCa, {n_boot} resamples, seed {seed}")
        result.update(transitions=table, bowker_chi2=test.get("chi2"), bowker_df=test.get("df"),
                      bowker_p=test.get("p"))
        if group:
            labels = pairs.pre_rows.get(group)
            if labels is None:
                raise ValueError(f"no column '{group}' for --group")
            result["groups"] = compare_groups(pre[:, j], post[:, j], labels.to_numpy(), reliability=r,
                                              higher_is_better=instrument.higher_is_better(name), level=level)
        out[name] = result
    return out


def reliability_of(instrument: Instrument, pairs: Pairs, name: str,
                   given: float | None = None) -> tuple[float | None, str]:
    """r_xx of a score and where it came from: given, the definition, or Cronbach's α of the baseline."""
    if given is not None:
        return given, "given"
    if name in instrument.reliability:
        return instrument.reliability[name], "definition"
    items = _items_of_score(instrument, name)
    if len(items) >= 2 and len(pairs.pre_values) >= 3:
        columns = [instrument.item_ids.index(i) for i in items]
        alpha, _ = cronbach_alpha(pairs.pre_values[:, columns])
        if 0 < alpha < 1:
            return float(alpha), "cronbach_alpha_baseline"
    return None, "none"


def _items_of_score(instrument: Instrument, name: str) -> list[str]:
    if name in [d.id for d in instrument.domains]:
        return [i.id for i in instrument.domain(name).items]
    wanted = {"risk_total": ("risk", "bipolar"), "protective_total": ("protective", "bipolar"),
              "net": ("risk", "protective", "bipolar")}[name]
    return [i.id for d in instrument.domains if d.direction in wanted for i in d.items]


def _transitions(instrument: Instrument, pairs: Pairs) -> tuple[list[list[int]], dict]:
    # the assessor's judgment where the instrument has one and the sheet holds it (a researcher's own sheet
    # may not have the column at all), else the bands
    judged = instrument.judgment is not None and "judgment" in pairs.pre_scores
    column = "judgment" if judged and pairs.pre_scores["judgment"].notna().any() else "band"
    if column not in pairs.pre_scores or not instrument.risk_levels:
        return [], {}
    table = transitions(pairs.pre_scores[column], pairs.post_scores[column], instrument.risk_levels)
    return table.to_numpy().tolist(), bowker(table.to_numpy())


def per_factor(instrument: Instrument, pairs: Pairs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which factors moved: a summary per item and the pre→post transition counts per item."""
    summary = factor_change_summary(pairs.pre_values, pairs.post_values, instrument.item_ids,
                                    item_improves_upwards(instrument))
    summary.insert(1, "domain", [instrument.item_domain[i].id for i in instrument.item_ids])
    summary.insert(2, "dynamic", [instrument.item_domain[i].dynamic for i in instrument.item_ids])
    levels = [[lv.code for lv in instrument.scales[item.scale].levels] for item in instrument.items]
    positions = [_positions(instrument, item_index, pairs) for item_index in range(len(instrument.items))]
    pre_codes = np.column_stack([p[0] for p in positions])
    post_codes = np.column_stack([p[1] for p in positions])
    return summary, factor_transitions(pre_codes, post_codes, instrument.item_ids, levels)


def _positions(instrument: Instrument, index: int, pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    """Level positions (0, 1, …; −1 = not rated) of one item at pre and post, from its values."""
    scale_values = np.array([lv.value for lv in instrument.scales[instrument.items[index].scale].levels])
    order = np.argsort(scale_values)  # levels need not be listed in increasing value

    def position(values: np.ndarray) -> np.ndarray:
        found = np.clip(np.searchsorted(scale_values[order], values), 0, len(scale_values) - 1)
        return np.where(np.isnan(values), -1, order[found])

    return position(pairs.pre_values[:, index]), position(pairs.post_values[:, index])


def to_json_ready(result: dict) -> dict:
    """Tuples to lists and numpy scalars to Python numbers, NaN to None: for ``json.dumps``."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, (np.integer,)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return None if np.isnan(value) else float(value)
        return value

    return clean(result)


# -- agreement between raters ---------------------------------------------------------------------
def agreement(instrument: Instrument, frame: pd.DataFrame, scores: list[str] | None = None) -> dict:
    """Inter-rater agreement from a frame with one row per (subject, rater).

    Returns ``icc`` (per score: the six ICCs over subjects rated by every rater), ``judgment`` (Cohen's
    kappa unweighted/linear/quadratic for each rater pair, Krippendorff's ordinal alpha over all
    raters) and ``items`` (per item: exact and within-one agreement, ordinal alpha, quadratic kappa of
    the first rater pair).
    """
    from .agreement import agreement_table, cohen_kappa, icc, item_agreement, krippendorff_alpha

    for column in (SUBJECT, "rater"):
        if column not in frame.columns:
            raise ValueError(f"the agreement file needs a '{column}' column (one row per subject and rater)")
    frame = frame.drop_duplicates([SUBJECT, "rater"], keep="last")
    raters = sorted(frame["rater"].astype(str).unique())
    subjects = sorted(frame[SUBJECT].astype(str).unique())
    if len(raters) < 2:
        raise ValueError("agreement needs at least two raters")
    values = responses_to_array(instrument, frame)
    judgments = frame["judgment"].fillna("").astype(str).tolist() if "judgment" in frame else None
    scored = score(instrument, values, judgment=judgments if instrument.judgment else None)
    r_index = frame["rater"].astype(str).map({r: i for i, r in enumerate(raters)}).to_numpy()
    s_index = frame[SUBJECT].astype(str).map({s: i for i, s in enumerate(subjects)}).to_numpy()
    cube = np.full((len(subjects), len(raters), len(instrument.items)), np.nan)
    cube[s_index, r_index] = values
    out: dict = {"subjects": len(subjects), "raters": raters, "icc": {}}
    for name in scores or default_scores(instrument):
        grid = np.full((len(subjects), len(raters)), np.nan)
        grid[s_index, r_index] = scored[name].to_numpy(float)
        complete = grid[~np.isnan(grid).any(axis=1)]
        if len(complete) >= 2:
            table = icc(complete)
            out["icc"][name] = {"n": len(complete), **{t: row.to_dict() for t, row in table.iterrows()}}
    levels = instrument.risk_levels
    column = "judgment" if instrument.judgment is not None and judgments else "band" if instrument.bands else None
    if column:
        level_grid = np.full((len(subjects), len(raters)), np.nan)
        level_index = pd.Categorical(scored[column], categories=levels).codes.astype(float)
        level_index[level_index < 0] = np.nan
        level_grid[s_index, r_index] = level_index
        pairs = {}
        for a in range(len(raters)):
            for b in range(a + 1, len(raters)):
                table = agreement_table(level_grid[:, a], level_grid[:, b], list(range(len(levels))))
                if table.sum():
                    pairs[f"{raters[a]}|{raters[b]}"] = {w: cohen_kappa(table, w)
                                                         for w in ("none", "linear", "quadratic")}
        out[column] = {"levels": levels, "kappa": pairs,
                       "krippendorff_alpha_ordinal": krippendorff_alpha(level_grid.T, "ordinal")}
    steps = np.array([_step(instrument, item) for item in instrument.items])
    per_item = item_agreement(cube, steps)
    per_item.insert(0, "item", instrument.item_ids)
    per_item["krippendorff_alpha_ordinal"] = [
        _safe_alpha(cube[:, :, j].T) for j in range(len(instrument.items))]
    first_pair = [cohen_kappa(agreement_table(cube[:, 0, j], cube[:, 1, j], _scale_values(instrument, item)),
                              "quadratic")["kappa"] if (~np.isnan(cube[:, 0, j]) & ~np.isnan(cube[:, 1, j])).any()
                  else np.nan for j, item in enumerate(instrument.items)]
    per_item["kappa_quadratic_first_pair"] = first_pair
    out["items"] = per_item
    return out


def _scale_values(instrument: Instrument, item) -> list[float]:
    return [lv.value for lv in instrument.scales[item.scale].levels]


def _step(instrument: Instrument, item) -> float:
    values = np.sort(_scale_values(instrument, item))
    return float(np.min(np.diff(values))) if len(values) > 1 else 1.0


def _safe_alpha(data: np.ndarray) -> float:
    from .agreement import krippendorff_alpha

    with np.errstate(invalid="ignore", divide="ignore"):
        try:
            return krippendorff_alpha(data, "ordinal")
        except (ValueError, IndexError, ZeroDivisionError):
            return float("nan")


# -- predictive validity ------------------------------------------------------------------------
def validity(instrument: Instrument, frame: pd.DataFrame, outcome: str, scores: list[str] | None = None) -> dict:
    """AUC with DeLong CI of each score (and of the judgment, as an ordinal rating) for a 0/1 outcome,
    and the DeLong test of the judgment against the first score."""
    from .validity import compare_aucs, roc_auc

    if outcome not in frame.columns:
        raise ValueError(f"no outcome column '{outcome}'")
    y = pd.to_numeric(frame[outcome].replace({"": None, "ja": 1, "nej": 0, "yes": 1, "no": 0}), errors="coerce")
    bad = y.notna() & ~y.isin([0, 1])
    if bad.any() or y.isna().all():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2 if bad.any() else 2
        raise ValueError(f"row {row}, column '{outcome}': expected 0/1 (or ja/nej)")
    values = responses_to_array(instrument, frame)
    judgments = None
    if "judgment" in frame and instrument.judgment:
        judgments = frame["judgment"].fillna("").astype(str).tolist()
    scored = score(instrument, values, judgment=judgments)
    names = scores or [*default_scores(instrument), *[d.id for d in instrument.domains]]
    columns = {n: scored[n].to_numpy(float) for n in names}
    if judgments is not None and scored["judgment"].notna().any():
        level_index = pd.Categorical(scored["judgment"], categories=instrument.risk_levels).codes.astype(float)
        level_index[level_index < 0] = np.nan
        columns["judgment"] = level_index
    keep = y.notna().to_numpy()
    # protective scores predict the absence of the event: orient them so higher = more risk
    oriented = {n: (-v if n != "judgment" and instrument.higher_is_better(n) else v)[keep] for n, v in columns.items()}
    table = roc_auc(y[keep].to_numpy(int), np.column_stack(list(oriented.values())), names=list(oriented))
    table["oriented"] = ["reversed (higher = less risk)" if n != "judgment" and instrument.higher_is_better(n)
                         else "as is" for n in oriented]
    out = {"outcome": outcome, "auc": table}
    if "judgment" in oriented and names:
        out["judgment_vs_" + names[0]] = compare_aucs(y[keep].to_numpy(int), oriented["judgment"], oriented[names[0]])
    return out


def to_frame(result: dict[str, dict]) -> pd.DataFrame:
    """``change`` output as a tidy table, one row per score: (low, high) pairs become ``_low``/``_high``
    columns, nested results (groups) are flattened with ``_``, tables (transitions) kept as JSON text."""
    import json

    def flat(prefix: str, value, row: dict) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                flat(f"{prefix}_{key}" if prefix else str(key), inner, row)
        elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
                isinstance(v, (int, float)) or v is None for v in value):
            row[f"{prefix}_low"], row[f"{prefix}_high"] = value
        elif isinstance(value, (list, tuple)):
            row[prefix] = json.dumps(value)
        else:
            row[prefix] = value

    rows = []
    for name, part in to_json_ready(result).items():
        row = {"score": name}
        flat("", part, row)
        rows.append(row)
    return pd.DataFrame(rows)


def export_frames(inst: Instrument, wide: pd.DataFrame, key_columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A de-identified wide table (keys + item codes) -> (wide with scores, long: one row per item).

    Scores are rounded to three decimals; the long table's ``value`` is the item's numeric value."""
    values = responses_to_array(inst, wide)
    scored = score(inst, values, judgment=wide["judgment"].tolist() if inst.judgment else None)
    wide = pd.concat([wide, scored[inst.score_names].round(3)], axis=1)
    long = wide.melt(id_vars=key_columns, value_vars=inst.item_ids, var_name="item", value_name="code")
    long["value"] = values.T.ravel()  # melt stacks item by item, in item order: the array's columns
    return wide, long
