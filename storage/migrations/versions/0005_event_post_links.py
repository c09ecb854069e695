"""Keep the link to each posted event, so digests can link to it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event_posts") as batch:
        batch.add_column(sa.Column("permalink", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_posts") as batch:
        batch.drop_column("permalink")
