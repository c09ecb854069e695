"""Newsletters: each month's draft (the champion's introduction, where it was published), each workspace's newsletter
choices (naming everyone, the monthly schedule), an author's consent on each share to be named outside Slack, and an
index of the few hidden shares for the monthly counts.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "newsletter_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_channel", sa.String(length=32), nullable=True),
        sa.Column("published_by", sa.String(length=32), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_newsletter_drafts"),
        sa.UniqueConstraint("team_id", "month", name="uq_newsletter_drafts_team_id_month"),
    )
    op.create_table(
        "newsletter_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name_everyone", sa.Boolean(), nullable=False),
        sa.Column("schedule", sa.String(length=64), nullable=True),
        sa.Column("schedule_channel", sa.String(length=32), nullable=True),
        sa.Column("schedule_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_newsletter_settings"),
    )
    # Added with a server default, so the release before this one keeps inserting shares without it; in place, not
    # in a batch, which on SQLite would copy the table and lose its full-text search triggers.
    op.add_column("shares", sa.Column("name_outside_slack", sa.Boolean(), nullable=False, server_default=sa.false()))
    # The few hidden shares, which the monthly counts take off what ix_shares_team_created counts.
    hidden = sa.text("hidden_at IS NOT NULL")
    op.create_index("ix_shares_hidden", "shares", ["team_id"], sqlite_where=hidden, postgresql_where=hidden)


def downgrade() -> None:
    op.drop_index("ix_shares_hidden", table_name="shares")
    op.drop_column("shares", "name_outside_slack")
    op.drop_table("newsletter_settings")
    op.drop_table("newsletter_drafts")
