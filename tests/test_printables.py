"""What leaves the app on paper: the one-page before/after sheet and the plain-words plan."""

from __future__ import annotations

import re
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


def test_the_plain_words_plan_and_summary_are_in_english_on_the_english_page():
    """#21 item 6: the family's copy in the page's language, every word of it from the catalogue and the
    dates as the language writes them."""
    from forms.plain_plan import closing_summary_html

    page = plain_words_html(held_on=date(2026, 11, 23), next_meeting_on=date(2026, 12, 21), short_goals=["x"],
                            long_goals=["y"], commitments=[("Mentor", "calls", date(2026, 12, 7), None)], lang="en")
    assert "This is what we agreed at the meeting on 23/11/2026." in page and "Next time we meet: 21/12/2026." in page
    assert "<td>07/12/2026</td>" in page and "2026-" not in page
    summary = closing_summary_html(closed_on=date(2026, 6, 30), goals=[], done=[], continues=[], lang="en")
    assert "We ended our work together on 30/06/2026." in summary and "Nothing in particular." in summary
    for html in (page, summary):
        assert not SWEDISH_LETTERS.search(html), SWEDISH_LETTERS.findall(html)
    swedish = plain_words_html(held_on=date(2026, 11, 23), next_meeting_on=date(2026, 12, 21), short_goals=[],
                               long_goals=[], commitments=[("Mentor", "ringer", date(2026, 12, 7), None)])
    assert "<td>2026-12-07</td>" in swedish and "Vem" in swedish


SWEDISH_LETTERS = re.compile(r"\w*[åäöÅÄÖ]\w*")


def follow_up_report() -> dict:
    """A follow-up report as services.followup_report makes it, every part present (small counts as '< 5')."""
    measures = {"police_reports": 12, "placements": 3, "placement_days": 140, "placement_cost": 560000,
                "placement_cost_by_type": {"SiS": 300000, "HVB": 200000, "family_home": 60000}}
    return {
        "period": {"from": "2026-01-01", "to": "2026-12-31", "window_months": 12},
        "cases_started": 24, "days_referral_to_decision": {"median": 9},
        "first_assessment_within_7_days_share": 0.75, "meeting_intervals_within_28_days_share": 0.8,
        "started_with_active_consent_share": 1.0, "started_with_action_plan_share": 0.9,
        "closed_with_closing_assessment_share": 0.5, "occupation_at_closing_share": 0.6,
        "closed": {"goals_reached": 7, "dropped_out": "< 5"},
        "risk_change": {"n": 20, "risk_total": {"pre_mean": 21.5, "post_mean": 16.2},
                        "protective_total": {"pre_mean": 3.1, "post_mean": 4.4}},
        "occupation_at_closing": {"school": 6, "work": "< 5", "training": "< 5", "none": "< 5"},
        "funnel": {"received": 60, "suitable": 40, "asked": 30, "accepted": 24},
        "outcomes": {"before": measures, "after": measures, "youths": 24},
        "comparison_group": {"outcomes": {"before": measures, "after": measures}, "youths": 11},
    }


def pdf_words(monkeypatch, language: str) -> list[str]:
    """Every piece of text drawn on the follow-up PDF's pages (titles, tables, ticks, notes)."""
    import matplotlib.table
    import matplotlib.text

    from services import followup_pdf

    drawn: list[str] = []
    real = followup_pdf.PdfPages

    class Recording(real):
        def savefig(self, figure=None, **kwargs):
            figure.canvas.draw()
            texts = [t for t in figure.findobj(matplotlib.text.Text)]
            texts += [cell.get_text() for table in figure.findobj(matplotlib.table.Table)
                      for cell in table.get_celld().values()]
            drawn.extend(t.get_text() for t in texts if t.get_text().strip())
            return super().savefig(figure, **kwargs)

    monkeypatch.setattr(followup_pdf, "PdfPages", Recording)
    pdf = followup_pdf.follow_up_pdf(follow_up_report(), language)
    assert pdf.startswith(b"%PDF")
    return drawn


def test_the_follow_up_pdf_is_in_english_when_asked_and_in_swedish_by_default(monkeypatch):
    from .test_translations import ENGLISH, RAW_CODE

    english = pdf_words(monkeypatch, "en")
    assert "Follow-up of social intervention groups (SIG)" in english and "Closed: goals reached" in english
    assert "Cases started 01/01/2026 – 31/12/2026; outcomes 12 months before and after the start" in english
    assert not [w for w in english if SWEDISH_LETTERS.search(w)], [w for w in english if SWEDISH_LETTERS.search(w)]
    swedish = pdf_words(monkeypatch, "sv")
    assert "Uppföljning av sociala insatsgrupper" in swedish and "Avslutade: målen nådda" in swedish
    assert not [w for w in swedish if ENGLISH.search(w)], [w for w in swedish if ENGLISH.search(w)]
    assert not [w for w in swedish if RAW_CODE.search(w)]  # closing reasons, occupations in words
    assert not {"goals_reached", "dropped_out", "family_home", "police_reports"} & set(english)
