"""Meeting prompts, people's pauses and DM choices (placeholder: filled in by that work)

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-29
"""

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
