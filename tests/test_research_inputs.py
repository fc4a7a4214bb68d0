"""A researcher's own sheet: no judgment column, degenerate data and impossible dates get an answer or a
clear error, never a KeyError or numpy's warnings on the terminal."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import instruments
from scoring.research import change, pair_occasions

SAVRY = instruments.load("savry-like")


def _sheet(post_level: str = "L", dates=("2025-01-10", "2025-06-01")) -> pd.DataFrame:
    rows = []
    for subject in ("a", "b", "c"):
        for day, level in zip(dates, ("L", post_level), strict=True):
            rows.append({"subject_id": subject, "assessed_on": day,
                         **{i: "A" if i.startswith("P") else level for i in SAVRY.item_ids}})
    return pd.DataFrame(rows)


def test_a_sheet_without_judgments_uses_the_bands_and_degenerate_data_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would fail here
        result = change(SAVRY, pair_occasions(SAVRY, _sheet()), n_boot=0)
    assert result["risk_total"]["n"] == 3 and result["risk_total"]["mean_change"] == 0


def test_an_impossible_date_is_an_error_naming_the_rows_not_a_silent_post():
    """The review: a row dated 2025-13-40 was taken as the post assessment over a real 2025-06-01 row."""
    sheet = _sheet(dates=("2025-06-01", "2025-13-40"))
    with pytest.raises(ValueError, match=r"not dates \(rows 3, 5, 7\): expected a date as YYYY-MM-DD"):
        pair_occasions(SAVRY, sheet)
