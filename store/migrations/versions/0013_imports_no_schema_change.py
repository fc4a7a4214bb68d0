"""the outcome and consent imports, fritid as a referral source: no schema change

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

Outcome words are read through ``rules.words`` and consents imported into the existing ``consents``
table; referral sources are text, so ``fritid`` needs no column. The revision keeps the chain whole.
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
