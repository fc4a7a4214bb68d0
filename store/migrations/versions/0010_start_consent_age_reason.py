"""the start's consent rule and the assessment's age reason

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

- ``referrals.consent_required``: what the start recorded about consent. True under a route that needs
  the youth's (and guardians') consent (SoL 4 kap. 1 §), False under one that does not (LVU 11 §): the
  start says that no consent was required. NULL for starts from before this revision; the caseload
  reads their route then (``instruments/legal_bases.yaml``).
- ``assessments.age_reason``: why an assessment was made of a youth outside the instrument's age range.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = [("referrals", "consent_required", sa.Boolean(), "BOOLEAN"),
           ("assessments", "age_reason", sa.Text(), "TEXT")]


def upgrade() -> None:
    for table, name, kind, sqlite in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":  # a plain ADD COLUMN: no table rebuild, triggers stay
            op.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sqlite}")
        else:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
