"""User-interface strings in Swedish (default) and English, from gettext catalogues.

Instrument texts come from the definitions; these are only the words of the app itself. Keep them
short and in the social worker's language.
"""

from __future__ import annotations

import gettext
import re
from datetime import date, datetime
from pathlib import Path

import streamlit as st
from babel.dates import format_date
from babel.messages.pofile import read_po

from . import page_state

LANGUAGES = {"sv": "Svenska", "en": "English"}

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "insats"


def _catalogue(language: str) -> dict[str, str]:
    """One language's messages from its gettext catalogue (``locale/LANG/LC_MESSAGES/insats.po``), read
    with Babel: a translator edits the .po file with ordinary tools (Poedit, Weblate, ``pybabel``).
    A message with plural forms is kept under its id as the tuple of its forms (see ``ntr``)."""
    with open(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as f:
        catalogue = read_po(f, locale=language, domain=DOMAIN)
    PLURAL_RULES[language] = gettext.c2py(catalogue.plural_expr)
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalogue if m.id and m.string}


PLURAL_RULES: dict = {}  # language -> n -> the index of the plural form (the catalogue's Plural-Forms)


def _load() -> dict[str, dict[str, str]]:
    by_language = {language: _catalogue(language) for language in LANGUAGES}
    return {key: {language: by_language[language][key] for language in LANGUAGES if key in by_language[language]}
            for key in by_language["sv"]}


# message id -> {language: text}; the message ids are stable keys ("risk_total"), the Swedish
# catalogue is the source text (the app is Swedish first) and the English one its translation
STRINGS: dict[str, dict[str, str]] = _load()


def lang() -> str:
    """The language of this session: Swedish unless the user chose English."""
    if (carried := page_state.current()) is not None:  # a deferred download's thread
        return carried.lang
    value = st.session_state.get("lang", "sv")
    return value if value in LANGUAGES else "sv"


def tr(key: str, **values: object) -> str:
    """Translate a UI string into the session's language, formatting ``values`` into it."""
    text = STRINGS[key].get(lang()) or STRINGS[key]["sv"]
    if isinstance(text, tuple):  # a message with plural forms asked without a count: the "other" form
        text = text[-1]
    return text.format(**_dates(values)) if values else text


def _dates(values: dict[str, object]) -> dict[str, object]:
    """Dates in a message as the language writes them: 2026-11-23 in Swedish, 23/11/2026 in English."""
    if lang() == "sv":
        return values
    return {k: format_date(v, format="dd/MM/yyyy", locale="en_GB") if isinstance(v, date) and not isinstance(
        v, datetime) else v for k, v in values.items()}


def ntr(key: str, n: int, **values: object) -> str:
    """``ngettext`` for the session's language: the plural form of ``key`` the catalogue's rule picks
    for ``n`` ("1 remiss", "2 remisser"), with ``n`` and ``values`` formatted in."""
    language = lang() if lang() in STRINGS[key] else "sv"
    forms = STRINGS[key][language]
    text = forms[PLURAL_RULES[language](n)] if isinstance(forms, tuple) else forms
    return text.format(n=n, **_dates(values))


def _param(value: object) -> str:
    """A refusal's parameter in words: a recipient, an information category or a step by its name, a
    list item by item, anything else (a date, a number, a code typed by the user) as it is."""
    if isinstance(value, list | tuple):
        return ", ".join(_param(v) for v in value)
    text = str(value)
    for prefix in ("actor_", "category_", "field_", "order_step_", "role_", "source_"):
        if f"{prefix}{text}" in STRINGS:
            return tr(f"{prefix}{text}")
    return text


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
    code = getattr(exc, "code", None)
    if code and f"err_{code}" in STRINGS:
        params = {k: _param(v) for k, v in getattr(exc, "params", {}).items()}
        said, unchanged = tr(f"err_{code}", **params), tr("nothing_changed")
        return said if unchanged in said else f"{said} {unchanged}"  # every refusal says nothing was changed
    return tr("refused", message=str(exc))


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
