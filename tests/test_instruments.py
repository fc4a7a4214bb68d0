"""Instrument definitions: the shipped files, and one test per loader rule (file, line, path)."""

from __future__ import annotations

import copy
import json

import pytest

import instruments
from instruments import InstrumentError

from .builders import T, load_dict, minimal, to_yaml


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``needle``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[occurrence - 1]


def issues_of(text: str, filename: str = "bad.yaml") -> list[instruments.DefinitionIssue]:
    with pytest.raises(InstrumentError) as caught:
        instruments.loads(text, filename=filename)
    return caught.value.issues


# -- shipped definitions ---------------------------------------------------------------------
def test_shipped_instruments_are_available():
    assert set(instruments.available()) >= {"irk-8", "savry-like", "ester-like", "bip-like", "bip-like-caseworker"}


@pytest.mark.parametrize("instrument_id", instruments.available())
def test_every_shipped_definition_is_valid_and_in_both_languages(instrument_id):
    inst = instruments.load(instrument_id)
    assert inst.id == instrument_id
    assert inst.languages == ["sv", "en"]
    assert len(inst.definition_hash) == 64
    for item in inst.items:
        assert item.label["sv"] and item.label["en"]
        assert item.help and item.help["sv"] and item.help["en"], f"{item.id} lacks help text"
    assert "own wording" in (inst.source + inst.licence).lower()


def test_savry_like_structure_follows_the_published_factor_list():
    inst = instruments.load("savry-like")
    sizes = {d.id: (len(d.items), d.direction, d.dynamic) for d in inst.domains}
    assert sizes == {
        "historical": (10, "risk", False),
        "social": (6, "risk", True),
        "individual": (8, "risk", True),
        "protective": (6, "protective", True),
    }
    assert [lv.code for lv in inst.scales["lmh"].levels] == ["L", "M", "H"]
    assert inst.judgment.levels == ["low", "moderate", "high"] and inst.judgment.rationale_required
    assert "not the licensed savry" in inst.licence.lower()
    text = instruments.resolve("savry-like").read_text()
    assert "NOT THE LICENSED SAVRY" in text and "INSATS_INSTRUMENTS_PATH" in text


def test_ester_like_has_19_bipolar_factors_in_five_groups():
    inst = instruments.load("ester-like")
    assert len(inst.items) == 19
    assert [d.id for d in inst.domains] == ["behaviour", "family", "school", "peers", "leisure"]
    assert {d.direction for d in inst.domains} == {"bipolar"}
    assert sorted(lv.value for lv in inst.scales["five_step"].levels) == [-2, -1, 0, 1, 2]
    assert inst.repeat_weeks == 4


def test_irk_8_is_ja_nej_with_vet_ej_as_omission_and_three_bands():
    inst = instruments.load("irk-8")
    assert len(inst.items) == 8 and all(item.observation for item in inst.items)
    assert {lv.code for lv in inst.scales["yes_no"].levels} == {"Ja", "Nej"}
    assert "Vet ej" in inst.omission.codes
    assert [b.level for b in inst.bands] == ["low", "moderate", "high"]
    assert "SIG" in inst.bands[-1].next["en"]


def test_bip_like_has_a_caseworker_companion_with_the_same_indicators():
    youth, worker = instruments.load("bip-like"), instruments.load("bip-like-caseworker")
    assert youth.item_ids == worker.item_ids and len(youth.item_ids) == 8
    assert youth.companion == worker.id and worker.companion == youth.id
    assert youth.age_range == (16, 29)


def test_definitions_are_cached_by_content_hash(tmp_path):
    a = instruments.load("irk-8")
    assert instruments.load("irk-8") is a
    copy_path = tmp_path / "irk-copy.yaml"
    copy_path.write_bytes(instruments.resolve("irk-8").read_bytes())
    assert instruments.load(copy_path).definition_hash == a.definition_hash
    changed = copy_path.read_text().replace('version: "1.0.0"', 'version: "1.0.1"')
    copy_path.write_text(changed)
    assert instruments.load(copy_path).definition_hash != a.definition_hash


def test_an_organisation_folder_overrides_a_shipped_definition(tmp_path, monkeypatch):
    data = minimal(id="savry-like", title=T("Licensierad ordalydelse", "Licensed wording"))
    (tmp_path / "savry-like.yaml").write_text(to_yaml(data))
    monkeypatch.setenv("INSATS_INSTRUMENTS_PATH", str(tmp_path))
    assert instruments.load("savry-like").title["en"] == "Licensed wording"


def test_unknown_instrument_id_names_the_available_ones():
    with pytest.raises(FileNotFoundError, match="savry-like"):
        instruments.load("no-such-instrument")


# -- one test per loader rule ----------------------------------------------------------------
def test_unknown_key_names_file_line_and_path():
    data = minimal()
    data["domains"][0]["items"][1]["colour"] = "red"
    text = to_yaml(data)
    [issue] = issues_of(text)
    assert issue.file == "bad.yaml"
    assert issue.line == line_of(text, "colour: red")
    assert issue.path == "domains[0].items[1].colour"
    assert "unknown key 'colour'" in issue.message


def test_duplicate_item_id():
    data = minimal()
    data["domains"][1]["items"][0]["id"] = "R1"
    text = to_yaml(data)
    [issue] = issues_of(text)
    assert issue.path == "domains[1].items[0].id"
    assert issue.line == line_of(text, "id: R1", occurrence=2)
    assert "duplicate item id 'R1'" in issue.message


def test_duplicate_domain_id():
    data = minimal()
    data["domains"][1]["id"] = "risk"
    [issue, *_] = issues_of(to_yaml(data))
    assert issue.path.startswith("domains[") and "duplicate domain id 'risk'" in issue.message


def test_item_using_an_undefined_scale():
    data = minimal()
    data["domains"][0]["items"][0]["scale"] = "lmh"
    text = to_yaml(data)
    [issue] = issues_of(text)
    assert issue.path == "domains[0].items[0].scale"
    assert issue.line == line_of(text, "scale: lmh")
    assert "scale 'lmh', which is not defined" in issue.message and "yn" in issue.message


def test_duplicate_codes_in_a_scale():
    data = minimal()
    data["scales"]["yn"]["levels"][1]["code"] = "N"
    [issue] = issues_of(to_yaml(data))
    assert issue.path == "scales.yn.levels[1].code" and "duplicate code 'N'" in issue.message


def test_duplicate_values_in_a_scale():
    data = minimal()
    data["scales"]["yn"]["levels"][1]["value"] = 0
    [issue] = issues_of(to_yaml(data))
    assert issue.path == "scales.yn.levels[1].value" and "duplicate value 0" in issue.message


def test_missing_translation():
    data = minimal()
    data["domains"][0]["items"][1]["label"] = {"sv": "Bara svenska"}
    text = to_yaml(data)
    [issue] = issues_of(text)
    assert issue.path == "domains[0].items[1].label"
    assert issue.line == line_of(text, "Bara svenska") - 1 or issue.line == line_of(text, "Bara svenska")
    assert "missing language(s) en" in issue.message


def test_bands_not_increasing():
    data = minimal(bands=[
        {"level": "low", "max": 3, "next": T("a")},
        {"level": "moderate", "max": 2, "next": T("b")},
        {"level": "high", "next": T("c")},
    ])
    text = to_yaml(data)
    [issue] = issues_of(text)
    assert issue.path == "bands[1].max" and issue.line == line_of(text, "max: 2")
    assert "bands must increase" in issue.message


def test_only_the_last_band_may_be_open():
    data = minimal(bands=[{"level": "low", "next": T("a")}, {"level": "high", "max": 5, "next": T("b")}])
    [issue] = issues_of(to_yaml(data))
    assert issue.path == "bands[0].max" and "only the last band may be open" in issue.message


def test_judgment_without_levels():
    for judgment in ({"levels": []}, {"rationale_required": True}):
        [issue] = issues_of(to_yaml(minimal(judgment=judgment)))
        assert issue.path == "judgment.levels"


def test_duplicate_yaml_key_is_not_silently_overwritten():
    text = to_yaml(minimal()).replace("version: '0.1'", "version: '0.1'\nversion: '0.2'")
    [issue] = issues_of(text)
    assert issue.path == "version" and issue.line == line_of(text, "version: '0.2'")
    assert "duplicate key" in issue.message


def test_yaml_syntax_error_names_the_line():
    text = to_yaml(minimal()) + "domains: [unclosed\n"
    [issue] = issues_of(text)
    assert issue.line is not None and issue.line >= len(text.splitlines()) - 1
    assert "not valid YAML" in issue.message


def test_only_safe_yaml_is_read():
    for text in ("!!python/object/apply:os.system ['echo pwned']\n", "id: !!python/name:os.system x\n"):
        [issue] = issues_of(text)
        assert "unsupported YAML tag" in issue.message or "not valid YAML" in issue.message
        assert issue.line == 1


def test_reliability_must_name_a_score():
    [issue] = issues_of(to_yaml(minimal(reliability={"nonsense": 0.8})))
    assert issue.path == "reliability.nonsense" and "not a score" in issue.message


def test_all_problems_are_reported_together():
    data = minimal()
    data["domains"][0]["items"][0]["scale"] = "nope"
    data["domains"][0]["items"][1]["label"] = {"sv": "x"}
    data["bands"][0]["max"] = 5
    data["bands"] = [data["bands"][0], {"level": "mid", "max": 4, "next": T("m")}, data["bands"][1]]
    issues = issues_of(to_yaml(data))
    assert {i.path for i in issues} >= {"domains[0].items[0].scale", "domains[0].items[1].label", "bands[1].max"}


def test_schema_is_exported_as_json_schema():
    schema = instruments.Instrument.model_json_schema()
    json.dumps(schema)
    assert {"scales", "domains", "omission", "bands", "judgment"} <= set(schema["properties"])


def test_validate_returns_issues_for_a_file(tmp_path):
    bad = copy.deepcopy(minimal())
    bad["kind"] = "horoscope"
    path = tmp_path / "bad.yaml"
    path.write_text(to_yaml(bad))
    [issue] = instruments.validate(path)
    assert issue.path == "kind" and issue.file == "bad.yaml"
    assert load_dict(minimal()).id == "test-instrument"
