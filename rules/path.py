"""The case's path as one table: where a referral stands, which phase a case is in, and what may be
recorded in each phase.

    referral → decision → asked → answer → (assessment) → start → meetings, events, commitments → closing
                                                                     ↑                              │
                                                                     └──────── reopening ◄──────────┘

Each rule has a per-row form (for one referral or case: the store's checks) and a column-wise form (for
a whole queue or an import), reading the same table so that the two cannot disagree; a test keeps them
equal on generated frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

# (status, column, value): the first row whose column holds the value (None: any date) gives the status
PATH: tuple[tuple[str, str, bool | None], ...] = (
    ("started", "started_on", None),
    ("accepted", "accepted", True),
    ("declined", "accepted", False),
    ("asked", "asked_on", None),
    ("suitable", "suitable", True),
    ("not_suitable", "suitable", False),
)
FIRST_STATUS = "received"
STATUSES = (FIRST_STATUS, "suitable", "asked", "accepted", "started", "declined", "not_suitable")
OPEN_STATUSES = ("received", "suitable", "asked", "accepted")  # still waiting for the next step


def referral_status(referral: object) -> str:
    """Where a referral is on the path (one of ``STATUSES``); any object with the referral's columns."""
    for status, column, value in PATH:
        held = getattr(referral, column)
        if (held is not None) if value is None else (held is value):
            return status
    return FIRST_STATUS


def statuses(frame: pd.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
    """``referral_status`` for whole columns at once (same table, same order): a frame, or a mapping of
    column -> array (None or NaN for none)."""
    conditions = []
    for _, column, value in PATH:
        values = np.asarray(frame[column], dtype=object)
        held = pd.notna(values)
        if value is not None:
            held[held] = values[held] == value
        conditions.append(held)
    return np.select(conditions, [p[0] for p in PATH], FIRST_STATUS).astype(object)


def suggested_occasion(finalised: Iterable[str]) -> str:
    """The occasion a new assessment with a form most likely is, from the occasions of the case's final
    assessments with that form: the first is the baseline, the next ones follow-ups (the closing one, at
    about 18 months, the assessor chooses). Only the default of the choice: the assessor decides."""
    return "follow-up" if "baseline" in set(finalised) else "baseline"


# -- the case's phase, and what belongs in each ---------------------------------------------------------
# a referral's dated steps, each with the step it cannot come before: the intake pages (through the store's
# single steps) and the register import read this one order. No step is dated after today (``rules.dates``).
REFERRAL_STEP_ORDER: tuple[tuple[str, str], ...] = (("decided_on", "received_on"), ("asked_on", "decided_on"),
                                                    ("answered_on", "asked_on"), ("started_on", "answered_on"))
REFERRAL_DATES = ("received_on", "decided_on", "asked_on", "answered_on", "started_on")

PHASES = ("referred", "started", "closed")
# what is recorded -> the phases it belongs in. A network meeting, an event between meetings, a commitment
# (or its status and review) and a closing belong to a running participation; a reopening to a closed one.
# Outcome periods are not here: they are measured before the start, during and after closing alike (the
# evaluation's before/after), and for youths who never started (the comparison group).
BELONGS: dict[str, tuple[str, ...]] = {
    "meeting": ("started",),
    "event": ("started",),
    "commitment": ("started",),
    "closing": ("started",),
    "reopening": ("closed",),
}
# phase a step was refused in -> the code of the refusal, whose text says what to do first
OUT_OF_PLACE = {"referred": "path.not_started", "started": "path.not_closed", "closed": "path.closed"}


def case_phase(started_on: date | None, closed_on: date | None, on: date | None = None) -> str:
    """``closed`` once a closing is recorded (until reopened), else ``started`` after a start, else
    ``referred``. With ``on``: the phase on that day (before the start: referred; after the closing:
    closed), which is how an imported history is checked row by row."""
    if on is None:
        return "closed" if closed_on is not None else "started" if started_on is not None else "referred"
    if started_on is None or on < started_on:
        return "referred"
    return "closed" if closed_on is not None and on > closed_on else "started"


def case_phases(started_on: pd.Series, closed_on: pd.Series, on: pd.Series | None = None) -> pd.Series:
    """``case_phase`` for whole columns at once (datetime64 columns, NaT for none)."""
    started, closed = started_on.notna().to_numpy(bool), closed_on.notna().to_numpy(bool)
    if on is None:
        return pd.Series(np.select([closed, started], ["closed", "started"], "referred"), index=started_on.index)
    before = ~started | (on < started_on).fillna(False).to_numpy(bool)
    after = closed & (on > closed_on).fillna(False).to_numpy(bool)
    return pd.Series(np.select([before, after], ["referred", "closed"], "started"), index=started_on.index)


def out_of_place(step: str, phase: str) -> str | None:
    """The refusal code when ``step`` does not belong in ``phase`` (None: it does)."""
    if phase in BELONGS[step]:
        return None
    return "path.not_closed" if BELONGS[step] == ("closed",) else OUT_OF_PLACE[phase]
