"""What leaves the app on paper: the one-page before/after sheet and the plain-words plan."""

from __future__ import annotations

from datetime import date, time

import numpy as np
import pandas as pd

import instruments
from forms.plain_plan import plain_words_html
from forms.report import before_after_sheet, sheet_figure
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


def test_the_sheet_keeps_legends_off_the_points_ticks_on_the_scale_and_text_in_its_cells():
    """#19 item 12: legends covered points, headers were cut, the y axis stepped by 0.25 for 0/1/2 ratings."""
    before = np.array([float(i % 3) for i in range(len(SAVRY.items))])
    factors = factor_change(SAVRY, before, 2 - before)
    long = pd.concat([
        factors.assign(side=np.where(factors["direction"] == "protective", "protective", "risk"), occasion=o, value=v)
        for o, v in (("Före 2026-01-10 · Inledande", factors["before"]), ("Efter 2026-06-10", factors["after"]))])
    totals = pd.DataFrame({"Mått": ["Risksumma", "Skyddssumma"], "Före (2026-01-10 · Inledande)": [20.0, 2.0],
                           "Efter (2026-06-10 · Uppföljning)": [12.0, 4.0],
                           "Reliabel förändring (RCI)": ["−1,2", "0,8"]})
    fig = sheet_figure(title="SIG-ABC123", subtitle="Före → Efter", long=long, totals=totals,
                       judgments=["Hög → Måttlig"], headings={"risk": "Riskfaktorer", "protective": "Skyddsfaktorer"})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in [a for a in fig.axes if a.get_legend() is not None]:
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.y0 >= ax.get_window_extent(renderer).y1 - 1  # above the plot, so over no point
        assert [t for t in ax.get_yticks()] == [0, 1, 2]
    table = next(c for a in fig.axes for c in a.get_children() if type(c).__name__ == "Table")
    for cell in table.get_celld().values():
        box, text = cell.get_window_extent(renderer), cell.get_text().get_window_extent(renderer)
        assert text.x1 <= box.x1 + 1 and text.y0 >= box.y0 - 1 and text.y1 <= box.y1 + 1, cell.get_text().get_text()
    matplotlib_close(fig)


def matplotlib_close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


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


def test_the_family_plan_carries_each_if_i_cannot():
    """#19 item 18: the youth's own "Om jag inte kan" was left out of the family's copy."""
    page = plain_words_html(held_on=date(2026, 11, 23), next_meeting_on=date(2026, 12, 21), short_goals=[],
                            long_goals=[], lang="sv",
                            commitments=[("Ungdomen", "Gå till skolan varje dag", date(2026, 12, 21),
                                          "Jag ringer min mentor innan åtta"),
                                         ("Skolan", "Närvarouppföljning", date(2026, 12, 21), None)])
    assert "Om det inte går" in page and "Jag ringer min mentor innan åtta" in page
    assert page.count("<tr>") == 3  # the heading and both commitments, the second with '–'


def test_the_invitation_is_a_valid_rfc_5545_request_with_its_time_zone_and_organiser():
    """#19 item 15: a TZID needs its VTIMEZONE and a REQUEST its ORGANIZER; read by icalendar and by vobject."""
    import icalendar
    import vobject

    from forms.invitation import invitation_ics

    data = invitation_ics(case_code="SIG-K7QF3M", on=date(2026, 12, 21), start=time(15, 0), minutes=90,
                          place="Skärholmens stadsdelsförvaltning", summary="Nätverksmöte", description="Dagordning",
                          organiser=("Sam Samordnare", "sam@kommun.example"),
                          attendees=[("Polisen Kim", "kim@polisen.example")])
    calendar = icalendar.Calendar.from_ical(data)
    zones = {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")}
    event = calendar.walk("VEVENT")[0]
    assert zones == {"Europe/Stockholm"} and event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert str(event["ORGANIZER"]) == "mailto:sam@kommun.example"
    parsed = vobject.readOne(data.decode())  # a second, independent reader
    assert parsed.vevent.organizer.value == "mailto:sam@kommun.example"
    assert parsed.vevent.dtstart.value.utcoffset().total_seconds() == 3600  # CET in December
    assert "SIG-K7QF3M" in parsed.vevent.summary.value
    without = icalendar.Calendar.from_ical(invitation_ics(
        case_code="SIG-K7QF3M", on=date(2026, 6, 1), start=time(9, 0), minutes=60, place="", summary="Möte",
        description="", organiser=("Sam Samordnare", None), attendees=[]))
    assert str(without.walk("VEVENT")[0]["ORGANIZER"]).endswith(".invalid")  # never an invented real address
