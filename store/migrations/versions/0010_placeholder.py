"""placeholder for another branch's migration 0010 (replaced at merge)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:  # pragma: no cover
    pass
