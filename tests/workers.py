"""Worker processes for the reliability tests (importable by multiprocessing's spawn)."""

from __future__ import annotations

import os
from datetime import date

os.environ.setdefault("INSATS_SECRET_KEY", "test-secret-key-not-for-production-key-0123456789-abcdefghijklmnop")


def save_assessments(url: str, worker: int, n: int) -> int:
    from store import Actor, make_engine, transaction
    from store.cases import create_subject, finalise, save_draft

    engine = make_engine(url)
    actor = Actor(f"worker-{worker}", "assessor", {1})  # the default team
    with transaction(engine) as s:
        subject = create_subject(s, actor)
    for i in range(n):
        with transaction(engine) as s:
            # each one finalised: one open draft per rater, case, form and occasion is the rule
            finalise(s, actor, save_draft(s, actor, subject, "ester-like", occasion="follow-up",
                                          assessed_on=date(2026, 1, 1 + i % 28), ratings={"B1": "R1", "KA1": "S1"},
                                          judgment="moderate", rationale="Stresstest."))
    engine.dispose()
    return n
