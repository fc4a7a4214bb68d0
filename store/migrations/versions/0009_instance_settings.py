"""the instance's settings kept with the database (the smallest group of youths shown)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

- ``settings``: one row per key. ``min_cell`` is the k floor of every figure and export that leaves
  (``rules.disclosure``); it was read from the caller's environment, so ``INSATS_MIN_CELL=1`` lowered
  it for whoever ran a command. Now an admin sets it (``insats db set-min-cell``, audited, never below
  5); with no row the floor is 5, and the environment may only raise it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
