"""reasons kept with the case, and the audit rows from before keys sealed under the key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

- ``reopenings``: a reopened case's reason was written only into the audit log, where gallring cannot
  reach it. It is case data now; the audit row refers to it.
- The seal: rows written before keyed hashes (``audit_log.key_id`` NULL) are vouched for once, here,
  by a keyed ``seal`` row naming their range and last hash (``store.audit.seal_legacy``). From now
  on an unkeyed row that no seal covers does not verify, so a chain rebuilt without the key fails
  ``insats audit verify`` even without anchors.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reopenings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False, index=True),
        sa.Column("reopened_on", sa.Date(), nullable=False),
        sa.Column("was_closed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reopened_by", sa.String(length=64), nullable=False),
    )
    from store.access import SYSTEM, Actor
    from store.audit import seal_legacy

    session = Session(bind=op.get_bind())
    sealed = seal_legacy(session, Actor("migration-0008", SYSTEM))
    session.flush()
    if sealed:
        print(f"insats: sealed {sealed} audit rows written before audit keys under the audit key")


def downgrade() -> None:  # pragma: no cover - backups are the way back
    raise NotImplementedError("restore the backup taken before the upgrade instead")
