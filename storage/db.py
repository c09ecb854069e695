"""Engines, sessions and migrations: the same code for SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, CursorResult, Engine, Executable, create_engine, event, inspect, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"

Sessions = sessionmaker[Session]


# PostgreSQL gives up on a lock or a statement before Slack's 3 s do: a form that saves before acknowledging
# is then answered "not saved" in time, with its words still in it. (SQLite's busy_timeout does the same.)
ANSWER_IN_TIME = "-c lock_timeout=2000 -c statement_timeout=2500"


def make_engine(url: str, *, answer_in_time: bool = True, **options: Any) -> Engine:
    """An engine tuned for a chat app: short connect timeouts so Slack is answered in time.

    Without `answer_in_time`, PostgreSQL statements may take as long as they need (migrations, bulk loads).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 2.5}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    connect_args: dict[str, object] = {"connect_timeout": 2}
    if answer_in_time:
        connect_args["options"] = ANSWER_IN_TIME
    return create_engine(url, pool_pre_ping=True, pool_size=10, connect_args=connect_args, **options)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    # Let SQLAlchemy, not the sqlite3 module, begin transactions, so savepoints (begin_nested) work as
    # documented; see _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL syncs the log at checkpoints rather than at every commit: a commit survives the app being
    # killed (what was acknowledged is kept), and only a power cut or an operating-system crash could undo the
    # last moments' commits (README: Data protection; PostgreSQL for production). Syncing each commit capped the
    # whole app at the disk's syncs per second (BENCHMARKS.md, /share acknowledgement).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=2500")  # under Slack's 3 s: forms save before acknowledging
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so two writers wait for each other (busy_timeout) instead of
    # one failing with "database is locked" when it upgrades a read to a write. A connection that only reads
    # (`reading`) begins as a plain reader: in WAL mode it never waits for a writer.
    # Straight to the driver: through exec_driver_sql, SQLAlchemy's own bookkeeping for this one statement cost more
    # than the transaction it began (BENCHMARKS.md, /share acknowledgement).
    driver = connection.connection.driver_connection
    assert driver is not None  # a connection that is beginning a transaction is open
    options = connection.get_execution_options()
    if options.get(ONE_STATEMENT):
        return  # the driver's own mode (isolation_level None, _sqlite_pragmas): each statement commits as it ends
    begin = "BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE"
    try:
        driver.execute(begin)
    except sqlite3.Error as error:  # raised as SQLAlchemy raises the driver's errors, so callers meet one kind
        raise DBAPIError.instance(begin, (), error, sqlite3.Error, dialect=connection.dialect) from error


READ_ONLY = "programme_talks_read_only"
ONE_STATEMENT = "programme_talks_one_statement"


def one_statement_at_a_time(connection: Connection) -> Connection:
    """`connection`, on which each statement is a transaction of its own, committed as it ends: for one statement
    that must be kept at once (storage.group_commit), with no BEGIN or COMMIT sent. On SQLite it still takes the
    write lock, for that one statement, and waits for it as any writer does."""
    if connection.dialect.name == "sqlite":
        return connection.execution_options(**{ONE_STATEMENT: True})
    return connection.execution_options(isolation_level="AUTOCOMMIT")


def make_sessions(engine: Engine) -> Sessions:
    if engine.dialect.name == "sqlite":
        return _TakingTurns(engine, expire_on_commit=False)
    return sessionmaker(engine, expire_on_commit=False)


TAKE_TURNS_FOR = 2.5  # seconds: as long as SQLite's busy_timeout, after which a transaction tries SQLite's lock anyway


class _TakingTurns(sessionmaker[Session]):
    """SQLite: a process's transactions (`sessions.begin()`, each of which takes the write lock: _sqlite_begin) take
    turns at a lock of the process's own first. Waiting for SQLite's lock itself, a thread sleeps and retries at
    growing intervals (SQLite's busy handler: up to 100 ms at a time), so under a burst a few unlucky ones wait
    hundreds of milliseconds while others come and go; here the next in line starts as soon as the lock is free
    (measured in BENCHMARKS.md, /share acknowledgement). Never longer than TAKE_TURNS_FOR: a thread that has waited
    that long goes on to SQLite's own lock, as it would without this."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = threading.RLock()

    @contextlib.contextmanager
    def begin(self) -> Iterator[Session]:
        with self.turn(), super().begin() as session:
            yield session

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        took = self._turn.acquire(timeout=TAKE_TURNS_FOR)
        try:
            yield
        finally:
            if took:
                self._turn.release()


def turn_to_write(sessions: Sessions) -> contextlib.AbstractContextManager[None]:
    """This process's turn to write, for a transaction begun on a connection of the caller's own rather than by
    `sessions.begin()` (SQLite: see _TakingTurns); PostgreSQL has no one lock to take turns at."""
    return sessions.turn() if isinstance(sessions, _TakingTurns) else contextlib.nullcontext()


@contextlib.contextmanager
def reading(sessions: Sessions) -> Iterator[Session]:
    """A session that only reads, on a connection of its own: it never waits for a transaction that writes, even
    one the caller holds open (SQLite's writers take its one lock; see _sqlite_begin). Nothing it does is kept."""
    engine = sessions.kw["bind"]
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection, Session(connection) as session:
        try:
            yield session
        finally:
            session.rollback()


def count_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed.

    For these Session.execute returns a CursorResult, the Result that has .rowcount, but it is typed as returning
    any Result: SQLAlchemy's changelog (2.0.44) advises this cast.
    """
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to date (alembic upgrade head)."""
    command.upgrade(alembic_config(engine), "head")


# Any fixed number: the PostgreSQL advisory lock a migration holds, so replicas starting together take turns.
MIGRATION_LOCK = 0x5052_4F47_5441_4C4B  # "PROGTALK"


def migrate_under_lock(engine: Engine) -> None:
    """Migrate, one process at a time.

    On PostgreSQL a session-level advisory lock, held on a connection of its own for the whole migration, makes a
    second process wait until the first has finished; it then finds the schema up to date and does nothing.
    Use an engine made without `answer_in_time`, or the wait for the lock is cut short. SQLite serialises
    migrations by itself: a migration runs in one transaction that begins by taking the write lock.
    """
    if engine.dialect.name != "postgresql":
        migrate(engine)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            migrate(engine)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})


@dataclass(frozen=True)
class Schema:
    """Where a database's schema stands against this release's migrations."""

    current: str | None  # the revision applied; None: no migration has run (an empty database)
    head: str  # the newest revision this release has
    known: bool  # whether `current` is one of this release's revisions (False: a newer release migrated it)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def behind(self) -> bool:
        """Migrations of this release are still to run (an empty database is behind too)."""
        return self.known and not self.up_to_date


def schema_of(engine: Engine) -> Schema:
    """Read the database's revision (raises SQLAlchemyError if it can't be reached) and compare it with ours."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_current_head()
    assert head is not None  # the migrations folder ships with the app
    with engine.connect() as connection:  # read by hand: alembic's MigrationContext logs as it starts
        current = None
        if inspect(connection).has_table("alembic_version"):
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    try:
        known = current is None or script.get_revision(current) is not None
    except CommandError:  # alembic's "Can't locate revision"
        known = False
    return Schema(current=current, head=head, known=known)


def kept_by_models(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """For Alembic's comparisons (autogenerate, and the test that migrations build the models): leave out what
    the migrations create by hand on purpose, the full-text search tables and their indexes."""
    if (
        type_ == "table"
        and name
        and (name.startswith(("search_fts", "shares_fts", "requests_fts")) or name == "alembic_version")
    ):
        return False
    return not (type_ == "index" and name and name.startswith("fts_"))


def database_state(engine: Engine) -> dict[str, object]:
    """What /healthz reports: reachable or not, the dialect and the schema revision."""
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as error:
        return {"ok": False, "dialect": engine.dialect.name, "error": type(error).__name__}
    return {"ok": True, "dialect": engine.dialect.name, "revision": revision}
