"""The coordinator's caseload: one row per active group with what needs doing, most urgent first.

Pure and vectorised: small per-case frames in (``store.caseload`` gathers them), one table out. The
definitions are the issue's and the reports':

- ``next_meeting_due_on``: the last network meeting + 28 days (the start + 28 when none was held);
  ``meeting_overdue``: the day is after it. The four weeks are a target, so this is a flag, not a refusal.
- ``missing_organisations``: those of police and school with no member on the day (both in every group).
- ``started_without_assessment``: no final structured assessment dated on or before the start.
- ``days_yes_to_first_assessment``: from the youth's yes to the first final structured assessment.
- ``reassessment_due_on``: the latest final structured assessment + its instrument's ``repeat_weeks``
  (26 weeks when the definition says none).
- ``commitments_overdue``: open commitments of the current plan past their date;
  ``serious_events_open``: serious events no meeting has been held after.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from rules import timing

COLUMNS = ["case_code", "started_on", "last_meeting_on", "next_meeting_due_on", "meeting_overdue",
           "missing_organisations", "started_without_assessment", "days_yes_to_first_assessment",
           "consent_expires_on", "reassessment_due_on", "commitments_overdue", "serious_events_open"]
MEETING_INTERVAL = pd.Timedelta(timing.MEETING_INTERVAL)
DEFAULT_REASSESSMENT_WEEKS = timing.REASSESSMENT_WEEKS
_MISSING = {0: ["police", "school"], 1: ["school"], 2: ["police"], 3: []}  # by has_police + 2 * has_school


def _counts(by_case: pd.Series, index: pd.Index) -> pd.Series:
    """Counts per case for every case (0 where none); an empty frame from the store has no dtype to trust."""
    return pd.to_numeric(by_case, errors="coerce").reindex(index).fillna(0).astype(int)


def caseload_table(cases: pd.DataFrame, last_meetings: pd.DataFrame, assessments: pd.DataFrame,
                   members: pd.DataFrame, consents: pd.DataFrame, commitments: pd.DataFrame, events: pd.DataFrame,
                   repeat_weeks: dict[str, int], on: date) -> pd.DataFrame:
    """The table in ``COLUMNS`` (dates as ``datetime.date`` or None), sorted by urgency."""
    day = pd.Timestamp(on)
    frame = cases.set_index("subject_id")
    last = last_meetings.set_index("subject_id")["last_meeting_on"].reindex(frame.index)
    due = last.fillna(frame["started_on"]) + MEETING_INTERVAL
    present = members.assign(bit=members["organisation"].map({"police": 1, "school": 2}))
    bits = _counts(present.groupby("subject_id")["bit"].sum(), frame.index)
    first = assessments.groupby("subject_id")["first_on"].min().reindex(frame.index)
    latest = assessments.sort_values("last_on").groupby("subject_id").tail(1).set_index("subject_id")
    weeks = latest["instrument_id"].map(repeat_weeks).fillna(DEFAULT_REASSESSMENT_WEEKS)
    reassess = (latest["last_on"] + pd.to_timedelta(weeks * 7, unit="D")).reindex(frame.index)
    out = pd.DataFrame({
        "case_code": frame["case_code"],
        "started_on": frame["started_on"],
        "last_meeting_on": last,
        "next_meeting_due_on": due,
        "meeting_overdue": (day > due).to_numpy(),
        "missing_organisations": bits.astype(int).map(_MISSING),
        "started_without_assessment": (first.isna() | (first > frame["started_on"])).to_numpy(),
        "days_yes_to_first_assessment": (first - frame["answered_on"]).dt.days.astype("Int64"),
        "consent_expires_on": consents.set_index("subject_id")["consent_expires_on"].reindex(frame.index),
        "reassessment_due_on": reassess,
        "commitments_overdue": _counts(commitments.set_index("subject_id")["commitments_overdue"], frame.index),
        "serious_events_open": _counts(events.set_index("subject_id")["serious_events_open"], frame.index),
    })
    urgency = (8 * (out["serious_events_open"] > 0) + 4 * out["meeting_overdue"] + 2 * (out["commitments_overdue"] > 0)
               + (out["missing_organisations"].str.len() > 0) + out["started_without_assessment"].astype(int))
    order = np.lexsort((out["case_code"].to_numpy(), out["next_meeting_due_on"].to_numpy(), -urgency.to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    for column in ("started_on", "last_meeting_on", "next_meeting_due_on", "consent_expires_on",
                   "reassessment_due_on"):
        out[column] = out[column].dt.date.astype(object).where(out[column].notna(), None)
    return out[COLUMNS]
