"""SQLite search: one FTS5 table per kind keyed by the row id, updated only when searchable text changes.

The first design kept shares and requests in one FTS table and found rows to replace by an unindexed column,
so every UPDATE (even recording where a share was posted) scanned the whole index. PostgreSQL is unchanged.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SOURCES = {
    # FTS table: (source table, searchable columns, the text expression over NEW)
    "shares_fts": (
        "shares",
        "title, body, impact, tags",
        "coalesce(new.title, '') || ' ' || new.body || ' ' || coalesce(new.impact, '') || ' ' || new.tags",
    ),
    "requests_fts": ("collab_requests", "body", "new.body"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    for table in ("shares", "collab_requests"):
        for action in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS fts_{table}_{action}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    for fts, (source, columns, text) in SOURCES.items():
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(team_id UNINDEXED, content, tokenize='porter unicode61')")
        insert = f"INSERT INTO {fts} (rowid, team_id, content) VALUES (new.id, new.team_id, {text});"
        delete = f"DELETE FROM {fts} WHERE rowid = old.id;"
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {source} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {columns} ON {source} BEGIN {delete} {insert} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {source} BEGIN {delete} END")
        backfill = text.replace("new.", "")
        op.execute(f"INSERT INTO {fts} (rowid, team_id, content) SELECT id, team_id, {backfill} FROM {source}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    for fts in SOURCES:
        for action in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{action}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
