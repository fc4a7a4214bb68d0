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
from datetime import timedelta
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
