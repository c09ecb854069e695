"""Where people already are: Home tab visits, followed tags and their daily bundles, practice suggested for
requests, shares or requests captured from a message (its permalink, and whether its author agreed to be
credited), and indexes for reading one person's Home tab.

The two new columns on shares and collab_requests are added with a plain ALTER TABLE on both databases: batch
mode would copy SQLite's shares table, and the copy would lose the full-text search triggers of migration 0004.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WAITING = sa.text("bundle_key IS NULL")


# What one person's Home tab reads (storage.home), each by an index on the workspace and the person, so composing it
# takes a few milliseconds however large the workspace (benchmarks/home_compose.py).
HOME_INDEXES = {
    "ix_collab_requests_team_requester": ("collab_requests", ["team_id", "requester_id", "created_at"]),
    "ix_collab_requests_team_resolved": ("collab_requests", ["team_id", "resolved_at"]),
    "ix_collab_offers_team_user": ("collab_offers", ["team_id", "user_id", "created_at"]),
    "ix_collab_offers_team_created": ("collab_offers", ["team_id", "created_at"]),
    "ix_agreement_parties_team_user": ("agreement_parties", ["team_id", "user_id"]),
    "ix_event_posts_team_invited": ("event_posts", ["team_id", "invited_user"]),
    "ix_event_rsvps_team_user": ("event_rsvps", ["team_id", "user_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in HOME_INDEXES.items():
        op.create_index(name, table, columns)
    op.add_column("shares", sa.Column("source_link", sa.String(length=500), nullable=True))
    op.add_column("collab_requests", sa.Column("source_link", sa.String(length=500), nullable=True))
    op.create_table(
        "home_visits",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("first_opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_home_visits"),
    )
    op.create_table(
        "tag_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tag_follows"),
        sa.UniqueConstraint("team_id", "user_id", "tag", name="uq_tag_follows_team_id_user_id_tag"),
    )
    op.create_index("ix_tag_follows_team_tag", "tag_follows", ["team_id", "tag"])
    op.create_table(
        "follow_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bundle_key", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["collab_requests.id"],
            name="fk_follow_notices_request_id_collab_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name="fk_follow_notices_share_id_shares", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_follow_notices"),
        sa.UniqueConstraint("team_id", "user_id", "request_id", name="uq_follow_notices_team_id_user_id_request_id"),
        sa.UniqueConstraint("team_id", "user_id", "share_id", name="uq_follow_notices_team_id_user_id_share_id"),
    )
    op.create_index("ix_follow_notices_request_id", "follow_notices", ["request_id"])
    op.create_index("ix_follow_notices_share_id", "follow_notices", ["share_id"])
    op.create_index("ix_follow_notices_team_user_bundle", "follow_notices", ["team_id", "user_id", "bundle_key"])
    op.create_index(
        "ix_follow_notices_waiting", "follow_notices", ["created_at"], sqlite_where=WAITING, postgresql_where=WAITING
    )
    op.create_table(
        "practice_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["collab_requests.id"],
            name="fk_practice_suggestions_request_id_collab_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name="fk_practice_suggestions_share_id_shares", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_practice_suggestions"),
        sa.UniqueConstraint("request_id", "share_id", name="uq_practice_suggestions_request_id_share_id"),
    )
    op.create_index("ix_practice_suggestions_share_id", "practice_suggestions", ["share_id"])
    op.create_table(
        "message_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("captured_by", sa.String(length=32), nullable=False),
        sa.Column("source_author", sa.String(length=32), nullable=True),
        sa.Column("source_channel", sa.String(length=32), nullable=False),
        sa.Column("source_ts", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["collab_requests.id"],
            name="fk_message_credits_request_id_collab_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name="fk_message_credits_share_id_shares", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_message_credits"),
        sa.UniqueConstraint("request_id", name="uq_message_credits_request_id"),
        sa.UniqueConstraint("share_id", name="uq_message_credits_share_id"),
    )


def downgrade() -> None:
    op.drop_table("message_credits")
    op.drop_index("ix_practice_suggestions_share_id", table_name="practice_suggestions")
    op.drop_table("practice_suggestions")
    for index in ("waiting", "team_user_bundle", "share_id", "request_id"):
        op.drop_index(f"ix_follow_notices_{index}", table_name="follow_notices")
    op.drop_table("follow_notices")
    op.drop_index("ix_tag_follows_team_tag", table_name="tag_follows")
    op.drop_table("tag_follows")
    op.drop_table("home_visits")
    for name, (table, _) in HOME_INDEXES.items():
        op.drop_index(name, table_name=table)
    # A plain DROP COLUMN (SQLite 3.35 and later), for the reason given above.
    op.execute("ALTER TABLE collab_requests DROP COLUMN source_link")
    op.execute("ALTER TABLE shares DROP COLUMN source_link")
