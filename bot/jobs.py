"""Doing the outbox's jobs: those a listener has just handed over, and, every so often, any left waiting (by a
crash, by another replica, or due for another try).

A job is claimed with a conditional update (storage.jobs.claim_job), so two runners racing for it do it once;
a runner keeps its claims fresh while it works, and a claim left stale by a runner that died is taken over.
A job that raises is tried again later (5 s, 30 s, 2 min, 10 min, 30 min), keeping the steps it finished,
and after its last try is recorded as failed and logged. Job bookkeeping runs on the real clock, whatever
clock the app's features are shown.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from handlers.context import Deps
from handlers.jobs import JobRun, NotMine, resolve
from storage import jobs as store
from storage.db import Sessions

log = logging.getLogger(__name__)

BACKOFF = (5, 30, 120, 600, 1800)  # seconds before each further try
LEASE = dt.timedelta(seconds=float(os.environ.get("PROGRAMME_TALKS_JOB_LEASE_SECONDS", "30")))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JobRunner:
    """Runs jobs on `threads` threads of this process. `notify(job_id)` hands one over at once; a sweep every
    `poll_seconds` finds the rest. Call `start(deps)` once the app's dependencies exist, `shutdown()` to stop
    (it finishes what it was handed)."""

    def __init__(self, sessions: Sessions, client: WebClient, *, threads: int = 4, poll_seconds: float = 1.0):
        self.sessions, self.client, self.poll_seconds = sessions, client, poll_seconds
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="job")
        self._deps: Deps | None = None
        self._running: set[int] = set()  # ids this runner holds now
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_forever, name="job-sweeper", daemon=True)

    def start(self, deps: Deps) -> JobRunner:
        self._deps = deps
        self._sweeper.start()
        return self

    def notify(self, job_id: int) -> None:
        """A job was just recorded: do it now."""
        self._hand(job_id)

    def shutdown(self, wait: bool = True) -> None:
        """Stop sweeping; finish the jobs already handed over (with `wait`, before returning)."""
        self._stop.set()
        if self._sweeper.is_alive():
            self._sweeper.join()
        self._pool.shutdown(wait=wait)

    # ---- the work ---------------------------------------------------------------------------------------

    def _hand(self, job_id: int) -> None:
        with self._lock:
            if job_id in self._running:
                return
            self._running.add(job_id)
        try:
            self._pool.submit(self._do, job_id)
        except RuntimeError:  # shutting down: it stays queued for the next runner
            with self._lock:
                self._running.discard(job_id)

    def _do(self, job_id: int) -> None:
        try:
            self._attempt(job_id)
        except Exception:  # the database gone while claiming or recording: the job stays, and is swept again
            log.exception("could not do job %s; it will be tried again", job_id)
        finally:
            with self._lock:
                self._running.discard(job_id)

    def _attempt(self, job_id: int) -> None:
        assert self._deps is not None, "start(deps) first"
        moment = now()
        with self.sessions.begin() as session:
            record = store.claim_job(
                session, job_id=job_id, worker=self.worker, now=moment, stale_before=moment - LEASE
            )
        if record is None:
            return  # another runner has it, it is done, or it is not due yet
        name = f"{record.name} (job {record.id}, try {record.attempts})"
        try:
            work = resolve(record.name)
            final = record.attempts > len(BACKOFF)  # no try after this one: say now what could not be done
            work(JobRun(record, self.client, self._deps, self.worker, final=final), *record.args)
        except NotMine:
            log.info("%s was taken over by another worker", name)
            return
        except Exception as error:
            self._failed(record.id, record.attempts, name, error)
            return
        with self.sessions.begin() as session:
            store.finish_job(session, job_id=record.id, worker=self.worker, now=now())

    def _failed(self, job_id: int, attempts: int, name: str, error: Exception) -> None:
        said = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        with self.sessions.begin() as session:
            if attempts > len(BACKOFF) or (isinstance(error, ValueError) and "not a job function" in str(error)):
                log.error("%s failed for good", name, exc_info=error)
                store.fail_job(session, job_id=job_id, worker=self.worker, now=now(), error=said)
            else:
                wait = BACKOFF[attempts - 1]
                log.warning("%s failed (%s); trying again in %s s", name, said, wait, exc_info=error)
                after = now() + dt.timedelta(seconds=wait)
                store.retry_job(session, job_id=job_id, worker=self.worker, after=after, error=said)

    # ---- the sweep --------------------------------------------------------------------------------------

    def _sweep_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except SQLAlchemyError as error:
                log.warning("could not look for waiting jobs: %s", type(error).__name__)
            self._stop.wait(self.poll_seconds)

    def sweep(self) -> int:
        """Hand over every job waiting (queued and due, or under a stale claim), and renew this runner's claims;
        how many were handed over."""
        moment = now()
        with self._lock:
            mine = sorted(self._running)
        with self.sessions.begin() as session:
            store.renew_claims(session, job_ids=mine, worker=self.worker, now=moment)
            waiting = store.waiting_jobs(session, now=moment, stale_before=moment - LEASE)
        for job_id in waiting:
            self._hand(job_id)
        return len(waiting)
