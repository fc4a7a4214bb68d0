"""the intake decision as a record, and every ask of a youth kept

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Who took part in the intake decision, the criteria met and when the preparation group was informed;
and one row per ask of the youth and guardians (date, by whom, the answer), so a "no" keeps the youth
on a motivation list and asking again never overwrites the earlier ask. Existing asks are copied in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = [("decided_by", sa.JSON(), "JSON"), ("criteria", sa.JSON(), "JSON"),
           ("preparation_informed_on", sa.Date(), "DATE")]


def upgrade() -> None:
    for name, kind, sqlite in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE referrals ADD COLUMN {name} {sqlite}")
        else:
            op.add_column("referrals", sa.Column(name, kind, nullable=True))
    op.create_table(
        "asks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referrals.id"), nullable=False, index=True),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("asked_by", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Boolean(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("other_support", sa.Text(), nullable=True),
    )
    op.execute("INSERT INTO asks (referral_id, asked_on, asked_by, answer, answered_on, other_support) "
               "SELECT id, asked_on, 'register', accepted, answered_on, other_support FROM referrals "
               "WHERE asked_on IS NOT NULL")


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
