"""placeholder for the migration another helper writes in parallel (replaced at merge)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Keeps the revision chain whole on this branch; no schema change.
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
