"""Outcomes per period: police reports, placements and their days and cost, occupation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..access import Actor, guard
from ..models import Outcome, Subject


def record_outcome(session: Session, actor: Actor, subject: Subject, **values: object) -> Outcome:
    guard(session, actor, "outcome.write", subject.id, verb="create")
    row = Outcome(subject_id=subject.id, **values)
    session.add(row)
    session.flush()
    return row
