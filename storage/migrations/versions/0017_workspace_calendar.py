"""Each workspace's time zone, bank holidays and closures, and what its digests, review reminders and meeting prompts
do on closed days. Two new tables: the release before this one ignores them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_calendars",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("nation", sa.String(length=32), nullable=True),
        sa.Column("digests_on_closed_days", sa.String(length=8), nullable=True),
        sa.Column("reviews_on_closed_days", sa.String(length=8), nullable=True),
        sa.Column("prompts_on_closed_days", sa.String(length=8), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_workspace_calendars"),
    )
    op.create_table(
        "workspace_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace_closures"),
    )
    op.create_index("ix_workspace_closures_team_id_last_day", "workspace_closures", ["team_id", "last_day"])


def downgrade() -> None:
    op.drop_index("ix_workspace_closures_team_id_last_day", table_name="workspace_closures")
    op.drop_table("workspace_closures")
    op.drop_table("workspace_calendars")
