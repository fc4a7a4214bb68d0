"""The coordinator's caseload, composed: the store's guarded read, ``scoring.caseload``'s table. Used by
the Ärendeöversikt page and by ``insats caseload``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pandas as pd
from sqlalchemy.orm import Session

from config import sig_age_limits
from scoring.caseload import caseload_table
from store.access import Actor
from store.caseload import caseload_data


def caseload(session: Session, actor: Actor, on: date, team: str | None = None) -> pd.DataFrame:
    data = caseload_data(session, actor, on, team)
    return caseload_table(**asdict(data), on=on, age_limits=sig_age_limits())
