"""RBM matching: scenarios with their expected outcome written out, and properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cli
import instruments
from catalogue import STRINGS, phrase
from scoring.matching import Profile, match, plan_draft

SAVRY = instruments.load("savry-like")
CATALOGUE = instruments.load_catalogue()


def savry(**rated: str) -> dict[str, str]:
    """A savry-like assessment: everything low / absent except what is given."""
    ratings = {i.id: ("A" if SAVRY.item_domain[i.id].direction == "protective" else "L") for i in SAVRY.items}
    ratings.update(rated)
    return ratings


def ids(result) -> list[str]:
    return [r.id for r in result.recommendations]


def said(phrases, language: str = "sv") -> list[str]:
    """The matching's phrases (codes and values) in words, as the page and the CLI say them."""
    return [phrase(p, language) for p in phrases]


# -- the catalogue -------------------------------------------------------------------------------
REQUIRED_IDS = {
    "fft", "mst", "tfco", "kbt-individual", "art", "nytt-vagval", "repulse", "kvalificerad-kontaktperson",
    "ungdomstjanst", "maria-ungdom", "bup", "foraldrastod", "skolsocionom", "fritidsaktivitet", "praktik",
    "arbetsmarknad-unga-vuxna", "mentor", "avrad-skrammande",
}


def test_catalogue_ships_the_required_interventions_in_both_languages():
    assert set(CATALOGUE.by_id) >= REQUIRED_IDS
    for iv in CATALOGUE.interventions:
        for text in (iv.name, iv.description, iv.evidence):
            assert text["sv"] and text["en"]


def test_every_need_tag_on_an_instrument_is_in_the_catalogue_vocabulary():
    for instrument_id in instruments.available():
        for item in instruments.load(instrument_id).items:
            assert set(item.needs) <= set(CATALOGUE.needs), (instrument_id, item.id)


def test_catalogue_errors_name_the_line(tmp_path):
    text = instruments.catalogue.CATALOGUE_PATH.read_text().replace("targets: [substance]", "targets: [substanse]")
    path = tmp_path / "interventions.yaml"
    path.write_text(text)
    with pytest.raises(instruments.InstrumentError) as caught:
        instruments.load_catalogue(path)
    [issue] = caught.value.issues
    assert "substanse" in issue.message and issue.line == text.splitlines().index("    targets: [substanse]") + 1


# -- scenarios -----------------------------------------------------------------------------------
def test_low_risk_gives_no_intensive_programme_and_the_over_intervention_warning():
    result = match(SAVRY, savry(S1="M", I8="M"), CATALOGUE, Profile(age=14, carer_available=True, in_school=True),
                   judgment="low")
    assert result.intensity == "ordinary"
    assert not {"mst", "tfco", "fft", "art"} & set(ids(result))
    assert all(not CATALOGUE.by_id[i].intensive for i in ids(result))
    assert any("Intensiva program kan göra skada vid låg risk" in w for w in said(result.warnings))
    assert {"skolsocionom", "fritidsaktivitet"} <= set(ids(result))


def test_high_risk_peers_and_parenting_at_15_with_carer_puts_mst_or_fft_on_top():
    result = match(SAVRY, savry(S1="H", S4="H", I1="M"), CATALOGUE, Profile(age=15, carer_available=True),
                   judgment="high", lang="en")
    assert result.intensity == "intensive"
    assert [n.tag for n in result.needs[:2]] == ["peers", "parenting"]
    assert ids(result)[0] in {"mst", "fft"}
    top = result.recommendations[0]
    reasons = said(top.reasons, "en")
    assert reasons[0] == "targets: antisocial peers (high), parenting and supervision (high)"
    assert "suits age 15 (12–17)" in reasons and "needs carer – available" in reasons
    assert said(top.reasons, "sv")[0] == "riktar sig mot: antisocial peers (hög), parenting and supervision (hög)"


def test_without_a_carer_family_therapies_are_excluded_with_the_reason():
    result = match(SAVRY, savry(S1="H", S4="H"), CATALOGUE, Profile(age=15, carer_available=False),
                   judgment="high", lang="en")
    assert not {"mst", "fft", "foraldrastod"} & set(ids(result))
    assert {"id": "mst", "reason": "needs carer – not available"} in [
        {"id": e["id"], "reason": phrase(e["reason"], "en")} for e in result.excluded]


def test_substance_use_rated_high_recommends_maria_ungdom():
    result = match(SAVRY, savry(I3="H"), CATALOGUE, Profile(age=16), judgment="moderate")
    assert "maria-ungdom" in ids(result)
    assert result.needs[0].tag == "substance"


def test_age_20_gets_no_youth_family_therapy_and_employment_support_is_considered():
    result = match(SAVRY, savry(S4="H", I8="H", S1="M"), CATALOGUE, Profile(age=20, carer_available=True),
                   judgment="moderate", lang="en")
    assert not {"fft", "mst", "foraldrastod", "bup"} & set(ids(result))
    assert "arbetsmarknad-unga-vuxna" in ids(result)
    assert any(e["id"] == "fft" and phrase(e["reason"], "en") == "age 20 is outside 11–18" for e in result.excluded)


def test_acute_mental_illness_puts_bup_first_and_group_programmes_after_stabilisation():
    result = match(SAVRY, savry(I4="H", I6="M", S4="H"), CATALOGUE,
                   Profile(age=15, acute_mental_health=True, carer_available=True), judgment="moderate", lang="en")
    assert ids(result)[0] == "bup"
    assert "acute mental-health needs come first" in said(result.recommendations[0].reasons, "en")
    for rec in result.recommendations:
        if CATALOGUE.by_id[rec.id].group_format:
            assert "group format: after stabilisation" in said(rec.cautions, "en")


def test_acute_mental_illness_at_22_goes_to_adult_psychiatry():
    result = match(SAVRY, savry(I4="H"), CATALOGUE, Profile(age=22, acute_mental_health=True), judgment="moderate")
    assert ids(result)[0] == "vuxenpsykiatri" and "bup" not in ids(result)


def test_scare_based_programmes_are_never_recommended_but_warned_against():
    result = match(SAVRY, savry(I1="H", H2="H", S1="H"), CATALOGUE, Profile(age=16), judgment="high", lang="en")
    assert "avrad-skrammande" not in ids(result)
    assert any(w.startswith("Advised against: Scare-based") for w in said(result.warnings, "en"))


def test_static_factors_are_context_never_targets_and_strengths_are_listed():
    result = match(SAVRY, savry(H1="H", H10="H", P3="P", P5="P"), CATALOGUE, Profile(age=15), judgment="low",
                   lang="en")
    assert result.needs == []
    assert said(result.context, "en") == ["H1 Earlier violence (high)", "H10 Poor school results (high)"]
    assert result.strengths == ["P3 Secure bonds", "P5 Committed to school"]
    assert result.recommendations == []


def test_band_is_used_when_there_is_no_judgment_and_discordance_is_warned():
    result = match(SAVRY, savry(**{f"H{i}": "H" for i in range(1, 11)}, **{f"I{i}": "H" for i in range(1, 9)}),
                   CATALOGUE, Profile(age=15))
    assert (result.risk_level, result.risk_level_source) == ("high", "band")
    with_judgment = match(SAVRY, savry(**{f"H{i}": "H" for i in range(1, 11)}, **{f"I{i}": "H" for i in range(1, 9)}),
                          CATALOGUE, Profile(age=15), judgment="low", lang="en")
    assert with_judgment.risk_level == "low"
    assert any("two levels apart" in w for w in said(with_judgment.warnings, "en"))


def test_unknown_profile_fields_are_listed_and_become_cautions():
    result = match(SAVRY, savry(S4="H"), CATALOGUE, Profile(), judgment="moderate", lang="en")
    assert set(result.unknown_profile) == {"age", "motivation", "acute_mental_health", "neuropsychiatric",
                                           "interpreter_needed", "carer_available", "in_school"}
    unknown = next(w for w in said(result.warnings, "en") if w.startswith("Unknown in the profile"))
    assert "acute mental-health needs" in unknown and "acute_mental_health" not in unknown  # words, not field names
    swedish = match(SAVRY, savry(S4="H"), CATALOGUE, Profile(), judgment="moderate", lang="sv")
    swedish_unknown = next(w for w in said(swedish.warnings) if w.startswith("Okänt i profilen"))
    assert "akut psykisk ohälsa" in swedish_unknown and "_" not in swedish_unknown
    fft = next(r for r in result.recommendations if r.id == "fft")
    assert "needs carer – unknown" in said(fft.cautions, "en") and "age unknown – for ages 11–18" in said(
        fft.cautions, "en")


def test_uncovered_needs_are_listed():
    result = match(SAVRY, savry(S6="H", S4="M"), CATALOGUE, Profile(age=15, carer_available=False), judgment="moderate")
    assert "community" in [n.tag for n in result.needs]
    assert "parenting" in result.uncovered_needs  # every parenting intervention needs a carer


def test_ester_like_bipolar_needs_and_strengths():
    ester = instruments.load("ester-like")
    ratings = {i: "0" for i in ester.item_ids} | {"KA1": "R2", "B4": "R1", "SK1": "S2"}
    result = match(ester, ratings, CATALOGUE, Profile(age=16), judgment="moderate", lang="en")
    assert [n.tag for n in result.needs][:1] == ["peers"]
    assert "substance" in [n.tag for n in result.needs]
    assert result.strengths == ["SK1 Attendance"]


def test_plan_draft_turns_chosen_interventions_into_commitments():
    from datetime import date

    result = match(SAVRY, savry(I3="H"), CATALOGUE, Profile(age=16), judgment="moderate", lang="en")
    [commitment] = plan_draft(result, ["maria-ungdom"], start=date(2026, 11, 23))
    assert commitment == {"intervention_id": "maria-ungdom", "actor": "Maria Ungdom",
                          "what": "Maria Ungdom (youth substance use clinic)", "by_when": "2026-12-21",
                          "status": "planned"}


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="item H1: 'X' is not a level"):
        match(SAVRY, savry(H1="X"), CATALOGUE)
    with pytest.raises(ValueError, match="unknown judgment 'extreme'"):
        match(SAVRY, savry(), CATALOGUE, judgment="extreme")
    with pytest.raises(ValueError, match="'age' must be a number"):
        Profile.from_dict({"age": "fifteen"})
    with pytest.raises(ValueError, match="unknown field 'shoe_size'"):
        Profile.from_dict({"shoe_size": 42})


# -- properties ----------------------------------------------------------------------------------
DYNAMIC = [i.id for i in SAVRY.items if SAVRY.item_domain[i.id].dynamic and SAVRY.item_domain[i.id].direction == "risk"]
RISK_ITEMS = [i.id for i in SAVRY.items if SAVRY.item_domain[i.id].direction == "risk"]
ORDER = {"intensive": 2, "targeted": 1, "ordinary": 0, "unknown": -1}
ratings_strategy = st.fixed_dictionaries({i: st.sampled_from(["L", "M", "H"]) for i in RISK_ITEMS})
profiles = st.builds(Profile, age=st.one_of(st.none(), st.integers(12, 24)),
                     carer_available=st.one_of(st.none(), st.booleans()),
                     acute_mental_health=st.one_of(st.none(), st.booleans()))


@settings(max_examples=60, deadline=None)
@given(ratings=ratings_strategy, item=st.sampled_from(DYNAMIC), profile=profiles)
def test_raising_a_dynamic_factor_never_lowers_intensity(ratings, item, profile):
    before = match(SAVRY, savry(**ratings), CATALOGUE, profile)
    raised = dict(ratings, **{item: {"L": "M", "M": "H", "H": "H"}[ratings[item]]})
    after = match(SAVRY, savry(**raised), CATALOGUE, profile)
    assert ORDER[after.intensity] >= ORDER[before.intensity]


@settings(max_examples=60, deadline=None)
@given(ratings=ratings_strategy, profile=profiles, judgment=st.sampled_from([None, "low", "moderate", "high"]))
def test_removing_a_need_never_adds_an_intervention_for_it(ratings, profile, judgment):
    before = match(SAVRY, savry(**ratings), CATALOGUE, profile, judgment=judgment)
    for need in before.needs:
        lowered = {i: ("L" if need.tag in next(x for x in SAVRY.items if x.id == i).needs else r)
                   for i, r in ratings.items()}
        after = match(SAVRY, savry(**lowered), CATALOGUE, profile, judgment=judgment)
        added = [r for r in after.recommendations if r.id not in ids(before)]
        assert not any(need.tag in r.covers for r in added)
        if judgment is not None:  # same risk level: removing a need can only remove interventions
            assert set(ids(after)) <= set(ids(before))


@settings(max_examples=40, deadline=None)
@given(ratings=ratings_strategy, profile=profiles, judgment=st.sampled_from([None, "low", "moderate", "high"]))
def test_advised_against_is_never_recommended_and_exclusions_are_respected(ratings, profile, judgment):
    result = match(SAVRY, savry(**ratings), CATALOGUE, profile, judgment=judgment)
    for rec in result.recommendations:
        iv = CATALOGUE.by_id[rec.id]
        assert not iv.advised_against
        assert result.risk_level is None or result.risk_level in iv.risk_levels
        assert profile.age is None or iv.age[0] <= profile.age <= iv.age[1]
        assert not (iv.requires_carer and profile.carer_available is False)


# -- command line --------------------------------------------------------------------------------
def test_match_command_json(tmp_path, capsys):
    (tmp_path / "a.json").write_text(json.dumps({"ratings": savry(I3="H", S1="H"), "judgment": "moderate"}))
    (tmp_path / "p.json").write_text(json.dumps({"age": 16, "in_school": True}))
    code = cli.main(["--lang", "en", "match", "--instrument", "savry-like", str(tmp_path / "a.json"),
                     "--profile", str(tmp_path / "p.json"), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"risk_level", "intensity", "needs", "strengths", "recommendations", "uncovered_needs",
            "warnings"} <= set(out)
    assert out["risk_level"] == "moderate" and "maria-ungdom" in [r["id"] for r in out["recommendations"]]
    assert {"id", "covers", "reasons", "cautions"} <= set(out["recommendations"][0])
    assert "carer_available" in out["unknown_profile"]


def test_match_command_text_and_bad_input(tmp_path, capsys):
    (tmp_path / "a.json").write_text(json.dumps({"ratings": savry(S4="H"), "judgment": "high"}))
    assert cli.main(["match", "--instrument", "savry-like", str(tmp_path / "a.json")]) == 0
    assert "1. " in capsys.readouterr().out
    (tmp_path / "bad.json").write_text('{"ratings": {"H1": "Q"}}')
    assert cli.main(["match", "--instrument", "savry-like", str(tmp_path / "bad.json")]) == 2
    assert "item H1: 'Q' is not a level" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text('{"ratings": ')
    assert cli.main(["match", "--instrument", "savry-like", str(tmp_path / "broken.json")]) == 2
    assert "not valid JSON (line 1" in capsys.readouterr().err


@pytest.mark.parametrize(("language", "words", "not_words"), [
    ("sv", ("Risknivå", "riktar sig mot:", "h/v"), ("targets:", "h/week", "high)")),
    ("en", ("Risk level", "targets:", "h/week"), ("riktar sig mot", "h/v", "hög)")),
])
def test_match_command_says_every_phrase_in_the_language_asked(tmp_path, capsys, language, words, not_words):
    """The reasons, cautions and warnings come from the catalogue in ``--lang``: no English under sv."""
    from .test_translations import ENGLISH

    (tmp_path / "a.json").write_text(json.dumps({"ratings": savry(S1="H", S4="H"), "judgment": "high"}))
    assert cli.main(["--lang", language, "match", "--instrument", "savry-like", str(tmp_path / "a.json")]) == 0
    out = capsys.readouterr().out
    assert all(w in out for w in words) and not any(w in out for w in not_words), out
    if language == "sv":
        lines = [line for line in out.splitlines() if ENGLISH.search(line) and " – " not in line]
        assert not lines, lines  # (the intervention's line carries the catalogue's own names)
    assert cli.main(["--lang", language, "match", "--instrument", "savry-like", str(tmp_path / "a.json"),
                     "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommendations"][0]["reasons"][0].startswith(words[1])


def test_every_profile_field_has_a_name_in_both_languages():
    from dataclasses import fields

    from scoring.matching import PROFILE_FIELDS

    assert {f.name for f in fields(Profile)} == set(PROFILE_FIELDS)
    assert all(set(STRINGS[f"match_field_{name}"]) == {"sv", "en"} for name in PROFILE_FIELDS)


# -- availability (#14 item 8) ---------------------------------------------------------------------
ESTER = instruments.load("ester-like")


def mental_health_high() -> dict[str, str]:
    """An ESTER-like follow-up with one dynamic need: mental health (B6) at major risk."""
    return {i: "0" for i in ESTER.item_ids} | {"B6": "R2"}


def test_a_long_wait_ranks_an_available_alternative_for_the_same_need_next_to_it():
    result = match(ESTER, mental_health_high(), CATALOGUE, Profile(age=15), judgment="moderate")
    order = ids(result)
    assert "bup" in order
    bup = result.recommendations[order.index("bup")]
    after = result.recommendations[order.index("bup") + 1]
    assert bup.waiting_weeks == 60 and "väntetid cirka 60 veckor" in said(bup.cautions)
    assert any(c.startswith("lång väntetid (60 veckor)") for c in said(bup.cautions))
    assert after.alternative_to == "bup" and "mental_health" in after.covers and not (after.waiting_weeks or 0) > 12
    assert said(after.reasons)[0].startswith("kan börja snart (ingen känd väntetid) och möter samma behov")
    assert "BUP – bedömning och behandling, där väntetiden är 60 veckor" in said(after.reasons)[0]


def test_an_organisations_availability_file_overrides_the_catalogue(tmp_path, monkeypatch):
    short = tmp_path / "short.yaml"
    short.write_text("source: BUP Söder, november\ninterventions:\n  bup: {waiting_weeks: 3, capacity: 2}\n")
    quick = instruments.load_catalogue(availability=short)
    assert (quick.by_id["bup"].waiting_weeks, quick.by_id["bup"].capacity) == (3, 2)
    result = match(ESTER, mental_health_high(), quick, Profile(age=15), judgment="moderate")
    assert not any(r.alternative_to for r in result.recommendations)  # a short wait needs no alternative
    full = tmp_path / "full.yaml"
    full.write_text("source: november\ninterventions:\n  kbt-individual: {capacity: 0}\n")
    monkeypatch.setenv("INSATS_AVAILABILITY", str(full))
    crowded = instruments.load_catalogue()
    result = match(ESTER, mental_health_high(), crowded, Profile(age=15), judgment="moderate")
    kbt = next(r for r in result.recommendations if r.id == "kbt-individual")
    assert "inga lediga platser just nu" in said(kbt.cautions) and kbt.alternative_to is None
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: x\ninterventions:\n  bup: {waiting_weeks: 2}\n  trollkarl: {capacity: 1}\n")
    with pytest.raises(instruments.InstrumentError, match=r"bad.yaml:4.*'trollkarl' is not an intervention"):
        instruments.load_catalogue(availability=bad)
