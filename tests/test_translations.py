"""Swedish and English done right (#13 item 2): the UI strings live in gettext catalogues
(``forms/locale/{sv,en}/LC_MESSAGES/insats.po``) that ordinary tools read and compile, every message id
the code uses is in both, their placeholders agree, and no page shows a raw identifier to a user.
"""

from __future__ import annotations

import gettext
import io
import re

import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from forms.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

from .app_helpers import REFERRER, RESEARCHER, ROOT, USER, each_tab, make_database
from .test_app_pages import case_with_finals

# tr("key", ...), tr_or("key", default), ntr("key", n); the CLI: catalogue.text("key", language), say("key")
KEYWORDS = {"tr": None, "tr_or": (1,), "ntr": (1,), "text": (1,), "say": (1,)}
PLACEHOLDER = re.compile(r"\{([a-z_]+)[^}]*\}")
# a raw identifier: snake_case as code writes it ("acute_mental_health"), never what a reader should see
RAW_IDENTIFIER = re.compile(r"(?<![\w./\\-])[a-z]+(?:_[a-z0-9]+)+(?![\w./\\-])")


def catalogue(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def used_in_code() -> dict[str, str]:
    """Every literal message id passed to ``tr``/``tr_or`` in the app, as ``pybabel extract -k`` finds it."""
    found = {}
    for folder in (ROOT / "forms", ROOT / "cli", ROOT / "catalogue"):
        for filename, line, message, _, _ in extract_from_dir(folder, method_map=[("**.py", "python")],
                                                              keywords=KEYWORDS):
            if isinstance(message, str) and re.fullmatch(r"[a-z][a-z0-9_]*", message):
                found[message] = f"{folder.name}/{filename}:{line}"
    for _, message, _, _ in __import__("babel.messages.extract", fromlist=["extract"]).extract(
            "python", io.BytesIO((ROOT / "app.py").read_bytes()), keywords=KEYWORDS):
        if isinstance(message, str):
            found[message] = "app.py"
    return found


def test_every_message_id_the_code_uses_is_translated_in_both_languages():
    used = used_in_code()
    assert len(used) > 300  # the extractor really read the code
    for language in LANGUAGES:
        have = {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalogue(language) if m.id}
        # "source_" + value: a family of ids; at least one of it must exist (the rest the pages test)
        missing = sorted(f"{where}: {key}" for key, where in used.items()
                         if not (have.get(key) or (key.endswith("_") and any(k.startswith(key) for k in have))))
        assert not missing, f"{language}: {missing}"


def test_both_catalogues_have_the_same_messages_and_placeholders():
    sv = {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalogue("sv") if m.id}
    en = {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalogue("en") if m.id}
    assert sv.keys() == en.keys()
    assert all(sv.values()) and all(en.values())
    def placeholders(text) -> set[str]:  # a plural message: every form has the same placeholders
        return set().union(*(PLACEHOLDER.findall(t) for t in (text if isinstance(text, tuple) else (text,))))

    differ = [key for key in sv if placeholders(sv[key]) != placeholders(en[key])]
    assert not differ
    assert {key for key, text in sv.items() if isinstance(text, tuple)} == {
        key for key, text in en.items() if isinstance(text, tuple)}  # plural in one language, plural in both


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_catalogues_compile_with_gettext_tools(language):
    """``pybabel compile`` does this: the .mo it writes is what Python's own gettext reads."""
    po = catalogue(language)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    assert compiled.gettext("page_case") == {"sv": "Ärende", "en": "Case"}[language]
    assert compiled.gettext("answered").format(n=3, k=30) == {
        "sv": "3 av 30 faktorer skattade", "en": "3 of 30 factors rated"}[language]


def shown_text(at) -> list[str]:
    """Everything a page shows a reader: text elements, labels, options, tab names, table headers."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    for kind in ("radio", "selectbox", "multiselect", "text_input", "text_area", "number_input", "date_input",
                 "checkbox", "toggle", "button", "slider", "select_slider"):
        for e in getattr(at, kind):
            out.append(str(e.label))
            options = getattr(e, "options", None) or []
            out += [str(o) for o in options]
    for e in [*at.selectbox, *at.multiselect]:  # what the browser draws in an empty choice
        out.append(e.proto.placeholder or "Choose an option")  # Streamlit's own words when none is given
    for e in at.multiselect:  # Streamlit's English bulk option, unless the page turned it off
        if e.proto.HasField("select_all") and e.proto.select_all != 0 and len(e.options) > 1:
            out.append("Select all")
    out += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
    out += [str(t.label) for t in at.tabs] + [str(x.label) for x in at.expander]
    for frame in [*at.dataframe, *at.table]:
        out += [str(c) for c in frame.value.columns]
        # text cells (object, or pandas' own string dtype, which a test of "== object" missed)
        out += [str(v) for column in frame.value.columns
                if frame.value[column].dtype == object or pd.api.types.is_string_dtype(frame.value[column])
                for v in frame.value[column].head(50)]
    return out


@pytest.fixture
def demo(tmp_path, monkeypatch):
    from .app_helpers import TODAY

    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    from store import make_engine

    engine = make_engine(make_database(tmp_path, subjects=30))
    yield engine
    engine.dispose()


USER_OF = {"research": RESEARCHER, "referrals_sent": REFERRER}  # every other page: a coordinator's


@pytest.mark.parametrize("page", ["intake", "caseload", "case", "assessment", "change", "matching", "plan", "research",
                                  "followup", "log", "instruments", "referrals_sent"])
def test_no_page_shows_a_raw_identifier_in_either_language(demo, page):
    code = case_with_finals(demo)
    found = {}
    for language in LANGUAGES:
        text = [t for view in each_tab(page, case=code, user=USER_OF.get(page, USER), lang=language)
                for t in shown_text(view)]
        assert len(text) > 3, f"{page}: the page drew almost nothing"
        raw = sorted({m for t in text for m in RAW_IDENTIFIER.findall(t)})
        if raw:
            found[language] = raw
    assert not found, f"{page}: {found}"


# vocabulary codes as stored (consent recipients, referral sources, factor domains, roles, audit words) that
# are no Swedish word: on a Swedish page each must be said in words (#19 item 6)
RAW_CODE = re.compile(r"\b(socialtjanst|faltassistenter|oppenvard|historical|individual|protective|assessor|"
                      r"coordinator|intake|researcher|admin|emergency|police|school|leisure|None|nan|NaN|True|False|"
                      r"goals_reached|dropped_out)\b")
# English on a Swedish page: Streamlit's own words and sentences from the store (#19 items 5 and 13)
ENGLISH = re.compile(r"\b(the|cannot|must|before|expected|Choose options|Choose an option|Select all|No results|"
                     r"Upload|per file|Show password|Skip to main content|one of|a date as)\b")
DOT_DECIMAL = re.compile(r"(?<![\w.\d])-?\d+\.\d+(?![\w.\d])")  # 2.86, -8.05: Swedish writes 2,86 (#19 item 10)


@pytest.mark.parametrize("page", ["intake", "caseload", "case", "assessment", "change", "matching", "plan", "research",
                                  "followup", "log", "referrals_sent"])
def test_a_swedish_page_has_no_raw_code_english_sentence_or_dot_decimal(demo, page):
    code = case_with_finals(demo)
    login = USER_OF.get(page, USER)
    # the login name is the user's own, not a code
    text = [t for view in each_tab(page, case=code, user=login) for t in shown_text(view) if t != login]
    found = {"codes": sorted({m for t in text for m in RAW_CODE.findall(t)}),
             "english": sorted({t for t in text if ENGLISH.search(t)})[:5],
             "decimals": sorted({t for t in text if DOT_DECIMAL.search(t)})[:5]}
    assert not any(found.values()), f"{page}: {found}"


@pytest.mark.parametrize(("language", "one", "many"),
                         [("sv", "1 remiss", "2 remisser"), ("en", "1 referral", "2 referrals")])
def test_counts_take_the_catalogues_plural_forms(language, one, many, monkeypatch):
    """ngettext through Babel's catalogue: "1 remiss", never "1 remisser" (#19 item 14)."""
    from forms import i18n

    monkeypatch.setattr(i18n, "lang", lambda: language)
    assert i18n.ntr("queue_count", 1) == one and i18n.ntr("queue_count", 2) == many
    assert i18n.ntr("queue_count", 0).startswith("0 ") and i18n.ntr("queue_count", 0) != one.replace("1", "0")
    po = catalogue(language)  # the same forms as Python's own gettext reads from the compiled catalogue
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    assert compiled.ngettext("queue_count", "queue_count", 1).format(n=1) == one
    assert compiled.ngettext("queue_count", "queue_count", 5).format(n=5) == many.replace("2", "5")


def test_dates_in_messages_follow_the_language(monkeypatch):
    """#19 item 16: an English page wrote dates as ISO; Swedish writes them so."""
    from datetime import date

    from forms import i18n

    monkeypatch.setattr(i18n, "lang", lambda: "en")
    assert i18n.tr("next_meeting", on=date(2026, 12, 21)) == "Next network meeting: 21/12/2026."
    monkeypatch.setattr(i18n, "lang", lambda: "sv")
    assert i18n.tr("next_meeting", on=date(2026, 12, 21)) == "Nästa nätverksmöte: 2026-12-21."


@pytest.mark.parametrize("language", ["sv", "en"])
def test_no_message_id_is_written_twice(language):
    """Two branches adding the same entry leave two msgids; gettext keeps one of them silently."""
    ids = re.findall(r'^msgid "([^"]*)"', (ROOT / f"forms/locale/{language}/LC_MESSAGES/insats.po").read_text(),
                     flags=re.M)
    assert not sorted({i for i in ids if ids.count(i) > 1})
