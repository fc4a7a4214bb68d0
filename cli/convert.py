"""insats instruments convert: a definition to and from a REDCap data dictionary (.csv) or an XLSForm
(.xlsx). The conversion itself is ``instruments.interop`` (pure); this reads and writes the files."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import instruments
from instruments import interop

from ._io import InputError, write_atomically

FORMATS = ("insats", "redcap", "xlsform")
BY_SUFFIX = {".yaml": "insats", ".yml": "insats", ".csv": "redcap", ".xlsx": "xlsform"}


def read_redcap(path: str) -> list[dict[str, str]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the data dictionary as CSV UTF-8") from None
    return [{k.strip(): (v or "") for k, v in row.items() if k} for row in csv.DictReader(io.StringIO(text))]


ANNOTATION = "Field Annotation"  # REDCap's action tags (@HIDDEN, @DEFAULT=..., Insats' @INSATS-...) start it


def formula_cells(rows: list[dict[str, str]]) -> list[str]:
    """Cells of a data dictionary a spreadsheet would run as a formula (``rules.disclosure``), each
    named by its field and column. The annotation may start with REDCap's own ``@`` tags."""
    from rules.disclosure import is_formula_like

    return [f"field {row['Variable / Field Name']!r}, column {column!r}: {value!r} would run as a formula in a "
            "spreadsheet; change it in the definition (it may not start with = + - @ or a blank before one)"
            for row in rows for column, value in row.items()
            if is_formula_like(value, tags_allowed=column == ANNOTATION)]


def write_redcap(rows: list[dict[str, str]]) -> str:
    """The data dictionary as CSV. Refused rather than prefixed with an apostrophe: REDCap would keep
    the apostrophe in the label the assessor reads, and the annotation's @ tags must stay as they are."""
    if problems := formula_cells(rows):
        raise InputError("\n".join(problems) + "\nnothing was written")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=interop.REDCAP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_xlsform(path: str) -> dict[str, list[dict[str, object]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException: all "not an .xlsx"
        raise InputError(f"{path}: not an .xlsx workbook ({type(exc).__name__})") from None
    sheets = {}
    for name in ("survey", "choices", "settings"):
        if name not in book.sheetnames:
            continue
        rows = list(book[name].iter_rows(values_only=True))
        if not rows:
            continue
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        sheets[name] = [{h: ("" if v is None else v) for h, v in zip(header, row, strict=False) if h}
                        for row in rows[1:] if any(v not in (None, "") for v in row)]
    book.close()
    return sheets


def write_xlsform(sheets: dict[str, list[dict[str, object]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        header: list[str] = []
        for row in rows:
            header += [k for k in row if k not in header]
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(h, "") for h in header])
            for cell in sheet[sheet.max_row]:  # openpyxl makes a text starting with "=" a live formula: kept as
                if cell.data_type == "f":      # the text it is (an XLSForm holds no spreadsheet formulas)
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def convert(path: str, source: str, target: str, defaults: dict) -> tuple[str | bytes, list[str]]:
    """The file at ``path`` (in ``source`` format) as ``target``; returns the output and the warnings."""
    warnings: list[str] = []
    try:
        if source == "insats":
            inst = instruments.load(path)
        elif source == "redcap":
            inst, warnings = interop.from_redcap(read_redcap(path), defaults)
        else:
            inst, warnings = interop.from_xlsform(read_xlsform(path), defaults)
    except interop.ConversionError as exc:
        raise InputError("\n".join(f"{path}: {p}" for p in exc.problems) + "\nnothing was written") from None
    except instruments.InstrumentError as exc:
        raise InputError("\n".join(str(i) for i in exc.issues) + "\nnothing was written") from None
    if target == "redcap":
        return write_redcap(interop.to_redcap(inst)), warnings
    if target == "xlsform":
        return write_xlsform(interop.to_xlsform(inst)), warnings
    return interop.to_yaml(inst), warnings


def cmd_convert(args: argparse.Namespace) -> None:
    source = args.source or BY_SUFFIX.get(Path(args.file).suffix.lower())
    if source is None:
        raise InputError(f"{args.file}: cannot tell the format from the name; say --from {'|'.join(FORMATS)}")
    if args.to == "xlsform" and not args.output:
        raise InputError("an XLSForm is a binary .xlsx file: name it with -o FILE.xlsx (or -o - for standard output)")
    defaults = {k: v for k, v in {"id": args.id, "direction": args.direction, "kind": args.kind}.items() if v}
    output, warnings = convert(args.file, source, args.to, defaults)
    for line in warnings:
        print(f"{args.file}: warning: {line}", file=sys.stderr)
    write_atomically(args.output, output)
    if args.output and args.output != "-":
        print(f"wrote {args.output} ({args.to}) from {args.file} ({source})", file=sys.stderr)


def register(inst_sub: argparse._SubParsersAction) -> None:
    convert_parser = inst_sub.add_parser(
        "convert", help="a definition to or from a REDCap data dictionary (.csv) or an XLSForm (.xlsx)",
        description="Insats-only facts (direction, values, needs, bands, judgment) travel in @INSATS "
                    "annotations (REDCap) or insats:: columns (XLSForm); what a foreign form lacks is "
                    "defaulted with a warning.")
    convert_parser.add_argument("file")
    convert_parser.add_argument("--to", required=True, choices=FORMATS)
    convert_parser.add_argument("--from", dest="source", choices=FORMATS,
                                help="the input's format (default: by its suffix .yaml, .csv, .xlsx)")
    convert_parser.add_argument("-o", "--output", help="the file to write (default: standard output)")
    convert_parser.add_argument("--id", help="the instrument id, when the input has none of Insats'")
    convert_parser.add_argument("--direction", choices=["risk", "protective", "bipolar"],
                                help="the direction of domains the input does not give (default risk)")
    convert_parser.add_argument("--kind", choices=["checklist", "spj", "self-report", "rating"],
                                help="the kind of instrument, when the input has none of Insats'")
    convert_parser.set_defaults(func=cmd_convert)
