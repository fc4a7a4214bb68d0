"""A case through the intake path to its start, for tests of what belongs after it (meetings, events,
commitments, closing): the store refuses those before a start (``rules.path.BELONGS``)."""

from __future__ import annotations

from datetime import date, timedelta

from store import cases


def start(s, actor, subject, on: date):
    """Take ``subject`` to a start on ``on``: a referral a week before, suitable, asked, a yes, the start
    (with its stated reason, as a start without a structured assessment needs)."""
    referral = cases.add_referral(s, actor, subject, "polis", on - timedelta(days=7))
    cases.screen(s, actor, referral, suitable=True, criteria=["crime_active"], on=on - timedelta(days=6))
    cases.mark_asked(s, actor, referral, on - timedelta(days=5))
    cases.record_answer(s, actor, referral, accepted=True, on=on - timedelta(days=4))
    cases.mark_started(s, actor, referral, on, reason="Startad i testet utan bedömning.")
    return subject


EARLY = date(2024, 1, 8)  # a start before every date the tests record after it
