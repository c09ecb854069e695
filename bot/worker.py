"""The after-ack worker: a process of its own that does the outbox's jobs (saving, posting) with a JobRunner.

The web process records each job in the database before Slack is answered, then tells the worker its id down a
pipe, so it is done at once; the worker's runner also sweeps the outbox every second, so a job whose id never
arrived (the worker was restarting), or that a killed worker left half done, is still done.

Work after acknowledging is CPU-bound Python. On threads of the web process it competes with the threads
that acknowledge Slack for the one interpreter lock, so under a burst acknowledgements wait behind earlier
requests' posting (measured in BENCHMARKS.md). In a process of its own, at a lower CPU priority, it takes no
lock from them: when the machine is busy Slack is answered first, and the work catches up right after.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from bot.config import Settings

log = logging.getLogger(__name__)


class WorkerProcess:
    """Runs jobs in a child process, on `threads` threads of its own, with its own Slack client and sessions.

    `notify` tells it of a job recorded in the outbox (a JobQueue for handlers.context.Deps) without ever
    blocking the caller: a feeder thread writes job ids down a pipe to the child, all those waiting in one
    message. A child that has died is started again, with a new pipe, as soon as the feeder notices (when it next
    writes, or within a second); `shutdown` waits for the jobs handed over to finish. (A pipe, not a
    multiprocessing.Queue: a child killed while reading a Queue keeps its lock, and the next child would wait on
    it forever.)
    """

    def __init__(self, settings: Settings, *, threads: int = 4, nice: int = 19, log_level: int = logging.INFO):
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or sockets copied
        # When (time.monotonic, the same clock in both processes) a request from Slack last came in: shared memory
        # the web process writes and the worker's jobs read (bot.jobs.JobRunner._hold_back). One float, written
        # whole: no lock.
        self._answered_at = self._context.Value("d", 0.0, lock=False)
        self._args = (settings, threads, nice, log_level, self._answered_at)
        self._pending: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._pipe: Connection | None = None
        self._feeder = threading.Thread(target=self._feed, name="after-ack-feeder", daemon=True)

    def start(self) -> WorkerProcess:
        self._start_child()
        self._feeder.start()
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def is_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def notify(self, job_id: int) -> None:
        self._pending.put(str(job_id).encode())

    def answering(self) -> None:
        """A request from Slack has come in: the worker's jobs hold back for a moment (bot.jobs)."""
        self._answered_at.value = time.monotonic()

    def shutdown(self, wait: bool = True) -> None:
        if not self._feeder.is_alive():
            return  # never started, or already shut down
        self._pending.put(None)
        if wait:
            self._feeder.join()

    def _start_child(self) -> None:
        reader, self._pipe = self._context.Pipe(duplex=False)
        self._process = self._context.Process(target=_work, args=(reader, *self._args), name="after-ack-worker")
        with _stops_ignored():  # from its first instruction: it stops when told, after its last job
            self._process.start()
        reader.close()  # only the child reads: if it dies, writing fails at once instead of filling a dead pipe

    def _feed(self) -> None:
        stopping = False
        while not stopping:
            try:
                waiting = [self._pending.get(timeout=1.0)]
            except queue.Empty:
                self._revive()  # a child that died is replaced even when no new job comes
                continue
            with contextlib.suppress(queue.Empty):
                while waiting[-1] is not None:  # every id waiting now goes in one message: one write, one wake-up
                    waiting.append(self._pending.get_nowait())
            if stopping := waiting[-1] is None:
                waiting.pop()
            if waiting:
                self._send(b",".join(job_id for job_id in waiting if job_id is not None))
        self._send(b"")  # the child finishes every job it has, then exits
        assert self._process is not None  # start() starts a child before this thread
        self._process.join()

    def _revive(self) -> None:
        # start() starts a child before the feeder thread that calls this, and a child is only ever replaced.
        assert self._process is not None
        if not self._process.is_alive():
            log.error("the after-ack worker stopped (exit code %s); starting another", self._process.exitcode)
            self._start_child()

    def _send(self, data: bytes) -> None:
        for _attempt in range(3):
            assert self._process is not None and self._pipe is not None
            try:
                self._pipe.send_bytes(data)  # a child that has died closed its end: this fails at once
                return
            except OSError:  # BrokenPipeError: it died before or while we wrote
                self._process.join(timeout=5)
                self._revive()
        what = f"jobs {data.decode()}" if data else "the request to stop"
        log.error("the after-ack worker keeps stopping; %s stays in the outbox for the next one", what)


STOPS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager stopping every process of the service


@contextlib.contextmanager
def _stops_ignored() -> Iterator[None]:
    """Ignore STOPS while starting the child, which inherits that (Python can only change it on its main thread;
    a restart from the feeder thread relies on the child ignoring them itself, a moment later)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = [signal.signal(stop, signal.SIG_IGN) for stop in STOPS]
    try:
        yield
    finally:
        for stop, handler in zip(STOPS, saved, strict=True):
            signal.signal(stop, handler)


def _work(jobs: Connection, settings: Settings, threads: int, nice: int, log_level: int, answered_at: Any) -> None:
    """The child: build this process's own app pieces, then do jobs until told to stop (an empty message)."""
    from bot import logs
    from bot.clock import system_clock
    from bot.delivery import Runner
    from bot.installations import make_clients
    from bot.jobs import JobRunner
    from bot.slack import make_client
    from handlers.context import Deps, DigestDesk
    from storage.db import make_engine, make_sessions

    os.nice(nice)
    for stop in STOPS:
        signal.signal(stop, signal.SIG_IGN)  # the server tells us to stop once it has handed over its last job
    logs.configure(log_level, *settings.secrets(), json=settings.log_format == "json")  # as the server logs
    engine = make_engine(settings.database_url)
    client = make_client(settings)
    sessions = make_sessions(engine)
    # Each job's own workspace's client: from the settings' one token, or (many workspaces) from the database.
    clients = make_clients(settings, sessions, client)
    digests: DigestDesk = Runner(sessions, clients, settings.tz, clock=system_clock)  # `/talks digest now`, preview
    lease = dt.timedelta(seconds=settings.job_lease_seconds)
    runner = JobRunner(sessions, clients, threads=threads, lease=lease, last_request=lambda: answered_at.value)
    deps = Deps(
        sessions=sessions, clock=system_clock, default_tz=settings.tz, digests=digests, jobs=runner, clients=clients
    )
    runner.start(deps)
    while data := _receive(jobs):
        for job_id in data.split(b","):
            runner.notify(int(job_id))
    runner.shutdown(wait=True)
    engine.dispose()


def _receive(jobs: Connection) -> bytes:
    try:
        return jobs.recv_bytes()
    except EOFError:  # the server went away without saying stop: finish what we have
        return b""
