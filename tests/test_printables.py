"""What leaves the app on paper: the one-page before/after sheet and the plain-words plan."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

import instruments
from forms.plain_plan import plain_words_html
from forms.report import before_after_sheet
from scoring.individual import factor_change

SAVRY = instruments.load("savry-like")


def sheet(fmt: str) -> bytes:
    before = np.zeros(len(SAVRY.items))
    after = before.copy()
    after[-6:] = 1
    factors = factor_change(SAVRY, before, after)
    long = pd.concat([
        factors.assign(side=np.where(factors["direction"] == "protective", "protective", "risk"), occasion=o, value=v)
        for o, v in (("Före", factors["before"]), ("Efter", factors["after"]))])
    totals = pd.DataFrame({"Mått": ["Risksumma"], "Före": [20.0], "Efter": [12.0], "RCI": ["-1.20"]})
    return before_after_sheet(title="SIG-ABC123 · savry-like", subtitle="2026-01-10 → 2026-06-10", long=long,
                              totals=totals, judgments=["Bedömning: Hög risk → Måttlig risk"],
                              headings={"risk": "Riskfaktorer", "protective": "Skyddsfaktorer"}, fmt=fmt)


def test_the_before_after_sheet_is_one_pdf_page_or_a_png():
    pdf = sheet("pdf")
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Pages") == 1 and b"/Count 1" in pdf  # exactly one page
    png = sheet("png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000


def test_the_plain_words_plan_says_who_does_what_and_escapes_text():
    page = plain_words_html(held_on=date(2026, 11, 23), next_meeting_on=date(2026, 12, 21),
                            short_goals=["Gå till skolan <varje dag>"], long_goals=["Klara nian"],
                            commitments=[("Skolan", "Närvarouppföljning & stöd", date(2026, 12, 21))], lang="sv")
    assert "Vår plan" in page and "Nästa gång vi ses: 2026-12-21." in page
    assert "&lt;varje dag&gt;" in page and "<varje dag>" not in page and "Närvarouppföljning &amp; stöd" in page
    for risk_word in ("risk", "Risk", "poäng", "SAVRY"):
        assert risk_word not in page  # no scores or risk levels on the family's copy
    assert "Our plan" in plain_words_html(held_on=date(2026, 11, 23), next_meeting_on=date(2026, 12, 21),
                                          short_goals=[], long_goals=[], commitments=[], lang="en")
