"""The one-page before/after sheet for the network meeting, as PDF or PNG (matplotlib, no browser).

It shows what the page shows: the factor profile on both occasions (risk and protection side by
side), the totals with reliable change, and the assessor's judgments as the decisions.
"""

from __future__ import annotations

import io

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
    fig = plt.figure(figsize=(11.69, 8.27), dpi=150 if fmt == "png" else 100)
    grid = fig.add_gridspec(2, 3, height_ratios=[3, 2], width_ratios=[2.2, 1, 1.2], hspace=0.55, wspace=0.3)
    fig.suptitle(title, fontsize=14, x=0.05, ha="left", y=0.97)
    fig.text(0.05, 0.925, subtitle, fontsize=9, color="#444")
    for position, side in ((grid[0, 0], "risk"), (grid[0, 1], "protective")):
        ax = fig.add_subplot(position)
        data = long[long["side"] == side]
        for occasion, rows in data.groupby("occasion", sort=False):
            ax.plot(rows["item"], rows["value"], marker="o", label=occasion)
        ax.set_title(headings[side], fontsize=10, loc="left")
        ax.tick_params(axis="x", labelrotation=90, labelsize=FONT)
        ax.tick_params(axis="y", labelsize=FONT)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=FONT, loc="upper right")
    text_ax = fig.add_subplot(grid[0, 2])
    text_ax.axis("off")
    text_ax.text(0, 1, "\n\n".join(judgments), va="top", fontsize=9, wrap=True)
    table_ax = fig.add_subplot(grid[1, :])
    table_ax.axis("off")
    cells = [[_fmt(v) if isinstance(v, float) else str(v) for v in row] for row in totals.itertuples(index=False)]
    table = table_ax.table(cellText=cells, colLabels=list(totals.columns), loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(FONT)
    table.scale(1, 1.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()
