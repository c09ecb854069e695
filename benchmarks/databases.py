"""The benchmarks' own databases: a fresh PostgreSQL database for a run, and query plans."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from sqlalchemy import Engine, create_engine, text

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def fresh_postgres(admin_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database `name` on the server at `admin_url` (one a crashed run left behind is
    dropped first), and its URL; dropped afterwards. No other database is touched."""
    admin = create_engine("postgresql+psycopg://" + admin_url.split("://", 1)[1], isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        with admin.connect() as connection:
            connection.execute(drop)
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


def plans(engine: Engine, statements: Sequence[tuple[str, object]]) -> list[str]:
    """Each statement (SQL and its parameters) with the database's plan for it: SQLite's EXPLAIN QUERY PLAN, or
    PostgreSQL's EXPLAIN ANALYZE."""
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    out = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            cursor = connection.connection.cursor()
            cursor.execute(prefix + statement, parameters)
            rows = cursor.fetchall()
            out.append(statement + "\n" + "\n".join("  " + " | ".join(str(c) for c in row) for row in rows))
    return out
