"""The app's own words in Swedish and English, from the gettext catalogues, for the pages and the CLI alike.

Pure on purpose: no Streamlit, no store, no forms. The pages (``forms/i18n.py``) ask in the session's
language, the CLI (``insats --lang sv|en``) in the language it was given, and both say a refusal the
same way: by its code, its parameters in words. The catalogues themselves stay where translators find
them, ``forms/locale/{sv,en}/LC_MESSAGES/insats.po`` (Swedish is the source).
"""

from __future__ import annotations

import gettext
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = {"sv": "Svenska", "en": "English"}

LOCALE_DIR = Path(__file__).resolve().parent.parent / "forms" / "locale"
DOMAIN = "insats"

PLURAL_RULES: dict = {}  # language -> n -> the index of the plural form (the catalogue's Plural-Forms)


def _catalogue(language: str) -> dict[str, str]:
    """One language's messages from its gettext catalogue, read with Babel: a translator edits the .po
    file with ordinary tools (Poedit, Weblate, ``pybabel``). A message with plural forms is kept under
    its id as the tuple of its forms (see ``plural``)."""
    with open(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as f:
        catalogue = read_po(f, locale=language, domain=DOMAIN)
    PLURAL_RULES[language] = gettext.c2py(catalogue.plural_expr)
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalogue if m.id and m.string}


def _load() -> dict[str, dict[str, str]]:
    by_language = {language: _catalogue(language) for language in LANGUAGES}
    return {key: {language: by_language[language][key] for language in LANGUAGES if key in by_language[language]}
            for key in by_language["sv"]}


# message id -> {language: text}; the message ids are stable keys ("risk_total"), the Swedish
# catalogue is the source text (the app is Swedish first) and the English one its translation
STRINGS: dict[str, dict[str, str]] = _load()


def language_or_swedish(language: str | None) -> str:
    """A language the catalogue has: Swedish unless English was asked for."""
    return language if language in LANGUAGES else "sv"


def text(key: str, language: str, **values: object) -> str:
    """Message ``key`` in ``language`` (Swedish when it has no translation), ``values`` formatted in."""
    said = STRINGS[key].get(language) or STRINGS[key]["sv"]
    if isinstance(said, tuple):  # a message with plural forms asked without a count: the "other" form
        said = said[-1]
    return said.format(**dates(values, language)) if values else said


def plural(key: str, n: int, language: str, **values: object) -> str:
    """``ngettext``: the plural form of ``key`` the catalogue's rule picks for ``n`` ("1 remiss",
    "2 remisser"), with ``n`` and ``values`` formatted in."""
    language = language if language in STRINGS[key] else "sv"
    forms = STRINGS[key][language]
    said = forms[PLURAL_RULES[language](n)] if isinstance(forms, tuple) else forms
    return said.format(n=n, **dates(values, language))


def text_or(key: str, default: str, language: str) -> str:
    """``key`` in words if the catalogue knows it, else ``default`` (free text such as an actor's name)."""
    return text(key, language) if key in STRINGS else default


def dates(values: dict[str, object], language: str) -> dict[str, object]:
    """Dates in a message as the language writes them: 2026-11-23 in Swedish, 23/11/2026 in English."""
    if language == "sv":
        return values
    return {k: day(v, language) if isinstance(v, date) and not isinstance(v, datetime) else v
            for k, v in values.items()}


def day(value: date, language: str) -> str:
    """A date as the language writes it: 2026-11-23 in Swedish, 23/11/2026 in English."""
    return value.isoformat() if language == "sv" else format_date(value, format="dd/MM/yyyy", locale="en_GB")


LOCAL = ZoneInfo("Europe/Stockholm")  # the municipality's clock; the store keeps UTC


def moment(value: datetime | None, language: str) -> str:
    """A stored UTC time as the user's clock shows it (Europe/Stockholm, summer time included), for the
    pages (``forms.numbers.local_time``) and the CLI alike."""
    if value is None:
        return "–"
    at = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LOCAL)
    pattern = "yyyy-MM-dd HH:mm:ss" if language == "sv" else "dd/MM/yyyy HH:mm:ss"
    return format_datetime(at, format=pattern, tzinfo=LOCAL, locale="sv_SE" if language == "sv" else "en_GB")


# the families of vocabulary codes the catalogue says in words, tried in this order. Consent recipients
# are stored as Swedish codes ("socialtjanst": actor_), member organisations as English ones ("police": org_)
VOCABULARIES = ("actor_", "category_", "order_step_", "role_", "source_", "org_")


# a refusal's value named so is a code of this vocabulary: said by it alone (an organisation "school" is
# "Skolan", the information category "school" is "Skola")
PARAM_VOCABULARY = {"recipient": "actor_", "category": "category_", "organisation": "org_", "role": "role_",
                    "roles": "role_", "source": "source_", "what": "order_step_", "reference": "order_step_",
                    "placement": "placement_", "field": "field_", "step": "order_step_"}


def words(value: object, language: str, vocabulary: str | None = None) -> str:
    """A code from a stored vocabulary in words (a recipient, an information category, a step, a role,
    an organisation; only ``vocabulary``'s when given); a list item by item; anything else (a date, a
    number, a name typed by a user, a code no vocabulary knows) as it is."""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(words(v, language, vocabulary) for v in value)
    said = str(value)
    for prefix in (vocabulary,) if vocabulary else VOCABULARIES:
        if f"{prefix}{said}" in STRINGS:
            return text(f"{prefix}{said}", language)
    return said


def knows(exc: BaseException) -> bool:
    """Whether ``exc`` is a refusal the catalogue can say: it carries a code with text for it."""
    code = getattr(exc, "code", None)
    return isinstance(code, str) and f"err_{code}" in STRINGS


# a refusal's values typed or named by people (a login, a case code, a team's name): shown as they are,
# even when one happens to spell a vocabulary code (a user called "admin")
AS_TYPED = frozenset({"login", "logins", "name", "case", "code", "teams", "value", "file"})


def _as_typed(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple | set | frozenset) else str(value)


def refusal(exc: BaseException, language: str) -> str:
    """A refusal in ``language``: by its code when the catalogue knows it, its parameters in words, and
    always saying that nothing was changed; else the exception's own sentence inside "refused"."""
    if knows(exc):
        params = {k: v if isinstance(v, date) else _as_typed(v) if k in AS_TYPED  # dates as the language writes them
                  else words(v, language, PARAM_VOCABULARY.get(k)) for k, v in getattr(exc, "params", {}).items()}
        said, unchanged = text(f"err_{exc.code}", language, **params), text("nothing_changed", language)
        return said if unchanged in said else f"{said} {unchanged}"
    return text("refused", language, message=str(exc))


def phrase(said: object, language: str, prefix: str = "match_") -> str:
    """A sentence scoring returns as a code and its values (``scoring.matching.Phrase``) in words: its text
    is ``prefix + code`` in the catalogue; a phrase among the values is said first, a list item by item."""
    return text(prefix + said.code, language, **{k: _value(v, language, prefix) for k, v in said.params.items()})


def _value(value: object, language: str, prefix: str) -> object:
    if hasattr(value, "code") and hasattr(value, "params"):
        return phrase(value, language, prefix)
    if isinstance(value, list | tuple):
        return ", ".join(str(_value(v, language, prefix)) for v in value)
    return value


def number(value: float, language: str) -> str:
    """A number as the language writes it: 1,5 in Swedish, 1.5 in English (CLDR, through Babel)."""
    return format_decimal(value, locale={"sv": "sv_SE", "en": "en_GB"}[language_or_swedish(language)])
