"""Collaboration agreements with their parties, versions and reviews; events, their posts and RSVPs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("comms_internal", sa.Text(), nullable=False),
        sa.Column("comms_external", sa.Text(), nullable=False),
        sa.Column("recognition", sa.Text(), nullable=False),
        sa.Column("review_every_days", sa.Integer(), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_agreements_team_id_number")),
    )
    op.create_index(
        "ix_agreements_team_status_review", "agreements", ["team_id", "status", "next_review"], unique=False
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_team_starts", "events", ["team_id", "starts_at"], unique=False)
    op.create_table(
        "agreement_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("responsibility", sa.Text(), nullable=False),
        sa.Column("confirmed_version", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_parties_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_parties")),
    )
    op.create_index(op.f("ix_agreement_parties_agreement_id"), "agreement_parties", ["agreement_id"], unique=False)
    op.create_table(
        "agreement_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("achieved", sa.Text(), nullable=False),
        sa.Column("credited", sa.String(length=16), nullable=False),
        sa.Column("credit_note", sa.Text(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_reviews_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_reviews")),
    )
    op.create_index(op.f("ix_agreement_reviews_agreement_id"), "agreement_reviews", ["agreement_id"], unique=False)
    op.create_table(
        "agreement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_versions_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_versions")),
        sa.UniqueConstraint("agreement_id", "version", name=op.f("uq_agreement_versions_agreement_id_version")),
    )
    op.create_table(
        "event_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("invited_user", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_posts_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_posts")),
    )
    op.create_index(op.f("ix_event_posts_event_id"), "event_posts", ["event_id"], unique=False)
    op.create_table(
        "event_rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_rsvps_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_rsvps")),
        sa.UniqueConstraint("event_id", "user_id", name=op.f("uq_event_rsvps_event_id_user_id")),
    )


def downgrade() -> None:
    for table in [
        "event_rsvps",
        "event_posts",
        "agreement_reviews",
        "agreement_versions",
        "agreement_parties",
        "events",
        "agreements",
    ]:
        op.drop_table(table)
