"""A workspace's rows read and deleted through the schema itself (Base.metadata), so a table added later is
covered without changing this module: exporting every table, deleting rows together with the rows that depend on
them, and keeping the search index free of deleted words.

Query functions: `verb_noun(session, *, ...)`; they never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, Table, Text, delete, func, inspect, select, text, update
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import Base

LONG_TEXT = 100  # a String column this long or longer may hold an id inside other text (a name, a key)
CHUNK = 500  # ids in one IN (...): well under SQLite's limit on a statement's parameters
WITHHELD = "(withheld)"  # what an export shows instead of a secret (a bot token)
_SECRET = re.compile(r"token|secret|password", re.IGNORECASE)
SECRET_COLUMNS = frozenset({("oauth_states", "state")})  # an install's one-time state: good until it expires
SEARCH_TABLES = ("shares_fts", "requests_fts")  # SQLite's full-text indexes (migration 0004)


def table(name: str) -> Table | None:
    """The table of this name in the models, or None when there is none (yet)."""
    return Base.metadata.tables.get(name)


def tables_with_team_id() -> list[Table]:
    """Every table holding a workspace's rows, in the models' order (tables referred to before those referring)."""
    return [t for t in Base.metadata.sorted_tables if "team_id" in t.c]


def plain(value: Any) -> Any:
    """A value as JSON and CSV can hold it: dates and times in ISO 8601, everything else as it is."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def secret(table_name: str, column: str) -> bool:
    """Whether a column holds a secret that no export shows (a bot token, a refresh token, an install's state)."""
    return bool(_SECRET.search(column)) or (table_name, column) in SECRET_COLUMNS


@dataclass(frozen=True)
class TableRows:
    """One table's rows for a workspace, as plain values, secrets withheld."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def export_workspace(session: Session, *, team_id: str) -> list[TableRows]:
    """Every table's rows for a workspace (tables with none included, so the export shows what exists), in the
    order of their primary keys. Secrets (tokens) are withheld."""
    exported = []
    for t in tables_with_team_id():
        columns = tuple(t.c.keys())
        order = list(t.primary_key.columns) or [t.c[columns[0]]]
        rows = session.execute(select(t).where(t.c.team_id == team_id).order_by(*order))
        exported.append(
            TableRows(
                t.name,
                columns,
                tuple(
                    tuple(
                        WITHHELD if secret(t.name, c) and v is not None else plain(v)
                        for c, v in zip(columns, r, strict=True)
                    )
                    for r in rows
                ),
            )
        )
    return exported


def _chunks(ids: Sequence[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def delete_with_dependents(session: Session, *, table_name: str, ids: Sequence[int]) -> Counter[str]:
    """Delete these rows of a table (by its integer primary key) and, first, the rows of every table that refers
    to them, as each foreign key says (ON DELETE SET NULL: the reference is emptied; otherwise the row goes);
    how many rows went from each table. The schema's own cascades would do the same, but only where the
    database enforces them: doing it here keeps one behaviour on SQLite and PostgreSQL."""
    gone: Counter[str] = Counter()
    target = Base.metadata.tables[table_name]
    (key,) = target.primary_key.columns
    ids = sorted(set(ids))
    if not ids:
        return gone
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not target:
                continue
            column = fk.parent
            for chunk in _chunks(ids):
                if (fk.ondelete or "").upper() == "SET NULL":
                    session.execute(update(child).where(column.in_(chunk)).values({column.name: None}))
                    continue
                child_keys = list(child.primary_key.columns)
                if len(child_keys) == 1 and isinstance(child_keys[0].type, Integer):
                    child_ids = list(session.scalars(select(child_keys[0]).where(column.in_(chunk))))
                    gone += delete_with_dependents(session, table_name=child.name, ids=child_ids)
                else:
                    gone[child.name] += count_changed(session, delete(child).where(column.in_(chunk)))
    for chunk in _chunks(ids):
        gone[table_name] += count_changed(session, delete(target).where(key.in_(chunk)))
    return gone


def posted_messages(session: Session, *, table_name: str, ids: Sequence[int]) -> list[tuple[str, str]]:
    """(channel, ts) of the app's messages showing these rows, for tables that remember where they were posted
    (channel_id and message_ts columns); [] for others."""
    t = Base.metadata.tables[table_name]
    if "channel_id" not in t.c or "message_ts" not in t.c or not ids:
        return []
    (key,) = t.primary_key.columns
    found: list[tuple[str, str]] = []
    for chunk in _chunks(sorted(set(ids))):
        rows = session.execute(
            select(t.c.channel_id, t.c.message_ts).where(key.in_(chunk), t.c.message_ts.is_not(None)).order_by(key)
        )
        found += [(channel, ts) for channel, ts in rows]
    return found


def compact_search(session: Session) -> None:
    """Rewrite SQLite's full-text indexes so no trace of deleted rows' words is left in them (FTS5 keeps deleted
    entries in old segments until they are merged). PostgreSQL's indexes are on the tables themselves, and
    deleted rows are gone once VACUUM (autovacuum) has run."""
    if session.get_bind().dialect.name != "sqlite":
        return
    present = set(inspect(session.connection()).get_table_names())
    for name in SEARCH_TABLES:
        if name in present:
            session.execute(text(f"INSERT INTO {name}({name}) VALUES ('optimize')"))


def replace_everywhere(
    session: Session, *, team_id: str, old: str, new: str, leave: frozenset[str] = frozenset()
) -> Counter[str]:
    """Replace an id wherever a workspace's rows still hold it, in every text column of every table (but those in
    `leave`): a column holding just the id gets `new` (or NULL, where `new` doesn't fit and NULL may), and longer
    text holding it (a mention in someone's words, JSON) has it replaced. How many rows changed, by table."""
    changed: Counter[str] = Counter()
    for t in tables_with_team_id():
        if t.name in leave:
            continue
        for column in t.c:
            if not isinstance(column.type, String) or column.name == "team_id":
                continue
            length = column.type.length
            marker = new if length is None or length >= len(new) else None
            if marker is None and not column.nullable:
                continue
            exact = count_changed(
                session, update(t).where(t.c.team_id == team_id, column == old).values({column.name: marker})
            )
            within = 0
            if isinstance(column.type, Text) or length is None or length >= LONG_TEXT:
                within = count_changed(
                    session,
                    update(t)
                    .where(t.c.team_id == team_id, column.contains(old, autoescape=True))
                    .values({column.name: func.replace(column, old, new)}),
                )
            if exact or within:
                changed[t.name] += exact + within
    return changed
