"""Instruments in and out of REDCap and XLSForm (#13 item 3): every shipped instrument goes to a REDCap
data dictionary and to an XLSForm and back to the same definition (the same ``definition_hash``), the
XLSForm converts with pyxform (the reference converter ODK and KoboToolbox use), forms made elsewhere
come in with named defaults, bad files are refused with the row and nothing written, and a REDCap
records export (raw or labelled) imports as assessments."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook
from pyxform.xls2xform import convert as pyxform_convert
from sqlalchemy import select

import cli
import instruments
from instruments import interop
from store import transaction
from store.models import Assessment
from store.users import SETUP, add_user

SHIPPED = instruments.available()


def run(*args: str) -> int:
    return cli.main(["instruments", "convert", *args])


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_shipped_instrument_round_trips_through_redcap_and_xlsform(instrument_id, tmp_path):
    original = instruments.load(instrument_id)
    for target, suffix in (("redcap", "csv"), ("xlsform", "xlsx")):
        exported, back = tmp_path / f"{instrument_id}.{suffix}", tmp_path / f"{instrument_id}-{target}.yaml"
        assert run(instrument_id, "--from", "insats", "--to", target, "-o", str(exported)) == 0
        assert run(str(exported), "--to", "insats", "-o", str(back)) == 0
        again = instruments.load(back)
        assert again.definition_hash == original.definition_hash, target
        assert again.model_dump() == original.model_dump()


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_the_xlsform_converts_with_pyxform_in_both_languages(instrument_id, tmp_path):
    inst = instruments.load(instrument_id)
    path = tmp_path / "form.xlsx"
    assert run(instrument_id, "--from", "insats", "--to", "xlsform", "-o", str(path)) == 0
    warnings: list[str] = []
    xform = pyxform_convert(xlsform=str(path), validate=False, warnings=warnings).xform
    assert warnings == []
    assert 'lang="Swedish (sv)"' in xform and 'lang="English (en)"' in xform
    for item in inst.items:
        assert f"/{item.id}" in xform and inst.text(item.label, "en") in xform


def test_the_hash_is_of_the_content_not_the_file(tmp_path):
    text = instruments.resolve("irk-8").read_text(encoding="utf-8")
    other = tmp_path / "irk-8-recommented.yaml"
    other.write_text("# another comment, the same definition\n" + text.replace("# ", "#  "), encoding="utf-8")
    assert instruments.load(other).definition_hash == instruments.load("irk-8").definition_hash
    changed = tmp_path / "irk-8-changed.yaml"
    changed.write_text(text.replace("value: 1", "value: 2", 1), encoding="utf-8")
    assert instruments.load(changed).definition_hash != instruments.load("irk-8").definition_hash


FOREIGN_REDCAP = [  # as REDCap's own "Download the current data dictionary" writes it
    {"Variable / Field Name": "record_id", "Form Name": "ung_risk", "Field Type": "text", "Field Label": "Record ID"},
    {"Variable / Field Name": "skola", "Form Name": "ung_risk", "Section Header": "Skola och fritid",
     "Field Type": "radio", "Field Label": "Skolnärvaro", "Choices, Calculations, OR Slider Labels":
     "0, Ingen oro | 1, Viss oro | 2, Stor oro", "Field Note": "Senaste terminen"},
    {"Variable / Field Name": "fritid", "Form Name": "ung_risk", "Field Type": "radio", "Field Label":
     "Strukturerad fritid", "Choices, Calculations, OR Slider Labels": "0, Ingen oro | 1, Viss oro | 2, Stor oro"},
    {"Variable / Field Name": "kommentar", "Form Name": "ung_risk", "Field Type": "notes", "Field Label": "Kommentar"},
    {"Variable / Field Name": "vuxen", "Form Name": "ung_risk", "Section Header": "Skydd", "Field Type": "yesno",
     "Field Label": "Har en trygg vuxen"},
    {"Variable / Field Name": "fodd", "Form Name": "ung_risk", "Field Type": "text", "Field Label": "Född"},
]


def _csv(rows: list[dict[str, str]], path) -> str:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=interop.REDCAP_COLUMNS)
        writer.writeheader()
        writer.writerows([{c: r.get(c, "") for c in interop.REDCAP_COLUMNS} for r in rows])
    return str(path)


def test_a_redcap_form_made_elsewhere_comes_in_with_every_default_named(tmp_path, capsys):
    source, out = _csv(FOREIGN_REDCAP, tmp_path / "dd.csv"), tmp_path / "ung.yaml"
    assert run(source, "--to", "insats", "--direction", "protective", "-o", str(out)) == 0
    warned = capsys.readouterr().err
    assert "section 'Skola och fritid' has no Insats direction; taken as 'protective'" in warned
    assert "field type 'text' is not a rating; left out" in warned and "row 7 (fodd)" in warned
    assert "licence defaulted" in warned
    inst = instruments.load(out)
    assert inst.id == "ung-risk" and [d.label["sv"] for d in inst.domains] == ["Skola och fritid", "Skydd"]
    assert [i.id for i in inst.items] == ["SKOLA", "FRITID", "VUXEN"]
    assert inst.items[0].help == {"sv": "Senaste terminen"}
    assert inst.scales[inst.items[0].scale].values.tolist() == [0, 1, 2]
    assert inst.items[0].scale == inst.items[1].scale  # the same choice list is one scale
    assert [lv.label["sv"] for lv in inst.scales[inst.items[2].scale].levels] == ["Nej", "Ja"]


def test_an_xlsform_made_elsewhere_comes_in(tmp_path, capsys):
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label::English (en)", "label::Swedish (sv)"],
                ["begin_group", "home", "Home", "Hemmet"],
                ["select_one often", "conflict", "Conflicts at home", "Konflikter hemma"],
                ["integer", "age", "Age", "Ålder"],
                ["end_group", "home", None, None]):
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in (["list_name", "name", "label::English (en)", "label::Swedish (sv)"],
                ["often", "never", "Never", "Aldrig"], ["often", "sometimes", "Sometimes", "Ibland"],
                ["often", "often", "Often", "Ofta"]):
        choices.append(row)
    book.create_sheet("settings").append(["form_id", "form_title"])
    book["settings"].append(["home_risk", "Home risk"])
    path = tmp_path / "kobo.xlsx"
    book.save(path)
    assert run(str(path), "--to", "insats", "-o", str(tmp_path / "home.yaml")) == 0
    warned = capsys.readouterr().err
    assert "group has no insats_direction; taken as 'risk'" in warned and "type 'integer' is not a rating" in warned
    assert "values 0..2 taken in list order" in warned
    inst = instruments.load(tmp_path / "home.yaml")
    assert inst.id == "home-risk" and inst.languages == ["en", "sv"]
    assert inst.items[0].label == {"en": "Conflicts at home", "sv": "Konflikter hemma"}
    assert [lv.code for lv in inst.scales["often"].levels] == ["never", "sometimes", "often"]


@pytest.mark.parametrize(("change", "expected"), [
    ({"Choices, Calculations, OR Slider Labels": "0 Ingen | 1, Viss"}, r"row 3 \(skola\): choice '0 Ingen' is not"),
    ({"Field Annotation": '@INSATS-ITEM={"id": "X", '}, r"row 3 \(skola\), Field Annotation @INSATS-ITEM"),
])
def test_a_bad_data_dictionary_is_refused_by_row_and_nothing_is_written(tmp_path, capsys, change, expected):
    rows = [dict(r) for r in FOREIGN_REDCAP]
    rows[1].update(change)
    out = tmp_path / "never.yaml"
    assert run(_csv(rows, tmp_path / "bad.csv"), "--to", "insats", "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert re.search(expected, err) and "nothing was written" in err and "Traceback" not in err
    assert not out.exists()


def test_not_a_workbook_and_an_unknown_suffix_are_refused(tmp_path, capsys):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("type,name\n")
    assert run(str(fake), "--to", "insats") == 2
    assert "not an .xlsx workbook" in capsys.readouterr().err
    assert run(str(tmp_path / "form.txt"), "--to", "insats") == 2
    assert "--from insats|redcap|xlsform" in capsys.readouterr().err


def _records(inst, labelled: bool) -> str:
    """A REDCap records export of two cases: raw (variables, codes) or labelled (labels, choice labels)."""
    dictionary = {r["Variable / Field Name"]: r for r in interop.to_redcap(inst)}
    variables = ["record_id", "redcap_event_name", "assessed_on", *interop.redcap_fields(inst), "judgment",
                 "rationale", "savry_like_complete"]
    header = [dictionary[v]["Field Label"] if labelled and v in dictionary else
              ("Complete?" if labelled and v.endswith("_complete") else v) for v in variables]
    rows = []
    for code, rating in (("SIG-RC0001", "H"), ("SIG-RC0002", "M")):
        values = {"record_id": code, "redcap_event_name": "baseline_arm_1", "assessed_on": "2026-03-02",
                  "judgment": "Hög risk" if labelled and rating == "H" else ("high" if rating == "H" else "moderate"),
                  "rationale": "Från REDCap.", "savry_like_complete": "Complete" if labelled else "2"}
        for variable, item_id in interop.redcap_fields(inst).items():
            item = inst.item_by_id[item_id]
            level = inst.scales[item.scale].levels[-1 if item.id.startswith("P") else (2 if rating == "H" else 1)]
            values[variable] = level.label["sv"] if labelled else level.code
        rows.append([values[v] for v in variables])
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


@pytest.mark.parametrize("labelled", [False, True], ids=["raw", "labelled"])
def test_a_redcap_records_export_imports_as_assessments(engine, tmp_path, monkeypatch, capsys, labelled):
    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with transaction(engine) as s:
        add_user(s, SETUP, "ada.assessor", display_name="Ada", roles=["assessor", "coordinator"], teams=["Standard"])
    inst = instruments.load("savry-like")
    path = tmp_path / "export.csv"
    path.write_text(_records(inst, labelled), encoding="utf-8")
    assert cli.main(["--as", "ada.assessor", "assessments", "import", str(path), "--instrument", "savry-like",
                     "--create-subjects"]) == 0
    err = capsys.readouterr().err
    assert "read as a REDCap records export" in err and "redcap_event_name" in err
    with transaction(engine) as s:
        rows = s.scalars(select(Assessment).order_by(Assessment.id)).all()
    assert [(a.judgment, a.rater, a.assessed_on.isoformat()) for a in rows] == [
        ("high", "ada.assessor", "2026-03-02"), ("moderate", "ada.assessor", "2026-03-02")]
    assert rows[0].ratings["H1"] == "H" and rows[1].ratings["H1"] == "M" and rows[0].ratings["P1"] == "P"
    assert all(a.definition_hash == inst.definition_hash for a in rows)
