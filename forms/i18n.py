"""User-interface strings in Swedish (default) and English, from gettext catalogues.

Instrument texts come from the definitions; these are only the words of the app itself. Keep them
short and in the social worker's language.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st
from babel.messages.pofile import read_po

from . import page_state

LANGUAGES = {"sv": "Svenska", "en": "English"}

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "insats"


def _catalogue(language: str) -> dict[str, str]:
    """One language's messages from its gettext catalogue (``locale/LANG/LC_MESSAGES/insats.po``), read
    with Babel: a translator edits the .po file with ordinary tools (Poedit, Weblate, ``pybabel``)."""
    with open(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as f:
        catalogue = read_po(f, locale=language, domain=DOMAIN)
    return {m.id: m.string for m in catalogue if m.id and m.string}


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
    return text.format(**values) if values else text


def refusal(exc: Exception) -> str:
    """A refusal from the store in the user's language: by its code when the app knows it."""
    code = getattr(exc, "code", None)
    if code and f"err_{code}" in STRINGS:
        params = {k: tr_or(f"actor_{v}", tr_or(f"category_{v}", str(v))) for k, v in getattr(exc, "params", {}).items()}
        return tr(f"err_{code}", **params)
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
