"""The audit chain names an edited or deleted row; identity numbers are validated properly."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import audit, cases, transaction
from store.access import SYSTEM, Actor
from store.audit import GENESIS, _digest, anchor, seal_legacy, verify
from store.identity import IdentityError, luhn_ok, normalise_pnr
from store.models import AuditEntry, Subject

from .actors import ADMIN

AUDIT_KEY = os.environ["INSATS_AUDIT_KEY"]  # set in conftest
MIGRATION = Actor("migration-0008", SYSTEM)


def _with_rows(engine, assessor, n=6):
    with transaction(engine) as s:
        for _ in range(n):
            cases.create_subject(s, assessor)


def _tamper(engine, statement: str) -> None:
    """Bypass the append-only triggers, as an attacker with database access would."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
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


def test_truncate_is_refused_too(pg_engine, assessor):
    """PostgreSQL only: SQLite has no TRUNCATE (its DELETE is refused above)."""
    _with_rows(pg_engine, assessor, 2)
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))


def _anchored(engine, assessor) -> list:
    _with_rows(engine, assessor, 4)
    with transaction(engine) as s:
        first = anchor(s, ADMIN)
    _with_rows(engine, assessor, 3)
    with transaction(engine) as s:
        second = anchor(s, ADMIN)
    return [first, second]


@pytest.mark.parametrize("attack", ["cut the newest rows", "truncate and start again", "rewind to a backup"])
def test_anchors_catch_what_the_chain_alone_cannot(engine, assessor, attack, tmp_path):
    anchors = _anchored(engine, assessor)
    with transaction(engine) as s:
        assert verify(s, ADMIN, anchors=anchors)[1] == []
    head = anchors[-1].row_id
    if attack == "cut the newest rows":  # every remaining row still verifies
        _tamper(engine, f"DELETE FROM audit_log WHERE id > {head - 3}")
    elif attack == "truncate and start again":
        _tamper(engine, "DELETE FROM audit_log")
        _with_rows(engine, assessor, 2)
    else:  # a restore of a copy taken before the second anchor
        _tamper(engine, f"DELETE FROM audit_log WHERE id > {anchors[0].row_id}")
    with transaction(engine) as s:
        plain_problems = verify(s, ADMIN)[1]
    with transaction(engine) as s:
        _, problems = verify(s, ADMIN, anchors=anchors)
    assert plain_problems == [] or attack == "truncate and start again"  # why anchors are needed
    anchored = [p for p in problems if "anchored" in p.problem]
    assert head in {p.row_id for p in anchored} and "no longer in the log" in str(anchored)


def test_a_forged_chain_without_the_audit_key_does_not_verify(engine, assessor, monkeypatch):
    """Someone with database access rewrites a row and recomputes every hash after it: without the
    audit key (it is not in the database) the recomputed rows do not verify."""
    _with_rows(engine, assessor, 3)
    monkeypatch.setenv("INSATS_AUDIT_KEY", "a-guess-at-the-key-is-not-the-key-0123456789")
    with transaction(engine) as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    prev, statements = GENESIS, []
    for row in rows:
        who = "nobody" if row.id == 2 else row.who
        digest = _digest(prev, row.at, who, row.role, row.action, row.entity, row.subject_id, row.detail,
                         "a-guess-at-the-key-is-not-the-key-0123456789")
        statements.append(f"UPDATE audit_log SET who = '{who}', prev_hash = '{prev}', hash = '{digest}' "
                          f"WHERE id = {row.id}")
        prev = digest
    _tamper(engine, statements[0])
    for statement in statements[1:]:
        _tamper(engine, statement)
    monkeypatch.delenv("INSATS_AUDIT_KEY")
    monkeypatch.setenv("INSATS_AUDIT_KEY", AUDIT_KEY)
    with transaction(engine) as s:
        _, problems = verify(s, ADMIN)
    assert {p.row_id for p in problems} >= {r.id for r in rows}
    assert all("edited" in p.problem for p in problems if p.row_id <= rows[-1].id)


def _rewrite_unkeyed(engine, keep=lambda row: True) -> list[int]:
    """The attack of the review: delete every row, drop the ones that tell (finalise, refusals, emergency
    access), and insert the rest again as a chain in the plain SHA-256 form, which needs no key.
    Returns the ids of the rewritten rows."""
    with transaction(engine) as s:
        rows = [r for r in s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all() if keep(r)]
    _tamper(engine, "DELETE FROM audit_log")
    prev, ids = GENESIS, []
    with engine.begin() as conn:
        for new_id, row in enumerate(rows, start=1):
            digest = _digest(prev, row.at, row.who, row.role, row.action, row.entity, row.subject_id, row.detail, None)
            conn.execute(AuditEntry.__table__.insert().values(
                id=new_id, at=row.at, who=row.who, role=row.role, action=row.action, entity=row.entity,
                subject_id=row.subject_id, detail=row.detail, prev_hash=prev, hash=digest, key_id=None))
            prev = digest
            ids.append(new_id)
    return ids


def test_a_chain_rebuilt_without_the_key_does_not_verify_even_without_anchors(engine, assessor):
    """Rows in the unkeyed form verify only when the key sealed them (migration 0008); a whole chain
    rebuilt in that form, minus the rows that tell, is named row by row, and the keyed rows written after
    it (the verify itself) do not vouch for it."""
    _with_rows(engine, assessor, 4)
    with transaction(engine) as s:
        cases.open_in_emergency(s, assessor, s.scalar(select(Subject.case_code).limit(1)),
                                "Polisen ringde om akut oro i natt")
    rewritten = _rewrite_unkeyed(engine, keep=lambda row: row.action != "emergency")
    for _ in range(2):  # the first verify appends a keyed row on top of the forged chain
        with transaction(engine) as s:
            checked, problems = verify(s, ADMIN)
        forged = {p.row_id for p in problems if "without the audit key" in p.problem}
        assert forged == set(rewritten) and checked > len(rewritten)


def test_rows_from_before_audit_keys_verify_once_sealed_and_only_those(engine, assessor):
    _with_rows(engine, assessor, 3)
    legacy = _rewrite_unkeyed(engine)  # a database from before keyed hashes
    with transaction(engine) as s:
        assert seal_legacy(s, MIGRATION) == len(legacy)
        assert seal_legacy(s, MIGRATION) == 0  # once
    _with_rows(engine, assessor, 2)
    with transaction(engine) as s:
        assert verify(s, ADMIN)[1] == []
    # a forger rewrites a legacy row (and every hash after it) in the unkeyed form: the seal names the old head
    with transaction(engine) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.id <= legacy[-1]).order_by(AuditEntry.id)).all()
    prev = GENESIS
    for row in rows:
        who = "nobody" if row.id == legacy[0] else row.who
        digest = _digest(prev, row.at, who, row.role, row.action, row.entity, row.subject_id, row.detail, None)
        _tamper(engine, f"UPDATE audit_log SET who = '{who}', prev_hash = '{prev}', hash = '{digest}' "
                        f"WHERE id = {row.id}")
        prev = digest
    with transaction(engine) as s:
        problems = verify(s, ADMIN)[1]
    assert any(p.row_id == legacy[-1] and "seal names" in p.problem for p in problems)


def test_a_seal_in_the_unkeyed_form_seals_nothing(engine, assessor):
    _with_rows(engine, assessor, 2)
    rewritten = _rewrite_unkeyed(engine)
    with transaction(engine) as s:
        head = s.scalar(select(AuditEntry.hash).where(AuditEntry.id == rewritten[-1]))
        last = s.scalar(select(AuditEntry).where(AuditEntry.id == rewritten[-1]))
        detail = f"sealed {len(rewritten)} rows written before audit keys: rows 1..{rewritten[-1]}, head {head}"
        digest = _digest(head, last.at, "migration-0008", "system", "seal", "audit", None, detail, None)
    with engine.begin() as conn:
        conn.execute(AuditEntry.__table__.insert().values(
            at=last.at, who="migration-0008", role="system", action="seal", entity="audit", subject_id=None,
            detail=detail, prev_hash=head, hash=digest, key_id=None))
    with transaction(engine) as s:
        problems = verify(s, ADMIN)[1]
    assert set(rewritten) <= {p.row_id for p in problems if "without the audit key" in p.problem}


def test_migration_0008_seals_the_rows_written_before_keys(tmp_path):
    """An old database (at 0007) with rows in the plain form: the upgrade seals them once, and the chain
    verifies; no later start seals anything again."""
    from alembic import command
    from alembic.config import Config

    from store import make_engine, upgrade
    from store.db import MIGRATIONS

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.commit()
    with transaction(engine) as s:  # audit rows only: today's case models may hold columns 0007 lacks
        for i in range(2):
            audit.record(s, Actor("anna", {"intake"}, {1}), "create", "case", None, f"legacy row {i}")
    legacy = _rewrite_unkeyed(engine)
    upgrade(engine, backup_first=False)
    upgrade(engine, backup_first=False)
    with transaction(engine) as s:
        seals = s.execute(select(AuditEntry.who, AuditEntry.detail).where(AuditEntry.action == "seal")).all()
        assert len(seals) == 1 and f"sealed {len(legacy)} rows" in seals[0][1]
        assert verify(s, ADMIN)[1] == []
    engine.dispose()


def test_anchor_cli_appends_lines_that_verify_reads(engine, assessor, tmp_path, monkeypatch, capsys):
    import cli
    from store.users import add_user

    monkeypatch.setenv("INSATS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with transaction(engine) as s:
        add_user(s, ADMIN, "ada.admin", display_name="Ada", roles=["admin"])
    _with_rows(engine, assessor, 2)
    archive = tmp_path / "anchors.jsonl"
    for _ in range(2):
        assert cli.main(["--as", "ada.admin", "audit", "anchor", "--out", str(archive)]) == 0
    assert len(archive.read_text().splitlines()) == 2
    assert cli.main(["--as", "ada.admin", "audit", "verify", "--anchor", str(archive)]) == 0
    assert "holding all 2 anchor(s)" in capsys.readouterr().out
    _tamper(engine, "DELETE FROM audit_log WHERE id > 3")
    assert cli.main(["--as", "ada.admin", "audit", "verify", "--anchor", str(archive)]) == 2
    assert "no longer in the log" in capsys.readouterr().err
    archive.write_text("not json\n")
    assert cli.main(["--as", "ada.admin", "audit", "verify", "--anchor", str(archive)]) == 2
    assert "line 1: not an anchor" in capsys.readouterr().err


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


def test_the_embedded_default_keeps_its_audit_key_in_a_private_file(tmp_path, monkeypatch):
    from store import audit

    monkeypatch.delenv("INSATS_AUDIT_KEY")
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    key = audit.audit_key()
    path = tmp_path / "audit.key"
    assert path.read_text().strip() == key and len(key) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    audit._keys.clear()
    assert audit.audit_key() == key  # read back, not made anew
