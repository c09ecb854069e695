"""What monitors are told: Prometheus metrics (GET /metrics), liveness (GET /healthz) and readiness (GET /readyz).

Metrics are of two kinds:
- Counted as things happen, in whichever process does them: Slack's requests and how each was answered, and
  how long each took to acknowledge (the web process); calls to Slack's Web API (every process: the web
  process's listeners and in-process scheduler, the after-ack worker, a separate `programme-talks scheduler`).
- Read from the database when scraped (`FromDatabase`): the outbox's jobs, scheduled deliveries, the scheduler's
  lag and lease. Every process's work shows there, whichever process did it, and nothing is counted twice.

Counting in several processes uses prometheus_client's multiprocess mode: each process writes its counts to
files of its own in one directory (PROMETHEUS_MULTIPROC_DIR), and /metrics adds them up. `prepare()` sets that
up, before the server starts its worker; a process started with the variable set (the worker inherits it) counts
there from its first import. Without `prepare()` (the demo, a test that doesn't call it) each process counts for
itself and /metrics shows the web process's own counts. There are no live gauges (those need
`mark_process_dead`): what is true now (the worker alive, jobs waiting) is read at scrape time instead.

/healthz says the process is alive and answers 200 while it serves; /readyz answers 200 only while the database
answers and its schema is this release's newest. Both wait a bounded time for the database.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage import jobs, leases, ledger
from storage.db import Sessions, database_state, schema_of

T = TypeVar("T")

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
KINDS = ("command", "action", "view", "event", "other")
OUTCOMES = ("acknowledged", "refused_401", "refused_400", "error")
# Slack gives up waiting at 3 s: the buckets are finest where answers should be, and mark 3 s itself.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
DELIVERIES_WINDOW = dt.timedelta(hours=24)
HEALTH_WAIT, READY_WAIT = 0.5, 2.0  # seconds /healthz and /readyz wait for the database


@dataclass(frozen=True)
class _Counts:
    """What this process counts, and where (a multiprocess directory, or None: in this process only)."""

    directory: Path | None
    requests: Counter
    ack_seconds: Histogram
    slack_calls: Counter


def _counts(directory: Path | None) -> _Counts:
    # Not registered anywhere: each scrape builds a registry of its own (see exposition).
    requests = Counter(
        "programme_talks_slack_requests",
        "Requests to /slack/events, by kind and how they were answered.",
        ["kind", "outcome"],
        registry=None,
    )
    ack_seconds = Histogram(
        "programme_talks_slack_ack_seconds",
        "Seconds from receiving a request Slack signed to writing the answer, by kind.",
        ["kind"],
        buckets=ACK_BUCKETS,
        registry=None,
    )
    slack_calls = Counter(
        "programme_talks_slack_api_calls",
        "Calls to Slack's Web API, each attempt (retries too), by method and error ('ok' when it succeeded).",
        ["method", "error"],
        registry=None,
    )
    for kind in KINDS:  # every series from the start, so rate() sees the first request
        ack_seconds.labels(kind)
        for outcome in OUTCOMES:
            requests.labels(kind, outcome)
    return _Counts(directory, requests, ack_seconds, slack_calls)


def _directory_from(environ: MutableMapping[str, str]) -> Path | None:
    return Path(environ[MULTIPROC_DIR]) if environ.get(MULTIPROC_DIR) else None


# A process started with PROMETHEUS_MULTIPROC_DIR set (the worker, which inherits it) counts there from the start.
_now = _counts(_directory_from(os.environ))


def prepare(environ: MutableMapping[str, str] = os.environ) -> Path:
    """Make every process started from now on count into one directory that /metrics adds up.

    Call it once at the start of `serve` and `scheduler`, before any other process starts. It uses
    PROMETHEUS_MULTIPROC_DIR if set, first deleting the files of processes that have ended (left by an earlier
    run: their counts would otherwise be added in forever) and this process's own; if not, it makes a fresh
    directory and sets the variable, so the processes started from here inherit it. Counting in this process
    starts again from zero. Returns the directory.
    """
    global _now
    if environ.get(MULTIPROC_DIR):
        directory = Path(environ[MULTIPROC_DIR])
        directory.mkdir(parents=True, exist_ok=True)
        _clear(directory)
    else:
        directory = Path(tempfile.mkdtemp(prefix="programme-talks-metrics-"))
        environ[MULTIPROC_DIR] = str(directory)
    # prometheus_client chooses how values are kept when it is first imported (this process may have imported it
    # before the variable was set): choose again, then make this process's metrics anew.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]  # prometheus_client's own
    _now = _counts(directory)
    return directory


def _clear(directory: Path) -> None:
    """Delete the counts of processes that have ended, and of this one (which counts afresh)."""
    for path in directory.glob("*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and (int(pid) == os.getpid() or not _running(int(pid))):
            path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def count_request(kind: str, outcome: str, seconds: float | None = None) -> None:
    """One request to /slack/events, answered with `outcome`; `seconds` to acknowledge, if it reached Bolt."""
    _now.requests.labels(kind, outcome).inc()
    if seconds is not None:
        _now.ack_seconds.labels(kind).observe(seconds)


def count_slack_call(method: str, error: str) -> None:
    """One attempt at a Web API call: `error` is Slack's error code, 'ok', or what went wrong on the way."""
    _now.slack_calls.labels(method, error).inc()


@runtime_checkable
class Alive(Protocol):
    """What does the work after acknowledging, when it is a process that may have died (bot.worker)."""

    def is_alive(self) -> bool: ...


class FromDatabase:
    """A collector that reads, at each scrape, what the database knows: jobs, deliveries, the scheduler."""

    def __init__(self, sessions: Sessions, worker: Alive | None = None):
        self.sessions, self.worker = sessions, worker

    def collect(self) -> Iterable[Metric]:
        from bot.delivery.digests import LATE_LIMIT  # retries older than this are never tried again
        from bot.delivery.scheduling import LEASE

        now = dt.datetime.now(dt.UTC)
        if self.worker is not None:
            up = GaugeMetricFamily("programme_talks_worker_up", "1 while the after-ack worker process is alive.")
            up.add_metric([], 1 if self.worker.is_alive() else 0)
            yield up
        database = GaugeMetricFamily(
            "programme_talks_database_up", "1 if the database answered the queries behind these metrics."
        )
        try:
            with self.sessions() as session:
                job_counts = jobs.count_jobs(session)
                soonest = jobs.next_due(session)
                deliveries = ledger.count_deliveries(session, scheduled_since=now - DELIVERIES_WINDOW)
                oldest = ledger.oldest_waiting(session, retry_since=now - LATE_LIMIT)
                lease = leases.get_lease(session, name=LEASE)
        except SQLAlchemyError:
            database.add_metric([], 0)
            yield database
            return
        database.add_metric([], 1)
        yield database

        by_status = GaugeMetricFamily(
            "programme_talks_jobs", "Jobs in the outbox, by status (done and failed are kept a day).", labels=["status"]
        )
        for status in jobs.JobStatus:
            by_status.add_metric([status.value], job_counts.get(status, 0))
        yield by_status
        yield _gauge(
            "programme_talks_jobs_oldest_queued_age_seconds",
            "Seconds the oldest queued job has been due without being started (0 when none is waiting).",
            max(0.0, (now - soonest).total_seconds()) if soonest else 0.0,
        )
        outcomes = GaugeMetricFamily(
            "programme_talks_deliveries_last_24h",
            "Scheduled deliveries (digests, nudges, reminders) scheduled in the last 24 hours, by status.",
            labels=["status"],
        )
        for delivery_status in ledger.Status:
            outcomes.add_metric([delivery_status.value], deliveries.get(delivery_status, 0))
        yield outcomes
        yield _gauge(
            "programme_talks_scheduler_lag_seconds",
            "Seconds since the oldest delivery still being posted, or waiting to be tried again, was due (0: none).",
            max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        held = lease is not None and lease.expires_at > now
        yield _gauge("programme_talks_scheduler_lease_held", "1 while a scheduler holds its lease.", 1 if held else 0)
        if lease is not None:
            yield _gauge(
                "programme_talks_scheduler_lease_seconds_left",
                "Seconds until the scheduler's lease expires unless renewed (negative: it expired that long ago).",
                (lease.expires_at - now).total_seconds(),
            )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], value)
    return gauge


def exposition(from_database: FromDatabase, accept: str = "") -> tuple[bytes, str]:
    """The metrics in the format the scraper asked for (its Accept header), and that format's content type."""
    registry = CollectorRegistry()
    if _now.directory is not None:
        MultiProcessCollector(registry, path=str(_now.directory))  # type: ignore[no-untyped-call]
    else:
        for counted in (_now.requests, _now.ack_seconds, _now.slack_calls):
            registry.register(counted)
    registry.register(from_database)
    encode, content_type = choose_encoder(accept)
    return encode(registry), content_type


# ---- health and readiness -----------------------------------------------------------------------------


def health(engine: Engine) -> dict[str, Any]:
    """What /healthz answers, always with 200 while the process serves: the database's state, for people, waiting
    at most HEALTH_WAIT for it (a liveness probe must not hang on the database)."""
    try:
        database = _within(HEALTH_WAIT, lambda: database_state(engine))
    except TimeoutError as error:
        database = {"ok": False, "dialect": engine.dialect.name, "error": str(error)}
    return {"ok": True, "database": database}


def readiness(engine: Engine, sessions: Sessions, worker: Alive | None) -> tuple[bool, dict[str, Any]]:
    """Ready when the database answers and its schema is this release's newest, or newer (a newer release, rolling
    out, has migrated it: migrations are written to be safe with the previous release still running, so this
    replica keeps serving until it is replaced); the report says what is wrong, and how the after-ack worker
    and the scheduler's lease stand."""
    problems: list[str] = []
    report: dict[str, Any] = {"ok": False, "problems": problems}
    database: dict[str, Any] = {"ok": False, "dialect": engine.dialect.name}
    report["database"] = database
    try:
        schema = _within(READY_WAIT, lambda: schema_of(engine))
    except (SQLAlchemyError, TimeoutError) as error:
        database["error"] = str(error) if isinstance(error, TimeoutError) else type(error).__name__
        problems.append(f"the database cannot be reached ({database['error']})")
    else:
        database.update(revision=schema.current, head=schema.head, ok=not schema.behind)
        if not schema.known:
            database["newer"] = True  # a newer release's migration: ready, as start-up allows
        elif not schema.up_to_date:
            problems.append(
                f"the database's schema is at {schema.current or 'no revision'}, not {schema.head}: "
                "run `programme-talks migrate`"
            )
    if worker is not None:
        report["worker"] = {"alive": worker.is_alive(), "pid": getattr(worker, "pid", None)}
    if database["ok"]:
        report["scheduler"] = _scheduler_lease(sessions)
    report["ok"] = not problems
    return not problems, report


def _scheduler_lease(sessions: Sessions) -> dict[str, Any]:
    """Who holds the scheduler's lease, and until when (for people: a replica serves Slack without it)."""
    from bot.delivery.scheduling import LEASE

    def read() -> leases.LeaseRecord | None:
        with sessions() as session:
            return leases.get_lease(session, name=LEASE)

    try:
        lease = _within(READY_WAIT, read)
    except (SQLAlchemyError, TimeoutError) as error:
        return {"lease": None, "error": str(error) if isinstance(error, TimeoutError) else type(error).__name__}
    if lease is None:
        return {"lease": None}
    held = lease.expires_at > dt.datetime.now(dt.UTC)
    return {"lease": {"holder": lease.holder, "expires_at": lease.expires_at.isoformat(), "held": held}}


def _within(seconds: float, work: Callable[[], T]) -> T:
    """work()'s result, done on a thread of its own; TimeoutError if it takes longer than `seconds` (the thread is
    left to finish: the database's own time limits end it soon after)."""
    done: list[T] = []
    failed: list[Exception] = []

    def run() -> None:
        try:
            done.append(work())
        except Exception as error:
            failed.append(error)

    thread = threading.Thread(target=run, name="health-check", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {seconds:g} s")
    if failed:
        raise failed[0]
    return done[0]
