"""Imports point down only: app/cli -> forms -> store, scoring -> instruments; the catalogue of words
(``catalogue/``) is read by pages and CLI alike and imports none of them. Checked on the source."""

from __future__ import annotations

import ast

import pytest

from .app_helpers import ROOT

FORBIDDEN = {
    "instruments": {"scoring", "store", "forms", "streamlit", "sqlalchemy", "app", "cli"},
    "scoring": {"store", "forms", "streamlit", "sqlalchemy", "app", "cli"},
    "store": {"scoring", "forms", "streamlit", "app", "cli"},
    "catalogue": {"instruments", "store", "forms", "scoring", "streamlit", "sqlalchemy", "app", "cli"},
    "forms": {"app", "cli"},
}


def imported_roots(path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down_only(package):
    offences = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            offences[str(path.relative_to(ROOT))] = sorted(bad)
    assert offences == {}
