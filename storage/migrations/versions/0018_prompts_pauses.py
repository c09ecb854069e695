"""Meeting prompts, people's pauses and DM choices: channels' prompt schedules, channels' digests and prompts paused
for a while, people's pauses, the direct messages they turned off, what was held for them while away, and replies
in a prompt's thread whose authors were asked about sharing them. No table holds anyone's words.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompt_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prompt_schedules"),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_prompt_schedules_team_id_channel_id"),
    )
    op.create_table(
        "channel_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("back_on", sa.Date(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channel_pauses"),
        sa.UniqueConstraint("team_id", "channel_id", "what", name="uq_channel_pauses_team_id_channel_id_what"),
    )
    op.create_table(
        "person_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("back_on", sa.Date(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_person_pauses"),
    )
    op.create_index("ix_person_pauses_team_user", "person_pauses", ["team_id", "user_id"])
    op.create_table(
        "dm_choices",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "choice", name="pk_dm_choices"),
    )
    op.create_table(
        "held_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("notice", sa.String(length=32), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("catch_up_key", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_held_notices"),
    )
    op.create_index("ix_held_notices_team_user", "held_notices", ["team_id", "user_id"])
    op.create_table(
        "reply_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=False),
        sa.Column("reply_ts", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reply_asks"),
        sa.UniqueConstraint("team_id", "channel_id", "reply_ts", name="uq_reply_asks_team_id_channel_id_reply_ts"),
    )


def downgrade() -> None:
    op.drop_table("reply_asks")
    op.drop_index("ix_held_notices_team_user", table_name="held_notices")
    op.drop_table("held_notices")
    op.drop_table("dm_choices")
    op.drop_index("ix_person_pauses_team_user", table_name="person_pauses")
    op.drop_table("person_pauses")
    op.drop_table("channel_pauses")
    op.drop_table("prompt_schedules")
