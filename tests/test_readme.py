"""The README and docs/ say what is true: the README opens with what Insats is, the commands and a table
of contents; every relative link (and anchor) in README.md and docs/*.md leads somewhere; every `insats`
command and option and every `make` target they show exists; the instrument example scores as described."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

import instruments
import scoring
from cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^(```|~~~)")
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")


def _prose(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def _code_blocks(text: str, language: str = "sh") -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: links reduced to their text, lower case, punctuation other
    than hyphens and underscores dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in _prose(path.read_text(encoding="utf-8")):
        if match := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line):
            base = slug(match.group(1))
            name, n = base, 0
            while name in found:  # a repeated heading gets -1, -2 …
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def relative_links_in(text: str) -> list[str]:
    """Link and image targets that are not absolute URLs (http:, mailto: …)."""
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def relative_links(path: Path) -> list[str]:
    """The relative links of a page, outside code blocks and inline code."""
    return [t for line in _prose(path.read_text(encoding="utf-8"))
            for t in relative_links_in(INLINE_CODE.sub("", line))]


def test_the_docs_are_there():
    names = {p.name for p in DOCS}
    assert {"architecture.md", "deploying.md", "security.md", "research.md", "using.md",
            "developing.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in relative_links(page):
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert broken == []


def test_readme_opens_with_what_insats_is_the_commands_and_contents():
    text = README.read_text(encoding="utf-8")
    head = text[: text.index("\n## ")]  # everything before the first section
    assert "Insats is" in head
    commands = [line.split("#")[0].strip() for block in _code_blocks(head) for line in block.splitlines()]
    assert {"make run", "make test", "make test-fast"} <= set(commands)
    for role in ("assessors", "coordinators", "intake teams", "researchers", "admins"):
        assert role in head, role
    contents = text[text.index("## Contents") :]
    contents = contents[: contents.index("\n## ", 1)]
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in relative_links_in(contents)}
    assert set(DOCS) <= linked, "every page in docs/ is in the README's table of contents"


# --- commands shown in the README and docs exist -------------------------------------------------

def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return None


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for action in parser._actions for o in action.option_strings}


def _shown(prefix: str) -> list[tuple[str, str]]:
    """(page, command) for every line of a ``sh`` block and every inline code span that starts with
    ``prefix``; comments dropped."""
    shown = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        lines = [line for block in _code_blocks(text) for line in block.splitlines()]
        lines += [span for line in _prose(text) for _, span in INLINE_CODE.findall(line)]
        for line in lines:
            line = re.sub(r"\s#.*$", "", line).strip()
            if line.startswith(prefix):
                shown.append((page.name, line))
    return shown


def _problems(command: str, top: argparse.ArgumentParser) -> list[str]:
    """What in ``command`` (``insats …``, alternatives separated by `` | ``) the CLI does not have."""
    tokens = [t.strip("[]") for t in shlex.split(command.replace("…", "..."))]
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token.startswith("("):  # a remark after the command
            break
        if token == "|":
            segments.append([])
        elif token:
            segments[-1].append(token)
    problems, group = [], None
    for segment in segments:
        if segment and segment[0] == "insats":
            segment, group = segment[1:], None
        while segment[:1] and segment[0] in ("--as", "--lang"):
            segment = segment[2:]
        if not segment or segment[0] in ("...",):
            continue
        # a bare verb after " | " belongs to the group before it (users list | deactivate LOGIN)
        level = top
        if group is not None and _subcommands(group) and segment[0].split("|")[0] in _subcommands(group):
            level = group
        parsers, rest = [level], segment
        while rest and rest[0] != "..." and (choices := _subcommands(parsers[0])) is not None:
            names = rest[0].split("|")
            missing = [n for n in names if n not in choices]
            if missing:
                problems.append(f"{command}: no command {'|'.join(missing)}")
                return problems
            if parsers[0] is top:
                group = choices[names[0]]
            parsers, rest = [choices[n] for n in names], rest[1:]
        for token in rest:
            option = token.split("=")[0]
            if re.match(r"^--?[A-Za-z]", option):
                lacking = [p.prog for p in parsers if option not in _options(p)]
                if lacking:
                    problems.append(f"{command}: {', '.join(lacking)} has no option {option}")
    return problems


def test_every_insats_command_shown_exists():
    parser = build_parser()
    shown = _shown("insats ")
    assert len(shown) > 40  # the commands are really read
    problems = [f"{page}: {p}" for page, command in shown for p in _problems(command, parser)]
    assert problems == []


def test_every_make_target_shown_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w.\-/]+):", makefile, re.M))
    shown = _shown("make ")
    assert len(shown) > 5
    missing = [f"{page}: {command}" for page, command in shown
               for word in command.split()[1:] if not word.startswith("-") and "=" not in word
               and word not in targets]
    assert missing == []


# --- the instrument example ------------------------------------------------------------------------

def test_instrument_example_loads_and_scores():
    pages = [p for p in PAGES if "## Adding an instrument" in p.read_text(encoding="utf-8")]
    assert len(pages) == 1, "the section 'Adding an instrument' lives on one page"
    text = pages[0].read_text(encoding="utf-8")
    section = text[text.index("## Adding an instrument") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    inst = instruments.loads(example, filename=pages[0].name)
    assert inst.id == "skolnarvaro" and inst.item_ids == ["N1", "N2", "S1"]
    result = scoring.score(inst, np.array([[1.0, np.nan, 1.0], [0.0, 0.0, 0.0]]))
    assert list(result["risk_total"]) == [2.0, 0.0]  # N1 = Ja, N2 omitted -> prorated to 2
    assert list(result["band"]) == ["high", "low"]
    assert list(result["protective_total"]) == [1.0, 0.0]
