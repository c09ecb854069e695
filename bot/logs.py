"""Logging set-up: one line per record, as text or as JSON, with Slack tokens and secrets taken out of every line.

What a line may say: who and what a request was about (its workspace, person and command, action, form or event,
or the job being done), never what anyone typed. The request being handled, or the job being done, is kept in
a context variable: the WSGI layer sets it for each request Slack signed (`request_context`), the job runner for
each job (`job_context`), and `ContextExecutor` carries it to Bolt's listener threads. The JSON format writes it
into every line logged meanwhile.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json as jsonlib
import logging
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from types import MappingProxyType
from typing import Any, ParamSpec, TextIO, TypeVar

_SECRET = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The fields a line may carry about the request or job it was logged for, in the order they are written.
CONTEXT_FIELDS = ("team_id", "user_id", "command", "action_id", "callback_id", "event_type", "job_id")

_NOTHING: Mapping[str, str | int] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, str | int]] = contextvars.ContextVar("log_context", default=_NOTHING)

P = ParamSpec("P")
T = TypeVar("T")


class RedactingFormatter(logging.Formatter):
    """Formats a record, then takes Slack tokens and the given secrets out of all of it (tracebacks too)."""

    def __init__(self, fmt: str, *secrets: str):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if len(s) >= 8]  # real secrets are long; "s" must not redact every s

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        text = _SECRET.sub("xox*-[redacted]", text)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the request's or job's fields
    when known (CONTEXT_FIELDS), and the traceback, if any, as `exception`. Redacted field by field, so a secret
    is found however JSON would have escaped it."""

    def __init__(self, *secrets: str):
        super().__init__("%(message)s", *secrets)

    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        line: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        known = _context.get()
        for name in CONTEXT_FIELDS:
            if (value := known.get(name)) is not None:
                line[name] = self.redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.stack_info:
            line["exception"] = self.redact(self.formatStack(record.stack_info))
        return jsonlib.dumps(line, ensure_ascii=False)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged, not what it was when logging was set up (a
    worker thread may log after a caller, such as a test, has swapped stderr and closed its own)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


def configure(level: int = logging.INFO, *secrets: str, json: bool = False, stream: TextIO | None = None) -> None:
    """Send every log line to stderr (or `stream`) at `level` and above, as text, or with `json` as one JSON
    object a line; `secrets` (and anything shaped like a Slack token) are replaced by [redacted]."""
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.setFormatter(JsonFormatter(*secrets) if json else RedactingFormatter(TEXT_FORMAT, *secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@contextlib.contextmanager
def request_context(**fields: str | None) -> Iterator[None]:
    """While handling one request Slack signed, every line logged (here, and on the threads that inherit this
    context) carries its fields: team_id, user_id, and command, action_id, callback_id or event_type."""
    token = _context.set(MappingProxyType({name: value for name, value in fields.items() if value}))
    try:
        yield
    finally:
        _context.reset(token)


@contextlib.contextmanager
def job_context(*, job_id: int, team_id: str | None = None) -> Iterator[None]:
    """While doing one job from the outbox, every line logged on this thread carries `job_id` (and the job's
    workspace, `team_id`), besides what the request that queued it already set, if it runs on that request's
    context.

    The job runner wraps each attempt at a job in it:

        with logs.job_context(job_id=record.id, team_id=record.team_id):
            work(run, *record.args)
    """
    known = dict(_context.get())
    known["job_id"] = job_id
    if team_id:
        known["team_id"] = team_id
    token = _context.set(MappingProxyType(known))
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Mapping[str, str | int]:
    """The request's or job's fields that lines logged now carry."""
    return _context.get()


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool that runs each task in a copy of the context of the thread that submitted it, so Bolt's
    listener threads log with the fields of the request they are answering (threads otherwise start empty)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)  # type: ignore[arg-type]
