"""draft revisions, key ids, keyed audit hashes, closing dates and the gallring permit

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

- ``assessments.revision`` (+ who and when): a draft save names the revision it was made from, so
  two sessions on one draft cannot silently overwrite each other.
- ``subjects.pnr_key_id``: which instance key encrypted and hashed the personnummer (key rotation).
- ``subjects.closed_on``/``closed_reason``: when a participation ended (retention counts from it).
- ``audit_log.key_id``: rows written from now on carry an HMAC keyed with the audit key; older rows
  (NULL) keep their plain SHA-256 and are verified as such.
- PostgreSQL: ``TRUNCATE audit_log`` is refused like DELETE (row triggers do not see it).
- ``gallring_permits``: the assessment triggers refuse UPDATE/DELETE of a final assessment unless the
  same transaction has listed its case for gallring (retention removal), which the store does only
  inside ``store.retention.gallring``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER assessments_final_no_update BEFORE UPDATE ON assessments WHEN OLD.status = 'final'
       AND OLD.subject_id NOT IN (SELECT subject_id FROM gallring_permits)
       BEGIN SELECT RAISE(ABORT, 'finalised assessments are immutable'); END""",
    """CREATE TRIGGER assessments_final_no_delete BEFORE DELETE ON assessments WHEN OLD.status = 'final'
       AND OLD.subject_id NOT IN (SELECT subject_id FROM gallring_permits)
       BEGIN SELECT RAISE(ABORT, 'finalised assessments are immutable'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION insats_final_immutable() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN
            IF EXISTS (SELECT 1 FROM gallring_permits WHERE subject_id = OLD.subject_id) THEN
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END IF;
            RAISE EXCEPTION 'finalised assessments are immutable';
          END $$""",
    """CREATE TRIGGER assessments_final_immutable BEFORE UPDATE OR DELETE ON assessments
       FOR EACH ROW WHEN (OLD.status = 'final') EXECUTE FUNCTION insats_final_immutable()""",
    # row triggers do not fire on TRUNCATE; a statement trigger does
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION insats_refuse('audit_log is append-only')""",
]


def _add(table: str, column: sa.Column, sqlite_sql: str) -> None:
    # a plain ADD COLUMN on SQLite (no table rebuild: foreign keys and triggers stay as they are)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {sqlite_sql}")
    else:
        op.add_column(table, column)


def upgrade() -> None:
    _add("assessments", sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
         "revision INTEGER NOT NULL DEFAULT 1")
    _add("assessments", sa.Column("updated_by", sa.String(64), nullable=True), "updated_by VARCHAR(64)")
    _add("assessments", sa.Column("updated_at", sa.DateTime(), nullable=True), "updated_at DATETIME")
    _add("subjects", sa.Column("pnr_key_id", sa.String(16), nullable=True), "pnr_key_id VARCHAR(16)")
    _add("subjects", sa.Column("closed_on", sa.Date(), nullable=True), "closed_on DATE")
    _add("subjects", sa.Column("closed_reason", sa.String(32), nullable=True), "closed_reason VARCHAR(32)")
    _add("audit_log", sa.Column("key_id", sa.String(16), nullable=True), "key_id VARCHAR(16)")
    op.create_table("gallring_permits", sa.Column("subject_id", sa.Integer(), primary_key=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER assessments_final_no_update")
        op.execute("DROP TRIGGER assessments_final_no_delete")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER assessments_final_immutable ON assessments")
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:  # pragma: no cover - kept for alembic's symmetry; backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
