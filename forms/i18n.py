"""User-interface strings in Swedish (default) and English, in the session's language.

The words themselves and how they are said (plurals, dates, refusals, vocabulary codes) live in the pure
``catalogue`` package, which the CLI uses too; this module adds the session: Streamlit's language choice,
and the page-only helpers below. Instrument texts come from the definitions; these are only the words of
the app itself. Keep them short and in the social worker's language.
"""

from __future__ import annotations

import re

import streamlit as st

import catalogue
from catalogue import DOMAIN, LANGUAGES, LOCALE_DIR, PLURAL_RULES, STRINGS  # noqa: F401  (the pages' and tests' names)

from . import page_state


def lang() -> str:
    """The language of this session: Swedish unless the user chose English."""
    if (carried := page_state.current()) is not None:  # a deferred download's thread
        return carried.lang
    return catalogue.language_or_swedish(st.session_state.get("lang", "sv"))


def tr(key: str, **values: object) -> str:
    """Translate a UI string into the session's language, formatting ``values`` into it."""
    return catalogue.text(key, lang(), **values)


def ntr(key: str, n: int, **values: object) -> str:
    """``ngettext`` for the session's language: the plural form of ``key`` the catalogue's rule picks
    for ``n`` ("1 remiss", "2 remisser"), with ``n`` and ``values`` formatted in."""
    return catalogue.plural(key, n, lang(), **values)


def say(phrase: object) -> str:
    """A sentence scoring gave as a code and values (the matching's reasons, cautions and warnings) in words."""
    return catalogue.phrase(phrase, lang())


# what an import row error expects, as the store writes it in English (for the CLI and logs) -> the
# catalogue's words; the parts in braces (codes, dates, lists of values) are kept as written
_EXPECTED = [(re.compile(p), key) for p, key in (
    (r"^a date as YYYY-MM-DD$", "expect_date"),
    (r"^ja, nej or empty$", "expect_yes_no"),
    (r"^a date on or after (?P<ref>.+)$", "expect_date_after"),
    (r"^this column in the header$", "expect_column"),
    (r"^one of (?P<codes>.+), or an omission code \((?P<omitted>.+)\)$", "expect_level"),
    (r"^one of (?P<values>.+?)( \(or empty\))?$", "expect_one_of"),
    (r"^a case code of 1-16 letters.*$", "expect_case_code"),
    (r"^a case of one of your teams$", "expect_own_team"),
    (r"^an existing case code.*$", "expect_existing_case"),
    (r"^the date of the intake decision$", "expect_decision_date"),
    (r"^a reason when not suitable$", "expect_reason"),
    (r"^ja: only suitable referrals are asked$", "expect_suitable_before_asked"),
    (r"^the date they were asked, before an answer$", "expect_asked_date"),
    (r"^the date of the answer$", "expect_answer_date"),
    (r"^ja: SIG starts only after a yes$", "expect_yes_before_start"),
    (r"^the start the legal basis decided$", "expect_start_for_basis"),
    (r"^a (whole )?number of 0 or more$", "expect_count"),
    (r"^a per cent, 0-100$", "expect_percent"),
    (r"^a pseudonymous case code, not a personnummer$", "expect_not_pnr"),
    (r"^a whole number from 0 to \d+$", "expect_count_range"),
    (r"^an amount from 0 to \d+$", "expect_amount_range"),
    (r"^text without control characters$", "expect_plain_text"),
    (r"^text without control characters \(tab and line breaks allowed\)$", "expect_free_text"),
    (r"^a case that has started \(record the start first\)$", "expect_started_case"),
    (r"^a date on or after the case's start, (?P<day>[0-9-]+)$", "expect_after_start"),
    (r"^a date on or before the case's closing, (?P<day>[0-9-]+) \(or reopen it first\)$", "expect_before_closing"),
)]


def cell(value: object) -> str:
    """An import row error's value: the store's markers for what is not there said in words."""
    markers = {"(missing)": "value_missing", "(unknown column)": "value_unknown_column"}
    return tr(markers[value]) if value in markers else str(value)


def expected(text: str) -> str:
    """An import row error's "expected" in the user's language (as written when no pattern knows it)."""
    for pattern, key in _EXPECTED:
        if match := pattern.match(text):
            return tr(key, **{k: v for k, v in match.groupdict().items() if v is not None})
    return text


def refusal(exc: Exception) -> str:
    """A refusal from the store in the user's language: by its code when the app knows it."""
    return catalogue.refusal(exc, lang())


_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def plain(text: object) -> str:
    """Free text typed by a person, safe inside Markdown: every markup character is escaped, so a
    link or an image in a note is shown as the characters typed and nothing loads in a viewer's
    browser (Streamlit's Markdown also knows ``:icons:``, ``$maths$`` and colour directives)."""
    return _MARKUP.sub(r"\\\1", str(text))


_ROLES_AFTER_NAME = re.compile(r"\(([a-z_, ]+)\)$")


def person(text: str) -> str:
    """"Name (coordinator, intake)" as stored -> "Name (SIG-samordnare, mottagning)": roles in words."""
    return _ROLES_AFTER_NAME.sub(lambda m: "(" + ", ".join(tr_or(f"role_{r.strip()}", r.strip())
                                                            for r in m.group(1).split(",")) + ")", str(text))


def tr_or(key: str, default: str) -> str:
    """Translate ``key`` if the app knows it, else show ``default`` (free text such as an actor name)."""
    return tr(key) if key in STRINGS else default
