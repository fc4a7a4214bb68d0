"""The professionals' action plan as a PDF (A4): the meeting, the goals and whose they are, every
person's commitments with "if I can't keep it" and the last review, and the network's contacts. It goes
beside the family's plain-words plan, each only to recipients the consent allows (``forms.release``)."""

from __future__ import annotations

import io
import textwrap
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


def _table(fig, top: float, height: float, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    ax = fig.add_axes([0.06, top - height, 0.88, height])
    ax.axis("off")
    if not rows:
        ax.text(0, 1, "–", va="top", fontsize=9)
        return
    table = ax.table(cellText=rows, colLabels=header, loc="upper left", cellLoc="left", colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, _), cell in table.get_celld().items():
        lines = cell.get_text().get_text().count("\n") + 1
        cell.set_height(0.035 * max(lines, 1) * (0.9 if row else 1.0))
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#eeeeee")


def professional_plan_pdf(sheet: PlanSheet) -> bytes:
    """One or two pages: plan and commitments first, the network's contacts after."""
    t = sheet.labels
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
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
        pdf.savefig(fig)
        plt.close(fig)
        fig = plt.figure(figsize=A4)
        fig.text(0.06, 0.955, f"{t['network']} · {sheet.case_code}", fontsize=15, weight="bold")
        _table(fig, 0.93, 0.8, [t["name"], t["organisation"], t["role"], t["contact"]],
               [[_wrap(n, 26), o, _wrap(r, 22), _wrap(c, 34)] for n, o, r, c in sheet.members],
               [0.27, 0.2, 0.2, 0.33])
        fig.text(0.06, 0.05, t["footer"], fontsize=7, color="#555")
        pdf.savefig(fig)
        plt.close(fig)
    return buffer.getvalue()
