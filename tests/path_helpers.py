"""A case through the intake path to its start, for tests of what belongs after it (meetings, events,
commitments, closing): the store refuses those before a start (``rules.path.BELONGS``)."""

from __future__ import annotations

from datetime import date, timedelta

from store import cases


def start(s, actor, subject, on: date):
    """Take ``subject`` to a start on ``on``: a referral a week before, suitable, asked, a yes, the consent
    a start under SoL needs (``start_consent``), the start (with its stated reason, as a start without a
    structured assessment needs)."""
    referral = cases.add_referral(s, actor, subject, "polis", on - timedelta(days=7))
    start_consent(s, actor, subject, on - timedelta(days=4))
    cases.screen(s, actor, referral, suitable=True, criteria=["crime_active"], on=on - timedelta(days=6))
    cases.mark_asked(s, actor, referral, on - timedelta(days=5))
    cases.record_answer(s, actor, referral, accepted=True, on=on - timedelta(days=4))
    cases.mark_started(s, actor, referral, on, reason="Startad i testet utan bedömning.")
    return subject


def start_consent(s, actor, subject, signed_on: date, valid_days: int = 365):
    """The consent a start under SoL rests on: signed by the youth and a guardian, the social services,
    the police and the school may share (``rules.start``)."""
    return cases.add_consent(s, actor, subject, signed_on=signed_on, signed_by=["youth", "guardian 1"],
                             valid_until=signed_on + timedelta(days=valid_days),
                             actors=["socialtjanst", "polis", "skola"], categories=["assessment", "plan"])


EARLY = date(2024, 1, 8)  # a start before every date the tests record after it
