"""Roles, reactions and highlights, event de-duplication, digest subscriptions, the delivery ledger,
and APScheduler's job table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TEAM = sa.String(32)
ID = sa.String(32)


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("highlight_emoji", sa.String(100), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("team_id", name="pk_workspace_settings"),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("appointed_by", ID, nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
        sa.UniqueConstraint("team_id", "role", "user_id", name="uq_roles_team_id_role_user_id"),
    )
    for table, who in (("reactions", "user_id"), ("highlights", "leader_id")):
        columns = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("team_id", TEAM, nullable=False),
            sa.Column("share_id", sa.Integer(), nullable=False),
            sa.Column(who, ID, nullable=False),
        ]
        if table == "reactions":
            columns.append(sa.Column("emoji", sa.String(100), nullable=False))
        unique = ["share_id", who] + (["emoji"] if table == "reactions" else [])
        op.create_table(
            table,
            *columns,
            _ts("created_at"),
            sa.ForeignKeyConstraint(
                ["share_id"], ["shares.id"], name=f"fk_{table}_share_id_shares", ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint(*unique, name=f"uq_{table}_{'_'.join(unique)}"),
        )
    op.create_index("ix_highlights_team_created", "highlights", ["team_id", "created_at"])

    op.create_table(
        "processed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        _ts("received_at"),
        sa.PrimaryKeyConstraint("id", name="pk_processed_events"),
        sa.UniqueConstraint("team_id", "event_id", name="uq_processed_events_team_id_event_id"),
    )
    op.create_table(
        "digest_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(200), nullable=True),
        sa.Column("created_by", ID, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_digest_subscriptions"),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_digest_subscriptions_team_id_channel_id"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("period_key", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        _ts("scheduled_for"),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("claimed_at"),
        _ts("finished_at", nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["digest_subscriptions.id"],
            name="fk_deliveries_subscription_id_digest_subscriptions",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint(
            "team_id", "kind", "target", "period_key", name="uq_deliveries_team_id_kind_target_period_key"
        ),
    )
    op.create_index("ix_deliveries_subscription_scheduled", "deliveries", ["subscription_id", "scheduled_for"])
    op.create_index("ix_deliveries_team_status", "deliveries", ["team_id", "status"])

    # APScheduler 3's SQLAlchemyJobStore table, created here so the schema has one owner.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_apscheduler_jobs"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    for table in (
        "apscheduler_jobs",
        "deliveries",
        "digest_subscriptions",
        "processed_events",
        "highlights",
        "reactions",
        "roles",
        "workspace_settings",
    ):
        op.drop_table(table)
