"""The one-page before/after sheet for the network meeting, as PDF or PNG (matplotlib, no browser).

It shows what the page shows: the factor profile on both occasions (risk and protection side by
side), the totals with reliable change, and the assessor's judgments as the decisions.
"""

from __future__ import annotations

import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

FONT = 8


def _fmt(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1f}".replace(".0", "")


def before_after_sheet(*, title: str, subtitle: str, long: pd.DataFrame, totals: pd.DataFrame,
                       judgments: list[str], headings: dict[str, str], fmt: str = "pdf") -> bytes:
    """Render one A4 landscape page. ``long`` is ``charts.profile_long``; ``totals`` has the labelled
    columns to print; ``judgments`` are lines of text; ``headings`` name the risk and protective panels."""
    fig = sheet_figure(title=title, subtitle=subtitle, long=long, totals=totals, judgments=judgments,
                       headings=headings, dpi=150 if fmt == "png" else 100)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


def sheet_figure(*, title: str, subtitle: str, long: pd.DataFrame, totals: pd.DataFrame, judgments: list[str],
                 headings: dict[str, str], dpi: int = 100) -> plt.Figure:
    """The sheet as a figure (tests measure it): legends above the panels, never over a point; the y axis
    in the rating scale's whole steps; table columns as wide as their text, headers wrapped."""
    fig = plt.figure(figsize=(11.69, 8.27), dpi=dpi)
    grid = fig.add_gridspec(2, 3, height_ratios=[3, 2], width_ratios=[2.2, 1, 1.2], hspace=0.75, wspace=0.3,
                            top=0.83)
    fig.suptitle(title, fontsize=14, x=0.05, ha="left", y=0.97)
    fig.text(0.05, 0.925, subtitle, fontsize=9, color="#444")
    for position, side in ((grid[0, 0], "risk"), (grid[0, 1], "protective")):
        ax = fig.add_subplot(position)
        data = long[long["side"] == side]
        for occasion, rows in data.groupby("occasion", sort=False):
            ax.plot(rows["item"], rows["value"], marker="o", label=occasion)
        ax.set_title(headings[side], fontsize=10, loc="left", pad=22)
        ax.tick_params(axis="x", labelrotation=90, labelsize=FONT)
        ax.tick_params(axis="y", labelsize=FONT)
        values = data["value"].dropna()
        if not values.empty:  # ratings are whole steps (0, 1, 2): no 0.25 ticks between them
            low, high = min(0, math.floor(values.min())), max(1, math.ceil(values.max()))
            ax.set_yticks(range(low, high + 1))
            ax.set_ylim(low - 0.3, high + 0.3)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=FONT, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False,
                  borderaxespad=0.2)
    text_ax = fig.add_subplot(grid[0, 2])
    text_ax.axis("off")
    text_ax.text(0, 1, "\n\n".join(textwrap.fill(j, 42) for j in judgments), va="top", fontsize=9)
    table_ax = fig.add_subplot(grid[1, :])
    table_ax.axis("off")
    cells = [[_fmt(v) if isinstance(v, float) else str(v) for v in row] for row in totals.itertuples(index=False)]
    labels = [textwrap.fill(str(c), 16) for c in totals.columns]
    table = table_ax.table(cellText=cells, colLabels=labels, loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(FONT)
    table.auto_set_column_width(list(range(len(labels))))
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    for (row, _), cell in table.get_celld().items():
        cell.set_height(0.07 * (lines if row == 0 else 1) + 0.02)
        cell.PAD = 0.05
    return fig
