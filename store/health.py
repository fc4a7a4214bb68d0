"""What an operations team monitors: is the database reachable, is its schema current, do the keys
serve it, and when were the last backup and the last audit anchor taken. No case data: times and
counts only, so the check needs no user (it is the operator's, like a backup's sidecar)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select, text

from ._time import utc_now
from .models import AuditEntry


def reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def schema_current(engine: Engine) -> bool:
    from .backup import head_revision, schema_revision

    return schema_revision(engine) == head_revision()


def keys_ok(engine: Engine) -> str | None:
    """None when the configured keys serve this database; else what is wrong (nothing is changed:
    the start-up adoption of rows from before key ids is rolled back here)."""
    from sqlalchemy.orm import Session

    from .keys import KeyProblem, check_keys

    with Session(engine) as session:
        try:
            check_keys(session)
        except KeyProblem as problem:
            return str(problem)
        finally:
            session.rollback()
    return None


def hours_since(engine: Engine, action: str, now: datetime | None = None) -> float | None:
    """Hours since the newest audit row of ``action`` (``backup``, ``anchor``); None: never."""
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        last = session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.action == action))
    if last is None:
        return None
    return round(((now or utc_now()) - last).total_seconds() / 3600, 1)
