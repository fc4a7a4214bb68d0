"""What a referrer (role ``referrer``) is told about a referral they sent: received, or decided yes/no.

The referrer learns the intake decision and nothing else: not its reasons, its criteria or who took
part, not the later steps (asked, answered, started, closed), nothing about the case it became, and not
whether the youth was already known (no existence oracle: ``store.referrers`` treats a known and an
unknown youth alike). This module is the one mapping from the referral's intake decision fields to that
answer, per referral and for a whole column, kept equal by a test.

Pure: no I/O, no Streamlit, no SQLAlchemy.
"""

from __future__ import annotations

import numpy as np

from .setting_values import whole_number

SENT_STATUSES = ("received", "yes", "no")


def sent_status(suitable: bool | None) -> str:
    """``received`` until intake decided (``Referral.suitable`` is set by the intake decision alone), then
    ``yes`` (judged suitable for SIG) or ``no``. Later steps (the youth's answer, the start) never change it."""
    if suitable is None:
        return "received"
    return "yes" if suitable else "no"


def sent_statuses(suitable: np.ndarray) -> np.ndarray:
    """``sent_status`` for a column of ``Referral.suitable`` (objects: True, False or None)."""
    column = np.asarray(suitable, dtype=object)
    undecided = np.array([s is None for s in column], dtype=bool)
    yes = np.array([s is True or s == 1 for s in column], dtype=bool) & ~undecided
    return np.where(undecided, "received", np.where(yes, "yes", "no")).astype(object)


# How many referrals one referrer account may send in a day: enough for a busy police district's day, few
# enough that a stolen or misused account cannot flood intake's Inkorg (each referral is a new case).
DAILY_LIMIT = 20
DAILY_LIMIT_CODE = "referral.daily_limit"  # the refusal's code: the catalogue's err_referral.daily_limit says it


def parse_daily_limit(raw: str | None, setting: str = "INSATS_REFERRAL_LIMIT_PER_DAY") -> int:
    """The setting as a whole number of referrals per account and day, at least 1 (``DAILY_LIMIT`` when
    unset). A wrong value is a clear ValueError, never a silent "no limit"."""
    return whole_number(raw, setting, DAILY_LIMIT, "referrals per day")


def may_send_another(sent_today: int, limit: int) -> bool:
    """Whether one more referral today stays within ``limit`` (``sent_today`` already sent this day)."""
    return sent_today < limit
