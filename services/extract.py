"""The register extract (GDPR art. 15) as the files a youth or guardian receives: JSON with stable keys for
systems, and a PDF in plain Swedish (English on request) for people. No Streamlit: the CLI
(``insats extract``) and the case page's download both call these.

The store gathers and audits (``store.register.case_record``); this module only says it. Every heading,
field name and vocabulary word of the PDF comes from the catalogue (``extract_*`` and the vocabularies'
own ids); what people typed is shown as they typed it.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterator
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

import catalogue

A4 = (8.27, 11.69)
FORMAT = "insats-register-extract"
VERSION = 1
FORMATS = ("json", "pdf")

# a field whose values are codes of a vocabulary: said by the vocabulary's words (prefix + code)
FIELD_WORDS = {"source": "source_", "occasion": "occasion_", "placement": "placement_", "occupation": "occupation_",
               "closed_reason": "closing_", "organisation": "org_", "review": "review_", "actors": "actor_",
               "categories": "category_", "judgment": "extract_level_", "legal_basis": "legal_",
               "gender": "gender_", "action": "log_action_", "entity": "log_entity_", "kind": "extract_kind_",
               "owner": "owner_", "term": "extract_term_", "signed_by": "signer_"}
# a field whose vocabulary depends on the section (an assessment's status is not a commitment's)
SECTION_WORDS = {("assessments", "status"): "state_", ("commitments", "status"): "commitment_",
                 ("events", "kind"): "event_", ("access_log", "role"): "role_"}
# a decision's outcome: yes/no, or the legal basis of a start, or the reason of a closing
OUTCOME_WORDS = {"start": "legal_", "closing": "closing_"}


def extract_json(record: dict[str, Any], made_on: date) -> str:
    """The extract as JSON: ``format``, ``version``, ``made_on``, then the sections in their fixed order."""
    return json.dumps({"format": FORMAT, "version": VERSION, "made_on": made_on.isoformat(), **record},
                      ensure_ascii=False, indent=1, default=str) + "\n"


def _prefix(section: str, field: str, row: dict[str, Any]) -> str | None:
    if section == "decisions" and field == "outcome":
        return OUTCOME_WORDS.get(row.get("kind"))
    return SECTION_WORDS.get((section, field), FIELD_WORDS.get(field))


def _said(section: str, field: str, value: Any, language: str, row: dict[str, Any] | None = None) -> str:
    """One value in words: yes/no, a date as the language writes it, a vocabulary code by its word."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return catalogue.text("yes" if value else "no", language)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_said(section, field, v, language, row)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_said(section, field, v, language, row) for v in value)
    prefix = _prefix(section, field, row or {})
    if prefix == "role_" and "+" in str(value):
        return ", ".join(_said(section, field, v, language, row) for v in str(value).split("+"))
    if prefix == "signer_":
        value = str(value).replace(" ", "_")
    if prefix and f"{prefix}{value}" in catalogue.STRINGS:
        return catalogue.text(f"{prefix}{value}", language)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return catalogue.day(date.fromisoformat(value), language)
        except ValueError:
            pass
    return str(value)


def _label(field: str, language: str) -> str:
    return catalogue.text(f"extract_field_{field}", language)


def lines_of(record: dict[str, Any], case_code: str, made_on: date, language: str) -> list[tuple[str, str]]:
    """The extract as (style, text) lines: ``h1``, ``h2``, ``row`` (a record's first line) and ``text``."""
    say = lambda key, **v: catalogue.text(key, language, **v)  # noqa: E731
    lines = [("h1", say("extract_title", case=case_code)),
             ("text", say("extract_intro", on=catalogue.day(made_on, language)))]
    for section, rows in record.items():
        rows = [rows] if isinstance(rows, dict) else rows
        lines.append(("h2", f"{say(f'extract_section_{section}')} ({len(rows)})"))
        if not rows:
            lines.append(("text", say("extract_none")))
        for row in rows:
            parts = [f"{_label(field, language)}: {_said(section, field, value, language, row)}"
                     for field, value in row.items()]
            lines.append(("row", "; ".join(parts)))
    lines.append(("text", say("extract_footer")))
    return lines


LINE_HEIGHT, TOP, BOTTOM, WIDTH = 0.0155, 0.95, 0.05, 112


def figures(record: dict[str, Any], case_code: str, made_on: date, language: str) -> Iterator:
    """A4 pages of text, as many as the extract needs."""
    fig, y = None, 0.0
    for style, text in lines_of(record, case_code, made_on, language):
        size, weight, width = {"h1": (14, "bold", 70), "h2": (11, "bold", 90)}.get(style, (8, "normal", WIDTH))
        wrapped = textwrap.wrap(text, width) or [""]
        needed = LINE_HEIGHT * (len(wrapped) + (1.4 if style != "text" else 0.6))
        if fig is None or y - needed < BOTTOM:
            if fig is not None:
                yield fig
            fig, y = plt.figure(figsize=A4), TOP
            fig.text(0.94, 0.02, case_code, fontsize=7, color="#555", ha="right")
        y -= LINE_HEIGHT * (0.8 if style != "text" else 0.2)
        for part in wrapped:
            fig.text(0.06, y, part, fontsize=size, weight=weight, va="top")
            y -= LINE_HEIGHT * (size / 8)
    if fig is not None:
        yield fig


def extract_pdf(record: dict[str, Any], case_code: str, made_on: date, language: str = "sv") -> bytes:
    """The extract as a PDF in ``language`` (Swedish unless English is asked for)."""
    language = catalogue.language_or_swedish(language)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": catalogue.text("extract_title", language, case=case_code)}) as pdf:
        for fig in figures(record, case_code, made_on, language):
            pdf.savefig(fig)
            plt.close(fig)
    return buffer.getvalue()


def extract_file(record: dict[str, Any], case_code: str, made_on: date, fmt: str, language: str = "sv") -> bytes:
    """The extract in ``fmt`` (json or pdf) as the bytes of the file."""
    if fmt == "json":
        return extract_json(record, made_on).encode("utf-8")
    return extract_pdf(record, case_code, made_on, language)
