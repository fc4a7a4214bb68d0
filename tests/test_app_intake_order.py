"""Inkorg's referral picker lists the queue as the table beside it does: a priority queue, the longest
waiting since the last step first (not the oldest received, not the newest)."""

from __future__ import annotations

from datetime import timedelta

from store import cases, transaction

from .app_helpers import SYSTEM, TODAY, no_trace, open_page, texts


def test_the_referral_picker_follows_the_queue_tables_order(app_engine):
    with transaction(app_engine) as s:
        codes = {}
        for name, received in (("oldest", 60), ("middle", 30), ("newest", 10)):
            subject = cases.create_subject(s, SYSTEM)
            referral = cases.add_referral(s, SYSTEM, subject, "polis", TODAY - timedelta(days=received))
            codes[name] = subject.case_code
            if name == "oldest":  # the oldest had its decision yesterday: it has waited one day since
                cases.screen(s, SYSTEM, referral, suitable=True, criteria=["crime_active"],
                             on=TODAY - timedelta(days=1))
    at = open_page("intake")
    no_trace(at)
    table = at.dataframe[0].value
    assert table["Ärendekod"].tolist() == [codes["middle"], codes["newest"], codes["oldest"]]
    assert table["Väntat (dagar)"].tolist() == [30, 10, 1]
    picker = at.selectbox(key="intake_referral")
    assert [option.split(" · ")[0] for option in picker.options] == table["Ärendekod"].tolist()
    assert "I samma ordning som tabellen ovan" in texts(at, "caption")


def test_the_queue_shows_a_report_of_concerns_warning_beside_referrals_without_one(app_engine):
    """A queue mixing a report of concern whose clock has passed with plain referrals: the column of
    warnings holds text and gaps (pandas 3 reads the gaps as NaN, not None), and the page must draw it."""
    with transaction(app_engine) as s:
        plain = cases.create_subject(s, SYSTEM)
        cases.add_referral(s, SYSTEM, plain, "polis", TODAY - timedelta(days=20))
        worried = cases.create_subject(s, SYSTEM)
        cases.add_referral(s, SYSTEM, worried, "skola", TODAY - timedelta(days=5), report_of_concern=True)
    at = open_page("intake")
    no_trace(at)
    table = at.dataframe[0].value.set_index("Ärendekod")
    assert table.loc[plain.case_code, "Tidsfrist"] == "–"
    assert table.loc[worried.case_code, "Tidsfrist"] == "tidsfristen har passerat"
