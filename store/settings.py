"""The instance's settings kept with the database, so no caller can choose them for themselves.

Today one: ``min_cell``, the k floor of every figure and file that leaves (``rules.disclosure``). It
was read from the environment of whoever ran a command, so ``INSATS_MIN_CELL=1 insats research
export`` wrote cells of one youth. Now an admin stores it (``set_min_cell``: guarded, audited, never
below ``rules.disclosure.LOWEST_FLOOR``); ``min_cell_floor`` reads it once per report, and a caller's
``INSATS_MIN_CELL`` may only raise it (a lower or unreadable value is ignored with a warning).
"""

from __future__ import annotations

import logging
import os
from typing import NamedTuple

from sqlalchemy.orm import Session

from rules.disclosure import DisclosureError, cell_floor, checked_floor, effective_floor

from ._time import utc_now
from .access import Actor, guard, scope_of
from .models import Setting

MIN_CELL = "min_cell"
ENVIRONMENT = "INSATS_MIN_CELL"
log = logging.getLogger("insats.disclosure")
_warned: set[tuple[str | None, int]] = set()


class Floor(NamedTuple):
    k: int  # the floor in force
    stored: int | None  # what the database holds (None: nothing, so the default)
    ignored: str | None  # "lower" or "invalid" when the environment's value was not taken


def min_cell_floor(session: Session) -> Floor:
    """The k floor in force: the stored one (default 5), raised, never lowered, by ``INSATS_MIN_CELL``."""
    row = session.get(Setting, MIN_CELL)
    stored = int(row.value) if row is not None else None
    environment = os.environ.get(ENVIRONMENT)
    k, ignored = effective_floor(stored, environment)
    if ignored and (environment, k) not in _warned:  # once per value and process, not on every figure
        _warned.add((environment, k))
        log.warning("%s=%r ignored (%s): the floor of this instance is %d", ENVIRONMENT, environment, ignored, k)
    return Floor(k, stored, ignored)


def set_min_cell(session: Session, actor: Actor, k: int) -> int:
    """An admin sets the instance's floor (at least 5); the change, old and new, is audited."""
    guard(session, actor, "db.settings", audited=False)
    try:
        k = checked_floor(k)
    except DisclosureError as refusal:  # the transaction rolls back, then writes this one row
        refusal.audit_row = {"actor": actor, "action": "refused", "entity": "db", "subject_id": None,
                             "detail": f"{MIN_CELL} {k}: {refusal.code}"}
        raise
    row = session.get(Setting, MIN_CELL)
    before = row.value if row is not None else "default"
    if row is None:
        row = Setting(key=MIN_CELL, value=str(k), set_by=actor.who, set_at=utc_now())
        session.add(row)
    else:
        row.value, row.set_by, row.set_at = str(k), actor.who, utc_now()
    guard(session, actor, "db.settings", detail=f"{MIN_CELL} {before} -> {k}", verb="update")
    session.flush()
    return k


def report_min_cell(floor: int, actor: Actor, action: str, *, teams: frozenset[int] | None = None,
                    published: bool = False) -> int:
    """The k for one report ``action`` read by ``actor`` (``rules.disclosure.cell_floor``): exact only for
    an internal report within the reader's own teams; ``teams`` limits the report (None: all it may see)."""
    team_reach = scope_of(actor, action) == "team" if teams is None else any(
        scope == "team" for role, scope in _scopes(action).items() if role in actor.roles)
    return cell_floor(floor, team_reach=team_reach, own_teams=actor.teams, teams=teams, published=published)


def _scopes(action: str) -> dict[str, str]:
    from .access import POLICY

    return POLICY[action]
