"""What every handler needs besides Slack's own arguments, handed in by bot.app.create_app."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from domain.calendar import make_calendar
from handlers.answering import Answering, acknowledged
from storage import calendars
from storage import jobs as jobs_store
from storage.db import Sessions, reading
from storage.group_commit import GroupCommit, NotKept

if TYPE_CHECKING:
    from slack_sdk import WebClient

Clock = Callable[[], dt.datetime]
F = TypeVar("F", bound=Callable[..., object])
JOB_MARK = "__programme_talks_job__"  # set on job functions: only they are ever run from the outbox

log = logging.getLogger("programme_talks.handlers")


class DigestDesk(Protocol):
    """What handlers may ask of the scheduler's runner (bot.delivery.Runner), handed in by create_app."""

    def preview(self, team_id: str, channel_id: str, now: dt.datetime) -> list: ...

    def post_now(self, team_id: str, channel_id: str, now: dt.datetime) -> str: ...

    def prompt_now(self, team_id: str, channel_id: str, now: dt.datetime) -> str: ...

    def catch_up_now(self, team_id: str, user_id: str, now: dt.datetime) -> str: ...


@dataclass
class _Serving:
    """The workspace whose request (or job) this thread is handling, and its time zone once read."""

    team_id: str
    tz: ZoneInfo | None = None


_serving: ContextVar[_Serving | None] = ContextVar("programme_talks_serving", default=None)


class WorkspaceClients(Protocol):
    """Each workspace's Web API client (bot.clients.Clients), for what one workspace shows of another's: a partner
    author's name, read with their own workspace's token. `client_for` raises when the workspace has no working
    installation."""

    def client_for(self, team_id: str) -> WebClient: ...

    def forget(self, team_id: str) -> None:
        """Drop anything kept of the workspace's installation: it uninstalled, or installed again."""


@dataclass(frozen=True)
class Deps:
    sessions: Sessions
    clock: Clock
    default_tz: ZoneInfo  # PROGRAMME_TALKS_TZ: the time zone of workspaces that have not chosen their own
    digests: DigestDesk | None = None
    jobs: JobQueue | None = None  # told of each job recorded, to do it now; None: the next sweep finds it
    clients: WorkspaceClients | None = None  # every workspace's client (None: no names from other workspaces)
    one_at_a_time: OnePerKey = field(default_factory=lambda: OnePerKey())  # e.g. one agreement's summary
    outbox: GroupCommit | None = None  # commits jobs handed over at the same moment together (None: one by one)

    def hand_over(self, job: Job, body: dict) -> bool:
        """Record `job` in the outbox, committed before this returns (with others waiting at the same moment, by
        `outbox`: storage.group_commit), and have it done; False if the database would not take it (the caller
        tells the person their words were not taken)."""
        try:
            if self.outbox is not None:
                job_id = self.outbox.add(**self._row(job, body))
            else:
                with self.sessions.begin() as session:
                    job_id = self._record(session, job, body)
        except (SQLAlchemyError, NotKept) as error:
            log.warning(
                "could not record %s: %s",
                job_name(job.work),
                error if isinstance(error, NotKept) else type(error).__name__,
            )
            return False
        if job_id is not None and self.jobs is not None:
            self.jobs.notify(job_id)
        return True

    def hand_over_in(self, session: Session, job: Job, body: dict) -> None:
        """Record `job` in the outbox inside the caller's transaction: it is kept, and done, only if that
        transaction commits (a form's saved words and the posting of them go together)."""
        job_id = self._record(session, job, body)
        if job_id is not None and self.jobs is not None:
            jobs = self.jobs
            event.listen(session, "after_commit", lambda _: jobs.notify(job_id), once=True)

    def _record(self, session: Session, job: Job, body: dict) -> int | None:
        return jobs_store.add_job(session, **self._row(job, body))

    @staticmethod
    def _row(job: Job, body: dict) -> dict:
        name = job_name(job.work)
        return {
            "team_id": team_of(body),
            "name": name,
            "key": f"{name}:{request_id(body)}",
            "args": list(job.args),
            "now": dt.datetime.now(dt.UTC),  # the outbox runs on the real clock, whatever clock features see
        }

    @property
    def tz(self) -> ZoneInfo:
        """The time zone of the workspace whose request (or job) is being handled: the one its admins chose
        (`/talks timezone`), read once per request, or the default. Outside a request, the default."""
        serving = _serving.get()
        if serving is None or not serving.team_id:
            return self.default_tz
        if serving.tz is None:
            try:
                serving.tz = self.zone_of(serving.team_id)
            except SQLAlchemyError:
                return self.default_tz  # the handler meets the fault itself, and answers it as it does any other
        return serving.tz

    def zone_of(self, team_id: str) -> ZoneInfo:
        """A workspace's time zone, read now (`tz` reads it once per request). Read apart from any transaction the
        caller has open, without waiting for one that writes (db.reading)."""
        with reading(self.sessions) as session:
            chosen = calendars.get_timezone(session, team_id=team_id)
        return make_calendar(self.default_tz, timezone=chosen).tz

    @contextlib.contextmanager
    def serving(self, team_id: str) -> Iterator[None]:
        """Handle one request (or job) of this workspace: `tz` and `today()` are its own while inside."""
        token = _serving.set(_Serving(team_id))
        try:
            yield
        finally:
            _serving.reset(token)

    def today(self) -> dt.date:
        """Today in the workspace being served."""
        return self.clock().astimezone(self.tz).date()


@dataclass(frozen=True)
class Job:
    """The slow part of a handler's work (saving, posting), recorded in the outbox before Slack is answered and
    done after, by a job runner (bot.jobs), in this process or another.

    `work` is a module-level function marked @after_ack (handlers.jobs), called as work(run, *args); `args` are
    plain JSON data (Slack's payload, ids, words), so a job can wait in the database. `not_saved` is how to
    answer Slack if the job can't be recorded (the arguments for `ack`, e.g. the person's words given back, or
    what makes them, so that nothing is built unless it is wanted); by default a short apology.
    """

    work: Callable[..., object]  # what it returns is not used
    args: tuple = ()
    not_saved: dict | Callable[[], dict] | None = None


def after_ack(work: F) -> F:
    """Mark a module-level function as a job function: only marked functions are ever run from the outbox."""
    setattr(work, JOB_MARK, True)
    return work


def job_name(work: Callable[..., object]) -> str:
    if not getattr(work, JOB_MARK, False) or "<" in work.__qualname__:
        raise ValueError(f"{work.__qualname__} is not a job function: mark it with @after_ack")
    return f"{work.__module__}:{work.__qualname__}"


@runtime_checkable
class JobQueue(Protocol):
    """What is told of each job recorded: a runner here (bot.jobs.JobRunner) or the worker process."""

    def notify(self, job_id: int) -> None: ...


def team_of(body: dict) -> str:
    """The workspace a request from Slack belongs to."""
    return str(
        body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""
    )


def request_id(body: dict) -> str:
    """What identifies this request from Slack, so the same request queues its work once."""
    return str(body.get("trigger_id") or body.get("event_id") or uuid.uuid4().hex)


def log_failure(what: str, error: BaseException) -> None:
    """The one way a failure in handling something is logged: what failed, and the traceback."""
    log.error("%s failed", what, exc_info=error)


def respond_to(payload: dict) -> Respond:
    """Answer through a payload's response_url, as Bolt's `respond` does (usable in any process)."""
    return Respond(response_url=payload.get("response_url"))


Handler = Callable[..., "Job | None"]  # handler(ack, body, respond, client, deps) -> slow work for after ack
NOT_TAKEN = "Sorry, I couldn't take that just now, so nothing has changed. Please try again in a minute."


def listener(handler: Handler, deps: Deps) -> Callable[..., None]:
    """Adapt a handler to Bolt, in the one place that deals with failures and with work after acknowledging.

    A handler may return the slow part of its work as a Job, without acknowledging: it is recorded in the
    outbox first, and only then is Slack answered, so nothing acknowledged is lost if the server dies. If the
    job can't be recorded, Slack is answered with the job's `not_saved` (or an apology) instead.
    Bolt throws away an acknowledgement whose listener raises afterwards (Slack would then see a 404), so
    errors never leave here: they are logged with the traceback, and Slack is acknowledged if it was not.
    """

    def run(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        try:
            _run(ack, body, respond, client)
        finally:
            acknowledged()  # whatever happened, the answer Bolt holds can go now

    def _run(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        if ack.response is not None:
            acknowledged()  # Bolt acknowledged an event before running its listener
        try:
            with deps.serving(team_of(body)):
                work = handler(Answering(ack), body, respond, client, deps)
        except Exception as error:
            log_failure(handler.__name__, error)
            if ack.response is None:
                ack()
            return
        if work is not None:
            if ack.response is not None:
                log.error("%s acknowledged before recording its work: a crash could lose it", handler.__name__)
            try:
                kept = deps.hand_over(work, body)
            except Exception as error:
                log_failure(f"recording the work of {handler.__name__}", error)
                kept = False
            if not kept and ack.response is None:
                _say_not_taken(ack, body, respond, work)
                return
        if ack.response is None:
            ack()

    run.__name__ = handler.__name__
    return run


def _say_not_taken(ack: Ack, body: dict, respond: Respond, work: Job) -> None:
    if work.not_saved is not None:
        ack(**(work.not_saved() if callable(work.not_saved) else work.not_saved))
    elif "command" in body:
        ack(text=NOT_TAKEN, response_type="ephemeral")
    else:
        ack()
        if body.get("response_url"):
            respond(text=NOT_TAKEN, response_type="ephemeral", replace_original=False)


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

    ack: Callable[..., object]  # Bolt's Ack on the listener; does nothing in a job (Slack was already answered)
    command: dict
    respond: Callable[..., object]
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
