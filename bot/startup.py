"""What a command checks before it starts: the port free, the database reachable and its schema this release's.

Each problem is a NotReady whose str() is one sentence a person can act on; the CLI prints it and exits
non-zero, so a service manager sees the failure at once instead of a server that hangs half started.
"""

from __future__ import annotations

import errno
import logging
import socket

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.config import Settings, redact_url
from storage.db import Schema, make_engine, migrate_under_lock, schema_of

log = logging.getLogger("programme_talks")

MIGRATE = "run `programme-talks migrate` first (or start one server with `programme-talks serve --migrate`)"


class NotReady(Exception):
    """Something the command needs is not ready (the database, its schema, the port); str() is one sentence."""


def check_port(host: str, port: int) -> None:
    """NotReady if the server could not listen on host:port, bound as waitress binds (SO_REUSEADDR, every address
    the host name has), so the reason comes before anything has started."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise NotReady(
            f"--host {host} is not an address or a name this machine can look up: use 0.0.0.0 to listen on every "
            "address, or 127.0.0.1 for this machine only."
        ) from error
    for family, kind, protocol, _name, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise NotReady(port_problem(error, host, port)) from error


def port_problem(error: OSError, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use by another program: stop it, or choose another with --port."
    if error.errno == errno.EACCES:
        return f"port {port} needs administrator rights on this machine: choose one from 1024 up with --port."
    if error.errno == errno.EADDRNOTAVAIL:
        return f"--host {host} is not an address of this machine: use 0.0.0.0 for every address, or 127.0.0.1."
    return f"could not listen on {host} port {port}: {error.strerror or error}."


def ready_database(settings: Settings, *, migrate_first: bool = False) -> Engine:
    """An engine on a database ready for this release.

    SQLite is migrated here, as it always has been (one machine's file; its write lock keeps two starts from
    migrating at once). PostgreSQL is migrated only with `migrate_first`, under an advisory lock so replicas
    starting together take turns. A schema still behind is NotReady, naming `programme-talks migrate`; one a
    newer release has migrated is served, with a warning, since each release's migrations are written to work
    with the release before them (README: Backups and upgrades).
    """
    engine = make_engine(settings.database_url)
    schema = read_schema(engine, settings.database_url)
    if schema.behind and (migrate_first or engine.dialect.name == "sqlite"):
        migrate_database(settings)
        schema = read_schema(engine, settings.database_url)
    if schema.behind:
        engine.dispose()
        where = f"at revision {schema.current}" if schema.current else "empty (no migration has run)"
        raise NotReady(f"the database's schema is {where}, but this release needs {schema.head}: {MIGRATE}.")
    if not schema.known:
        log.warning(
            "the database's schema is at revision %s, newer than this release's %s (a newer release has migrated "
            "it); carrying on, as each release's migrations are written to work with the release before them",
            schema.current,
            schema.head,
        )
    return engine


def migrate_database(settings: Settings) -> Schema:
    """Bring the schema up to date, one process at a time, on an engine without the time limits that keep Slack's
    answers quick (a migration, or the wait for another's, may take longer). Returns the schema it left."""
    engine = make_engine(settings.database_url, answer_in_time=False)
    try:
        schema = read_schema(engine, settings.database_url)
        if not schema.known:
            raise NotReady(
                f"the database's schema is at revision {schema.current}, which a newer release wrote and this one "
                f"does not know (its newest is {schema.head}): migrate with that release, or restore a backup."
            )
        try:
            migrate_under_lock(engine)
        except OperationalError as error:
            raise NotReady(unreachable(error, settings.database_url, doing="migrate")) from error
        return read_schema(engine, settings.database_url)
    finally:
        engine.dispose()


def read_schema(engine: Engine, url: str) -> Schema:
    try:
        return schema_of(engine)
    except SQLAlchemyError as error:
        raise NotReady(unreachable(error, url)) from error


def unreachable(error: SQLAlchemyError, url: str, *, doing: str = "connect to") -> str:
    """Why the database could not be used, as one sentence naming what to check."""
    parsed = make_url(url)
    detail = _first_line(error)
    if parsed.get_backend_name() == "sqlite":
        if "locked" in detail:
            return (
                f"the SQLite database {parsed.database} is locked by another process (a migration or a long write): "
                "try again in a moment."
            )
        return f"could not {doing} the SQLite database {parsed.database}: {detail}."
    where = f"{parsed.host or 'localhost'} port {parsed.port or 5432}"
    lowered = detail.lower()
    if "refused" in lowered:
        return (
            f"could not reach PostgreSQL at {where} (connection refused): check that it is running and that "
            "DATABASE_URL names the right host and port."
        )
    if "timeout" in lowered or "timed out" in lowered:
        return (
            f"PostgreSQL at {where} did not answer within 2 seconds: check that it is running, that DATABASE_URL "
            "names the right host and port, and that no firewall is in the way."
        )
    if "resolve host" in lowered or "name or service not known" in lowered or "nodename nor servname" in lowered:
        return (
            f"could not find the host {parsed.host} named in DATABASE_URL: check its spelling, and that this machine "
            "is on its network."
        )
    if "database" in lowered and "does not exist" in lowered:
        return (
            f"PostgreSQL at {where} has no database named {parsed.database}: create it (createdb {parsed.database}), "
            "or correct DATABASE_URL."
        )
    if "password" in lowered or "role" in lowered or "pg_hba.conf" in lowered or "authentication" in lowered:
        return (
            f"PostgreSQL at {where} did not let user {parsed.username} in ({detail}): check the user name and "
            "password in DATABASE_URL."
        )
    return f"could not {doing} the database at {redact_url(url)}: {detail}."


def _first_line(error: SQLAlchemyError) -> str:
    """The driver's own words, first line only, without libpq's prefixes."""
    text = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    text = text.rsplit(" failed: ", 1)[-1]
    return text.removeprefix("FATAL:").strip().rstrip(".")
