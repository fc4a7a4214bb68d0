"""The pydantic schema of instrument files: the single source of truth for the format.

An instrument is data. Everything the scoring engine, the forms and the matching need to know about
an instrument is declared here and nowhere else, so adding an instrument is adding a YAML file.
Structural rules (types, unknown keys) live in the models; rules that relate several parts of a file
(an item using an undefined scale, bands not increasing, ...) live in ``_checks.py`` so each can be
reported with its own path and line.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
InstrumentId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


def _code_as_text(value: Any) -> Any:
    """Level codes may be written as numbers in YAML (``0``); they are always text."""
    if isinstance(value, bool):
        return value  # rejected by the str type: a YAML yes/no is almost certainly a mistake
    if isinstance(value, (int, float)):
        return str(value)
    return value


Code = Annotated[str, BeforeValidator(_code_as_text)]
Text = dict[str, str]
"""Text in each declared language, e.g. ``{sv: Låg, en: Low}``."""

Direction = Literal["risk", "protective", "bipolar"]
RISK_TOTAL, PROTECTIVE_TOTAL, NET = "risk_total", "protective_total", "net"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Model):
    """One step of a rating scale: the code written in files, its numeric value, its label."""

    code: Code
    value: float
    label: Text


class Scale(_Model):
    """An ordered set of levels. Bipolar scales simply have negative values for protection."""

    levels: list[Level] = Field(min_length=2)
    label: Text | None = None

    @cached_property
    def values(self) -> np.ndarray:
        return np.array([lv.value for lv in self.levels], dtype=float)

    def level_for(self, code_or_value: str | float) -> Level | None:
        for lv in self.levels:
            if lv.code == code_or_value or lv.value == code_or_value:
                return lv
        return None


class Item(_Model):
    """A factor to rate. ``needs`` are the tags RBM matching uses to find interventions."""

    id: Identifier
    label: Text
    help: Text | None = None
    scale: str
    needs: list[str] = Field(default_factory=list)
    observation: bool = False  # offer a free-text observation beside the rating


class Domain(_Model):
    """A group of items sharing a direction (risk, protective, bipolar) and being static or dynamic."""

    id: Identifier
    label: Text
    help: Text | None = None
    direction: Direction
    dynamic: bool
    items: list[Item] = Field(min_length=1)


class Omission(_Model):
    """How omitted ratings are written, how many are tolerated, and whether totals are prorated."""

    codes: list[str] = Field(default_factory=lambda: ["", "?", "NA"])
    label: Text | None = None  # how the form offers "not rated", e.g. {sv: Vet ej, en: Don't know}
    max_omitted: int | None = Field(default=None, ge=0)
    prorate: bool = True


class Band(_Model):
    """A score range (up to and including ``max``) with the recommended next step."""

    level: str
    max: float | None = None
    label: Text | None = None
    next: Text


class Judgment(_Model):
    """The assessor's summary rating (SPJ). Stored, never computed."""

    levels: list[str] = Field(min_length=1)
    labels: dict[str, Text] = Field(default_factory=dict)
    rationale_required: bool = True


class Instrument(_Model):
    """A complete instrument definition as read from one YAML file."""

    format: Literal[1]
    id: InstrumentId
    version: str = Field(min_length=1)
    kind: Literal["checklist", "spj", "self-report", "rating"]
    title: Text
    description: Text | None = None
    source: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    languages: list[str] = Field(default_factory=lambda: ["sv", "en"], min_length=1)
    age_range: tuple[int, int] | None = None
    repeat_weeks: int | None = Field(default=None, ge=1)
    companion: str | None = None
    reliability: dict[str, Annotated[float, Field(gt=0, lt=1)]] = Field(default_factory=dict)
    reliability_source: Text | str | None = None  # where the reliabilities come from, per language
    reference_sd: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    cutoffs: dict[str, float] = Field(default_factory=dict)
    scales: dict[Identifier, Scale] = Field(min_length=1)
    domains: list[Domain] = Field(min_length=1)
    omission: Omission = Field(default_factory=Omission)
    band_score: str = RISK_TOTAL
    bands: list[Band] = Field(default_factory=list)
    judgment: Judgment | None = None

    _definition_hash: str = PrivateAttr(default="")
    _source_path: str = PrivateAttr(default="")

    # -- identity ---------------------------------------------------------------------------
    @property
    def definition_hash(self) -> str:
        """SHA-256 of the definition's content (the validated model as canonical JSON), stored with every
        assessment: the same definition has the same hash whether it was written as YAML with other
        comments or key order, or came back from REDCap or XLSForm; any change of content changes it."""
        if not self._definition_hash:
            canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False,
                                   separators=(",", ":"))
            self._definition_hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return self._definition_hash

    @property
    def source_path(self) -> str:
        return self._source_path

    # -- derived views used by scoring and forms (computed once) ----------------------------
    @cached_property
    def items(self) -> list[Item]:
        """All items in definition order: the column order of every response array."""
        return [item for domain in self.domains for item in domain.items]

    @cached_property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    @cached_property
    def item_by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def item_domain(self) -> dict[str, Domain]:
        return {item.id: d for d in self.domains for item in d.items}

    def domain(self, domain_id: str) -> Domain:
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(domain_id)

    @cached_property
    def has_bipolar(self) -> bool:
        return any(d.direction == "bipolar" for d in self.domains)

    @cached_property
    def score_names(self) -> list[str]:
        """Every score the engine produces, in output order."""
        directions = {d.direction for d in self.domains}
        names = [d.id for d in self.domains]
        if directions & {"risk", "bipolar"}:
            names.append(RISK_TOTAL)
        if directions & {"protective", "bipolar"}:
            names.append(PROTECTIVE_TOTAL)
        if "bipolar" in directions:
            names.append(NET)
        return names

    def higher_is_better(self, score: str) -> bool:
        """Direction of improvement of a score: a falling risk is better, rising protection is."""
        if score == PROTECTIVE_TOTAL:
            return True
        if score in (RISK_TOTAL, NET):
            return False
        return self.domain(score).direction == "protective"

    @cached_property
    def risk_levels(self) -> list[str]:
        """Ordered risk levels: the judgment's if there is one, else the bands'."""
        if self.judgment is not None:
            return list(self.judgment.levels)
        return [b.level for b in self.bands]

    def text(self, text: Text | None, lang: str) -> str:
        """Pick a language, falling back to the file's first language."""
        if not text:
            return ""
        return text.get(lang) or text.get(self.languages[0]) or next(iter(text.values()))
