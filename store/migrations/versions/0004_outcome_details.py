"""outcome details the municipal reports also follow

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Optional per outcome period: school attendance in per cent, reports of concern to social services
(*orosanmälningar*), LVU applications, and the cost of purchased outpatient care. Per closed case: the
written closing summary (and the text of the reason "other").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = [("attendance", sa.Float(), "attendance REAL"),
           ("concern_reports", sa.Integer(), "concern_reports INTEGER"),
           ("lvu_applications", sa.Integer(), "lvu_applications INTEGER"),
           ("outpatient_cost", sa.Float(), "outpatient_cost REAL")]


def upgrade() -> None:
    for table, (name, kind, sqlite) in [("outcomes", c) for c in COLUMNS] + [
            ("subjects", ("closing_summary", sa.Text(), "closing_summary TEXT"))]:
        if op.get_bind().dialect.name == "sqlite":  # a plain ADD COLUMN: no table rebuild
            op.execute(f"ALTER TABLE {table} ADD COLUMN {sqlite}")
        else:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
