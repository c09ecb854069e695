"""A concern remembers when what was reported was deleted (by the decision, its author's erasure, or retention),
so it keeps saying what was reported and what was decided without the words; one deleted before anyone decided is
"gone" rather than open.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("concerns", sa.Column("subject_deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.drop_column("subject_deleted_at")
