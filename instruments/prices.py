"""Placement prices per day and type: the shipped table (with its source and year) or an
organisation's own file (``INSATS_PLACEMENT_PRICES``). A placement cost can then be computed from
days × price when a register gives days but no cost."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .loader import parse_definition

DEFAULT_PRICES = Path(__file__).parent / "placement_prices.yaml"
PLACEMENT_TYPES = ("SiS", "HVB", "family_home")


class PlacementPrices(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, description="where the prices come from")
    year: int = Field(ge=2000, le=2100)
    currency: str = "SEK"
    per_day: dict[str, float | None]

    def price(self, placement: str) -> float | None:
        """The price per day of a placement type; 0 for no placement; None when the table has none
        (the cost must then be given)."""
        return 0.0 if placement == "none" else self.per_day.get(placement)


def _checks(prices: PlacementPrices) -> list:
    problems = [(("per_day", k), f"unknown placement type; expected one of {', '.join(PLACEMENT_TYPES)}")
                for k in prices.per_day if k not in PLACEMENT_TYPES]
    problems += [(("per_day", k), "a price per day of 0 or more") for k, v in prices.per_day.items()
                 if v is not None and v < 0]
    return problems


def load_prices(path: str | Path | None = None) -> PlacementPrices:
    """The organisation's table if ``INSATS_PLACEMENT_PRICES`` names one, else the shipped table."""
    chosen = Path(path or os.environ.get("INSATS_PLACEMENT_PRICES") or DEFAULT_PRICES)
    return parse_definition(chosen.read_bytes(), str(chosen), PlacementPrices, [_checks])
