"""Jobs handed over at the same moment are committed together, each caller answered only once its job is kept."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import event, select

from storage.db import make_engine, make_sessions
from storage.group_commit import GroupCommit, NotKept
from storage.models import QueuedJob

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    yield make_sessions(engine)
    engine.dispose()


@pytest.fixture
def outbox(sessions):
    made = GroupCommit(sessions)
    yield made
    made.close()  # its connection back in the pool, which dispose() then closes


def add(outbox: GroupCommit, key: str) -> int | None:
    return outbox.add(team_id="T1", name="handlers.shares.posting:post", key=key, args=[{"n": key}], now=NOW)


def test_jobs_from_many_threads_at_once_are_each_kept_in_fewer_transactions(sessions, outbox):
    inserts = []  # each one statement, committed as it ends

    @event.listens_for(sessions.kw["bind"], "before_cursor_execute")
    def count(_conn, _cursor, statement, *_):
        if statement.startswith("INSERT INTO jobs"):
            inserts.append(statement)

    ids, go = {}, threading.Barrier(20)

    def hand_over(n: int) -> None:
        go.wait()
        ids[n] = add(outbox, f"share:{n}")

    threads = [threading.Thread(target=hand_over, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with sessions() as session:
        kept = dict(session.execute(select(QueuedJob.key, QueuedJob.id)).all())
    assert kept == {f"share:{n}": ids[n] for n in range(20)}  # every caller's id is its own committed row
    assert 1 <= len(inserts) < 20


def test_the_same_key_twice_in_one_batch_is_queued_once(sessions):
    from storage.jobs import NewJob, add_jobs

    job = NewJob("T1", "handlers.shares.posting:post", "share:1", [], NOW)
    other = NewJob("T1", "handlers.shares.posting:post", "share:2", [], NOW)
    with sessions.kw["bind"].begin() as connection:
        first, again, second = add_jobs(connection, [job, job, other])
    assert isinstance(first, int) and again is None and isinstance(second, int) and second != first
    with sessions() as session:
        assert sorted(session.scalars(select(QueuedJob.key))) == ["share:1", "share:2"]


def test_the_same_key_again_is_not_queued_twice(sessions, outbox):
    first = add(outbox, "share:1")
    assert isinstance(first, int)
    assert add(outbox, "share:1") is None
    with sessions() as session:
        assert session.scalars(select(QueuedJob.id)).all() == [first]


def test_a_database_that_refuses_keeps_nothing_and_says_so(tmp_path):
    missing = make_sessions(make_engine(f"sqlite:///{tmp_path}/no-tables.sqlite3"))  # never migrated
    with pytest.raises(NotKept, match="OperationalError"):
        add(GroupCommit(missing), "share:1")
