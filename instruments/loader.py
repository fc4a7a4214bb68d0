"""Read -> parse -> validate -> build: turning an instrument YAML file into an ``Instrument``.

Definitions are cached by the SHA-256 of their bytes, so the same file is parsed once per process
however often pages and commands ask for it, and a changed file is never served stale.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pydantic

from . import _checks
from ._yaml import LocatedData, YamlSyntaxError, format_path, read_located
from .schema import Instrument

M = TypeVar("M", bound=pydantic.BaseModel)
DEFINITIONS_DIR = Path(__file__).parent / "definitions"
SEARCH_PATH_ENV = "INSATS_INSTRUMENTS_PATH"


@dataclass(frozen=True)
class DefinitionIssue:
    """One problem in a definition file, with where it is."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


class InstrumentError(ValueError):
    """A definition file could not be loaded; ``issues`` lists every problem found."""

    def __init__(self, issues: list[DefinitionIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


_cache: dict[str, Instrument] = {}
CACHE_SIZE = 64
_cache_lock = threading.Lock()


def search_dirs() -> list[Path]:
    """Shipped definitions first, then any organisation folders in ``INSATS_INSTRUMENTS_PATH``."""
    extra = [Path(p) for p in os.environ.get(SEARCH_PATH_ENV, "").split(os.pathsep) if p]
    return [DEFINITIONS_DIR, *extra]


def available() -> list[str]:
    """Ids of every instrument that ``load`` can find by id, sorted."""
    ids = {p.stem for d in search_dirs() if d.is_dir() for p in d.glob("*.yaml")}
    return sorted(ids)


def resolve(id_or_path: str | os.PathLike) -> Path:
    candidate = Path(id_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        if not candidate.is_file():
            raise FileNotFoundError(f"instrument file not found: {candidate}")
        return candidate
    for directory in reversed(search_dirs()):  # an organisation's file overrides a shipped one
        path = directory / f"{id_or_path}.yaml"
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"no instrument '{id_or_path}' (available: {', '.join(available())}); "
        "give a path to a .yaml file or add its folder to INSATS_INSTRUMENTS_PATH"
    )


def load(id_or_path: str | os.PathLike) -> Instrument:
    """Load a shipped instrument by id, or any definition file by path."""
    path = resolve(id_or_path)
    size, limit = path.stat().st_size, max_definition_bytes()
    if size > limit:  # refused before reading it into memory
        raise InstrumentError([DefinitionIssue(path.name, None, "(file)", f"{size:,} bytes: larger than the "
                                               f"{limit:,} bytes a definition may have (INSATS_MAX_YAML_KB)")])
    return loads(path.read_bytes(), filename=str(path))


def loads(content: bytes | str, filename: str = "<text>") -> Instrument:
    """Load a definition from its bytes (e.g. an uploaded file). Raises ``InstrumentError``."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    digest = hashlib.sha256(raw).hexdigest()
    with _cache_lock:
        cached = _cache.get(digest)
    if cached is not None:
        return cached
    instrument = _build(raw, filename)
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:  # uploads must not grow the cache without end: drop the oldest
            _cache.pop(next(iter(_cache)))
        _cache[digest] = instrument
    return instrument


def validate(id_or_path: str | os.PathLike) -> list[DefinitionIssue]:
    """Every problem in a definition file; an empty list means it is valid."""
    try:
        load(id_or_path)
    except InstrumentError as exc:
        return exc.issues
    return []


def _build(raw: bytes, filename: str) -> Instrument:
    instrument = parse_definition(raw, filename, Instrument, _checks.CHECKS)  # its hash is of content, not bytes
    instrument._source_path = filename
    return instrument


def max_definition_bytes() -> int:
    """The largest definition file read (``INSATS_MAX_YAML_KB``, default 512 KB): the shipped ones
    are under 40 KB; a limit keeps a hostile upload from costing the server its memory."""
    try:
        return int(os.environ.get("INSATS_MAX_YAML_KB", "512")) * 1024
    except ValueError:
        return 512 * 1024


def parse_definition(raw: bytes, filename: str, model: type[M], checks: list) -> M:
    """Read -> parse -> validate any definition file; every problem is reported with file:line:path."""
    name = Path(filename).name if filename != "<text>" else filename
    limit = max_definition_bytes()
    if len(raw) > limit:
        raise InstrumentError([DefinitionIssue(name, None, "(file)", f"{len(raw):,} bytes: larger than the "
                                               f"{limit:,} bytes a definition may have (INSATS_MAX_YAML_KB)")])
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from Windows editors is not content
    except UnicodeDecodeError as exc:
        raise InstrumentError([DefinitionIssue(name, None, "(file)", f"not UTF-8 text: {exc}")]) from None
    try:
        located = read_located(text)
    except YamlSyntaxError as exc:
        raise InstrumentError([DefinitionIssue(name, exc.line, "(file)", str(exc))]) from None
    issues = [
        DefinitionIssue(name, line, format_path(path), f"duplicate key '{path[-1]}'")
        for path, line in located.duplicate_keys
    ]
    if not isinstance(located.data, dict):
        issues.append(DefinitionIssue(name, 1, "(top level)", "expected a mapping of fields"))
        raise InstrumentError(issues)
    try:
        parsed = model.model_validate(located.data)
    except pydantic.ValidationError as exc:
        issues += [_from_pydantic(name, located, err) for err in exc.errors()]
        raise InstrumentError(issues) from None
    for check in checks:
        for path, message in check(parsed):
            issues.append(DefinitionIssue(name, located.line_of(path), format_path(path), message))
    if issues:
        raise InstrumentError(issues)
    return parsed


def _from_pydantic(name: str, located: LocatedData, err: dict) -> DefinitionIssue:
    path = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    if err["type"] == "extra_forbidden":
        message = f"unknown key '{path[-1]}'"
    elif err["type"] == "missing":
        message = f"required key '{path[-1]}' is missing"
    else:
        given = err.get("input")
        shown = "" if isinstance(given, (dict, list)) else f" (got {given!r})"
        message = err["msg"] + shown
    return DefinitionIssue(name, located.line_of(path), format_path(path), message)
