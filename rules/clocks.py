"""The clocks the law sets for a report of concern about a child (*orosanmälan*), as one table.

A referral marked a report of concern (the duty to report, SoL 14 kap. 1 §) starts the social
services' own clocks, counted from the day the report came in:

- ``safety``: the safety assessment (*skyddsbedömning*) is made "genast" (SoL 11 kap. 1 a § första
  stycket); the preparatory works read that as the same day, or the next day when the report came in
  late (prop. 2012/13:10 s. 60). Default: due the day after receipt, so a same-day assessment is met.
- ``decision``: the decision whether to investigate (*förhandsbedömning*) within 14 days of receipt
  (SoL 11 kap. 1 a § andra stycket). A longer time for "synnerliga skäl" is not modelled: the date
  shows as passed, and the reason belongs in the case-management system.
- ``investigation``: an opened investigation is finished within four months of its opening (SoL 11
  kap. 2 §), calendar months (31 January + 1 month is the last day of February).

The periods, the warning and the paragraph references are settings (``ConcernClocks``), read by
``config.concern_clocks`` from ``INSATS_CONCERN_CLOCKS``: laws get renumbered (the new Social Services
Act, SFS 2025:400, replaced SoL 2001:453 on 1 July 2025; the defaults are the 2001 numbers the guidance
still cites, to be checked against the organisation's own). Each rule has a per-row form (``clock``,
for one referral) and a column-wise form (``clock_frame``, for a whole queue), reading the same table;
a test keeps them equal on generated frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from . import timing
from .dates import add_months, add_months_all

# clock -> (the column it counts from, the column that stops it); every clock needs ``report_of_concern``
CLOCKS: dict[str, tuple[str, str]] = {
    "safety": ("received_on", "safety_assessed_on"),
    "decision": ("received_on", "investigation_decided_on"),
    "investigation": ("investigation_opened_on", "investigation_ended_on"),
}
CLOCK_COLUMNS = ("report_of_concern", "received_on", "safety_assessed_on", "investigation_decided_on",
                 "investigation_opened_on", "investigation_ended_on")
# met: stopped on or before its due day; late: stopped after it; passed: still running after it;
# soon: still running, within the warning; running: still running, before the warning
STATES = ("met", "late", "passed", "soon", "running")
ALERTS = ("passed", "soon")  # what Inkorg warns about, the most urgent first
REFERENCES = {"report": "SoL 14 kap. 1 §", "safety": "SoL 11 kap. 1 a § första stycket",
              "decision": "SoL 11 kap. 1 a § andra stycket", "investigation": "SoL 11 kap. 2 §"}


@dataclass(frozen=True)
class ConcernClocks:
    """The periods of the clocks, the warning before each runs out, and the paragraphs they come from."""

    safety: timedelta = timing.SAFETY_ASSESSMENT_WITHIN
    decision: timedelta = timing.INVESTIGATION_DECISION_WITHIN
    investigation_months: int = timing.INVESTIGATION_MONTHS
    warning: timedelta = timing.CONCERN_CLOCK_WARNING
    references: dict[str, str] = field(default_factory=lambda: dict(REFERENCES))


DEFAULT = ConcernClocks()
# the setting's keys -> (the field, how a value is read): "decision_days=10; investigation_ref=SoL 2025:400 ..."
_DAYS = {"safety_days": "safety", "decision_days": "decision", "warn_days": "warning"}


class ClockSettingProblem(ValueError):
    """A setting of the clocks that cannot be read: the message names the entry and what is expected."""


def parse_clocks(text: str, name: str = "INSATS_CONCERN_CLOCKS") -> ConcernClocks:
    """The clocks from ``key=value`` entries separated by ``;`` (empty: the defaults). Keys:
    ``safety_days``, ``decision_days``, ``warn_days``, ``investigation_months`` (whole numbers, 0 or
    more) and ``report_ref``, ``safety_ref``, ``decision_ref``, ``investigation_ref`` (the paragraphs).
    An unknown key or a bad value is refused by entry, never silently ignored."""
    clocks, references = DEFAULT, dict(REFERENCES)
    for entry in filter(None, (e.strip() for e in (text or "").split(";"))):
        key, sep, value = (part.strip() for part in entry.partition("="))
        if not sep or not value:
            raise ClockSettingProblem(f"{name}: {entry!r} is not key=value")
        if key.endswith("_ref") and key.removesuffix("_ref") in REFERENCES:
            references[key.removesuffix("_ref")] = value
            continue
        if key not in (*_DAYS, "investigation_months"):
            raise ClockSettingProblem(f"{name}: unknown entry {key!r}; expected one of "
                                      + ", ".join([*_DAYS, "investigation_months", *(f"{r}_ref" for r in REFERENCES)]))
        if not value.isdigit():
            raise ClockSettingProblem(f"{name}: {key}={value!r} is not a whole number of 0 or more")
        if key == "investigation_months":
            clocks = replace(clocks, investigation_months=int(value))
        else:
            clocks = replace(clocks, **{_DAYS[key]: timedelta(days=int(value))})
    return replace(clocks, references=references)


def due_on(name: str, start: date, clocks: ConcernClocks = DEFAULT) -> date:
    """The last day clock ``name`` allows, counted from ``start``."""
    if name == "investigation":
        return add_months(start, clocks.investigation_months)
    return start + getattr(clocks, name)


def _state(due: date, done: date | None, today: date, warning: timedelta) -> str:
    if done is not None:
        return "met" if done <= due else "late"
    return "passed" if today > due else "soon" if today >= due - warning else "running"


def clock(referral: object, name: str, today: date,
          clocks: ConcernClocks = DEFAULT) -> tuple[date | None, str | None]:
    """Clock ``name`` of one referral (any object with ``CLOCK_COLUMNS``): its due day and its state
    (one of ``STATES``), or (None, None) when it does not run (not a report of concern; no
    investigation opened)."""
    begins, stops = CLOCKS[name]
    start = getattr(referral, begins)
    if not getattr(referral, "report_of_concern", False) or start is None:
        return None, None
    due = due_on(name, start, clocks)
    return due, _state(due, getattr(referral, stops), today, clocks.warning)


def clock_arrays(concern: np.ndarray, days: Mapping[str, np.ndarray], today: date,
                 clocks: ConcernClocks = DEFAULT) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``clock`` for whole columns at once, in arrays: ``concern`` (bool, a report of concern) and ``days``
    (the other ``CLOCK_COLUMNS`` as ``datetime64[D]``, NaT for none) -> per clock its due days
    (``datetime64[D]``, NaT when it does not run) and states (object, None when it does not run)."""
    concern = np.asarray(concern, dtype=bool)
    now = np.datetime64(today, "D")
    warning = np.timedelta64(clocks.warning.days, "D")
    out = {}
    for name, (begins, stops) in CLOCKS.items():
        start = np.where(concern, days[begins], np.datetime64("NaT"))
        if name == "investigation":
            due = add_months_all(start, clocks.investigation_months).astype("datetime64[D]")
        else:
            due = start + np.timedelta64(getattr(clocks, name).days, "D")
        done = days[stops]
        stopped = ~np.isnat(done)
        state = np.select([stopped & (done <= due), stopped, now > due, now >= due - warning],
                          ["met", "late", "passed", "soon"], "running").astype(object)
        state[np.isnat(start)] = None
        out[name] = (due, state)
    return out


def clock_frame(frame: pd.DataFrame, today: date, clocks: ConcernClocks = DEFAULT) -> pd.DataFrame:
    """``clock_arrays`` for a frame of ``CLOCK_COLUMNS`` (dates as datetime64 or date objects, NaT/None for
    none): ``<name>_due_on`` (datetime64, NaT when the clock does not run) and ``<name>_state`` (None when it
    does not run) for each clock, on the frame's index."""
    concern = frame["report_of_concern"].fillna(False).astype(bool).to_numpy()
    days = {c: pd.to_datetime(frame[c]).to_numpy("datetime64[D]") for c in CLOCK_COLUMNS[1:]}
    columns = {}
    for name, (due, state) in clock_arrays(concern, days, today, clocks).items():
        columns[f"{name}_due_on"] = pd.Series(due.astype("datetime64[ns]"), index=frame.index)
        columns[f"{name}_state"] = pd.Series(state, index=frame.index, dtype=object)  # None stays None
    return pd.DataFrame(columns, index=frame.index)


def most_urgent_of(states: list[np.ndarray]) -> np.ndarray:
    """Per row, the most urgent alert among the clocks' state arrays (``passed`` before ``soon``; object,
    None where a clock does not run), None when none."""
    alert = np.full(len(states[0]) if states else 0, None, dtype=object)
    for name in reversed(ALERTS):  # the most urgent written last
        alert[np.logical_or.reduce([s == name for s in states])] = name
    return alert
