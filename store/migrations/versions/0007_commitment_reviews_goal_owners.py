"""the plan everyone works from: "if I can't keep it", the review at the next meeting, whose goal

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Each commitment says what its person does if they cannot keep it (Skärholmen: "vad professionella ska
göra om de inte kan utföra sina åtaganden"), and is reviewed at the next meeting (kept, partly, not
kept, with a word why). Each goal says whose it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = [("commitments", "if_cannot", sa.Text(), "TEXT"),
           ("commitments", "review", sa.String(length=16), "VARCHAR(16)"),
           ("commitments", "review_note", sa.Text(), "TEXT"),
           ("goals", "owner", sa.String(length=128), "VARCHAR(128)")]


def upgrade() -> None:
    for table, name, kind, sqlite in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sqlite}")
        else:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
