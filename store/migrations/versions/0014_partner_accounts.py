"""partners and referrers who log in: a user's organisation, and a member row's account

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

- ``users.organisation``: the organisation a partner or referrer acts for (``rules.partner``).
- ``members.user_id``: the partner account of a named group member (``store.partners``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # plain ADD COLUMNs: no table rebuild
        op.execute("ALTER TABLE users ADD COLUMN organisation VARCHAR(24)")
        op.execute("ALTER TABLE members ADD COLUMN user_id INTEGER REFERENCES users (id)")
    else:
        op.add_column("users", sa.Column("organisation", sa.String(length=24), nullable=True))
        op.add_column("members", sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True))
    op.create_index("ix_members_user_id", "members", ["user_id"])


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
