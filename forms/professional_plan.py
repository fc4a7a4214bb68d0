"""The professionals' action plan as a PDF (A4): the meeting, the goals and whose they are, every
person's commitments with "if I can't keep it" and the last review, and the network's contacts. It goes
beside the family's plain-words plan, each only to recipients the consent allows (``forms.release``)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

A4 = (8.27, 11.69)


@dataclass(frozen=True)
class PlanSheet:
    case_code: str
    held_on: date
    next_meeting_on: date
    attendees: list[str]
    goals: list[tuple[str, str, str]]  # (term label, owner label, text)
    commitments: list[tuple[str, str, str, str, str]]  # (person, what, by when, if I can't, review)
    members: list[tuple[str, str, str, str]]  # (name, organisation, role, contact)
    labels: dict[str, str]  # headings in the reader's language


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or "–"


LINE = 0.0125  # one line of 8-point text, as a share of an A4 page's height (with the cell's padding)


def _table(fig, top: float, height: float, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    """A table whose rows are as tall as their tallest cell (every cell of a row the same height)."""
    ax = fig.add_axes([0.06, top - height, 0.88, height])
    ax.axis("off")
    if not rows:
        ax.text(0, 1, "–", va="top", fontsize=9)
        return
    table = ax.table(cellText=rows, colLabels=header, loc="upper left", cellLoc="left", colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    lines = [1] + [max(str(cell).count("\n") + 1 for cell in row) for row in rows]
    for (row, _), cell in table.get_celld().items():
        cell.set_height((lines[row] + 0.6) * LINE / height)
        cell.get_text().set_va("center")
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#eeeeee")


def professional_plan_pdf(sheet: PlanSheet) -> bytes:
    """Two pages: plan and commitments first, the network's contacts after."""
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        for fig in figures(sheet):
            pdf.savefig(fig)
            plt.close(fig)
    return buffer.getvalue()


def figures(sheet: PlanSheet) -> Iterator:
    """The pages as matplotlib figures (the PDF's, or a PNG for the README)."""
    t = sheet.labels
    fig = plt.figure(figsize=A4)
    fig.text(0.06, 0.955, f"{t['title']} · {sheet.case_code}", fontsize=15, weight="bold")
    fig.text(0.06, 0.93, f"{t['held']}: {sheet.held_on}   ·   {t['next']}: {sheet.next_meeting_on}", fontsize=9)
    fig.text(0.06, 0.91, _wrap(f"{t['attendees']}: {', '.join(sheet.attendees)}", 120), fontsize=8, va="top",
             color="#333")
    fig.text(0.06, 0.875, t["goals"], fontsize=11, weight="bold")
    _table(fig, 0.865, 0.2, [t["term"], t["owner"], t["goal"]],
           [[term, owner, _wrap(text, 70)] for term, owner, text in sheet.goals], [0.15, 0.2, 0.65])
    fig.text(0.06, 0.64, t["commitments"], fontsize=11, weight="bold")
    _table(fig, 0.63, 0.58, [t["person"], t["what"], t["by_when"], t["if_cannot"], t["review"]],
           [[_wrap(p, 18), _wrap(w, 34), b, _wrap(i, 28), _wrap(r, 18)] for p, w, b, i, r in sheet.commitments],
           [0.17, 0.31, 0.11, 0.25, 0.16])
    yield fig
    fig = plt.figure(figsize=A4)
    fig.text(0.06, 0.955, f"{t['network']} · {sheet.case_code}", fontsize=15, weight="bold")
    _table(fig, 0.93, 0.8, [t["name"], t["organisation"], t["role"], t["contact"]],
           [[_wrap(n, 26), o, _wrap(r, 22), _wrap(c, 34)] for n, o, r, c in sheet.members],
           [0.27, 0.2, 0.2, 0.33])
    fig.text(0.06, 0.05, t["footer"], fontsize=7, color="#555")
    yield fig
