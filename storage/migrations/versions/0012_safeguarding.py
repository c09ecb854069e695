"""Safeguarding: what people reported (concerns, and the direct messages that told champions and admins), shares,
requests, agreements and events hidden while a concern is reviewed, words held after the personal-data check
found something, and each workspace's personal-data mode.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

HIDDEN = ("shares", "collab_requests", "agreements", "events")


def upgrade() -> None:
    for table in HIDDEN:  # plain ADD COLUMN on both databases: SQLite's search triggers on shares stay as they are
        op.add_column(table, sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "workspace_settings",
        sa.Column("personal_data_mode", sa.String(length=16), server_default="standard", nullable=False),
    )
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("reported_by", sa.String(length=32), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_concerns"),
    )
    op.create_index(
        "ix_concerns_open_subject",
        "concerns",
        ["team_id", "kind", "subject_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "concern_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name="fk_concern_notices_concern_id_concerns", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_concern_notices"),
        sa.UniqueConstraint("concern_id", "user_id", name="uq_concern_notices_concern_id_user_id"),
    )
    op.create_table(
        "held_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_held_posts"),
    )
    op.create_index("ix_held_posts_expires", "held_posts", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_held_posts_expires", table_name="held_posts")
    op.drop_table("held_posts")
    op.drop_table("concern_notices")
    op.drop_index("ix_concerns_open_subject", table_name="concerns")
    op.drop_table("concerns")
    # Plain DROP COLUMN (SQLite 3.35 and later): a batch copy of shares would lose its search triggers.
    op.drop_column("workspace_settings", "personal_data_mode")
    for table in reversed(HIDDEN):
        op.drop_column(table, "hidden_at")
