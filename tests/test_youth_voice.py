"""The youth's own voice (#14 item 7): the self-report beside the assessor's ratings of the same factors
(the instrument's ``companion``), disagreements marked for the conversation; and, at closing, a short
experience questionnaire for the youth and the parents whose answers reach the research page."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

import instruments
from scoring.companion import compare_with_companion
from scoring.experience import question_summary
from store import cases, transaction
from store.models import Assessment

from .app_helpers import AS_USER, RESEARCHER, SYSTEM, TODAY, no_trace, open_page, texts

YOUTH, WORKER = instruments.load("bip-like"), instruments.load("bip-like-caseworker")


def test_the_comparison_marks_factors_half_a_scale_apart():
    youth = {i: "4" for i in YOUTH.item_ids} | {"J1": "5", "J2": "2"}
    worker = {i: "4" for i in WORKER.item_ids} | {"J1": "2", "J2": "3", "J3": None}
    table = compare_with_companion(WORKER, worker, YOUTH, youth)
    row = table.set_index("item")
    assert (row.loc["J1", "own"], row.loc["J1", "companion"], row.loc["J1", "difference"]) == (2, 5, -3)
    assert bool(row.loc["J1", "disagree"]) and not bool(row.loc["J2", "disagree"])  # 3 apart vs 1 apart on 1-5
    assert np.isnan(row.loc["J3", "own"]) and not bool(row.loc["J3", "disagree"])  # not rated: nothing to say
    assert list(table["item"]) == WORKER.item_ids


def test_the_question_summary_agrees_with_counting_by_hand():
    inst = instruments.load("experience-youth")
    rng = np.random.default_rng(4)
    answers = pd.DataFrame(rng.choice(["1", "2", "3", "4", "5", ""], size=(40, 6)), columns=inst.item_ids)
    summary = question_summary(inst, answers).set_index("item")
    for item in inst.item_ids:
        given = pd.to_numeric(answers[item].replace("", np.nan))
        assert summary.loc[item, "n"] == given.notna().sum()
        assert summary.loc[item, "mean"] == given.mean()
        assert summary.loc[item, "agree_share"] == (given >= 4).sum() / given.notna().sum()


def _final(s, youth, instrument_id, ratings, on=TODAY, occasion="baseline"):
    draft = cases.save_draft(s, AS_USER, youth, instrument_id, occasion=occasion, assessed_on=on, ratings=ratings)
    return cases.finalise(s, AS_USER, draft)


def test_the_assessment_page_shows_the_youths_view_beside_the_caseworkers(app_engine):
    engine = app_engine
    with transaction(engine) as s:
        youth = cases.create_subject(s, SYSTEM)
        _final(s, youth, "bip-like", {i: "4" for i in YOUTH.item_ids} | {"J1": "5"}, on=TODAY - timedelta(days=2))
        draft = cases.save_draft(s, AS_USER, youth, "bip-like-caseworker", occasion="baseline", assessed_on=TODAY,
                                 ratings={i: "4" for i in WORKER.item_ids} | {"J1": "1"})
        code, draft_id = youth.case_code, draft.id
    at = open_page("assessment", case=code, assessment_id=draft_id)
    no_trace(at)
    assert "Ungdomens egen skattning" in [h.value for h in at.header]
    assert "Ni ser olika på: J1" in texts(at, "warning")
    table = next(d.value for d in at.dataframe if "Att prata om" in d.value.columns)
    assert table.loc[table["Att prata om"] == "Ja", "Faktor"].str.startswith("J1").all()


def test_experience_answers_reach_the_research_page_counted_over_many(app_engine):
    engine = app_engine
    inst = instruments.load("experience-youth")
    with transaction(engine) as s:
        for k in range(6):
            youth = cases.create_subject(s, SYSTEM, birth_year=TODAY.year - 16)
            answers = {i: str(1 + (k + n) % 5) for n, i in enumerate(inst.item_ids)} | ({"U6": None} if k < 3 else {})
            _final(s, youth, inst.id, answers, occasion="closing")
    at = open_page("research", user=RESEARCHER, research_instrument=inst.id)
    no_trace(at)
    table = next(d.value for d in at.dataframe if "Fråga" in d.value.columns).set_index("Fråga")
    assert table.loc["Jag blev lyssnad på i nätverksmötena", "Svar"] == "6"
    assert table.loc["Jag skulle tipsa en kompis i samma läge om SIG", "Svar"] == "< 5"  # three answered
    assert table.loc["Jag skulle tipsa en kompis i samma läge om SIG", "Medel (1–5)"] == "–"


def test_the_closing_tab_starts_the_youths_questionnaire(app_engine):
    engine = app_engine
    with transaction(engine) as s:
        code = cases.create_subject(s, SYSTEM).case_code
    at = open_page("case", case=code, case_tab="Avslut")
    at.button(key="experience:experience-youth").click().run()
    no_trace(at)
    with transaction(engine) as s:
        draft = s.scalars(select(Assessment).where(Assessment.instrument_id == "experience-youth")).one()
        assert (draft.status, draft.occasion) == ("draft", "closing")
