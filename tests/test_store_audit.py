"""The audit chain names an edited or deleted row; identity numbers are validated properly."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import cases, transaction
from store.audit import verify
from store.identity import IdentityError, luhn_ok, normalise_pnr

from .actors import ADMIN


def _with_rows(engine, assessor, n=6):
    with transaction(engine) as s:
        for _ in range(n):
            cases.create_subject(s, assessor)


def _tamper(engine, statement: str) -> None:
    """Bypass the append-only triggers, as an attacker with database access would."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        conn.execute(text(statement))


def test_append_only_is_enforced_by_the_database(engine, assessor):
    _with_rows(engine, assessor, 2)
    for statement in ("UPDATE audit_log SET who = 'x'", "DELETE FROM audit_log"):
        with pytest.raises((DBAPIError, IntegrityError), match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_an_edited_row_is_named(engine, assessor):
    _with_rows(engine, assessor)
    _tamper(engine, "UPDATE audit_log SET who = 'someone.else' WHERE id = 3")
    with transaction(engine) as s:
        checked, problems = verify(s, ADMIN)
    assert checked == 7  # six cases and the check itself
    assert [(p.row_id, "edited" in p.problem) for p in problems] == [(3, True)]


def test_a_deleted_row_is_named_by_the_row_after_it(engine, assessor):
    _with_rows(engine, assessor)
    _tamper(engine, "DELETE FROM audit_log WHERE id = 4")
    with transaction(engine) as s:
        checked, problems = verify(s, ADMIN)
    assert checked == 6  # five cases left and the check itself
    [problem] = problems
    assert problem.row_id == 5 and "after row 3" in problem.problem and "deleted" in problem.problem


@pytest.mark.parametrize("text_in,expected", [
    ("811218-9876", "198112189876"),
    ("19811218-9876", "198112189876"),
    ("198112189876", "198112189876"),
    ("811278-9873", "198112789873"),  # samordningsnummer: day + 60
])
def test_valid_personal_identity_numbers(text_in, expected):
    from datetime import date

    assert normalise_pnr(text_in, today=date(2026, 11, 23)) == expected


@pytest.mark.parametrize("text_in,message", [
    ("811218-9875", "check digit"),
    ("811318-9876", "not a date"),
    ("8112-9876", "expected YYYYMMDD"),
    ("abc", "expected YYYYMMDD"),
])
def test_invalid_personal_identity_numbers(text_in, message):
    with pytest.raises(IdentityError, match=message):
        normalise_pnr(text_in)


def test_luhn_against_the_published_example():
    assert luhn_ok("8112189876") and not luhn_ok("8112189875")
