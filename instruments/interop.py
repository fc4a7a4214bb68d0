"""Instruments in and out of REDCap and XLSForm (ODK, KoboToolbox), as plain rows.

Both formats hold what a form needs: items, their labels and hints, choice lists and groups. Insats
needs more (a domain's direction, whether it is dynamic, a level's numeric value, needs, bands, the
judgment, reliabilities): that goes out in clearly named extra places and comes back from them, so a
round trip gives the same definition (the same ``definition_hash``):

- XLSForm: columns ``insats_direction``, ``insats_dynamic``, ``insats_needs``, ``insats_value``,
  ``insats_item`` and, in the settings sheet, ``insats_definition`` (JSON of the rest). ODK and
  pyxform ignore columns they do not know.
- REDCap: a data dictionary has a fixed set of 18 columns, so the extras go in each field's
  *Field Annotation* as ``@INSATS-...=JSON`` tags (REDCap keeps annotations and shows them to builders).

A form made elsewhere has none of that: what is missing is defaulted and each default is returned as a
warning, so the person converting can check it (``--direction`` and friends on the command line).

Pure: rows in, rows out. Reading and writing CSV and .xlsx files is the caller's (``cli``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pandas as pd
import yaml

from .loader import loads
from .schema import Instrument

LANGUAGE_NAMES = {"sv": "Swedish", "en": "English", "fi": "Finnish", "ar": "Arabic", "so": "Somali"}
REDCAP_COLUMNS = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
)
RECORD_ID, ASSESSED_ON, JUDGMENT, RATIONALE = "record_id", "assessed_on", "judgment", "rationale"
_TAG = re.compile(r"@INSATS-([A-Z]+)=(.*?)(?=\s+@INSATS-|\s*$)", re.DOTALL)
_OWN_FIELDS = {RECORD_ID, ASSESSED_ON, JUDGMENT, RATIONALE, "insats_definition"}


class ConversionError(ValueError):
    """The input cannot become a definition; ``problems`` says where (row, column) and what is wrong."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# -- what every format shares ------------------------------------------------------------------
def _meta(inst: Instrument) -> dict:
    """What neither format can say: the instrument's fields other than id, version, title, items."""
    meta = inst.model_dump(mode="json", exclude={"id", "version", "title", "scales", "domains"},
                           exclude_defaults=True)
    meta["format"] = inst.format
    scale_labels = {k: s.label for k, s in inst.scales.items() if s.label}
    if scale_labels:
        meta["scale_labels"] = scale_labels
    return meta


def _item_extra(item) -> dict:
    return item.model_dump(mode="json", exclude={"id", "label", "help", "scale"}, exclude_defaults=True)


def build(meta: dict, id_: str, version: str, title: dict, scales: dict, domains: list[dict]) -> Instrument:
    """A definition from its parts, validated exactly as a YAML file is (the same errors, the same hash)."""
    meta = dict(meta)
    for scale_id, label in meta.pop("scale_labels", {}).items():
        if scale_id in scales:
            scales[scale_id]["label"] = label
    definition = {"format": meta.pop("format", 1), "id": id_, "version": version, "title": title, **meta,
                  "scales": scales, "domains": domains}
    return loads(to_yaml(definition), filename=f"{id_}.yaml")


def to_yaml(definition: dict | Instrument) -> str:
    if isinstance(definition, Instrument):
        definition = definition.model_dump(mode="json", exclude_defaults=True) | {"format": definition.format}
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=110)


def _text(languages: Iterable[str], get) -> dict | None:
    out = {lang: get(lang) for lang in languages}
    out = {k: str(v).strip() for k, v in out.items() if v is not None and str(v).strip()}
    return out or None


def _json(cell: object, where: str, problems: list[str]) -> dict:
    if cell is None or str(cell).strip() == "":
        return {}
    try:
        value = json.loads(str(cell))
    except json.JSONDecodeError as exc:
        problems.append(f"{where}: not valid JSON ({exc.msg} at character {exc.pos})")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a JSON object {{...}}")
        return {}
    return value


def _defaults(source: str) -> dict:
    return {"format": 1, "kind": "rating", "source": source,
            "licence": "Unknown: converted from another tool. Check the original's licence before use."}


# -- REDCap -------------------------------------------------------------------------------------
def to_redcap(inst: Instrument) -> list[dict[str, str]]:
    """The data dictionary: record_id, assessed_on, one radio field per item (domains as section
    headers), then the judgment and its rationale; Insats' extras as @INSATS tags in annotations."""
    form = inst.id.replace("-", "_")
    main = inst.languages[0]

    def row(name: str, kind: str, label: str, **more: str) -> dict[str, str]:
        return {c: "" for c in REDCAP_COLUMNS} | {"Variable / Field Name": name, "Form Name": form,
                                                    "Field Type": kind, "Field Label": label} | more

    def tag(name: str, value: object) -> str:
        return f"@INSATS-{name}={json.dumps(value, ensure_ascii=False, sort_keys=True)}"

    rows = [row(RECORD_ID, "text", "Ärendekod / case code"),
            row("insats_definition", "descriptive", inst.text(inst.title, main),
                **{"Field Annotation": " ".join([tag("DEFINITION", {"id": inst.id, "version": inst.version,
                                                                    "title": inst.title, **_meta(inst)})])}),
            row(ASSESSED_ON, "text", "Bedömningsdatum / date of assessment",
                **{"Text Validation Type OR Show Slider Number": "date_ymd", "Required Field?": "y"})]
    seen_scales: set[str] = set()
    for domain in inst.domains:
        for n, item in enumerate(domain.items):
            scale = inst.scales[item.scale]
            tags = [tag("ITEM", {"id": item.id, "label": item.label, "help": item.help, "scale": item.scale,
                                 **_item_extra(item)})]
            if n == 0:
                tags.insert(0, tag("DOMAIN", {"id": domain.id, "label": domain.label, "help": domain.help,
                                              "direction": domain.direction, "dynamic": domain.dynamic}))
            if item.scale not in seen_scales:
                seen_scales.add(item.scale)
                tags.append(tag("SCALE", {"id": item.scale, "levels": [lv.model_dump(mode="json")
                                                                       for lv in scale.levels]}))
            rows.append(row(_variable(item.id), "radio", inst.text(item.label, main), **{
                "Section Header": inst.text(domain.label, main) if n == 0 else "",
                "Choices, Calculations, OR Slider Labels": " | ".join(
                    f"{lv.code}, {inst.text(lv.label, main)}" for lv in scale.levels),
                "Field Note": inst.text(item.help, main) if item.help else "",
                "Field Annotation": " ".join(tags)}))
    if inst.judgment is not None:
        rows.append(row(JUDGMENT, "radio", "Samlad bedömning / summary judgment", **{
            "Section Header": "Samlad bedömning / summary judgment",
            "Choices, Calculations, OR Slider Labels": " | ".join(
                f"{lv}, {inst.text(inst.judgment.labels.get(lv), main) or lv}" for lv in inst.judgment.levels)}))
        rows.append(row(RATIONALE, "notes", "Motivering / rationale"))
    return rows


def _variable(item_id: str) -> str:
    """A REDCap variable name: lower case letters, digits and underscores, starting with a letter."""
    name = re.sub(r"[^a-z0-9_]", "_", item_id.lower())
    return name if name[:1].isalpha() else f"f_{name}"


def redcap_fields(inst: Instrument) -> dict[str, str]:
    """REDCap variable name -> item id, for reading a records export of a converted instrument."""
    return {_variable(item.id): item.id for item in inst.items}


def _tags(annotation: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _TAG.finditer(annotation or "")}


def from_redcap(rows: list[dict[str, str]], defaults: dict | None = None) -> tuple[Instrument, list[str]]:
    """A definition from a data dictionary's rows (header names as REDCap writes them); warnings list
    every default taken. Raises ``ConversionError`` naming the row (2 = the first under the header)."""
    defaults = defaults or {}
    problems: list[str] = []
    warnings: list[str] = []
    needed = ("Variable / Field Name", "Form Name", "Field Type", "Field Label")
    missing = [c for c in needed if rows and c not in rows[0]]
    if not rows or missing:
        raise ConversionError([f"row 1: not a REDCap data dictionary (missing {', '.join(missing) or 'rows'})"])
    meta: dict = {}
    scales: dict[str, dict] = {}
    domains: list[dict] = []
    choice_scales: dict[str, str] = {}
    form = rows[0]["Form Name"].strip()
    for number, r in enumerate(rows, start=2):
        name, kind = r["Variable / Field Name"].strip(), r["Field Type"].strip()
        where = f"row {number} ({name or 'no name'})"
        tags = {k: _json(v, f"{where}, Field Annotation @INSATS-{k}", problems)
                for k, v in _tags(r.get("Field Annotation", "")).items()}
        if "DEFINITION" in tags:
            meta = tags["DEFINITION"]
            continue
        if name in _OWN_FIELDS or (kind in ("descriptive", "calc", "file", "notes") and "ITEM" not in tags):
            continue
        if kind not in ("radio", "dropdown", "yesno", "truefalse"):
            warnings.append(f"{where}: field type {kind!r} is not a rating; left out")
            continue
        if "DOMAIN" in tags:
            domains.append({**tags["DOMAIN"], "items": []})
        elif r.get("Section Header", "").strip() or not domains:
            header = r.get("Section Header", "").strip() or form
            direction = defaults.get("direction", "risk")
            warnings.append(f"{where}: section {header!r} has no Insats direction; taken as {direction!r}")
            domains.append({"id": f"d{len(domains) + 1}", "label": {"sv": header}, "direction": direction,
                            "dynamic": defaults.get("dynamic", True), "items": []})
        if "SCALE" in tags:
            scales[tags["SCALE"]["id"]] = {"levels": tags["SCALE"]["levels"]}
        if "ITEM" in tags:
            item = {k: v for k, v in tags["ITEM"].items() if v is not None}
        else:
            scale_id = _scale_from_choices(kind, r.get("Choices, Calculations, OR Slider Labels", ""), scales,
                                           choice_scales, where, problems, warnings)
            item = {"id": name.upper() if re.fullmatch(r"[a-z][a-z0-9_]*", name) else name,
                    "label": {"sv": r["Field Label"].strip() or name}, "scale": scale_id}
            if r.get("Field Note", "").strip():
                item["help"] = {"sv": r["Field Note"].strip()}
        domains[-1]["items"].append(item)
    if problems:
        raise ConversionError(problems)
    if not meta:
        warnings.append(f"no @INSATS-DEFINITION: id, version, kind and licence defaulted (form {form!r})")
        meta = {"id": defaults.get("id") or re.sub(r"[^a-z0-9-]", "-", form.lower()).strip("-") or "redcap-form",
                "version": "1.0.0", "title": {"sv": form}, "languages": ["sv"],
                **_defaults("Converted from a REDCap data dictionary")}
    meta = {**meta, **{k: v for k, v in defaults.items() if k in ("id", "kind", "licence")}}
    return _finish(meta, scales, domains), warnings


def _scale_from_choices(kind: str, choices: str, scales: dict, known: dict, where: str, problems: list[str],
                        warnings: list[str]) -> str:
    """A scale from a REDCap choice list ("1, Low | 2, High"); the same list twice is one scale."""
    if kind in ("yesno", "truefalse"):
        choices = "0, Nej | 1, Ja" if kind == "yesno" else "0, Falskt | 1, Sant"
    if choices in known:
        return known[choices]
    levels = []
    for part in (p.strip() for p in choices.split("|") if p.strip()):
        code, _, label = part.partition(",")
        if not label.strip():
            problems.append(f"{where}: choice {part!r} is not 'code, label'")
            continue
        levels.append({"code": code.strip(), "label": {"sv": label.strip()}})
    numeric = all(re.fullmatch(r"-?\d+(\.\d+)?", lv["code"]) for lv in levels)
    for n, lv in enumerate(levels):
        lv["value"] = float(lv["code"]) if numeric else float(n)
    if levels and not numeric:
        warnings.append(f"{where}: choice codes are not numbers; values 0..{len(levels) - 1} taken in list order")
    scale_id = f"s{len(known) + 1}"
    known[choices] = scale_id
    scales[scale_id] = {"levels": levels}
    return scale_id


def _finish(meta: dict, scales: dict, domains: list[dict]) -> Instrument:
    meta = dict(meta)
    try:
        return build(meta, meta.pop("id"), str(meta.pop("version")), meta.pop("title"), scales, domains)
    except Exception as exc:  # InstrumentError: name every problem as the loader does
        issues = getattr(exc, "issues", None)
        raise ConversionError([str(i) for i in issues] if issues else [str(exc)]) from None


# -- XLSForm ------------------------------------------------------------------------------------
def _lang_column(kind: str, lang: str) -> str:
    return f"{kind}::{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def to_xlsform(inst: Instrument) -> dict[str, list[dict[str, object]]]:
    """The three sheets (survey, choices, settings) as lists of rows."""
    langs = inst.languages

    def texts(kind: str, text: dict | None) -> dict[str, str]:
        return {_lang_column(kind, lang): (text or {}).get(lang, "") for lang in langs}

    survey: list[dict[str, object]] = []
    survey.append({"type": "date", "name": ASSESSED_ON, "required": "yes",
                   **texts("label", {"sv": "Bedömningsdatum", "en": "Date of assessment"})})
    for domain in inst.domains:
        survey.append({"type": "begin_group", "name": domain.id, **texts("label", domain.label),
                       **texts("hint", domain.help), "insats_direction": domain.direction,
                       "insats_dynamic": "yes" if domain.dynamic else "no"})
        for item in domain.items:
            extra = _item_extra(item)
            needs = extra.pop("needs", [])
            survey.append({"type": f"select_one {item.scale}", "name": item.id, **texts("label", item.label),
                           **texts("hint", item.help), "insats_needs": " ".join(needs),
                           "insats_item": json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else ""})
        survey.append({"type": "end_group", "name": domain.id})
    if inst.judgment is not None:
        survey.append({"type": f"select_one {JUDGMENT}", "name": JUDGMENT,
                       **texts("label", {"sv": "Samlad bedömning", "en": "Summary judgment"})})
        survey.append({"type": "text", "name": RATIONALE, **texts("label", {"sv": "Motivering", "en": "Rationale"})})
    choices: list[dict[str, object]] = []
    for scale_id, scale in inst.scales.items():
        for lv in scale.levels:
            choices.append({"list_name": scale_id, "name": lv.code, **texts("label", lv.label),
                            "insats_value": lv.value})
    if inst.judgment is not None:
        for lv in inst.judgment.levels:
            choices.append({"list_name": JUDGMENT, "name": lv,
                            **texts("label", inst.judgment.labels.get(lv) or {lang: lv for lang in langs}),
                            "insats_value": ""})
    settings = [{"form_title": inst.text(inst.title, langs[0]), "form_id": inst.id, "version": inst.version,
                 "default_language": f"{LANGUAGE_NAMES.get(langs[0], langs[0])} ({langs[0]})",
                 "insats_definition": json.dumps({"title": inst.title, **_meta(inst)}, ensure_ascii=False,
                                                  sort_keys=True)}]
    return {"survey": survey, "choices": choices, "settings": settings}


def _languages_of(header: Iterable[str]) -> list[str]:
    found = []
    for column in header:
        if m := re.fullmatch(r"label::.*\(([A-Za-z-]+)\)\s*", str(column)):
            found.append(m.group(1))
    return found


def from_xlsform(sheets: dict[str, list[dict[str, object]]], defaults: dict | None = None,
                 ) -> tuple[Instrument, list[str]]:
    """A definition from an XLSForm's sheets (rows as dicts by header); warnings list every default."""
    defaults = defaults or {}
    problems: list[str] = []
    warnings: list[str] = []
    survey, choices = sheets.get("survey") or [], sheets.get("choices") or []
    settings = (sheets.get("settings") or [{}])[0]
    if not survey:
        raise ConversionError(["sheet 'survey': missing or empty"])
    header = list(survey[0].keys())
    langs = _languages_of(header) or ["sv"]
    plain_label = "label" in header and not _languages_of(header)

    untranslated: set[str] = set()

    def text(row: dict, kind: str) -> dict | None:
        if plain_label:
            return _text(["sv"], lambda _: row.get(kind))
        found = _text(langs, lambda lang: row.get(next((c for c in row if str(c).startswith(f"{kind}::")
                                                        and str(c).endswith(f"({lang})")), "")))
        if found and len(found) < len(langs):  # a text in one language only: shown as is in the others
            untranslated.update(lang for lang in langs if lang not in found)
            first = next(iter(found.values()))
            found = {lang: found.get(lang, first) for lang in langs}
        return found

    def named(name: str) -> dict:
        return {lang: name for lang in langs}

    scales: dict[str, dict] = {}
    for number, c in enumerate(choices, start=2):
        list_name, code = str(c.get("list_name") or "").strip(), str(c.get("name") or "").strip()
        if not list_name or not code or list_name == JUDGMENT:
            continue
        level = {"code": code, "label": text(c, "label") or named(code), "_value": c.get("insats_value"),
                 "_row": number}
        scales.setdefault(list_name, {"levels": []})["levels"].append(level)
    for scale_id, scale in scales.items():
        given = [lv.pop("_value") for lv in scale["levels"]]
        rows = [lv.pop("_row") for lv in scale["levels"]]
        numeric = all(v not in (None, "") for v in given)
        for n, (lv, value, row) in enumerate(zip(scale["levels"], given, rows, strict=True)):
            try:
                lv["value"] = float(value) if numeric else float(lv["code"])
            except (TypeError, ValueError):
                lv["value"] = float(n)
                if n == 0:
                    warnings.append(f"sheet 'choices', row {row}: list {scale_id!r} has no insats_value; "
                                    f"values 0..{len(scale['levels']) - 1} taken in list order")
    domains: list[dict] = []
    for number, r in enumerate(survey, start=2):
        kind, name = str(r.get("type") or "").strip(), str(r.get("name") or "").strip()
        where = f"sheet 'survey', row {number} ({name or kind or 'empty'})"
        if kind in ("begin_group", "begin group"):
            direction = str(r.get("insats_direction") or "").strip()
            if not direction:
                direction = defaults.get("direction", "risk")
                warnings.append(f"{where}: group has no insats_direction; taken as {direction!r}")
            dynamic = str(r.get("insats_dynamic") or "").strip().lower()
            domains.append({"id": name, "label": text(r, "label") or named(name), "help": text(r, "hint"),
                            "direction": direction, "dynamic": dynamic != "no" if dynamic else
                            defaults.get("dynamic", True), "items": []})
            continue
        if name in (JUDGMENT, RATIONALE, ASSESSED_ON) or kind in ("end_group", "end group", ""):
            continue  # Insats' own fields, written by to_xlsform
        if not kind.startswith("select_one "):
            warnings.append(f"{where}: type {kind!r} is not a rating; left out")
            continue
        scale_id = kind.split(None, 1)[1].strip()
        if scale_id not in scales:
            problems.append(f"{where}: choice list {scale_id!r} is not in the choices sheet")
            continue
        if not domains:
            direction = defaults.get("direction", "risk")
            warnings.append(f"{where}: a question outside any group; put in one domain taken as {direction!r}")
            domains.append({"id": "items", "label": named("Frågor"), "direction": direction,
                            "dynamic": defaults.get("dynamic", True), "items": []})
        item = {"id": name, "label": text(r, "label") or named(name), "help": text(r, "hint"), "scale": scale_id}
        if needs := str(r.get("insats_needs") or "").split():
            item["needs"] = needs
        item.update(_json(r.get("insats_item"), f"{where}, insats_item", problems))
        domains[-1]["items"].append({k: v for k, v in item.items() if v is not None})
    for d in domains:
        if d.get("help") is None:
            d.pop("help", None)
    domains = [d for d in domains if d["items"]]
    if problems:
        raise ConversionError(problems)
    meta = _json(settings.get("insats_definition"), "sheet 'settings', insats_definition", problems)
    if problems:
        raise ConversionError(problems)
    form_id = str(settings.get("form_id") or defaults.get("id") or "xlsform").strip()
    if not meta:
        warnings.append("sheet 'settings' has no insats_definition: kind and licence defaulted")
        meta = {"title": named(str(settings.get("form_title") or form_id)), "languages": langs,
                **_defaults("Converted from an XLSForm")}
    if untranslated:
        warnings.append(f"some texts lack {', '.join(sorted(untranslated))}: the other language's text is used")
    meta = {**meta, "id": defaults.get("id") or re.sub(r"[^a-z0-9-]", "-", form_id.lower()).strip("-"),
            "version": str(settings.get("version") or "1.0.0")}
    return _finish(meta, scales, domains), warnings


# -- REDCap records ----------------------------------------------------------------------------
_REDCAP_BOOKKEEPING = re.compile(r"^(redcap_(event_name|repeat_instrument|repeat_instance|data_access_group|"
                                 r"survey_identifier)|.*_complete|.*_timestamp|Complete\?|insats_definition)$")


def is_redcap_records(columns: Iterable[str], inst: Instrument) -> bool:
    """A records export of a converted instrument: REDCap's record id or a form's *_complete column."""
    columns = [str(c) for c in columns]
    labels = {row["Field Label"] for row in to_redcap(inst)}
    return RECORD_ID in columns or "Record ID" in columns or any(c.endswith("_complete") for c in columns) or (
        "Ärendekod / case code" in columns and bool(labels & set(columns)))


def from_redcap_records(inst: Instrument, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """A REDCap records export (raw: variable names and codes; or labelled: field labels and choice
    labels) as the wide frame ``insats assessments import`` reads (subject_id, assessed_on, item ids,
    judgment, rationale). Returns the frame, REDCap's bookkeeping columns left out, and columns it does
    not know (the import names those as errors)."""
    by_variable = {row["Variable / Field Name"]: row for row in to_redcap(inst)}
    rename = {RECORD_ID: "subject_id", "Record ID": "subject_id", ASSESSED_ON: ASSESSED_ON, JUDGMENT: JUDGMENT,
              RATIONALE: RATIONALE}
    item_of = redcap_fields(inst)
    rename |= {variable: item_id for variable, item_id in item_of.items()}
    for variable, row in by_variable.items():  # labelled headers: the field label names the field
        target = rename.get(variable)
        if target:
            rename.setdefault(row["Field Label"], target)
    left_out = [c for c in frame.columns if c not in rename and _REDCAP_BOOKKEEPING.match(str(c))]
    unknown = [c for c in frame.columns if c not in rename and c not in left_out]
    out = frame.drop(columns=left_out).rename(columns={c: rename[c] for c in frame.columns if c in rename})
    for item in inst.items:  # a labelled export writes the choice's label: back to its code
        if item.id in out:
            codes = {text: lv.code for lv in inst.scales[item.scale].levels for text in lv.label.values()}
            out[item.id] = out[item.id].map(lambda v, codes=codes: codes.get(str(v).strip(), v))
    return out, left_out, unknown
