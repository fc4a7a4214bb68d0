"""agenda items: what a member of the network asks the coordinator to take up at the next meeting

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

- ``agenda_items``: sent from "Mina grupper" by a partner (or added by the coordinator); case data that
  gallring reaches and the register extract shows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False, index=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("organisation", sa.String(length=24), nullable=True),
    )


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
