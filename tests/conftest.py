"""Test harness: the real app over HTTP against the local Slack stand-in, on SQLite and PostgreSQL.

PostgreSQL runs when reachable (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres);
otherwise those tests are skipped with the reason, unless REQUIRE_POSTGRES=1 (as in CI) makes it a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET, Sandbox
from storage.db import make_engine, migrate
from storage.models import Base

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


class Clock:
    """A clock the test moves by hand. Starts on a Friday morning in London."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)):
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now


def _postgres_url() -> str:
    return "postgresql+psycopg://" + POSTGRES_ADMIN_URL.split("://", 1)[1]


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh PostgreSQL database for this run, migrated once, dropped at the end."""
    admin = create_engine(_postgres_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({type(error).__name__}); start it to run these"
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    name = f"pt_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = _postgres_url().rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> str:
    if request.param == "sqlite":
        path = tmp_path / "app.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(database_url, clock):
    with Sandbox(database_url, clock=clock, migrate_schema=False) as running:
        yield running


@pytest.fixture
def env(sandbox, monkeypatch) -> dict[str, str]:
    """The environment `programme-talks` (e.g. run-due) would run with against this sandbox."""
    for key, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": sandbox.settings.database_url,
        "SLACK_API_URL": sandbox.slack.url,
        "PROGRAMME_TALKS_TZ": "Europe/London",
    }.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)
