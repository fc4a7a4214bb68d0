"""Safe YAML reading that remembers where every value came from.

Errors in an instrument file must name the file, the line and the path of the offending value, so
we compose the YAML node tree ourselves (safe loader only) and build plain Python data together with
a map from each path to its line. Duplicate mapping keys, which PyYAML silently overwrites, are
reported here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]

# An instrument is a few hundred values a few levels deep. Aliases let a 150-byte file stand for
# billions of values ("billion laughs"), so the tree we build is bounded in values and in depth.
MAX_VALUES = 200_000
MAX_DEPTH = 32


@dataclass
class LocatedData:
    """Plain data read from YAML plus the line (1-based) of every path in it."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[Path, int]] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """Line of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class YamlSyntaxError(ValueError):
    """The text is not valid YAML; ``line`` says where the parser stopped."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def read_located(text: str) -> LocatedData:
    """Parse ``text`` with the safe loader and return data with line numbers."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # NUL and other control characters
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(f"not valid YAML: character {exc.character!r} is not allowed in a YAML file", line) \
            from None
    try:
        node = loader.get_single_node()
        out = LocatedData(data=None)
        out.data = _build(loader, node, (), out, [0]) if node is not None else None
        return out
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(f"not valid YAML: {exc.problem or exc}", line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(f"not valid YAML: character {exc.character!r} is not allowed in a YAML file", line) \
            from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"not valid YAML: {exc}", None) from None
    except RecursionError:  # PyYAML's parser recurses once per level: thousands of "[" exhaust it
        raise YamlSyntaxError(f"nested more than {MAX_DEPTH} levels deep", None) from None
    finally:
        loader.dispose()


_PLAIN_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, out: LocatedData, built: list[int]) -> Any:
    line = node.start_mark.line + 1
    built[0] += 1
    if built[0] > MAX_VALUES:
        raise YamlSyntaxError(f"more than {MAX_VALUES:,} values (aliases expanding without end?); an instrument "
                              "has far fewer", line)
    if len(path) > MAX_DEPTH:
        raise YamlSyntaxError(f"nested more than {MAX_DEPTH} levels deep (a recursive alias?)", line)
    out.lines.setdefault(path, line)
    expected_tag = _PLAIN_TAGS.get(type(node))
    if expected_tag is not None and node.tag != expected_tag:
        # We build collections ourselves (to keep line numbers), so refuse tags here exactly as
        # the safe constructor does for scalars: no python/object or other custom tags.
        raise YamlSyntaxError(f"unsupported YAML tag {node.tag}", node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise YamlSyntaxError("mapping keys must be plain values", key_node.start_mark.line + 1)
            key_path = (*path, key)
            if key in result:
                out.duplicate_keys.append((key_path, key_node.start_mark.line + 1))
            out.lines[key_path] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, key_path, out, built)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, child, (*path, i), out, built) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def format_path(path: Path) -> str:
    """``('domains', 0, 'items', 2, 'scale')`` -> ``domains[0].items[2].scale``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"
