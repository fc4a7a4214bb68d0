"""What people type is read through one table (rules/words.py): outcome words in any case and in Swedish,
``studies`` kept for ``training``, referral sources with ``fritid``; the imports on both engines."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select

import cli
from rules.words import SPELLINGS, code_of, codes_of
from store import transaction
from store.models import OCCUPATIONS, PLACEMENTS, REFERRAL_SOURCES, Outcome, Referral

from .test_followup import _coordinator, _write

VOCABULARY = {"occupation": OCCUPATIONS, "placement": PLACEMENTS, "source": REFERRAL_SOURCES}
OUTCOME_HEADER = "case_code,period_start,period_end,police_reports,placement,placement_days,placement_cost,occupation"
REFERRAL_HEADER = "case_code,source,received_on,suitable,decided_on,asked_on,answer,answered_on"


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARY))
def test_every_spelling_leads_to_a_stored_code_and_every_code_is_taken_as_itself(vocabulary):
    table = SPELLINGS[vocabulary]
    assert set(table.values()) == set(VOCABULARY[vocabulary])  # no code without words, no word to nowhere
    for code in VOCABULARY[vocabulary]:
        assert code_of(vocabulary, code) == code and code_of(vocabulary, code.upper()) == code
    assert all(word == word.casefold() for word in table)  # the keys are what casefold() compares with


@pytest.mark.parametrize(("vocabulary", "typed", "code"), [
    ("occupation", "Skola", "school"), ("occupation", "ARBETE", "work"), ("occupation", "studier", "training"),
    ("occupation", "Studies", "training"), ("occupation", " ingen ", "none"), ("placement", "sis", "SiS"),
    ("placement", "hvb", "HVB"), ("placement", "Familjehem", "family_home"), ("placement", "INGEN", "none"),
    ("source", "Fritid", "fritid"), ("source", "fritidsgården", "fritid"), ("source", "Fältassistenter",
                                                                             "faltassistenter"),
])
def test_swedish_words_and_any_case_are_read_as_the_code(vocabulary, typed, code):
    assert code_of(vocabulary, typed) == code
    assert codes_of(vocabulary, pd.Series([typed, "kanske"])).tolist()[0] == code


def test_an_unknown_word_is_none_and_an_empty_cell_is_the_default():
    assert code_of("occupation", "fotboll") is None and code_of("occupation", "", empty="none") == "none"
    column = codes_of("placement", pd.Series(["", "fängelse", "SIS"]), empty="none")
    assert column.iloc[0] == "none" and pd.isna(column.iloc[1]) and column.iloc[2] == "SiS"


def test_the_outcome_import_takes_swedish_words_in_any_case(engine, tmp_path, monkeypatch, capsys):
    _coordinator(engine, monkeypatch)
    rows = [f"SIG-W{i},polis,2026-01-10,,,,," for i in range(1, 5)]
    assert cli.main(["--as", "sam.samordnare", "referrals", "import",
                     _write(tmp_path / "r.csv", REFERRAL_HEADER, rows)]) == 0
    outcomes = ["SIG-W1,2025-01-01,2025-03-31,0,sis,10,5000,Skola",
                "SIG-W2,2025-01-01,2025-03-31,0,HVB,5,4000,studier",
                "SIG-W3,2025-01-01,2025-03-31,0,Familjehem,3,3000,studies",
                "SIG-W4,2025-01-01,2025-03-31,1,ingen,0,0,ARBETE"]
    path = _write(tmp_path / "o.csv", OUTCOME_HEADER, outcomes)
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", path]) == 0
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", path]) == 0  # again: nothing doubles
    with transaction(engine) as s:
        stored = s.execute(select(Outcome.placement, Outcome.occupation).order_by(Outcome.subject_id)).all()
    assert [tuple(r) for r in stored] == [("SiS", "school"), ("HVB", "training"), ("family_home", "training"),
                                          ("none", "work")]


def test_an_unknown_outcome_word_is_named_with_the_words_expected(engine, tmp_path, monkeypatch, capsys):
    _coordinator(engine, monkeypatch)
    assert cli.main(["--as", "sam.samordnare", "referrals", "import",
                     _write(tmp_path / "r.csv", REFERRAL_HEADER, ["SIG-X1,polis,2026-01-10,,,,,"])]) == 0
    bad = _write(tmp_path / "o.csv", OUTCOME_HEADER, ["SIG-X1,2025-01-01,2025-03-31,0,fängelse,10,,fotboll"])
    capsys.readouterr()
    assert cli.main(["--as", "sam.samordnare", "outcomes", "import", bad]) == 2
    err = capsys.readouterr().err
    assert "row 2, column 'placement': 'fängelse'" in err and "familjehem" in err
    assert "row 2, column 'occupation': 'fotboll'" in err and "training (studies, studier" in err
    assert "no price per day" not in err  # an unknown placement is named once, not priced
    with transaction(engine) as s:
        assert s.scalar(select(Outcome.id)) is None


def test_fritid_is_a_referral_source_in_the_import_and_in_words(engine, tmp_path, monkeypatch, capsys):
    from catalogue import words

    _coordinator(engine, monkeypatch)
    rows = ["SIG-F1,Fritid,2026-01-10,,,,,", "SIG-F2,fritidsgården,2026-01-11,,,,,"]
    assert cli.main(["--as", "sam.samordnare", "referrals", "import",
                     _write(tmp_path / "r.csv", REFERRAL_HEADER, rows)]) == 0
    with transaction(engine) as s:
        assert s.scalars(select(Referral.source)).all() == ["fritid", "fritid"]
    assert words("fritid", "sv", "source_") == "Fritid" and words("fritid", "en", "source_") == "Leisure"


def test_the_funnel_counts_starts_in_their_month(engine, tmp_path, monkeypatch, capsys):
    _coordinator(engine, monkeypatch)
    header = REFERRAL_HEADER + ",started_on"
    rows = ["SIG-S1,polis,2026-01-10,ja,2026-01-12,2026-01-15,ja,2026-01-20,2026-02-02",
            "SIG-S2,skola,2026-01-11,ja,2026-01-12,2026-01-15,ja,2026-01-21,2026-03-01",
            "SIG-S3,skola,2026-01-11,ja,2026-01-12,2026-01-15,ja,2026-01-21,"]
    assert cli.main(["--as", "sam.samordnare", "referrals", "import", _write(tmp_path / "r.csv", header, rows)]) == 0
    capsys.readouterr()
    assert cli.main(["--as", "sam.samordnare", "report", "funnel", "--format", "json"]) == 0
    months = {m["month"]: m for m in json.loads(capsys.readouterr().out)}
    assert [months[m]["started"] for m in ("2026-01", "2026-02", "2026-03")] == [0, 1, 1]
    assert months["2026-01"]["accepted"] == 3


@pytest.mark.parametrize(("lang", "started", "leisure"), [("sv", "Startade", "Fritid"), ("en", "Started", "Leisure")])
def test_inkorg_shows_the_started_column_and_fritid_in_words(app_engine, lang, started, leisure):
    from store.imports import import_referrals

    from .app_helpers import SYSTEM, TODAY, no_trace, open_page

    day = TODAY.replace(day=1).isoformat()
    frame = pd.DataFrame([{"case_code": f"SIG-AT{i}", "source": "fritid", "received_on": day, "suitable": "ja",
                           "decided_on": day, "asked_on": day, "answer": "ja", "answered_on": day,
                           "started_on": day if i < 2 else ""} for i in range(3)])
    with transaction(app_engine) as s:
        assert import_referrals(s, SYSTEM, frame).imported == 3
    at = open_page("intake", lang=lang, intake_view="funnel")
    no_trace(at)
    funnel = next(d.value for d in at.dataframe if started in d.value.columns)
    assert funnel[started].astype(int).tolist() == [2]
    queue = open_page("intake", lang=lang)
    no_trace(queue)
    shown = " ".join(str(v) for d in queue.dataframe for v in d.value.to_numpy().ravel())
    assert leisure in shown and "fritid" not in shown.replace(leisure, "")
