"""The named criteria an intake decision is taken against: the shipped list, or an organisation's own
list (``INSATS_INTAKE_CRITERIA``), validated like every other definition file."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .loader import parse_definition
from .schema import Identifier, Text

DEFAULT_CRITERIA = Path(__file__).parent / "intake_criteria.yaml"


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    label: Text


class IntakeCriteria(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    def label(self, criterion_id: str, language: str) -> str:
        found = next((c for c in self.criteria if c.id == criterion_id), None)
        return criterion_id if found is None else found.label.get(language) or next(iter(found.label.values()))


def _checks(model: IntakeCriteria) -> list:
    seen, problems = set(), []
    for index, criterion in enumerate(model.criteria):
        if criterion.id in seen:
            problems.append((("criteria", index, "id"), f"duplicate criterion id '{criterion.id}'"))
        seen.add(criterion.id)
    return problems


def load_intake_criteria(path: str | Path | None = None) -> IntakeCriteria:
    """The organisation's list if ``INSATS_INTAKE_CRITERIA`` names one, else the shipped list."""
    chosen = Path(path or os.environ.get("INSATS_INTAKE_CRITERIA") or DEFAULT_CRITERIA)
    written = chosen.stat()  # a changed file is read again; the same file is parsed once per process
    return _parsed(str(chosen), written.st_mtime_ns, written.st_size)


@functools.lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int) -> IntakeCriteria:
    """The parsed, validated list (frozen, so one copy serves every caller): the intake page showed
    it on every run and parsing the YAML was a tenth of that run."""
    return parse_definition(Path(path).read_bytes(), path, IntakeCriteria, [_checks])
