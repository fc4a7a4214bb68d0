"""The coordinator's caseload at city scale: 2,000 active groups with 50,000 meetings (target < 300 ms).

Measured on SQLite: ``services.caseload.caseload`` end to end (the store's few aggregate queries and the
vectorised table), against a naive baseline in the same run that asks the database case by case and
computes each row in Python, as a first version would. Both tables are compared cell by cell.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from ._timing import line, timed

ON = date(2026, 11, 23)


def _database(folder: Path, cases: int, meetings_per_case: int, seed: int = 5) -> str:
    from store import make_engine, transaction, upgrade
    from store.models import Assessment, Commitment, Consent, Event, Meeting, Member, Referral, Subject

    rng = np.random.default_rng(seed)
    url = f"sqlite:///{folder / 'caseload.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    starts = [ON - timedelta(days=int(d)) for d in rng.integers(28 * meetings_per_case, 28 * meetings_per_case + 200,
                                                                  cases)]
    with transaction(engine) as s:
        s.execute(Subject.__table__.insert(), [{"id": i, "case_code": f"C-{i}", "team_id": 1, "synthetic": True,
                                                "birth_year": int(y), "birth_month": int(m)}
                                               for i, y, m in zip(range(1, cases + 1), rng.integers(2005, 2013, cases),
                                                                  rng.integers(1, 13, cases), strict=True)])
        s.execute(Referral.__table__.insert(), [{
            "subject_id": i, "source": "polis", "received_on": d - timedelta(days=30), "suitable": True,
            "accepted": True, "answered_on": d - timedelta(days=8), "started_on": d,
            "legal_basis": "LVU 11" if lvu else "SoL 4:1", "consent_required": not lvu}
            for (i, d), lvu in zip(enumerate(starts, start=1), rng.random(cases) < 0.1, strict=True)])
        meetings = [{"id": (i - 1) * meetings_per_case + k + 1, "subject_id": i,
                     "held_on": d + timedelta(days=28 * k + int(rng.integers(0, 10))), "attendees": ["police"],
                     "next_meeting_on": d + timedelta(days=28 * (k + 1))}
                    for i, d in enumerate(starts, start=1) for k in range(meetings_per_case)]
        s.execute(Meeting.__table__.insert(), meetings)
        s.execute(Commitment.__table__.insert(), [{
            "meeting_id": m["id"], "actor": "skola", "what": "Närvaro", "by_when": m["held_on"] + timedelta(days=20),
            "status": str(rng.choice(["planned", "done"]))} for m in meetings for _ in range(2)])
        s.execute(Member.__table__.insert(), [{
            "subject_id": i, "name": f"M{i}-{o}", "organisation": o, "from_on": None,
            "to_on": None if rng.random() > 0.1 else ON - timedelta(days=5)}
            for i in range(1, cases + 1) for o in ("police", "school", "leisure") if rng.random() > 0.15])
        s.execute(Assessment.__table__.insert(), [{
            "subject_id": i, "instrument_id": "savry-like", "instrument_version": "1.0.0", "definition_hash": "x",
            "occasion": "baseline" if k == 0 else "follow-up", "rater": "bench", "ratings": {}, "status": "final",
            "judgment": str(rng.choice(["low", "moderate", "high"], p=[0.1, 0.2, 0.7])),
            "version": 1, "assessed_on": d - timedelta(days=int(rng.integers(-3, 7))) + timedelta(days=120 * k)}
            for i, d in enumerate(starts, start=1) for k in range(3)])
        s.execute(Consent.__table__.insert(), [{
            "subject_id": i, "signed_on": d - timedelta(days=int(rng.integers(-2, 5))),
            "signed_by": ["youth", "guardian 1"][: int(rng.integers(1, 3))], "valid_until": ON + timedelta(days=int(v)),
            "actors": ["polis", "skola", "socialtjanst"][: int(rng.integers(1, 4))], "categories": ["assessment"]}
            for (i, d), v in zip(enumerate(starts, start=1), rng.integers(-60, 300, cases), strict=True)])
        s.execute(Event.__table__.insert(), [{
            "subject_id": int(i), "occurred_on": ON - timedelta(days=int(rng.integers(0, 60))), "kind": "incident",
            "serious": bool(rng.random() < 0.5), "logged_by": "bench"} for i in rng.integers(1, cases + 1, cases // 3)])
    engine.dispose()
    return url


def _naive(session, on: date) -> pd.DataFrame:
    """Case by case: a handful of queries per case and the flags in Python (the start's with ``rules.start``
    one value at a time)."""
    from config import sig_age_limits
    from rules import start as rules
    from store.models import Assessment, Commitment, Consent, Event, Meeting, Member, Referral, Subject

    rows = []
    for subject in session.scalars(select(Subject)).all():
        referral = session.scalars(select(Referral).where(Referral.subject_id == subject.id)).first()
        held = sorted(session.scalars(select(Meeting.held_on).where(Meeting.subject_id == subject.id)).all())
        held = [h for h in held if h <= on]
        last = held[-1] if held else None
        due = (last or referral.started_on) + timedelta(days=28)
        dates = sorted(session.scalars(select(Assessment.assessed_on).where(
            Assessment.subject_id == subject.id, Assessment.status == "final")).all())
        dates = [d for d in dates if d <= on]
        members = session.scalars(select(Member).where(Member.subject_id == subject.id)).all()
        present = {m.organisation for m in members if (m.from_on is None or m.from_on <= on)
                   and (m.to_on is None or on <= m.to_on)}
        consents = [c.valid_until for c in session.scalars(select(Consent).where(Consent.subject_id == subject.id))
                    if c.signed_on <= on <= c.valid_until and (c.withdrawn_on is None or c.withdrawn_on > on)]
        overdue = 0
        if last is not None:
            meeting = session.scalars(select(Meeting).where(Meeting.subject_id == subject.id,
                                                            Meeting.held_on == last)).first()
            overdue = sum(1 for c in session.scalars(select(Commitment).where(Commitment.meeting_id == meeting.id))
                          if c.by_when < on and c.status in ("planned", "in_progress"))
        every = session.scalars(select(Consent).where(Consent.subject_id == subject.id,
                                                      Consent.signed_on <= on)).all()
        under_18 = rules.under_adult_age(subject.birth_year, subject.birth_month, referral.started_on)
        problem = rules.start_consent_problem(
            [rules.ConsentFacts(c.signed_on, c.valid_until, c.withdrawn_on, c.signed_by, c.actors) for c in every],
            referral.started_on, under_18)
        judged = session.scalars(select(Assessment).where(
            Assessment.subject_id == subject.id, Assessment.status == "final",
            Assessment.assessed_on <= min(on, referral.started_on)).order_by(Assessment.assessed_on.desc(),
                                                                            Assessment.id.desc())).first()
        limit = rules.age_limit_day(subject.birth_year, subject.birth_month, referral.started_on, sig_age_limits())
        events = [e for e in session.scalars(select(Event).where(Event.subject_id == subject.id))
                  if e.serious and e.occurred_on <= on and not any(h >= e.occurred_on for h in held)]
        rows.append({"case_code": subject.case_code, "last_meeting_on": last, "next_meeting_due_on": due,
                     "meeting_overdue": on > due,
                     "missing_organisations": [o for o in ("police", "school") if o not in present],
                     "started_without_assessment": not dates or dates[0] > referral.started_on,
                     "consent_expires_on": max(consents) if consents else None,
                     "commitments_overdue": overdue, "serious_events_open": len(events),
                     "started_without_consent": bool(referral.consent_required) and problem is not None,
                     "started_below_high": judged is not None and rules.below_threshold(["low", "moderate", "high"],
                                                                                        judged.judgment),
                     "turns_18_on": rules.birthday(subject.birth_year, subject.birth_month, 18),
                     "past_age_limit": limit is not None and on >= limit})
    return pd.DataFrame(rows).set_index("case_code").sort_index()


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, with each kind of missing (None, NaN, NaT) as the same empty text."""
    return frame.astype(object).where(frame.notna(), "").astype(str)


def run(cases: int = 2_000, meetings_per_case: int = 25) -> dict:
    from services.caseload import caseload
    from store import Actor, make_engine, transaction

    actor = Actor("bench", "system")
    with tempfile.TemporaryDirectory(prefix="insats-bench-caseload-") as tmp:
        url = _database(Path(tmp), cases, meetings_per_case)
        engine = make_engine(url)

        def ours():
            with transaction(engine) as s:
                return caseload(s, actor, ON)

        fast = timed(ours, repeat=5)["median"]
        began = time.perf_counter()
        with transaction(engine) as s:
            naive = _naive(s, ON)
        slow = time.perf_counter() - began
        table = ours().set_index("case_code").sort_index()[naive.columns]
        differ = int((_cells(table) != _cells(naive)).to_numpy().sum())
        engine.dispose()
    line(f"caseload, {cases:,} groups, {cases * meetings_per_case:,} meetings",
         f"{fast * 1000:.0f} ms vs {slow:.1f} s case by case ({slow / fast:.0f}× faster; target < 300 ms); "
         f"{differ} cells differ")
    return {"caseload_ms": fast * 1000, "caseload_naive_s": slow, "caseload_speedup": slow / fast,
            "cells_differing": differ}
