"""Jobs recorded before Slack is answered, committed together: one transaction for whatever is waiting.

Every quick `/share` or `/collab`, button and event records its job in the outbox before its acknowledgement
(handlers.context.Deps.hand_over), and waits for the commit. One commit, and on SQLite one turn at its one write
lock, per request is what a burst of requests queued behind (BENCHMARKS.md, /share acknowledgement). Here one
thread of the process writes: it takes every job waiting, inserts each (storage.jobs.add_job) in one transaction,
commits once, then tells each caller its job's id, or the error that kept it from being kept. A caller is answered
only once its job is committed, so what was acknowledged is kept, exactly as with a transaction of its own.

When nothing else is waiting, a job goes alone at once: nothing waits for a batch to fill.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from storage.db import Sessions
from storage.jobs import add_job

log = logging.getLogger(__name__)

MOST_AT_ONCE = 200  # jobs in one transaction
# Seconds, only against a writer that has died: the database's own timeouts (storage.db, 2.5 s for a lock or a
# statement) end a commit that can't be made, and the caller is told then. Giving up sooner, while the commit might
# still be made, would tell someone their words were not taken when they were.
WAIT_FOR_COMMIT = 30.0


class NotKept(Exception):
    """The job could not be committed (the database refused, or did not answer in time)."""


@dataclass
class _Waiting:
    team_id: str
    name: str
    key: str
    args: list[Any]
    now: dt.datetime
    done: threading.Event = field(default_factory=threading.Event)
    job_id: int | None = None
    error: str | None = None


class GroupCommit:
    """Records jobs in the outbox for the threads of one process, committing those that wait at the same time
    together. `add` blocks until its job is committed (its id; None when the same key was queued already)."""

    def __init__(self, sessions: Sessions):
        self.sessions = sessions
        self._waiting: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._started = threading.Lock()
        self._writer: threading.Thread | None = None

    def add(self, *, team_id: str, name: str, key: str, args: list[Any], now: dt.datetime) -> int | None:
        job = _Waiting(team_id, name, key, args, now)
        self._start()
        self._waiting.put(job)
        if not job.done.wait(WAIT_FOR_COMMIT):
            raise NotKept("the outbox did not commit in time")
        if job.error is not None:
            raise NotKept(job.error)
        return job.job_id

    def _start(self) -> None:
        with self._started:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write, name="outbox-writer", daemon=True)
                self._writer.start()

    def _write(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < MOST_AT_ONCE:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            with self.sessions.begin() as session:
                ids = [
                    add_job(session, team_id=j.team_id, name=j.name, key=j.key, args=j.args, now=j.now) for j in batch
                ]
        except SQLAlchemyError as error:
            log.debug("the outbox refused %d job(s): %s", len(batch), type(error).__name__)  # each caller logs it
            for job in batch:
                job.error = type(error).__name__
                job.done.set()
            return
        except Exception as error:  # never leave a caller waiting, whatever went wrong
            log.exception("recording %d jobs in the outbox failed", len(batch))
            for job in batch:
                job.error = type(error).__name__
                job.done.set()
            return
        for job, job_id in zip(batch, ids, strict=True):
            job.job_id = job_id
            job.done.set()
