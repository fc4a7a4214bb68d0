"""Imports point down only: app/cli -> forms -> store, scoring -> instruments; the catalogue of words
(``catalogue/``) is read by pages and CLI alike and imports none of them. Checked on the source."""

from __future__ import annotations

import ast

import pytest

from .app_helpers import ROOT

FORBIDDEN = {
    "rules": {"instruments", "scoring", "store", "forms", "streamlit", "sqlalchemy", "app", "cli", "config",
              "services", "catalogue"},
    "instruments": {"scoring", "store", "forms", "streamlit", "sqlalchemy", "app", "cli"},
    "scoring": {"store", "forms", "streamlit", "sqlalchemy", "app", "cli"},
    "store": {"scoring", "forms", "streamlit", "app", "cli"},
    "catalogue": {"instruments", "store", "forms", "scoring", "streamlit", "sqlalchemy", "app", "cli"},
    "forms": {"app", "cli"},
    "services": {"forms", "streamlit", "app", "cli"},
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


def test_no_import_circles_counting_imports_inside_functions():
    """A circle hidden by an import inside a function is still a circle: the modules cannot be
    understood, tested or moved one without the other. Module-level and function-level imports alike."""
    graph = import_graph()
    assert _circles(graph) == []


def import_graph() -> dict[str, set[str]]:
    modules = {}
    for package in ("store", "scoring", "forms", "rules", "cli", "instruments", "services", "catalogue"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                modules[name] = path
    for single in ("app", "config"):
        modules[single] = ROOT / f"{single}.py"

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                subs = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
                targets = subs if len(subs) == len(node.names) else [base, *subs]
            graph[name] |= {t for t in map(known, targets) if t and t != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_circle_check_sees_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_cli_never_imports_forms():
    graph = import_graph()
    reaches = sorted(f"{m} -> {t}" for m, targets in graph.items() if m.startswith("cli")
                     for t in targets if t.startswith("forms"))
    assert reaches == []
