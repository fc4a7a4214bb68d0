"""Small helpers to write instrument definitions inline in tests (a test should read like a spec)."""

from __future__ import annotations

import copy
from typing import Any

import yaml

import instruments


def T(sv: str, en: str | None = None) -> dict[str, str]:
    return {"sv": sv, "en": en or sv}


def minimal(**overrides: Any) -> dict:
    """A small valid instrument as a dict: two risk items, one protective item, bands."""
    base = {
        "format": 1,
        "id": "test-instrument",
        "version": "0.1",
        "kind": "checklist",
        "title": T("Test"),
        "source": "tests",
        "licence": "none",
        "scales": {
            "yn": {"levels": [{"code": "N", "value": 0, "label": T("Nej", "No")},
                              {"code": "J", "value": 1, "label": T("Ja", "Yes")}]},
        },
        "domains": [
            {"id": "risk", "label": T("Risk"), "direction": "risk", "dynamic": True,
             "items": [{"id": "R1", "label": T("R1"), "scale": "yn", "needs": ["peers"]},
                       {"id": "R2", "label": T("R2"), "scale": "yn"}]},
            {"id": "skydd", "label": T("Skydd"), "direction": "protective", "dynamic": True,
             "items": [{"id": "P1", "label": T("P1"), "scale": "yn"}]},
        ],
        "bands": [{"level": "low", "max": 0, "next": T("a")}, {"level": "high", "next": T("b")}],
    }
    base = copy.deepcopy(base)
    base.update(overrides)
    return base


def to_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def load_dict(data: dict, filename: str = "test.yaml") -> instruments.Instrument:
    return instruments.loads(to_yaml(data), filename=filename)
