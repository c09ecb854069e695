"""The executor Bolt runs listeners on: each in its request's logging context, with the answer sent the moment the
listener acknowledges (handlers.answering), not at Bolt's next 10 ms look."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, ParamSpec, TypeVar

from bot.logs import ContextExecutor
from handlers.answering import waited_for

P = ParamSpec("P")
T = TypeVar("T")

# Seconds the receiving thread waits for the acknowledgement here; after that, Bolt's own looking takes over (until
# its 3 s are up), exactly as without this.
WAIT_AT_MOST = 2.5


class ListenerExecutor(ContextExecutor):
    """Bolt's listener executor. `submit` (called by the thread that received the request, which then looks for the
    acknowledgement) returns once the listener has acknowledged or finished, or after WAIT_AT_MOST: when Bolt
    looks, the answer is there. Only for Bolt's listeners: a task that never acknowledges keeps its submitter
    waiting until it finishes (lazy listeners, which this app does not use, would)."""

    def __init__(self, *args: Any, answering: Callable[[], None] | None = None, **kwargs: Any):
        """`answering` is told of every request as it comes in (the after-ack work holds back while they come)."""
        super().__init__(*args, **kwargs)
        self._answering = answering

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        if self._answering is not None:
            self._answering()
        answered = threading.Event()
        with waited_for(answered):  # in the context the listener's thread is given a copy of
            future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(lambda _: answered.set())
        answered.wait(WAIT_AT_MOST)
        return future
