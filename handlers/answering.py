"""Telling the thread that sends a request's answer to Slack the moment a listener has acknowledged.

In Bolt's default mode the thread that received a request hands the listener to the listener executor, then looks
for its acknowledgement every 10 ms (slack_bolt.listener.thread_runner), so an answer waited for the next look: ten
milliseconds at the least, and under a burst, more. bot.listening's executor instead holds that thread on an event,
set here as soon as the listener has acknowledged, so the answer goes at once (BENCHMARKS.md, /share
acknowledgement). The listener's work after acknowledging still runs apart from the answer, as before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from slack_bolt import Ack, BoltResponse

_waiting: ContextVar[threading.Event | None] = ContextVar("waiting_for_the_answer", default=None)


@contextlib.contextmanager
def waited_for(answered: threading.Event) -> Iterator[None]:
    """While inside, a context copied for a listener carries `answered`, which `acknowledged` sets."""
    token = _waiting.set(answered)
    try:
        yield
    finally:
        _waiting.reset(token)


def acknowledged() -> None:
    """The listener running now has acknowledged its request (or finished): its answer can go."""
    if (answered := _waiting.get()) is not None:
        answered.set()


class Answering:
    """A listener's Bolt Ack that says so (`acknowledged`) once it has been called. Bolt sends the response the
    wrapped Ack holds, so this only ever adds the signal."""

    def __init__(self, ack: Ack):
        self._ack = ack

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return self._ack(*args, **kwargs)
        finally:
            acknowledged()

    @property
    def response(self) -> BoltResponse | None:
        return self._ack.response
