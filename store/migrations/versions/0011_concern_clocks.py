"""the clocks the law sets for a report of concern about a child

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

A referral may be a report of concern (orosanmälan, SoL 14 kap. 1 §): ``report_of_concern`` (false for
every existing referral), the day of the safety assessment, the day and the decision whether to
investigate, and an opened investigation's first and last day (``rules.clocks`` counts the periods).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = [("safety_assessed_on", sa.Date(), "DATE"), ("investigation_decided_on", sa.Date(), "DATE"),
           ("investigation_opened", sa.Boolean(), "BOOLEAN"), ("investigation_opened_on", sa.Date(), "DATE"),
           ("investigation_ended_on", sa.Date(), "DATE")]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # SQLite adds a column with a plain ALTER TABLE (no table copy under foreign keys)
        op.execute("ALTER TABLE referrals ADD COLUMN report_of_concern BOOLEAN NOT NULL DEFAULT '0'")
    else:
        op.add_column("referrals", sa.Column("report_of_concern", sa.Boolean(), nullable=False,
                                             server_default="0"))
    for name, kind, sqlite_kind in COLUMNS:
        if sqlite:
            op.execute(f"ALTER TABLE referrals ADD COLUMN {name} {sqlite_kind}")
        else:
            op.add_column("referrals", sa.Column(name, kind, nullable=True))


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
