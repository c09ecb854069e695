"""Find the ledger's few "posting" and "retry" rows without reading every delivery: the scheduler asks each minute.

Partial indexes, because those rows are rare among many "delivered" ones, so an index on status alone would
look unselective to SQLite's planner (it has no histogram) and be passed over.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

POSTING, RETRY = sa.text("status = 'posting'"), sa.text("status = 'retry'")


def upgrade() -> None:
    indexes = (("ix_deliveries_posting", "claimed_at", POSTING), ("ix_deliveries_retry", "scheduled_for", RETRY))
    for name, column, where in indexes:
        op.create_index(name, "deliveries", [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index("ix_deliveries_retry", table_name="deliveries")
    op.drop_index("ix_deliveries_posting", table_name="deliveries")
