"""Every refusal a user can meet is said in their language (#19 item 5).

"Det gick inte: the decision (2026-11-24) cannot be before the referral was received…": the store's
English sentence used to reach the Swedish page whenever a code had no text in the catalogue. Every
code raised in the store, the instruments and the pages now has Swedish and English text (the first
test collects the codes from the code itself), and the refusals a day's work meets are walked on the
Swedish pages.
"""

from __future__ import annotations

import ast
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from forms.i18n import STRINGS, expected
from store import cases, imports, transaction

from .app_helpers import AS_USER, SYSTEM, TODAY, no_trace, open_page, texts
from .test_app_pages import SAVRY_LOW
from .test_translations import ENGLISH

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"[a-z_]+\.[a-z_.]+")


def raised_codes() -> dict[str, str]:
    """Every literal code given to an exception (``CaseError(message, "referral.order")``,
    ``AccessDenied("access.case")``...) in the store, the instruments and the pages."""
    found = {}
    for folder in ("store", "instruments", "forms"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith(
                        ("Error", "Denied", "Refused", "Missing")):
                    for arg in node.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CODE.fullmatch(arg.value):
                            found.setdefault(arg.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_raised_code_has_swedish_and_english_text():
    codes = raised_codes()
    assert len(codes) > 60  # the walk really read the code
    missing = {code: where for code, where in codes.items()
               if not {"sv", "en"} <= set(STRINGS.get(f"err_{code}", {}))}
    assert not missing


def _swedish_only(at) -> None:
    no_trace(at)
    said = texts(at, "error") + texts(at, "warning")
    assert said, "no refusal was shown"
    assert not ENGLISH.search(said), said


def test_a_decision_before_the_referral_is_refused_in_swedish(app_engine):
    with transaction(app_engine) as s:
        cases.register_referral(s, SYSTEM, source="polis", received_on=TODAY - timedelta(days=2),
                                checklist={"K1": "Ja"})
    at = open_page("intake")
    key = next(w.key for w in at.button if w.key.endswith(":decide"))[: -len(":decide")]
    at.date_input(key=f"{key}:received:date").set_value(TODAY - timedelta(days=5)).run()
    at.radio(key=f"{key}:suitable").set_value(True).run()
    at.multiselect(key=f"{key}:criteria").set_value(["crime_active"]).run()
    at.button(key=f"{key}:decide").click().run()
    _swedish_only(at)
    assert "kan inte vara före att remissen kom in" in texts(at, "error")


def test_finalising_without_a_judgment_is_refused_in_swedish(app_engine):
    with transaction(app_engine) as s:
        youth = cases.create_subject(s, SYSTEM)
        draft = cases.save_draft(s, AS_USER, youth, "savry-like", occasion="baseline", assessed_on=TODAY,
                                 ratings=SAVRY_LOW)
        code, draft_id = youth.case_code, draft.id
    at = open_page("assessment", case=code)
    at.button(key=f"finalise:{draft_id}").click().run()
    _swedish_only(at)


def test_a_wrong_personnummer_is_refused_in_swedish(app_engine, monkeypatch):
    monkeypatch.setenv("INSATS_SECRET_KEY", "app-test-key-key-0123456789-abcdefghijklmnop")
    at = open_page("intake", intake_view="register_referral")
    at.text_input(key="reg_pnr").input("20100101-1235").run()
    at.radio(key="reg_checklist:item:K1").set_value("Ja").run()
    at.button(key="reg_submit").click().run()
    _swedish_only(at)
    assert "kontrollsiffra" in texts(at, "error")


@pytest.mark.parametrize("content", [
    "case_code,source,received_on,K1\nSIG-A1,polis,2026-13-01,kanske\n",
    "case_code,source,received_on,suitable,decided_on\nSIG-A2,polis,2026-11-01,ja,2026-10-01\n",
])
def test_the_import_preview_names_each_row_error_in_swedish(content):
    frame = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    try:
        _, _, errors = imports.validate_referrals(frame)
    except imports.ImportRefused as exc:
        errors = exc.errors
    assert errors
    for error in errors:
        with_lang = expected(error.expected)
        assert not ENGLISH.search(with_lang), with_lang


# -- every code, walked through the page's own refusal path (#21 item 6) ---------------------------------
# a value for each of a refusal's parameters, by name, as the store gives them: vocabulary codes that are
# no Swedish word (said in words or the test fails), dates, and values people type (shown as typed)
SAMPLES = {
    "recipient": "socialtjanst", "category": "assessment", "organisation": "police", "roles": ["intake", "admin"],
    "source": "faltassistenter", "what": "informed", "reference": "received", "placement": "family_home",
    "on": date(2026, 11, 23), "day": date(2026, 11, 24), "today": date(2026, 11, 23), "date": date(2026, 11, 20),
    "earlier": date(2026, 11, 1), "at": "14:05", "min": 12, "login": "ida", "logins": ["ida", "bo"],
    "teams": ["SIG Öst"], "name": "Ida Svensson", "case": "SIG-ABC123", "code": "SIG-?", "criteria": ["K9"],
    "basis": "LVU 12", "draft": 12, "item": "H11", "judgment": "extrem", "kind": "brand", "level": "Q",
    "occasion": "halvtid", "reason": "flytt", "status": "pausad", "action": "user.manage",
}
REFUSAL_PLACEHOLDER = re.compile(r"\{([a-z_]+)")


def walked_refusals() -> list[tuple[str, dict]]:
    """Every raised code (and the consent refusal every release meets) with its parameters' samples."""
    codes = sorted({*raised_codes(), "consent.missing"})
    walked = []
    for code in codes:
        names = set(REFUSAL_PLACEHOLDER.findall(STRINGS[f"err_{code}"]["sv"] + STRINGS[f"err_{code}"]["en"]))
        walked.append((code, {name: SAMPLES.get(name, 7) for name in names}))
    return walked


def refusals_page(walked: list[tuple[str, dict]]) -> None:
    """A page that meets every refusal through ``ctx.attempt``, as a page's action does."""
    from forms import context as ctx
    from store.cases import CaseError

    class Refused(CaseError):  # any code with any parameters (case.code's own is called "code")
        def __init__(self, code: str, params: dict) -> None:
            ValueError.__init__(self, "the store's English sentence, never shown on a page")
            self.code, self.params = code, params

    def refuse(code: str, params: dict) -> None:
        raise Refused(code, params)

    for code, params in walked:
        ctx.attempt(lambda code=code, params=params: refuse(code, params))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_raised_code_is_said_in_the_pages_language_through_the_pages_path(language):
    from streamlit.testing.v1 import AppTest

    from .test_translations import RAW_CODE, RAW_IDENTIFIER

    walked = walked_refusals()
    assert len(walked) > 60
    at = AppTest.from_function(refusals_page, args=(walked,), default_timeout=30)
    at.session_state["lang"] = language
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = [str(e.value) for e in at.error]
    assert len(said) == len(walked)
    problems = {code: text for (code, _), text in zip(walked, said, strict=True)
                if "never shown" in text or "{" in text or RAW_IDENTIFIER.search(text)
                or (language == "sv" and (ENGLISH.search(text) or RAW_CODE.search(text)))}
    assert not problems
    unchanged = {"sv": "Inget", "en": "Nothing"}[language]
    assert all(unchanged in text or "Ingenting" in text or "nothing" in text.lower() for text in said)
    by_code = dict(zip([c for c, _ in walked], said, strict=True))
    assert {"sv": "Socialtjänsten", "en": "Social services"}[language].lower() in by_code["consent.missing"].lower()
    assert "family_home" not in by_code["outcome.no_price"]  # a placement type in words
    if language == "en":  # dates as English writes them
        assert "24/11/2026" in by_code["date.future"] and "2026-11-24" not in by_code["date.future"]


def test_a_value_typed_by_a_person_is_shown_as_typed_even_when_it_spells_a_code():
    """A user called "admin" stays "admin" in "there is no active user admin", never "administratör"."""
    from catalogue import refusal
    from store.users import UserError

    assert "admin" in refusal(UserError("user.unknown", "no active user 'admin'", login="admin"), "sv")
    organisation = refusal(cases.CaseError("x", "member.organisation", organisation="school"), "sv")
    category = refusal(cases.ConsentMissing("skola", "school", "SIG-ABC123"), "sv")
    assert organisation != category and "school" not in organisation + category  # each vocabulary its own words
