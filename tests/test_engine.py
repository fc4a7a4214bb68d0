"""The vectorised engine equals the slow reference scorer, and handles codes, judgments, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import instruments
import scoring
from scoring import engine

from .builders import T, load_dict, minimal
from .reference import score_one

VALUES = st.one_of(st.integers(-3, 6).map(float), st.sampled_from([0.5, -0.5, 1.5, 0.1, 2.25, 10.0]))


@st.composite
def random_instrument(draw):
    scales = {}
    for s in range(draw(st.integers(1, 3))):
        values = draw(st.lists(VALUES, min_size=2, max_size=6, unique=True))
        scales[f"s{s}"] = {"levels": [{"code": f"c{i}", "value": v, "label": T(f"l{i}")} for i, v in enumerate(values)]}
    domains, counter = [], 0
    for d in range(draw(st.integers(1, 4))):
        items = []
        for _ in range(draw(st.integers(1, 6))):
            counter += 1
            scale = draw(st.sampled_from(sorted(scales)))
            items.append({"id": f"i{counter}", "label": T(f"i{counter}"), "scale": scale})
        domains.append({"id": f"d{d}", "label": T(f"d{d}"), "dynamic": True, "items": items,
                        "direction": draw(st.sampled_from(["risk", "protective", "bipolar"]))})
    max_omitted = draw(st.one_of(st.none(), st.integers(0, counter - 1)))
    data = minimal(scales=scales, domains=domains, bands=[],
                   omission={"max_omitted": max_omitted, "prorate": draw(st.booleans())})
    return load_dict(data)


def random_responses(inst, n, seed, p_omit):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.choice(inst.scales[it.scale].values, n) for it in inst.items]).astype(float)
    X[rng.random(X.shape) < p_omit] = np.nan
    return X


def assert_matches_reference(inst, X, result):
    for row in range(X.shape[0]):
        expected = score_one(inst, dict(zip(inst.item_ids, X[row], strict=True)))
        for key, value in expected.items():
            got = result[key].iloc[row]
            if key == "band":
                assert (None if pd.isna(got) else got) == value, (row, key)
            elif isinstance(value, bool):
                assert bool(got) == value, (row, key)
            elif math.isnan(value):
                assert math.isnan(got), (row, key, got)
            else:
                assert got == pytest.approx(value, rel=1e-12, abs=1e-12), (row, key)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(inst=random_instrument(), n=st.integers(1, 30), seed=st.integers(0, 2**32 - 1),
       p_omit=st.sampled_from([0.0, 0.1, 0.5, 1.0]))
def test_engine_equals_reference_on_random_instruments(inst, n, seed, p_omit, monkeypatch):
    monkeypatch.setattr(engine, "BLOCK_ROWS", 7)  # several blocks and a shorter last one
    X = random_responses(inst, n, seed, p_omit)
    assert_matches_reference(inst, X, scoring.score(inst, X))


@pytest.mark.parametrize("instrument_id", instruments.available())
def test_engine_equals_reference_on_shipped_instruments(instrument_id):
    inst = instruments.load(instrument_id)
    X = random_responses(inst, 300, seed=7, p_omit=0.08)
    assert_matches_reference(inst, X, scoring.score(inst, X))


def test_prorating_a_worked_example():
    # IRK-8: 5 of the 7 answered items are Ja, one is Vet ej -> 5 * 8 / 7
    inst = instruments.load("irk-8")
    frame = pd.DataFrame([["Ja", "Ja", "Nej", "Ja", "Vet ej", "Ja", "Nej", "Ja"]], columns=inst.item_ids)
    row = scoring.score(inst, frame).iloc[0]
    assert row["risk_total"] == pytest.approx(5 * 8 / 7)
    assert row["omitted"] == 1 and row["valid"] and row["band"] == "high"
    assert row["n_yes_no_Ja"] == 5 and row["n_yes_no_Nej"] == 2
    assert "protective_total" not in row.index


def test_too_many_omissions_make_the_assessment_invalid_and_unscored():
    inst = instruments.load("irk-8")
    frame = pd.DataFrame([["Ja"] * 4 + ["Vet ej"] * 4], columns=inst.item_ids)
    row = scoring.score(inst, frame).iloc[0]
    assert not row["valid"] and row["omitted"] == 4
    assert math.isnan(row["risk_total"]) and pd.isna(row["band"])


def test_bipolar_instrument_reports_risk_protection_and_net():
    inst = instruments.load("ester-like")
    codes = ["R2", "R1", "0", "S1", "S2"] * 3 + ["R2", "R2", "S2", "0"]
    row = scoring.score(inst, pd.DataFrame([codes], columns=inst.item_ids)).iloc[0]
    assert row["risk_total"] == 2 * 3 + 1 * 3 + 4  # R2 x5, R1 x3
    assert row["protective_total"] == 1 * 3 + 2 * 3 + 2
    assert row["net"] == row["risk_total"] - row["protective_total"]
    assert row["behaviour"] == 2 + 1 + 0 - 1 - 2 + 2 + 1


def test_codes_values_and_omission_codes_are_equivalent():
    inst = instruments.load("savry-like")
    codes = ["H", "M", "L"] * 8 + ["P", "A", "P", "", "?", "NA"]
    values = [2, 1, 0] * 8 + [1, 0, 1, np.nan, np.nan, np.nan]
    by_code = scoring.score(inst, pd.DataFrame([codes], columns=inst.item_ids))
    by_value = scoring.score(inst, pd.DataFrame([values], columns=inst.item_ids))
    by_array = scoring.score(inst, np.array([values], dtype=float))
    pd.testing.assert_frame_equal(by_code, by_value)
    pd.testing.assert_frame_equal(by_code.reset_index(drop=True), by_array)


def test_bad_cells_are_all_reported_with_row_column_value_and_allowed_codes():
    inst = instruments.load("savry-like")
    rows = [["L"] * 24 + ["A"] * 6 for _ in range(3)]
    rows[1][2] = "X"
    rows[2][29] = "7"
    with pytest.raises(scoring.ResponseError) as caught:
        scoring.responses_to_array(inst, pd.DataFrame(rows, columns=inst.item_ids), first_row=2)
    first, second = caught.value.errors
    assert (first.row, first.column, first.value) == (3, "H3", "X")
    assert "L (=0), M (=1), H (=2)" in first.expected
    assert (second.row, second.column, second.value) == (4, "P6", "7")
    assert "A (=0), P (=1)" in second.expected


def test_values_off_the_scale_in_an_array_are_refused():
    inst = instruments.load("savry-like")
    X = np.zeros((5, 30))
    X[3, 4] = 3.0  # lmh has no 3
    X[1, 29] = 0.5
    with pytest.raises(scoring.ResponseError) as caught:
        scoring.score(inst, X)
    assert {(e.row, e.column) for e in caught.value.errors} == {(1, "P6"), (3, "H5")}


def test_wrong_array_shape_is_refused():
    with pytest.raises(ValueError, match=r"shape \(n, 30\)"):
        scoring.score(instruments.load("savry-like"), np.zeros((2, 29)))


def test_missing_item_columns_are_an_error_unless_allowed():
    inst = instruments.load("irk-8")
    frame = pd.DataFrame([["Ja"] * 7], columns=inst.item_ids[:7])
    with pytest.raises(scoring.ResponseError, match="K8"):
        scoring.score(inst, frame)
    row = scoring.score(inst, frame, allow_missing_items=True).iloc[0]
    assert row["omitted"] == 1 and row["risk_total"] == pytest.approx(8.0)


def test_judgment_is_returned_unchanged_and_discordance_is_flagged():
    inst = instruments.load("savry-like")
    low = [0] * 24 + [1] * 6  # risk_total 0 -> band low
    high = [2] * 24 + [0] * 6  # risk_total 48 -> band high
    X = np.array([low, low, high, high, low], dtype=float)
    result = scoring.score(inst, X, judgment=["high", "moderate", "Låg risk", "HIGH", ""])
    assert list(result["judgment"].astype(object).where(result["judgment"].notna(), None)) == [
        "high", "moderate", "low", "high", None
    ]
    assert list(result["discordant"]) == [True, False, True, False, pd.NA]
    assert list(result["band"]) == ["low", "low", "high", "high", "low"]


def test_unknown_judgment_is_refused():
    inst = instruments.load("savry-like")
    with pytest.raises(scoring.ResponseError, match="judgment"):
        scoring.score(inst, np.zeros((1, 30)), judgment=["very high"])


def test_an_instrument_without_bands_has_no_band_column():
    inst = instruments.load("bip-like")
    result = scoring.score(inst, np.full((2, 8), 3.0))
    assert "band" not in result and list(result["protective_total"]) == [24.0, 24.0]


def test_non_integer_scale_values_use_exact_float64():
    data = minimal(scales={"yn": {"levels": [{"code": "N", "value": 0.1, "label": T("n")},
                                              {"code": "J", "value": 0.7, "label": T("j")}]}}, bands=[])
    inst = load_dict(data)
    result = scoring.score(inst, np.array([[0.7, 0.7, 0.1]]))
    assert result["risk_total"].iloc[0] == pytest.approx(1.4, abs=1e-15)


def test_empty_input_gives_an_empty_frame():
    inst = instruments.load("savry-like")
    result = scoring.score(inst, np.empty((0, 30)))
    assert len(result) == 0 and "risk_total" in result
