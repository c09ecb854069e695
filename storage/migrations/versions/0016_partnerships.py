"""Partnerships across organisations: which workspaces are in one, the one-time codes that invite another (hashed),
the shares and requests their authors chose to share with it, offers of help from partner organisations, and the
channels Slack says are shared with another organisation (Slack Connect). Five new tables: the release before this
one ignores them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partnership_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("partnership", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partnership_members"),
        sa.UniqueConstraint("team_id", name="uq_partnership_members_team_id"),
    )
    op.create_index("ix_partnership_members_partnership", "partnership_members", ["partnership"])
    op.create_table(
        "partnership_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("partnership", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_partnership_invites"),
        sa.UniqueConstraint("code_hash", name="uq_partnership_invites_code_hash"),
    )
    op.create_table(
        "partner_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("partnership", sa.String(length=32), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name_author", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name="fk_partner_items_share_id_shares", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["collab_requests.id"],
            name="fk_partner_items_request_id_collab_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_partner_items"),
        sa.UniqueConstraint("share_id", name="uq_partner_items_share_id"),
        sa.UniqueConstraint("request_id", name="uq_partner_items_request_id"),
    )
    op.create_index("ix_partner_items_partnership_shared", "partner_items", ["partnership", "shared_at"])
    op.create_table(
        "partner_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name_helper", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["collab_requests.id"],
            name="fk_partner_offers_request_id_collab_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_partner_offers"),
        sa.UniqueConstraint("request_id", "team_id", "user_id", name="uq_partner_offers_request_id_team_id_user_id"),
    )
    op.create_index("ix_partner_offers_request_id", "partner_offers", ["request_id"])
    op.create_table(
        "connected_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("other_team_id", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_connected_channels"),
        sa.UniqueConstraint(
            "team_id", "channel_id", "other_team_id", name="uq_connected_channels_team_id_channel_id_other_team_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("connected_channels")
    op.drop_index("ix_partner_offers_request_id", table_name="partner_offers")
    op.drop_table("partner_offers")
    op.drop_index("ix_partner_items_partnership_shared", table_name="partner_items")
    op.drop_table("partner_items")
    op.drop_table("partnership_invites")
    op.drop_index("ix_partnership_members_partnership", table_name="partnership_members")
    op.drop_table("partnership_members")
