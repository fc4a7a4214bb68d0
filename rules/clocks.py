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


def clock_frame(frame: pd.DataFrame, today: date, clocks: ConcernClocks = DEFAULT) -> pd.DataFrame:
    """``clock`` for a whole frame of ``CLOCK_COLUMNS`` at once (dates as datetime64 or date objects,
    NaT/None for none): ``<name>_due_on`` (datetime64, NaT when the clock does not run) and
    ``<name>_state`` (None when it does not run) for each clock, on the frame's index.

    Only the reports of concern are worked out (a queue holds few): the rest get NaT and None at once."""
    concern = frame["report_of_concern"].fillna(False).astype(bool).to_numpy()
    rows = frame[concern]
    now = np.datetime64(pd.Timestamp(today), "ns")
    warning = np.timedelta64(pd.Timedelta(clocks.warning))
    columns = {}
    for name, (begins, stops) in CLOCKS.items():
        start = pd.to_datetime(rows[begins]).to_numpy("datetime64[ns]")
        if name == "investigation":
            due = add_months_all(start, clocks.investigation_months)
        else:
            due = start + np.timedelta64(pd.Timedelta(getattr(clocks, name)))
        runs = ~np.isnat(start)
        done = pd.to_datetime(rows[stops]).to_numpy("datetime64[ns]")
        stopped = ~np.isnat(done)
        state = np.select([stopped & (done <= due), stopped, now > due, now >= due - warning],
                          ["met", "late", "passed", "soon"], "running").astype(object)
        state[~runs] = None
        due_on = np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]")
        due_on[concern] = np.where(runs, due, np.datetime64("NaT"))
        states = np.full(len(frame), None, dtype=object)
        states[concern] = state
        columns[f"{name}_due_on"] = pd.Series(due_on, index=frame.index)
        columns[f"{name}_state"] = pd.Series(states, index=frame.index, dtype=object)  # None stays None
    return pd.DataFrame(columns, index=frame.index)


def most_urgent(states: pd.DataFrame) -> pd.Series:
    """Per row, the most urgent alert among the clocks (``passed`` before ``soon``), None when none."""
    columns = [f"{name}_state" for name in CLOCKS]
    conditions = [states[columns].eq(alert).any(axis=1).to_numpy() for alert in ALERTS]
    alert = np.select(conditions, list(ALERTS), "").astype(object)
    alert[alert == ""] = None
    return pd.Series(alert, index=states.index, dtype=object)
