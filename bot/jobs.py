"""Doing the outbox's jobs: those a listener has just handed over, and, every so often, any left waiting (by a
crash, by another replica, or due for another try).

A job is claimed with a conditional update (storage.jobs.claim_job), so two runners racing for it do it once;
a runner keeps its claims fresh while it works, and a claim left stale by a runner that died is taken over.
A job that raises is tried again later (5 s, 30 s, 2 min, 10 min, 30 min), keeping the steps it finished,
and after its last try is recorded as failed and logged. Job bookkeeping runs on the real clock, whatever
clock the app's features are shown.

Each job is done with the Web API client of its own workspace (its team_id), from a `Clients`
(bot.installations): one client for one workspace, or each workspace's token (refreshed when Slack rotates
them) for many. A job for a workspace that has uninstalled the app is dropped, kindly: recorded as done, with a
line in the log, and nothing posted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.clients import Clients, NotInstalled, OneWorkspace
from handlers.context import Deps
from handlers.jobs import JobRun, NotMine, resolve
from storage import jobs as store
from storage.db import Sessions
from storage.jobs import JobRecord

log = logging.getLogger(__name__)

BACKOFF = (5, 30, 120, 600, 1800)  # seconds before each further try
# A job starts once QUIET_FOR seconds have passed without a new request from Slack, or after HOLD_BACK_AT_MOST
# seconds of waiting for that: answering Slack comes first, and a steady flood never stops the work.
QUIET_FOR = 0.05
HOLD_BACK_AT_MOST = 1.0
LEASE = dt.timedelta(seconds=30)  # Settings.job_lease_seconds: a job a stopped worker held is taken over after this


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JobRunner:
    """Runs jobs on `threads` threads of this process. `notify(job_id)` hands one over at once; a sweep every
    `poll_seconds` finds the rest. Call `start(deps)` once the app's dependencies exist, `shutdown()` to stop
    (it finishes what it was handed). `clients` gives each job its workspace's client (a bare WebClient: that one
    client for every job)."""

    def __init__(
        self,
        sessions: Sessions,
        clients: Clients | WebClient,
        *,
        threads: int = 4,
        poll_seconds: float = 1.0,
        lease: dt.timedelta = LEASE,
        last_request: Callable[[], float] | None = None,
    ):
        self.sessions, self.poll_seconds, self.threads, self.lease = sessions, poll_seconds, threads, lease
        # When (time.monotonic) a request from Slack last came in, as the web process notes it (`answering`):
        # jobs hold back while requests keep coming (`_hold_back`).
        self._answered_at = 0.0
        self._last_request = last_request or (lambda: self._answered_at)
        self.clients: Clients = OneWorkspace(clients) if isinstance(clients, WebClient) else clients
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="job")
        self._deps: Deps | None = None
        self._running: Counter[int] = Counter()  # ids this runner is claiming or doing now
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()  # a thread came free: sweep again now, if anything is waiting
        self._sweeper = threading.Thread(target=self._sweep_forever, name="job-sweeper", daemon=True)

    def start(self, deps: Deps) -> JobRunner:
        self._deps = deps
        self._sweeper.start()
        return self

    def notify(self, job_id: int) -> None:
        """A job was just recorded: do it now."""
        self._hand(job_id)

    def answering(self) -> None:
        """A request from Slack has come in, to be answered in this process: jobs hold back for a moment."""
        self._answered_at = time.monotonic()

    def shutdown(self, wait: bool = True) -> None:
        """Stop sweeping; finish the jobs already handed over (with `wait`, before returning)."""
        self._stop.set()
        self._wake.set()
        if self._sweeper.is_alive():
            self._sweeper.join()
        self._pool.shutdown(wait=wait)

    # ---- the work ---------------------------------------------------------------------------------------

    def _hand(self, job_id: int, record: JobRecord | None = None) -> None:
        """Do a job on a thread: one just recorded (claimed there, unless this runner is at it already), or one
        the sweep has claimed (always done: only the claim's holder does it)."""
        with self._lock:
            if record is None and self._running[job_id]:
                return
            self._running[job_id] += 1
        try:
            self._pool.submit(self._do, job_id, record)
        except RuntimeError:  # shutting down: it stays in the outbox for the next runner
            self._let_go(job_id)

    def _let_go(self, job_id: int) -> None:
        with self._lock:
            self._running[job_id] -= 1
            if not self._running[job_id]:
                del self._running[job_id]

    def _do(self, job_id: int, record: JobRecord | None) -> None:
        try:
            self._hold_back()
            if record is None:
                moment = now()
                with self.sessions.begin() as session:
                    record = store.claim_job(
                        session, job_id=job_id, worker=self.worker, now=moment, stale_before=moment - self.lease
                    )
            if record is not None:  # None: another runner has it, it is done, or it is not due yet
                self._attempt(record)
        except Exception:  # the database gone while claiming or recording: the job stays, and is swept again
            log.exception("could not do job %s; it will be tried again", job_id)
        finally:
            self._let_go(job_id)
            self._wake.set()

    def _hold_back(self) -> None:
        """Wait while Slack's requests keep coming (at most HOLD_BACK_AT_MOST): a job's saving and posting take
        the CPUs and the database that answering Slack in time needs, and can wait a moment (BENCHMARKS.md,
        /share acknowledgement). One request alone holds a job back QUIET_FOR at most."""
        give_up = time.monotonic() + HOLD_BACK_AT_MOST
        while (moment := time.monotonic()) < give_up:
            quiet_for = moment - self._last_request()
            if quiet_for >= QUIET_FOR or self._stop.is_set():
                return
            time.sleep(min(QUIET_FOR - quiet_for, give_up - moment))

    def _attempt(self, record: JobRecord) -> None:
        name = f"{record.name} (job {record.id}, try {record.attempts})"
        with logs.job_context(job_id=record.id, team_id=record.team_id):
            self._run(record, name)

    def _run(self, record: JobRecord, name: str) -> None:
        assert self._deps is not None, "start(deps) first"
        try:
            work = resolve(record.name)
            final = record.attempts > len(BACKOFF)  # no try after this one: say now what could not be done
            client = self.clients.client_for(record.team_id)
            with self._deps.serving(record.team_id):  # the job's workspace: its time zone, for dates it shows
                work(JobRun(record, client, self._deps, self.worker, final=final), *record.args)
        except NotInstalled:
            log.info(
                "%s dropped: workspace %s has uninstalled the app, so nothing is posted there", name, record.team_id
            )
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
        backlog = False  # the last sweep filled every free thread: more may be waiting
        while not self._stop.is_set():
            try:
                with self._lock:
                    free = self.threads - len(self._running)
                backlog = self.sweep() >= free > 0
            except SQLAlchemyError as error:
                log.warning("could not look for waiting jobs: %s", type(error).__name__)
            # Sweep every `poll_seconds`, and sooner when a thread comes free while there is a backlog.
            self._wake.clear()
            deadline = time.monotonic() + self.poll_seconds
            while not self._stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                if self._wake.wait(remaining) and backlog:
                    break
                self._wake.clear()

    def sweep(self) -> int:
        """Claim waiting jobs (queued and due, or under a stale claim) as far as this runner has threads free, and
        renew the claims of those it holds; how many it claimed."""
        moment = now()
        with self._lock:
            mine = sorted(self._running)
        free = self.threads - len(mine)
        with self.sessions.begin() as session:
            store.renew_claims(session, job_ids=mine, worker=self.worker, now=moment)
            claimed = (
                store.claim_waiting_jobs(
                    session, worker=self.worker, now=moment, stale_before=moment - self.lease, limit=free
                )
                if free > 0
                else []
            )
        for record in claimed:
            self._hand(record.id, record)
        return len(claimed)
