"""The legal routes a start may be decided under: the shipped list (SoL 4 kap. 1 §, LVU 11 §, ungdomsvård
and ungdomstjänst) extended by an organisation's own file (``INSATS_LEGAL_BASES``).

Data, not code: a paragraph reference changes when a law is renumbered, and an organisation may start
youths under a route the shipped list lacks (LuL, say). Each route says whether a start under it needs
consent (``rules.start``). A bad file is refused whole, every problem named by file, line and field.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .loader import parse_definition
from .schema import Text

DEFAULT_LEGAL_BASES = Path(__file__).parent / "legal_bases.yaml"
RouteId = Annotated[str, Field(pattern=r"^[A-Za-zÅÄÖåäö0-9][A-Za-zÅÄÖåäö0-9 :.§-]*$", max_length=16)]


class LegalBasis(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: RouteId
    reference: str = Field(min_length=1, max_length=64)  # the paragraph, as the law numbers it today
    label: Text
    consent_required: bool

    def words(self, language: str) -> str:
        """The route in words with its paragraph: "Ungdomsvård (BrB 32 kap. 1 §)"."""
        return f"{self.label.get(language) or self.label.get('sv')} ({self.reference})"


class LegalBases(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=1)
    routes: list[LegalBasis] = Field(min_length=1)

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.routes]

    def get(self, basis: str | None) -> LegalBasis | None:
        return next((r for r in self.routes if r.id == basis), None)

    def consent_required(self, basis: str | None) -> bool:
        """No route named, or one not (or no longer) in the list: the voluntary rule, consent."""
        route = self.get(basis)
        return True if route is None else route.consent_required


def _checks(model: LegalBases) -> list:
    seen, problems = set(), []
    for index, route in enumerate(model.routes):
        if route.id in seen:
            problems.append((("routes", index, "id"), f"duplicate route id '{route.id}'"))
        seen.add(route.id)
        if not route.label.get("sv"):
            problems.append((("routes", index, "label"), "a label in Swedish (sv) is required"))
    return problems


def _read(path: Path) -> LegalBases:
    """Read once per version of the file (the caseload and every start ask): a changed file is read anew."""
    stat = path.stat()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _parsed(path: str, _mtime_ns: int, _size: int) -> LegalBases:
    return parse_definition(Path(path).read_bytes(), path, LegalBases, [_checks])


def load_legal_bases(path: str | Path | None = None) -> LegalBases:
    """The shipped routes, extended by the organisation's file (``path`` or ``INSATS_LEGAL_BASES``): a
    route with a shipped id replaces it (a new reference, say); a new id is added after the shipped."""
    shipped = _read(DEFAULT_LEGAL_BASES)
    chosen = path or os.environ.get("INSATS_LEGAL_BASES")
    if not chosen:
        return shipped
    own = _read(Path(chosen))
    replaced = {r.id: r for r in own.routes}
    routes = [replaced.pop(r.id, r) for r in shipped.routes] + [r for r in own.routes if r.id in replaced]
    return LegalBases(source=f"{shipped.source}; {own.source}", routes=routes)
