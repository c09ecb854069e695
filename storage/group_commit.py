"""Jobs recorded before Slack is answered, committed together: one transaction for whatever is waiting.

Every quick `/share` or `/collab`, button and event records its job in the outbox before its acknowledgement
(handlers.context.Deps.hand_over), and waits for the commit. One commit, and on SQLite one turn at its one write
lock, per request is what a burst of requests queued behind (BENCHMARKS.md, /share acknowledgement). Here the
callers commit for each other: the first to arrive commits its job at once, on its own thread; whoever arrives while
a commit is under way waits for it to end, and then the first of those commits every job that waited, in one
transaction. A caller is answered only once its job is committed, so what was acknowledged is kept, exactly as with a
transaction of its own. (A writer thread of its own did the same, but handing each job to it and its answer back
cost two thread switches per request, which under a burst wait for the interpreter lock: BENCHMARKS.md.)

Commits go through one connection, kept while jobs keep coming and given back to the pool after a second without
any, and each is one statement that commits as it ends (storage.db.one_statement_at_a_time): checking a connection
out of the pool (on PostgreSQL, pinging it too), a session's bookkeeping, and BEGIN and COMMIT as statements (each
a round trip to PostgreSQL, and a wait for the interpreter lock after it) had cost more than the insert itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from storage.db import Sessions, one_statement_at_a_time, turn_to_write
from storage.jobs import NewJob, add_jobs

log = logging.getLogger(__name__)

MOST_AT_ONCE = 200  # jobs in one transaction
# Seconds, only against a commit that never ends: the database's own timeouts (storage.db, 2.5 s for a lock or a
# statement) end a commit that can't be made, and the caller is told then. Giving up sooner, while the commit might
# still be made, would tell someone their words were not taken when they were.
WAIT_FOR_COMMIT = 30.0
KEEP_CONNECTION = 1.0  # seconds without a job before the connection goes back to the pool


class NotKept(Exception):
    """The job could not be committed (the database refused, or did not answer in time)."""


@dataclass
class _Waiting:
    job: NewJob
    done: bool = False
    job_id: int | None = None
    error: str | None = None


class GroupCommit:
    """Records jobs in the outbox for the threads of one process, committing those that wait at the same time
    together. `add` returns once its job is committed (its id; None when the same key was queued already)."""

    def __init__(self, sessions: Sessions):
        self.sessions = sessions
        self._engine: Engine = sessions.kw["bind"]
        self._changed = threading.Condition()  # guards everything below; notified when a commit ends
        self._waiting: list[_Waiting] = []
        self._committing = False
        self._connection: Connection | None = None
        self._last_used = 0.0
        self._keeper: threading.Thread | None = None

    def add(self, *, team_id: str, name: str, key: str, args: list[Any], now: dt.datetime) -> int | None:
        job = _Waiting(NewJob(team_id, name, key, args, now))
        deadline = time.monotonic() + WAIT_FOR_COMMIT
        with self._changed:
            self._waiting.append(job)
        while True:
            with self._changed:
                while self._committing and not job.done:
                    if not self._changed.wait(deadline - time.monotonic()):
                        self._waiting = [waiting for waiting in self._waiting if waiting is not job]
                        raise NotKept("the outbox did not commit in time")
                if job.done:
                    break
                # Nobody is committing, and ours waits: commit it with those waiting before it (oldest first).
                batch, self._waiting = self._waiting[:MOST_AT_ONCE], self._waiting[MOST_AT_ONCE:]
                self._committing = True
            try:
                self._commit(batch)
            finally:
                with self._changed:
                    for waiting in batch:
                        if not waiting.done:  # only if interrupted: _commit answers every job it was given
                            waiting.error, waiting.done = "interrupted", True
                    self._committing = False
                    self._changed.notify_all()
        if job.error is not None:
            raise NotKept(job.error)
        return job.job_id

    def close(self) -> None:
        """Give the connection back to the pool, once any commit under way has ended (when stopping: an engine
        disposed of afterwards closes it). A later `add` opens another."""
        with self._changed:
            while self._committing:
                self._changed.wait()
            self._let_go()

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            try:
                ids = self._insert(batch)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                self._let_go()  # the database closed the connection we kept (restarted, or an idle timeout)
                ids = self._insert(batch)  # once more, on a new one: a job already committed is not added twice
        except Exception as error:  # never leave a caller waiting, whatever went wrong
            self._let_go()
            if isinstance(error, SQLAlchemyError):
                log.debug("the outbox refused %d job(s): %s", len(batch), type(error).__name__)  # each caller logs it
            else:
                log.exception("recording %d jobs in the outbox failed", len(batch))
            for job in batch:
                job.error, job.done = type(error).__name__, True
            return
        for job, job_id in zip(batch, ids, strict=True):
            job.job_id, job.done = job_id, True

    def _insert(self, batch: list[_Waiting]) -> list[int | None]:
        # Only the one caller committing is here (`_committing`), so the connection is used by one thread at a time.
        if self._connection is None:
            self._connection = one_statement_at_a_time(self._engine.connect())
            with self._changed:
                if self._keeper is None:
                    self._keeper = threading.Thread(
                        target=self._give_back_when_idle, name="outbox-connection", daemon=True
                    )
                    self._keeper.start()
        self._last_used = time.monotonic()
        with turn_to_write(self.sessions):
            return add_jobs(self._connection, [waiting.job for waiting in batch])

    def _give_back_when_idle(self) -> None:
        """Give the connection back to the pool once jobs stop coming, looking once a second."""
        while True:
            time.sleep(KEEP_CONNECTION)
            with self._changed:
                if self._committing or time.monotonic() - self._last_used < KEEP_CONNECTION:
                    continue
                self._let_go()
                self._keeper = None  # the next commit opens a connection and starts another watch
                return

    def _let_go(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except SQLAlchemyError:
                log.debug("the outbox's connection could not be closed; it is dropped")
