"""The intervention catalogue: a declarative list of interventions for RBM matching.

Like instruments, the catalogue is data (``interventions.yaml``) validated by this schema. Every
rule that matching applies to an intervention is a field here, so the rules can be read, reviewed
and changed without touching code: which needs it targets, for which risk levels and ages, how
intensive it is, and what it demands of the young person's situation (responsivity).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field

from ._checks import translations
from .loader import InstrumentError, parse_definition
from .schema import Identifier, Text, _Model

CATALOGUE_PATH = Path(__file__).parent / "interventions.yaml"
RiskLevel = Literal["low", "moderate", "high"]
Setting = Literal["individual", "family", "group", "school", "leisure", "work"]


class Intensity(_Model):
    hours_per_week: float = Field(gt=0)
    typical_weeks: int = Field(gt=0)


class Intervention(_Model):
    """One intervention and the rules that decide when it fits."""

    id: Identifier
    name: Text
    description: Text
    targets: list[str] = Field(min_length=1)  # need tags, the same as on instrument items
    risk_levels: list[RiskLevel] = Field(min_length=1)
    age: tuple[int, int]
    intensity: Intensity
    intensive: bool = False  # multimodal / intensive programme: for high risk only
    setting: Setting
    provider: str
    evidence: Text
    advised_against: bool = False  # kept only so that matching can warn against it
    requires_carer: bool = False  # a parent or carer must take part
    requires_in_school: bool = False
    group_format: bool = False  # delivered in a group: after stabilisation if acute mental illness
    treats_acute_mental_health: bool = False  # comes first when there are acute mental-health needs
    adapted_for_neuropsychiatric: bool = False
    out_of_home: bool = False  # a placement: only when living at home is not possible
    needs_language_support: bool = True  # talk-based: Swedish or an interpreter needed


class Catalogue(_Model):
    format: Literal[1]
    version: str
    source: str
    languages: list[str] = Field(default_factory=lambda: ["sv", "en"])
    needs: dict[Identifier, Text]
    providers: dict[Identifier, Text]
    interventions: list[Intervention] = Field(min_length=1)

    @cached_property
    def by_id(self) -> dict[str, Intervention]:
        return {i.id: i for i in self.interventions}


def _checks(cat: Catalogue) -> Iterator[tuple[tuple, str]]:
    seen: set[str] = set()
    for index, item in enumerate(cat.interventions):
        path = ("interventions", index)
        if item.id in seen:
            yield (*path, "id"), f"duplicate intervention id '{item.id}'"
        seen.add(item.id)
        for t, tag in enumerate(item.targets):
            if tag not in cat.needs:
                yield (*path, "targets", t), f"need '{tag}' is not in the needs vocabulary"
        if item.provider not in cat.providers:
            yield (*path, "provider"), f"provider '{item.provider}' is not in the providers list"
        if item.age[0] > item.age[1]:
            yield (*path, "age"), f"age range {item.age[0]}-{item.age[1]} is empty"


_cache: dict[str, Catalogue] = {}


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the intervention catalogue (the shipped one by default)."""
    raw = Path(path or CATALOGUE_PATH).read_bytes()
    key = hashlib.sha256(raw).hexdigest()
    if key not in _cache:
        _cache[key] = parse_definition(raw, str(path or CATALOGUE_PATH), Catalogue, [_checks, translations])
    return _cache[key]


__all__ = ["Catalogue", "InstrumentError", "Intervention", "load_catalogue"]
