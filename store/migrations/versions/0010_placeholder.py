"""placeholder for h-start's migration 0010 (the lead replaces this file at the merge)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Keeps the h-clocks branch's chain whole (0011 revises 0010) until the real 0010 is merged.
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
