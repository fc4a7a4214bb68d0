"""placeholder for the migration another helper writes in parallel (replaced at merge)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Keeps the revision chain whole on this branch; no schema change.
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
