"""`insats research` end to end: change, agreement, validity on files, and the de-identified export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select

import instruments
from scoring import research
from scoring.change import paired_change
from services.research_outcomes import outcomes_before_after
from store import Actor, make_engine, transaction, upgrade
from store.demo import seed_demo
from store.models import AuditEntry
from store.research import assessments_for_research

from .app_helpers import ROOT

SAVRY = instruments.load("savry-like")
ISSUE_KEYS = ["n", "pre_mean", "post_mean", "mean_change", "mean_change_ci", "t", "t_p", "wilcoxon_w", "wilcoxon_p",
              "rank_biserial", "cohen_dz", "cohen_dz_ci", "hedges_g_av", "hedges_g_av_ci", "reliability", "s_diff",
              "rci_improved", "rci_unchanged", "rci_deteriorated", "transitions", "bowker_chi2", "bowker_df",
              "bowker_p"]


def cohort(n: int = 80, seed: int = 1) -> pd.DataFrame:
    """A wide file: baseline, a middle follow-up and a closing assessment per subject; most improve."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n):
        theta = rng.normal(0.8, 0.6)
        for t, occasion in enumerate(["baseline", "follow-up", "closing"]):
            level = theta - 0.35 * t * rng.random()
            row = {"subject_id": f"S{s:03d}", "occasion": occasion, "assessed_on": f"2026-0{1 + 3 * t}-15",
                   "group": "sig" if s % 2 else "comparison"}
            for item in SAVRY.items:
                if SAVRY.item_domain[item.id].direction == "protective":
                    row[item.id] = "P" if rng.random() > 0.5 + level / 3 else "A"
                else:
                    row[item.id] = "LMH"[int(np.clip(round(level + rng.normal(0, 0.5)), 0, 2))]
            row["judgment"] = ["low", "moderate", "high"][int(np.clip(round(level + 0.5), 0, 2))]
            rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)  # file order must not matter


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=cwd)


def test_pairing_takes_first_and_last_by_date_or_named_occasions():
    frame = cohort(10)
    pairs = research.pair_occasions(SAVRY, frame)
    assert len(pairs.subjects) == 10
    assert set(pairs.pre_rows["occasion"]) == {"baseline"} and set(pairs.post_rows["occasion"]) == {"closing"}
    middle = research.pair_occasions(SAVRY, frame, "baseline", "follow-up")
    assert set(middle.post_rows["occasion"]) == {"follow-up"}
    with pytest.raises(ValueError, match="both --pre and --post"):
        research.pair_occasions(SAVRY, frame, "baseline", None)


def test_change_reports_every_key_and_equals_the_building_blocks():
    frame = cohort()
    pairs = research.pair_occasions(SAVRY, frame)
    result = research.change(SAVRY, pairs, n_boot=500, seed=3, group="group")
    risk = result["risk_total"]
    assert [k for k in ISSUE_KEYS if k not in risk] == []
    expected = paired_change(pairs.pre_scores["risk_total"], pairs.post_scores["risk_total"])
    assert risk["t"] == pytest.approx(expected["t"]) and risk["cohen_dz"] == pytest.approx(expected["cohen_dz"])
    assert risk["reliability"] == 0.83 and risk["reliability_source"] == "definition"
    assert risk["rci_improved"] + risk["rci_unchanged"] + risk["rci_deteriorated"] == risk["n"] == 80
    assert np.array(risk["transitions"]).sum() == 80 and risk["bowker_df"] == 3
    low, high = risk["mean_change_boot_ci"]
    assert low < risk["mean_change"] < high
    assert risk["groups"]["groups"] == ["comparison", "sig"]
    assert result["protective_total"]["reliability_source"] == "definition"


def test_reliability_is_estimated_from_the_baseline_when_the_definition_has_none():
    pairs = research.pair_occasions(SAVRY, cohort())
    out = research.change(SAVRY, pairs, ["social"])
    assert out["social"]["reliability_source"] == "cronbach_alpha_baseline" and 0 < out["social"]["reliability"] < 1
    given = research.change(SAVRY, pairs, ["social"], reliability=0.7)
    assert given["social"]["reliability"] == 0.7 and given["social"]["reliability_source"] == "given"


def test_per_factor_change_sees_that_static_factors_are_what_they_are():
    pairs = research.pair_occasions(SAVRY, cohort())
    summary, table = research.per_factor(SAVRY, pairs)
    assert list(summary["item"]) == SAVRY.item_ids and summary["n"].eq(80).all()
    assert table.groupby("item")["n"].sum().eq(80).all()
    assert set(summary.loc[summary["dynamic"], "domain"]) == {"social", "individual", "protective"}


def test_cli_change_json_and_csv(tmp_path):
    path = tmp_path / "cohort.csv"
    cohort().to_csv(path, index=False)
    done = run("research", "change", "--instrument", "savry-like", str(path), "--bootstrap", "200", "--seed", "1")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"risk_total", "protective_total"}
    assert [k for k in ISSUE_KEYS if k not in out["risk_total"]] == []
    assert len(out["risk_total"]["transitions"]) == 3
    again = run("research", "change", "--instrument", "savry-like", str(path), "--bootstrap", "200", "--seed", "1")
    assert json.loads(again.stdout) == out  # seeded: reproducible to the last digit
    csv = run("research", "change", "--instrument", "savry-like", str(path), "--score", "risk_total",
              "--pre", "baseline", "--post", "follow-up", "--format", "csv", "--group", "group")
    table = pd.read_csv(pd.io.common.StringIO(csv.stdout))
    assert table["score"].tolist() == ["risk_total"] and {"mean_change_ci_low", "groups_welch_p"} <= set(table)


def test_cli_change_bad_input_is_a_clear_error(tmp_path):
    frame = cohort(5)
    frame.loc[3, "H2"] = "X"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    done = run("research", "change", "--instrument", "savry-like", str(path))
    assert done.returncode == 2 and "H2" in done.stderr and "'X'" in done.stderr and "Traceback" not in done.stderr
    cohort(5).drop(columns=["subject_id"]).to_csv(path, index=False)
    done = run("research", "change", "--instrument", "savry-like", str(path))
    assert done.returncode == 2 and "subject_id" in done.stderr
    done = run("research", "change", "--instrument", "savry-like", str(path.with_name("missing.csv")))
    assert done.returncode == 2 and "file not found" in done.stderr
    cohort(5).to_csv(path, index=False)
    done = run("research", "change", "--instrument", "savry-like", str(path), "--score", "nonsense")
    assert done.returncode == 2 and "unknown score" in done.stderr


def test_cli_agreement_and_validity(tmp_path):
    frame = cohort(60)
    base = frame[frame["occasion"] == "baseline"].copy()
    second = base.copy()
    rng = np.random.default_rng(0)
    flip = rng.random(len(second)) < 0.2
    second.loc[flip, "I1"] = "M"
    raters = pd.concat([base.assign(rater="anna"), second.assign(rater="omar")])
    path = tmp_path / "raters.csv"
    raters.to_csv(path, index=False)
    done = run("research", "agreement", "--instrument", "savry-like", str(path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["raters"] == ["anna", "omar"] and out["icc"]["risk_total"]["n"] == 60
    assert out["icc"]["risk_total"]["ICC(2,1)"]["icc"] > 0.9
    assert out["judgment"]["kappa"]["anna|omar"]["quadratic"]["kappa"] == pytest.approx(1.0)
    items = {row["item"]: row for row in out["items"]}
    assert items["H1"]["exact"] == 1.0 and items["I1"]["exact"] < 1.0

    scored = base.assign(reoffended=(base["judgment"] == "high").astype(int))
    scored.to_csv(path, index=False)
    done = run("research", "validity", "--instrument", "savry-like", str(path), "--outcome", "reoffended")
    assert done.returncode == 0, done.stderr
    aucs = {row["score"]: row for row in json.loads(done.stdout)["auc"]}
    assert aucs["judgment"]["auc"] == 1.0 and 0.5 < aucs["risk_total"]["auc"] <= 1.0
    assert aucs["protective_total"]["oriented"].startswith("reversed")
    scored.assign(reoffended="kanske").to_csv(path, index=False)
    done = run("research", "validity", "--instrument", "savry-like", str(path), "--outcome", "reoffended")
    assert done.returncode == 2 and "row 2, column 'reoffended'" in done.stderr


@pytest.fixture
def demo_store(tmp_path, monkeypatch):
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_SECRET_KEY", "research-test-key-0123456789-abcdefghijklmnop")
    engine = make_engine(f"sqlite:///{tmp_path / 'insats.sqlite'}")
    upgrade(engine)
    with transaction(engine) as s:
        seed_demo(s, Actor("setup", "system"), n_subjects=60, today=date(2026, 11, 23), seed=5)
    yield engine
    engine.dispose()


def test_export_is_de_identified_in_every_format(demo_store, tmp_path):
    out = tmp_path / "export"
    done = subprocess.run([sys.executable, "-m", "cli", "research", "export", "--instrument", "savry-like",
                           "--out", str(out)], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "INSATS_USER": "demo.forskare"})
    assert done.returncode == 0, done.stderr
    wide = pd.read_csv(out / "savry-like-wide.csv", dtype={"age": str, "district": str, "gender": str})
    text = (out / "savry-like-wide.csv").read_text() + (out / "savry-like-long.csv").read_text()
    assert "DEMO-" not in text and "Syntetisk" not in text and "demo." not in text  # codes, text, raters
    assert wide["research_id"].str.match(r"^R[0-9a-f]{10}$").all()
    ages = pd.to_numeric(wide["age"], errors="coerce")
    assert ages.dropna().between(10, 25).all() and "birth_year" not in wide
    assert wide.loc[ages.isna(), "age"].isin(["*", "12–14", "15–17", "18–20", "21–24"]).all()  # coarsened rows
    assert wide.groupby(["district", "age", "gender"])["research_id"].nunique().min() >= 5
    assert {"risk_total", "protective_total", "judgment", "days_from_first"} <= set(wide.columns)
    parquet = pd.read_parquet(out / "savry-like-long.parquet")
    assert len(parquet) == len(wide) * len(SAVRY.items) and parquet["value"].dropna().isin([0, 1, 2]).all()
    sav, meta = pyreadstat.read_sav(str(out / "savry-like-wide.sav"))
    assert meta.variable_value_labels["H1"] == {0.0: "Låg", 1.0: "Måttlig", 2.0: "Hög"}
    assert meta.variable_value_labels["judgment"][2.0] == "Hög risk"
    assert sav["H1"].dropna().isin([0, 1, 2]).all() and len(sav) == len(wide)


def test_export_ids_are_unlinkable_between_exports_and_audited(engine):
    researcher = Actor("rita", "researcher")
    with transaction(engine) as s:
        seed_demo(s, Actor("setup", "system"), n_subjects=40, today=date(2026, 11, 23), seed=5)
    with transaction(engine) as s:
        first = assessments_for_research(s, researcher, "savry-like")
        second = assessments_for_research(s, researcher, "savry-like")
        same_key = assessments_for_research(s, researcher, "savry-like", key=b"k")
        again = assessments_for_research(s, researcher, "savry-like", key=b"k")
    assert not set(first["research_id"]) & set(second["research_id"])
    assert same_key["research_id"].tolist() == again["research_id"].tolist()
    with transaction(engine) as s:
        exported = s.scalars(select(AuditEntry).where(AuditEntry.entity == "research")).all()
    assert len({e.subject_id for e in exported}) == first["research_id"].nunique()
    assert {e.role for e in exported} == {"researcher"}


def test_outcomes_before_and_after_the_start(engine):
    with transaction(engine) as s:
        seed_demo(s, Actor("setup", "system"), n_subjects=60, today=date(2026, 11, 23), seed=5)
    with transaction(engine) as s:
        frame = outcomes_before_after(s, Actor("rita", "researcher"))
    # the follow-up report's definition (rules.before_after): every started youth with outcome periods, the
    # whole 12-month window before the start at risk, periods across the start split by day
    assert len(frame) > 5 and (frame["months_before"] == 12).all() and (frame["months_after"] <= 12).all()
    assert np.allclose(frame["police_reports_per_month_before"], frame["police_reports_before"] / 12)
    result = paired_change(frame["police_reports_per_month_before"], frame["police_reports_per_month_after"])
    assert result["n"] == len(frame.dropna(subset=["police_reports_per_month_after"]))
