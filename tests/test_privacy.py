"""Small-cell suppression: no research view or export narrows to fewer than k youths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.disclosure import SUPPRESSED, coarsen_rows, suppress_counts, suppress_matrix


def _cohort(draw_ids, districts, ages, genders) -> pd.DataFrame:
    return pd.DataFrame({"research_id": draw_ids, "district": districts, "age": ages, "gender": genders})


@st.composite
def cohorts(draw):
    n = draw(st.integers(5, 80))
    ids = [f"R{i}" for i in range(n)]
    district = draw(st.lists(st.sampled_from(list("ABCDEFGH")), min_size=n, max_size=n))
    age = draw(st.lists(st.integers(10, 26), min_size=n, max_size=n))
    gender = draw(st.lists(st.sampled_from(["flicka", "pojke", "annat"]), min_size=n, max_size=n))
    repeats = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))  # several occasions per youth
    frame = _cohort(ids, district, age, gender)
    return frame.loc[frame.index.repeat(repeats)].reset_index(drop=True)


@settings(max_examples=150, deadline=None)
@given(cohorts(), st.integers(2, 5))
def test_every_combination_holds_at_least_k_youths_and_only_rare_rows_change(frame, k):
    out = coarsen_rows(frame, "research_id", k)
    sizes = out.astype(str).groupby(["district", "age", "gender"])["research_id"].nunique()
    assert sizes.min() >= k
    assert len(out) == len(frame) and (out["research_id"] == frame["research_id"]).all()
    rare = frame.astype(str).groupby(["district", "age", "gender"])["research_id"].transform("nunique") < k
    if not rare.any():  # nothing to hide: nothing changes
        assert (out.astype(str).to_numpy() == frame.astype(str).to_numpy()).all()
    assert (out.loc[rare, ["district", "age", "gender"]].astype(str).to_numpy()
            != frame.loc[rare, ["district", "age", "gender"]].astype(str).to_numpy()).any(axis=1).all()


def test_fewer_than_k_youths_cannot_be_exported_at_all():
    frame = _cohort(["R1", "R2", "R3"], ["A"] * 3, [14] * 3, ["pojke"] * 3)
    with pytest.raises(ValueError, match="only 3 youths"):
        coarsen_rows(frame, "research_id", 5)


def test_counts_under_k_are_shown_as_less_than_k():
    table = pd.DataFrame({"month": ["2026-01", "2026-02"], "received": [12, 3], "accepted": [0, 5]})
    out = suppress_counts(table, ["received", "accepted"], 5)
    assert out["received"].tolist() == ["12", "< 5"] and out["accepted"].tolist() == [0, 5]
    assert suppress_matrix(np.array([[1, 4], [5, 0]]), 5) == [["< 5", "< 5"], [5, 0]]
    assert SUPPRESSED == "*"


def test_research_page_shows_nothing_of_a_group_under_five(tmp_path, monkeypatch):
    from .app_helpers import RESEARCHER, TODAY, make_database, no_trace, open_page, texts

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    make_database(tmp_path, subjects=30)
    at = open_page("research", user=RESEARCHER)
    tables = len(at.dataframe)
    assert tables >= 1
    district = at.multiselect(key="research_district").options[0]
    at.multiselect(key="research_district").set_value([district]).run()
    at.slider(key="research_ages").set_value((15, 15)).run()
    no_trace(at)
    assert "färre än 5 ungdomar" in texts(at, "warning")
    assert len(at.dataframe) == 0 and len(at.get("download_button")) == 0
    funnel = at.dataframe  # the funnel tab is not drawn either; the funnel elsewhere suppresses its cells
    assert not funnel


def test_cli_export_coarsens_rare_rows_and_refuses_a_tiny_cohort(tmp_path, monkeypatch, capsys):
    import cli
    from store import make_engine, transaction, upgrade
    from store.demo import seed_demo
    from store.users import add_user

    from .actors import SETUP

    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        seed_demo(s, SETUP, n_subjects=40, seed=3, users=False)
        add_user(s, SETUP, "rut.research", display_name="Rut", roles=["researcher"])
    monkeypatch.setenv("INSATS_DATABASE_URL", url)
    out = tmp_path / "out"
    assert cli.main(["--as", "rut.research", "research", "export", "--instrument", "savry-like", "--out", str(out),
                     "--formats", "csv"]) == 0
    wide = pd.read_csv(out / "savry-like-wide.csv", dtype=str)
    assert wide.groupby(["district", "age", "gender"], dropna=False)["research_id"].nunique().min() >= 5
    assert "at least 5 youths" in capsys.readouterr().out
    monkeypatch.setenv("INSATS_MIN_CELL", "500")
    assert cli.main(["--as", "rut.research", "research", "export", "--instrument", "savry-like", "--out",
                     str(tmp_path / "none"), "--formats", "csv"]) == 2
    assert "fewer than 500" in capsys.readouterr().err and not (tmp_path / "none").exists()
    engine.dispose()
