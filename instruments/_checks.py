"""Rules that relate several parts of an instrument file.

Each check is a small function taking the parsed instrument and yielding ``(path, message)`` pairs,
so every problem is reported with the exact place in the file (pyxform's validator style). The loader
runs all of them and reports every finding at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from .schema import Identifier, Instrument, Text

Finding = tuple[tuple[str | int, ...], str]


def _duplicates(values: list[Any]) -> set[Any]:
    return {v for v, n in Counter(values).items() if n > 1}


def unique_ids(inst: Instrument) -> Iterator[Finding]:
    dup_domains = _duplicates([d.id for d in inst.domains])
    dup_items = _duplicates([it.id for d in inst.domains for it in d.items])
    seen: set[str] = set()
    for di, d in enumerate(inst.domains):
        if d.id in dup_domains:
            yield ("domains", di, "id"), f"duplicate domain id '{d.id}'"
        for ii, item in enumerate(d.items):
            if item.id in dup_items and item.id in seen:
                yield ("domains", di, "items", ii, "id"), f"duplicate item id '{item.id}'"
            seen.add(item.id)


def defined_scales(inst: Instrument) -> Iterator[Finding]:
    known = ", ".join(sorted(inst.scales))
    for di, d in enumerate(inst.domains):
        for ii, item in enumerate(d.items):
            if item.scale not in inst.scales:
                yield (
                    ("domains", di, "items", ii, "scale"),
                    f"item '{item.id}' uses scale '{item.scale}', which is not defined "
                    f"(defined scales: {known})",
                )


def distinct_levels(inst: Instrument) -> Iterator[Finding]:
    omission = set(inst.omission.codes)
    for sid, scale in inst.scales.items():
        codes = [lv.code for lv in scale.levels]
        values = [lv.value for lv in scale.levels]
        for li, lv in enumerate(scale.levels):
            if lv.code in _duplicates(codes) and codes.index(lv.code) != li:
                yield ("scales", sid, "levels", li, "code"), f"duplicate code '{lv.code}' in scale '{sid}'"
            if lv.value in _duplicates(values) and values.index(lv.value) != li:
                yield ("scales", sid, "levels", li, "value"), f"duplicate value {lv.value:g} in scale '{sid}'"
            if lv.code in omission:
                yield (
                    ("scales", sid, "levels", li, "code"),
                    f"code '{lv.code}' of scale '{sid}' is also an omission code",
                )


_TEXT_ANNOTATIONS = (Text, Text | None)
_TEXT_MAP_ANNOTATIONS = (dict[str, Text], dict[Identifier, Text])


def _texts(node: Any, path: tuple) -> Iterator[tuple[tuple, dict[str, str]]]:
    """Every bilingual text in the model, with its path."""
    if isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            value = getattr(node, name)
            if info.annotation in _TEXT_ANNOTATIONS and isinstance(value, dict):
                yield (*path, name), value
            elif info.annotation in _TEXT_MAP_ANNOTATIONS and isinstance(value, dict):
                for key, text in value.items():
                    yield (*path, name, key), text
            else:
                yield from _texts(value, (*path, name))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _texts(child, (*path, i))
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _texts(child, (*path, key))


def translations(inst: BaseModel) -> Iterator[Finding]:
    wanted = list(inst.languages)
    for path, text in _texts(inst, ()):
        missing = [lang for lang in wanted if not str(text.get(lang, "")).strip()]
        if missing:
            yield path, f"text is missing language(s) {', '.join(missing)} (the file declares {', '.join(wanted)})"
        extra = [lang for lang in text if lang not in wanted]
        if extra:
            yield path, f"text has undeclared language(s) {', '.join(extra)}"


def increasing_bands(inst: Instrument) -> Iterator[Finding]:
    previous = None
    for bi, band in enumerate(inst.bands):
        last = bi == len(inst.bands) - 1
        if band.max is None and not last:
            yield ("bands", bi, "max"), f"band '{band.level}' has no max, but only the last band may be open"
        if band.max is not None and previous is not None and band.max <= previous:
            yield (
                ("bands", bi, "max"),
                f"bands must increase: max {band.max:g} of '{band.level}' is not above {previous:g}",
            )
        previous = band.max if band.max is not None else previous
    levels = [b.level for b in inst.bands]
    for bi, band in enumerate(inst.bands):
        if levels.index(band.level) != bi:
            yield ("bands", bi, "level"), f"duplicate band level '{band.level}'"
    if inst.judgment is not None and inst.bands:
        for bi, band in enumerate(inst.bands):
            if band.level not in inst.judgment.levels:
                yield (
                    ("bands", bi, "level"),
                    f"band level '{band.level}' is not one of the judgment levels "
                    f"({', '.join(inst.judgment.levels)})",
                )


def judgment_levels(inst: Instrument) -> Iterator[Finding]:
    if inst.judgment is None:
        return
    for level in _duplicates(inst.judgment.levels):
        yield ("judgment", "levels"), f"duplicate judgment level '{level}'"
    for key in inst.judgment.labels:
        if key not in inst.judgment.levels:
            yield ("judgment", "labels", key), f"label for unknown judgment level '{key}'"


def known_scores(inst: Instrument) -> Iterator[Finding]:
    names = inst.score_names
    for field in ("reliability", "reference_sd", "cutoffs"):
        for key in getattr(inst, field):
            if key not in names:
                yield (field, key), f"'{key}' is not a score of this instrument (scores: {', '.join(names)})"
    if inst.bands and inst.band_score not in names:
        yield ("band_score",), f"'{inst.band_score}' is not a score of this instrument"


def omission_limit(inst: Instrument) -> Iterator[Finding]:
    limit = inst.omission.max_omitted
    if limit is not None and limit >= len(inst.items):
        yield ("omission", "max_omitted"), (
            f"max_omitted {limit} must be below the number of items ({len(inst.items)})"
        )


CHECKS: list[Callable[[Instrument], Iterator[Finding]]] = [
    unique_ids,
    defined_scales,
    distinct_levels,
    translations,
    increasing_bands,
    judgment_levels,
    known_scores,
    omission_limit,
]
