"""Outcomes per period: police reports, placements and their days and cost, occupation, and the
optional measures some municipalities follow (attendance, reports of concern, LVU applications,
outpatient care cost)."""

from __future__ import annotations

from sqlalchemy.orm import Session

import instruments

from ..access import Actor, guard
from ..input_rules import check_values
from ..models import Outcome, Subject
from ._errors import CaseError


def record_outcome(session: Session, actor: Actor, subject: Subject, **values: object) -> Outcome:
    """One period. A ``placement_cost`` left out (None) is days × the price table's price per day for
    the placement type; without such a price the cost must be given."""
    guard(session, actor, "outcome.write", subject.id, verb="create")
    check_values("outcomes", values)  # before the arithmetic: an infinite or twenty-digit count is refused here
    if values.get("period_start") and values.get("period_end") and values["period_end"] < values["period_start"]:
        raise CaseError("the period ends before it starts", "outcome.order")
    days, placement = int(values.get("placement_days") or 0), values.get("placement", "none")
    if values.get("placement_cost") is None:
        price = instruments.load_prices().price(str(placement))
        if price is None and days:
            raise CaseError(f"give the cost: the price table has no price per day for {placement}",
                            "outcome.no_price", placement=placement)
        values["placement_cost"] = days * (price or 0.0)
    row = Outcome(subject_id=subject.id, **values)
    session.add(row)
    session.flush()
    return row
