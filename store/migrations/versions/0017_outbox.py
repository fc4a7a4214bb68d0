"""the outbox: notices about a case's documents, queued and sent through the municipality's relay

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

- ``outbox``: one row per message (a notice to a member of the network: the case code, a date and the
  link to log in; the meeting invitation's .ics the only attachment), its state (queued, sent, failed),
  the attempts made, when the next one is due and the last error's code. Case data: gallring removes it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("about_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("attachment_name", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("queued_by", sa.String(length=64), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
