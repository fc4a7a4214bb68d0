"""referrers who send the checklist themselves: who sent a referral, and what intake alone may see of it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

- ``referrals.sent_by``: the referrer account (role ``referrer``) that sent the referral from its own page
  (``store.referrers``); None for a referral intake registered or imported.
- ``referrals.sent_to``: the team the referrer chose; what the referrer is shown, so a case moved to another
  team later tells them nothing.
- ``referrals.same_pnr_as``: the existing case whose personnummer the referrer typed, found when the
  referral arrived. Intake sees "possibly the same youth as …"; the referrer is never told (no
  existence oracle).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # plain ADD COLUMNs: no table rebuild
        op.execute("ALTER TABLE referrals ADD COLUMN sent_by INTEGER REFERENCES users (id)")
        op.execute("ALTER TABLE referrals ADD COLUMN sent_to INTEGER REFERENCES teams (id)")
        op.execute("ALTER TABLE referrals ADD COLUMN same_pnr_as INTEGER REFERENCES subjects (id)")
    else:
        op.add_column("referrals", sa.Column("sent_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True))
        op.add_column("referrals", sa.Column("sent_to", sa.Integer(), sa.ForeignKey("teams.id"), nullable=True))
        op.add_column("referrals", sa.Column("same_pnr_as", sa.Integer(), sa.ForeignKey("subjects.id"),
                                             nullable=True))
    op.create_index("ix_referrals_sent_by", "referrals", ["sent_by"])


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
