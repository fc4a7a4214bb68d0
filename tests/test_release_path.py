"""One release path (#21 item 4): every file leaves through a known, audited, formula-safe writer.

Read from the source: a download button, a CSV writer or a send anywhere but in the modules named
below fails here, and each named writer is shown to neutralise (or refuse) a formula. The REDCap data
dictionary refuses a formula-like label with the field named, and keeps REDCap's own ``@`` tags.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

import cli
from cli._io import frame_as
from cli.convert import formula_cells, write_xlsform
from forms.safe_csv import csv_bytes
from instruments import interop

ROOT = Path(__file__).resolve().parents[1]
# what may write a file that leaves, and where: anything else found below fails the test
ALLOWED = {
    "download_button": {"forms/release.py"},  # forms.release.download: audited, made on click
    "to_csv": {"forms/safe_csv.py"},  # csv_bytes: neutralise_formulas first
    "write_csv": {"cli/_io.py"},  # frame_as (pyarrow): neutralise_formulas first
    "csv.writer": set(),
    "csv.DictWriter": {"cli/convert.py"},  # write_redcap: refuses formula cells, keeps @ tags
    # e-mail leaves only through the outbox's sender (notices queued under consent by store.outbox); no
    # upload leaves Insats (smtplib, sendmail, send_message, requests.post)
    "send": {"services/outbox.py"},
}
PACKAGES = ("forms", "cli", "store", "scoring", "rules", "instruments", "services")
SENDS = {"sendmail", "send_message", "post", "urlopen"}


def sources() -> list[Path]:
    paths = [ROOT / "app.py"]
    for package in PACKAGES:
        if (ROOT / package).is_dir():
            paths += sorted((ROOT / package).rglob("*.py"))
    return paths


def writers(path: Path) -> set[str]:
    """The file-writing calls of one module, by the names of ``ALLOWED``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if any(n.split(".")[0] in ("smtplib", "requests", "httpx") for n in names):
                found.add("send")
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr, owner = node.func.attr, node.func.value
        if attr in ("download_button", "to_csv", "write_csv"):
            found.add(attr)
        elif attr in ("writer", "DictWriter") and isinstance(owner, ast.Name) and owner.id == "csv":
            found.add(f"csv.{attr}")
        elif attr in SENDS and isinstance(owner, ast.Name) and owner.id in ("smtp", "smtplib", "requests", "urllib"):
            found.add("send")
    return found


def test_no_download_csv_writer_or_send_outside_the_release_path():
    seen: dict[str, set[str]] = {name: set() for name in ALLOWED}
    for path in sources():
        for name in writers(path):
            seen[name].add(str(path.relative_to(ROOT)))
    assert seen == ALLOWED


def test_every_page_download_is_audited_or_released_under_consent():
    """``download`` without ``audit=`` would leave no trace; ``release_button`` is audited by the store."""
    silent = []
    for path in sorted((ROOT / "forms").rglob("*.py")):
        if path.name == "release.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "download":
                audit = next((k.value for k in node.keywords if k.arg == "audit"), None)
                if audit is None or (isinstance(audit, ast.Constant) and audit.value is None):
                    silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []


def test_the_agenda_is_released_under_consent_not_merely_downloaded():
    tree = ast.parse((ROOT / "forms/pages/plan.py").read_text())
    calls = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("download", "release_button"):
            key = next((k.value.value for k in node.keywords if k.arg == "key" and isinstance(k.value, ast.Constant)),
                       None)
            calls[key] = node.func.id
    assert calls["agenda_download"] == "release_button" and calls["invite_download"] == "download"


FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", " +cmd|' /C calc'!A0", "\u00a0-1+1", "\uff1dSUM(A1)", "\n=1", "@SUM(1)"]


def test_each_allowed_csv_writer_neutralises_formulas():
    frame = pd.DataFrame({"text": FORMULAS, "n": range(len(FORMULAS))})
    for written in (csv_bytes(frame).decode("utf-8"), frame_as(frame, "csv")):
        cells = [row[0] for row in csv.reader(io.StringIO(written))][1:]
        assert cells == ["'" + f for f in FORMULAS]


def _definition_with_label(tmp_path: Path, label: str) -> Path:
    source = yaml.safe_load((ROOT / "instruments/definitions/irk-8.yaml").read_text(encoding="utf-8"))
    item = source["domains"][0]["items"][0]
    item["label"] = {lang: label for lang in item["label"]} if isinstance(item["label"], dict) else label
    path = tmp_path / "irk-8.yaml"
    path.write_text(yaml.safe_dump(source, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("label", ["=HYPERLINK(\"http://x\")", " \uff0b1", "\u00a0@SUM(A1)"])
def test_a_formula_like_label_is_refused_for_redcap_with_the_field_named(tmp_path, capsys, label):
    definition, out = _definition_with_label(tmp_path, label), tmp_path / "dd.csv"
    assert cli.main(["instruments", "convert", str(definition), "--to", "redcap", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "column 'Field Label'" in err and "would run as a formula" in err and "nothing was written" in err
    assert "field '" in err and not out.exists()


def test_redcaps_own_action_tags_stay_intact(tmp_path, capsys):
    out = tmp_path / "dd.csv"
    assert cli.main(["instruments", "convert", str(ROOT / "instruments/definitions/savry-like.yaml"), "--to", "redcap",
                     "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    annotations = [r["Field Annotation"] for r in rows if r["Field Annotation"]]
    assert annotations and all(a.startswith("@INSATS-") for a in annotations)
    hand_made = [{c: "" for c in interop.REDCAP_COLUMNS} | {"Variable / Field Name": "x", "Field Label": "Skolan",
                                                             "Field Annotation": "@HIDDEN @DEFAULT='1'"}]
    assert formula_cells(hand_made) == []
    hand_made[0]["Field Annotation"] = "=cmd|' /C calc'!A0"
    assert formula_cells(hand_made) == ["field 'x', column 'Field Annotation': \"=cmd|' /C calc'!A0\" would run as "
                                        "a formula in a spreadsheet; change it in the definition (it may not start "
                                        "with = + - @ or a blank before one)"]


def test_an_xlsform_keeps_a_formula_like_label_as_text():
    book = load_workbook(io.BytesIO(write_xlsform({"survey": [{"type": "text", "name": "a",
                                                               "label": "=HYPERLINK(\"http://x\")"}]})))
    cell = book["survey"]["C2"]
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_the_grids_own_csv_export_is_off_wherever_the_app_runs():
    """st.dataframe's toolbar "Download as CSV" would skip the audit and the neutralisation: off in the
    config file (``streamlit run`` from the project) and in ``insats serve``'s own flags (the browser
    check is in tests/test_downloads.py)."""
    import tomllib

    from cli.serve import SAFE_SETTINGS

    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    flags = dict(zip(SAFE_SETTINGS[::2], SAFE_SETTINGS[1::2], strict=True))
    assert flags["--client.disableDataExport"] == "true"
