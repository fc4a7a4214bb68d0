"""The intervention catalogue: a declarative list of interventions for RBM matching.

Like instruments, the catalogue is data (``interventions.yaml``) validated by this schema. Every
rule that matching applies to an intervention is a field here, so the rules can be read, reviewed
and changed without touching code: which needs it targets, for which risk levels and ages, how
intensive it is, and what it demands of the young person's situation (responsivity).
"""

from __future__ import annotations

import hashlib
import os
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
    waiting_weeks: float | None = Field(default=None, ge=0)  # typical wait to start; None: not known
    capacity: int | None = Field(default=None, ge=0)  # places free now; None: not known


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


class Availability(_Model):
    """An organisation's current waiting times and free places, over the catalogue's defaults: the
    municipality knows that child psychiatry has a year's queue this autumn; the shipped file cannot."""

    source: str = Field(min_length=1)
    updated: str | None = None
    interventions: dict[Identifier, dict[Literal["waiting_weeks", "capacity"], float | None]]


_cache: dict[str, Catalogue] = {}


def load_catalogue(path: str | Path | None = None, availability: str | Path | None = None) -> Catalogue:
    """Load and validate the intervention catalogue (the shipped one by default), with the organisation's
    waiting times and places (``availability`` or ``INSATS_AVAILABILITY``) laid over it."""
    raw = Path(path or CATALOGUE_PATH).read_bytes()
    chosen = availability or os.environ.get("INSATS_AVAILABILITY") or None
    extra = Path(chosen).read_bytes() if chosen else b""
    key = hashlib.sha256(raw + b"\0" + extra).hexdigest()
    if key not in _cache:
        catalogue = parse_definition(raw, str(path or CATALOGUE_PATH), Catalogue, [_checks, translations])
        if chosen:
            catalogue = _with_availability(catalogue, parse_definition(
                extra, str(chosen), Availability, [lambda a: _availability_checks(a, catalogue)]))
        _cache[key] = catalogue
    return _cache[key]


def _availability_checks(availability: Availability, catalogue: Catalogue) -> list:
    problems = []
    for iid, values in availability.interventions.items():
        if iid not in catalogue.by_id:
            problems.append((("interventions", iid), f"'{iid}' is not an intervention of the catalogue"))
        for name, value in values.items():
            if value is not None and value < 0:
                problems.append((("interventions", iid, name), "a number of 0 or more"))
    return problems


def _with_availability(catalogue: Catalogue, availability: Availability) -> Catalogue:
    """A new, validated catalogue (not a copy: a copy would keep the old ``by_id``)."""
    data = catalogue.model_dump()
    for item in data["interventions"]:
        for name, value in availability.interventions.get(item["id"], {}).items():
            item[name] = int(value) if name == "capacity" and value is not None else value
    data["source"] = f"{catalogue.source}; availability: {availability.source}"
    return Catalogue.model_validate(data)


__all__ = ["Availability", "Catalogue", "InstrumentError", "Intervention", "load_catalogue"]
