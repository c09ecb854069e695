"""What every handler needs besides Slack's own arguments, handed in by bot.app.create_app."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import pickle
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond

from storage.db import Sessions

if TYPE_CHECKING:
    from slack_sdk import WebClient

Clock = Callable[[], dt.datetime]

log = logging.getLogger("programme_talks.handlers")


class DigestDesk(Protocol):
    """What handlers may ask of the digest runner (bot.scheduler.DigestRunner), handed in by create_app."""

    def preview(self, team_id: str, channel_id: str, now: dt.datetime) -> list: ...

    def post_now(self, team_id: str, channel_id: str, now: dt.datetime) -> str: ...


@dataclass(frozen=True)
class Deps:
    sessions: Sessions
    clock: Clock
    tz: ZoneInfo
    digests: DigestDesk | None = None
    background: Executor | JobQueue | None = None  # runs the jobs handlers hand back after acknowledging; None: now
    one_at_a_time: OnePerKey = field(default_factory=lambda: OnePerKey())  # e.g. one agreement's summary

    def later(self, job: Job, client: WebClient, name: str) -> None:
        """Run `job` after Slack has its acknowledgement, off the threads that acknowledge.

        A job always crosses a pickle boundary, even to a thread here, so it runs the same way in the worker
        process that `serve` uses (bot.worker) as on the threads the tests and the demo use.
        """
        if isinstance(self.background, JobQueue):
            self.background.put(job, name)  # another process, with its own client and deps
            return
        copy = pickle.loads(pickle.dumps(job))
        if self.background is None:
            run_job(copy, client, self, name)
        else:
            self.background.submit(run_job, copy, client, self, name)

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()


@dataclass(frozen=True)
class Job:
    """The slow part of a handler's work, handed back to run after acknowledging (saving, posting).

    `work` is a module-level function called as work(client, deps, *args), and `args` are plain data (Slack's
    payload, ids, cards; answer the person with respond_to(payload)): so a job can be pickled and run in
    another process, with that process's own Slack client and database sessions.
    """

    work: Callable[..., object]  # what it returns is not used
    args: tuple = ()


@runtime_checkable
class JobQueue(Protocol):
    """Somewhere else to run jobs: bot.worker.WorkerProcess, a process of its own."""

    def put(self, job: Job, name: str) -> None: ...


def run_job(job: Job, client: WebClient, deps: Deps, name: str) -> None:
    """Run one job; a failure is logged with its traceback (log_failure), so it never goes unseen."""
    try:
        job.work(client, deps, *job.args)
    except Exception as error:
        log_failure(f"{name} after acknowledging", error)


def log_failure(what: str, error: BaseException) -> None:
    """The one way a failure in handling something is logged: what failed, and the traceback."""
    log.error("%s failed", what, exc_info=error)


def respond_to(payload: dict) -> Respond:
    """Answer through a payload's response_url, as Bolt's `respond` does (usable in any process)."""
    return Respond(response_url=payload.get("response_url"))


Handler = Callable[..., "Job | None"]  # handler(ack, body, respond, client, deps) -> slow work for after ack


def listener(handler: Handler, deps: Deps) -> Callable[..., None]:
    """Adapt a handler to Bolt, in the one place that deals with failures and with work after acknowledging.

    A handler acknowledges, and may return the slow part of its work (saving, posting) as a Job: that runs on
    the `background` threads or worker process, so acknowledgements never queue behind earlier requests' work.
    Bolt throws away an acknowledgement whose listener raises afterwards (Slack would then see a 404), so
    errors never leave here: they are logged with the traceback, and Slack is acknowledged if it was not.
    """

    def run(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        try:
            work = handler(ack, body, respond, client, deps)
        except Exception as error:
            log_failure(handler.__name__, error)
            if ack.response is None:
                ack()
            return
        if ack.response is None:
            ack()
        if work is None:
            return
        try:
            deps.later(work, client, handler.__name__)
        except Exception as error:
            log_failure(f"handing over the work of {handler.__name__}", error)

    run.__name__ = handler.__name__
    return run


class OnePerKey:
    """A lock for each key (an agreement, say): work on one thing runs one thread at a time, in this process."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[object, threading.Lock] = {}

    @contextlib.contextmanager
    def hold(self, key: object) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield


@dataclass(frozen=True)
class TalksRequest:
    """One `/talks <verb> <rest>` command, parsed, with what a verb needs to answer it."""

    ack: Ack
    command: dict
    respond: Respond
    client: WebClient
    deps: Deps
    verb: str
    rest: str

    @property
    def team_id(self) -> str:
        return self.command["team_id"]

    @property
    def user_id(self) -> str:
        return self.command["user_id"]

    def say(self, text: str) -> None:
        """Answer only the person who typed the command (after ack)."""
        self.respond(text=text, response_type="ephemeral")


TalksVerb = Callable[[TalksRequest], "Job | None"]  # may hand back slow work, as a handler does
