"""users, teams, case assignment and emergency access

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Existing cases move to the default team ("Standard"); the audit log's role column widens to hold
several roles ("assessor+coordinator").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULT_TEAM = "Standard"


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False, unique=True),
        sa.Column("subject", sa.String(255), nullable=True, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "user_teams",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), primary_key=True),
    )
    op.create_table(
        "case_assessors",
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
    )
    op.create_table(
        "emergency_access",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False, index=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("subjects.id"), nullable=False, index=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    # a plain ADD COLUMN (no table rebuild: the other tables' foreign keys to subjects stay as they are)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE subjects ADD COLUMN team_id INTEGER REFERENCES teams (id)")
    else:
        op.add_column("subjects", sa.Column("team_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_subjects_team", "subjects", "teams", ["team_id"], ["id"])
    op.create_index("ix_subjects_team_id", "subjects", ["team_id"])
    op.execute(sa.text("INSERT INTO teams (name) VALUES (:name)").bindparams(name=DEFAULT_TEAM))
    op.execute(sa.text("UPDATE subjects SET team_id = (SELECT id FROM teams WHERE name = :name)")
               .bindparams(name=DEFAULT_TEAM))
    if op.get_bind().dialect.name == "postgresql":  # SQLite does not enforce VARCHAR lengths
        op.execute("ALTER TABLE audit_log ALTER COLUMN role TYPE VARCHAR(64)")


def downgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.drop_index("ix_subjects_team_id")
        batch.drop_constraint("fk_subjects_team", type_="foreignkey")
        batch.drop_column("team_id")
    for table in ("emergency_access", "case_assessors", "user_teams", "users", "teams"):
        op.drop_table(table)
