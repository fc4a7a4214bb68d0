"""the network as the SIG reports run it: named members, events between meetings, the start decision

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Members of a youth's network (name, organisation, role, contact, from/to); events logged between
meetings (a new police report, school absence, incident, broken commitment, contact), a serious one
asking for a meeting within a week; a reason when more than 28 days pass between meetings; the start
decision's legal basis, date and reference in the case-management system, and the stated reason when
SIG starts without a structured assessment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = [("meetings", "interval_reason", sa.Text(), "TEXT"),
           ("referrals", "start_reason", sa.Text(), "TEXT"),
           ("referrals", "legal_basis", sa.String(length=16), "VARCHAR(16)"),
           ("referrals", "decision_on", sa.Date(), "DATE"),
           ("referrals", "decision_reference", sa.String(length=64), "VARCHAR(64)")]


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False, index=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("organisation", sa.String(length=24), nullable=False),
        sa.Column("role", sa.String(length=128), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=128), nullable=True),
        sa.Column("from_on", sa.Date(), nullable=True),
        sa.Column("to_on", sa.Date(), nullable=True),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False, index=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("logged_by", sa.String(length=64), nullable=False),
    )
    for table, name, kind, sqlite in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":  # a plain ADD COLUMN: no table rebuild
            op.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sqlite}")
        else:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
