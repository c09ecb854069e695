"""Shares, collaboration requests, offers, and full-text search over them.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The same expressions are used by storage.search; PostgreSQL only uses the index when they match exactly.
SHARE_TSV = "to_tsvector('english', coalesce(title, '') || ' ' || body || ' ' || coalesce(impact, '') || ' ' || tags)"
REQUEST_TSV = "to_tsvector('english', body)"


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("permalink", sa.String(500), nullable=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=True),
        sa.Column("tags", sa.String(500), nullable=False),
        sa.Column("link", sa.String(600), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
    )
    op.create_index("ix_shares_team_created", "shares", ["team_id", "created_at"])
    op.create_index("ix_shares_team_message", "shares", ["team_id", "channel_id", "message_ts"])

    op.create_table(
        "collab_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("requester_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("permalink", sa.String(500), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_collab_requests"),
    )
    op.create_index("ix_collab_requests_team_status_created", "collab_requests", ["team_id", "status", "created_at"])
    op.create_index("ix_collab_requests_team_message", "collab_requests", ["team_id", "channel_id", "message_ts"])

    op.create_table(
        "collab_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["collab_requests.id"],
            name="fk_collab_offers_request_id_collab_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_collab_offers"),
        sa.UniqueConstraint("request_id", "user_id", name="uq_collab_offers_request_id_user_id"),
    )
    op.create_index("ix_collab_offers_request_id", "collab_offers", ["request_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX fts_shares ON shares USING gin ({SHARE_TSV})")
        op.execute(f"CREATE INDEX fts_collab_requests ON collab_requests USING gin ({REQUEST_TSV})")
    else:
        _create_sqlite_fts()


def _create_sqlite_fts() -> None:
    """An FTS5 index kept in step with shares and requests by triggers."""
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "kind UNINDEXED, ref_id UNINDEXED, team_id UNINDEXED, content, tokenize='porter unicode61')"
    )
    share_text = "coalesce(new.title, '') || ' ' || new.body || ' ' || coalesce(new.impact, '') || ' ' || new.tags"
    for table, kind, text in (("shares", "share", share_text), ("collab_requests", "request", "new.body")):
        insert = (
            f"INSERT INTO search_fts (kind, ref_id, team_id, content) VALUES ('{kind}', new.id, new.team_id, {text});"
        )
        delete = f"DELETE FROM search_fts WHERE kind = '{kind}' AND ref_id = old.id;"
        op.execute(f"CREATE TRIGGER fts_{table}_insert AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER fts_{table}_update AFTER UPDATE ON {table} BEGIN {delete} {insert} END")
        op.execute(f"CREATE TRIGGER fts_{table}_delete AFTER DELETE ON {table} BEGIN {delete} END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table in ("shares", "collab_requests"):
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS fts_{table}_{action}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("collab_offers")
    op.drop_table("collab_requests")
    op.drop_table("shares")
