"""The dates of a case's steps: a step is recorded once it has happened, so none is after today, and
none comes before the step it follows (the referral steps' order is ``referrals._not_before``)."""

from __future__ import annotations

from datetime import date

import config

from ._errors import CaseError

# step codes -> the English words for logs and the CLI; pages say them from ``order_step_<code>``
STEP_WORDS = {"received": "the referral was received", "decision": "the decision", "informed": "informing the "
              "preparation group", "asked": "asking", "answer": "the answer", "start": "the start",
              "last_answer": "the last answer", "closing": "the closing", "signed": "signing the consent",
              "withdrawn": "withdrawing the consent", "assessed": "the assessment", "meeting": "the network meeting",
              "event": "the event", "first_referral": "the first referral", "reopened": "the reopening",
              "commitment": "a commitment", "reopening": "reopening",
              # a report of concern's clocks (store.cases.concern)
              "safety_assessed": "the safety assessment", "investigation_decision": "the decision whether to "
              "investigate", "investigation_opened": "opening the investigation", "investigation_end": "the end of "
              "the investigation"}


def today() -> date:
    """Today in Sweden; ``INSATS_TODAY`` pins it (the demo and the tests), as in the app."""
    return config.today()


def not_after_today(day: date, what: str) -> None:
    """Refuse a step dated after today (``what``: a step code of ``STEP_WORDS``)."""
    now = today()
    if day > now:
        raise CaseError(f"{STEP_WORDS[what]} ({day}) cannot be after today ({now}): record a step once it has "
                        "happened", "date.future", what=what, day=day, today=now)


def not_before(day: date, earlier: date | None, what: str, reference: str, code: str = "referral.order") -> None:
    """Refuse ``what`` on ``day`` when it is before ``reference`` on ``earlier`` (step codes)."""
    if earlier is not None and day < earlier:
        raise CaseError(f"{STEP_WORDS[what]} ({day}) cannot be before {STEP_WORDS[reference]} ({earlier})",
                        code, what=what, day=day, reference=reference, earlier=earlier)
