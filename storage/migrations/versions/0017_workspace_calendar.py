"""Each workspace's time zone, bank holidays and closures (placeholder: filled in by that work)

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-29
"""

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
