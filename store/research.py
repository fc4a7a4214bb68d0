"""De-identified data for researchers: research ids, ages, months, and no free text.

Researchers never see case codes, names, personal identity numbers, birth dates, raters or any free
text (rationales, notes, reasons). Each export draws new research ids (random, not derivable from
the case code), so two exports cannot be joined on them unless the same ``key`` is given on purpose
(a study that follows a cohort over time keeps its key outside Insats). Every export is audited per
subject with the researcher's identity.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import instruments

from . import audit
from .access import Actor, guard
from .models import Assessment, Outcome, Referral, Subject
from .views import OUTCOME_VIEW, age_on

KEY_COLUMNS = ["research_id", "gender", "district", "referral_source", "age", "occasion", "assessed_month",
               "days_from_first", "status", "judgment"]


def research_ids(subject_ids: list[int], key: bytes) -> dict[int, str]:
    """Subject id -> "R" + 10 hex digits of an HMAC: stable for one key, unlinkable without it."""
    return {s: "R" + hmac.new(key, str(s).encode(), hashlib.sha256).hexdigest()[:10] for s in subject_ids}


def assessments_for_research(session: Session, actor: Actor, instrument_id: str, key: bytes | None = None,
                             include_drafts: bool = False) -> pd.DataFrame:
    """One row per current final assessment of ``instrument_id``: de-identified keys and item codes."""
    guard(session, actor, "research.export", audited=False)  # audited below, one row per subject
    inst = instruments.load(instrument_id)
    key = key or secrets.token_bytes(32)
    subjects = {s.id: s for s in session.scalars(select(Subject))}
    first_source = dict(session.execute(select(Referral.subject_id, Referral.source)
                                        .order_by(Referral.received_on.desc())).all())
    rows = session.scalars(select(Assessment).where(Assessment.instrument_id == inst.id)
                           .order_by(Assessment.subject_id, Assessment.assessed_on, Assessment.id)).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None and r.status == "final"}
    rows = [r for r in rows if r.id not in replaced and (include_drafts or r.status == "final")]
    ids = research_ids(sorted({r.subject_id for r in rows}), key)
    first_day: dict[int, date] = {}
    for r in rows:
        first_day.setdefault(r.subject_id, r.assessed_on)
    records = []
    for r in rows:
        s = subjects[r.subject_id]
        records.append({
            "research_id": ids[r.subject_id], "gender": s.gender, "district": s.district,
            "referral_source": first_source.get(r.subject_id),
            "age": age_on(s.birth_year, s.birth_month, r.assessed_on),
            "occasion": r.occasion, "assessed_month": r.assessed_on.strftime("%Y-%m"),
            "days_from_first": (r.assessed_on - first_day[r.subject_id]).days, "status": r.status,
            "judgment": r.judgment or "", **{i: (r.ratings.get(i) or "") for i in inst.item_ids},
        })
    audit.record_many(session, actor, "export", "research", sorted(ids), f"{inst.id}: de-identified")
    return pd.DataFrame(records, columns=KEY_COLUMNS + inst.item_ids)


@dataclass(frozen=True)
class ResearchOutcomes:
    """Outcome periods and starts keyed by research id: what before/after is computed from
    (``services.research_outcomes`` applies the one definition, ``rules.before_after``)."""

    periods: pd.DataFrame  # subject_id (a research id) and OUTCOME_VIEW: dates, counts, codes; no free text
    starts: pd.Series  # research id -> the youth's first start


def outcome_periods_for_research(session: Session, actor: Actor, key: bytes | None = None) -> ResearchOutcomes:
    """Every outcome period of the youths who started SIG, and their first start, de-identified."""
    guard(session, actor, "research.export", audited=False)  # audited below, one row per subject
    starts = dict(session.execute(select(Referral.subject_id, func.min(Referral.started_on))
                                  .where(Referral.started_on.is_not(None)).group_by(Referral.subject_id)).all())
    ids = research_ids(sorted(starts), key or secrets.token_bytes(32))
    rows = session.execute(select(Outcome.subject_id, *[getattr(Outcome, c) for c in OUTCOME_VIEW])
                           .where(Outcome.subject_id.in_(list(starts)))).all() if starts else []
    periods = pd.DataFrame(list(map(tuple, rows)), columns=["subject_id", *OUTCOME_VIEW])
    periods["subject_id"] = periods["subject_id"].map(ids)
    audit.record_many(session, actor, "export", "research", sorted(starts), "outcomes before/after")
    return ResearchOutcomes(periods=periods, starts=pd.Series({ids[s]: d for s, d in starts.items()}, dtype=object))


def write_sav(inst: instruments.Instrument, frame: pd.DataFrame, path: Path) -> None:
    """SPSS file with item values as numbers and their level labels as value labels."""
    import pyreadstat

    data = frame.copy()
    labels: dict[str, dict] = {}
    for item in inst.items:
        if item.id in data:
            levels = inst.scales[item.scale].levels
            data[item.id] = data[item.id].map({lv.code: lv.value for lv in levels})
            labels[item.id] = {lv.value: inst.text(lv.label, "sv") for lv in levels}
    if inst.judgment is not None and "judgment" in data:
        order = {lv: i for i, lv in enumerate(inst.judgment.levels)}
        data["judgment"] = data["judgment"].map(order)
        labels["judgment"] = {i: inst.text(inst.judgment.labels.get(lv), "sv") or lv for lv, i in order.items()}
    for column in data.columns:
        if data[column].dtype == object or str(data[column].dtype).startswith("str"):
            data[column] = data[column].astype(object).where(data[column].notna(), "")
    tmp = path.with_suffix(".sav.tmp")
    pyreadstat.write_sav(data, str(tmp), variable_value_labels=labels,
                         column_labels={i.id: inst.text(i.label, "sv") for i in inst.items if i.id in data})
    os.replace(tmp, path)

