"""protected identity (skyddade personuppgifter): a case flag and its reasons

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

- ``subjects.protected``: the case opens only to its named assessors and its team's coordinators
  (``store.access``), and no name or number of the family leaves it in a document.
- ``protections``: each setting and lifting, with the coordinator's reason: case data that gallring
  reaches; the audit row refers to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # a plain ADD COLUMN: no table rebuild
        op.execute("ALTER TABLE subjects ADD COLUMN protected BOOLEAN NOT NULL DEFAULT 0")
    else:
        op.add_column("subjects", sa.Column("protected", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "protections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False, index=True),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
