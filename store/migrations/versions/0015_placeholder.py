"""a placeholder for another branch's revision of issue #23 (the lead replaces it at merge)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Kept so that the referrers' revision (0016) has its place in the chain while another branch writes 0015.
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
