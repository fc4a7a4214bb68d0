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

from rules import start as start_rules
from rules import timing

COLUMNS = ["case_code", "started_on", "last_meeting_on", "next_meeting_due_on", "meeting_overdue",
           "missing_organisations", "started_without_assessment", "days_yes_to_first_assessment",
           "consent_expires_on", "reassessment_due_on", "commitments_overdue", "serious_events_open",
           "started_without_consent", "started_below_high", "turns_18_on", "past_age_limit"]
MEETING_INTERVAL = pd.Timedelta(timing.MEETING_INTERVAL)
DEFAULT_REASSESSMENT_WEEKS = timing.REASSESSMENT_WEEKS
_MISSING = {0: ["police", "school"], 1: ["school"], 2: ["police"], 3: []}  # by has_police + 2 * has_school


def _counts(by_case: pd.Series, index: pd.Index) -> pd.Series:
    """Counts per case for every case (0 where none); an empty frame from the store has no dtype to trust."""
    return pd.to_numeric(by_case, errors="coerce").reindex(index).fillna(0).astype(int)


def _birthdays(frame: pd.DataFrame, age: int) -> pd.Series:
    """``rules.start.birthday`` for every case at once (NaT when the birth year is not known)."""
    year = pd.to_numeric(frame["birth_year"], errors="coerce")
    month = pd.to_numeric(frame["birth_month"], errors="coerce").fillna(1)
    return pd.to_datetime(pd.DataFrame({"year": year + age, "month": month, "day": 1}), errors="coerce")


def started_without_consent(frame: pd.DataFrame, start_consents: pd.DataFrame) -> pd.Series:
    """``rules.start.start_consent_problem`` for every case at once (True: no consent carries the start)."""
    under_18 = (frame["started_on"] < _birthdays(frame, start_rules.ADULT_AGE)) | frame["birth_year"].isna()
    starts = pd.DataFrame({"start": frame["started_on"], "under_18": under_18}).rename_axis(None)
    c = start_consents.join(starts, on="subject_id", how="inner")
    withdrawn = c["withdrawn_on"].notna() & (c["withdrawn_on"] <= c["start"])
    active = (c["signed_on"] <= c["start"]) & (c["start"] <= c["valid_until"]) & ~withdrawn
    signed, actors = c["signed_by"].tolist(), c["actors"].tolist()  # per consent, in plain Python: cheap
    youth = np.fromiter(map(start_rules.signed_by_youth, signed), bool, len(signed))
    guardian = np.fromiter(map(start_rules.signed_by_guardian, signed), bool, len(signed))
    covered = np.fromiter((not start_rules.missing_actors(a) for a in actors), bool, len(actors))
    carries = active & youth & (guardian | ~c["under_18"].astype(bool)) & covered
    carried = carries.groupby(c["subject_id"]).any().reindex(frame.index, fill_value=False).astype(bool)
    return frame["consent_required"].astype(bool) & ~carried


def started_below_high(frame: pd.DataFrame, judgments: pd.DataFrame, levels: dict[str, list[str]]) -> pd.Series:
    """The latest final structured assessment on or before each start judged below ``rules.start``'s threshold."""
    j = judgments.join(frame["started_on"].rename("start").rename_axis(None), on="subject_id", how="inner")
    latest = j[j["assessed_on"] <= j["start"]].sort_values(["subject_id", "assessed_on", "id"])
    latest = latest.groupby("subject_id").tail(1).set_index("subject_id")
    pairs = start_rules.below_threshold_pairs(levels)
    below = pd.Series([(i, v) in pairs for i, v in zip(latest["instrument_id"], latest["judgment"], strict=True)],
                      index=latest.index, dtype=bool)
    return below.reindex(frame.index, fill_value=False).astype(bool)


def past_age_limit(frame: pd.DataFrame, limits: start_rules.AgeLimits, day: pd.Timestamp) -> pd.Series:
    """``rules.start.age_limit_day`` for every case at once: the day is on or after it."""
    highest, extended = _birthdays(frame, limits.highest), _birthdays(frame, limits.extended)
    limit = extended.where(frame["started_on"] < highest, highest)
    return (limit.notna() & (day >= limit)).astype(bool)


def caseload_table(cases: pd.DataFrame, last_meetings: pd.DataFrame, assessments: pd.DataFrame,
                   members: pd.DataFrame, consents: pd.DataFrame, commitments: pd.DataFrame, events: pd.DataFrame,
                   repeat_weeks: dict[str, int], on: date, start_consents: pd.DataFrame | None = None,
                   judgments: pd.DataFrame | None = None, judgment_levels: dict[str, list[str]] | None = None,
                   age_limits: start_rules.AgeLimits = start_rules.DEFAULT_AGE_LIMITS) -> pd.DataFrame:
    """The table in ``COLUMNS`` (dates as ``datetime.date`` or None), sorted by urgency."""
    day = pd.Timestamp(on)
    frame = cases.set_index("subject_id")
    for column, default in (("consent_required", True), ("birth_year", None), ("birth_month", None)):
        if column not in frame:
            frame[column] = default
    start_consents = start_consents if start_consents is not None else pd.DataFrame(
        columns=["subject_id", "signed_on", "valid_until", "withdrawn_on", "signed_by", "actors"])
    judgments = judgments if judgments is not None else pd.DataFrame(
        columns=["subject_id", "id", "instrument_id", "assessed_on", "judgment"])
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
        "started_without_consent": started_without_consent(frame, start_consents).to_numpy(),
        "started_below_high": started_below_high(frame, judgments, judgment_levels or {}).to_numpy(),
        "turns_18_on": _birthdays(frame, start_rules.ADULT_AGE),
        "past_age_limit": past_age_limit(frame, age_limits, day).to_numpy(),
    })
    urgency = (8 * (out["serious_events_open"] > 0) + 4 * out["meeting_overdue"] + 2 * (out["commitments_overdue"] > 0)
               + (out["missing_organisations"].str.len() > 0) + out["started_without_assessment"].astype(int)
               + out["started_without_consent"].astype(int) + out["past_age_limit"].astype(int))
    order = np.lexsort((out["case_code"].to_numpy(), out["next_meeting_due_on"].to_numpy(), -urgency.to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    for column in ("started_on", "last_meeting_on", "next_meeting_due_on", "consent_expires_on",
                   "reassessment_due_on", "turns_18_on"):
        out[column] = out[column].dt.date.astype(object).where(out[column].notna(), None)
    return out[COLUMNS]
