"""What the local Slack stand-in records, and how it is told to fail: every call it answered (`Call`), waiting for
calls (or for none), and faults injected into the next calls of a method.

`CallRecorder` is the part of bot.devkit.local_slack.LocalSlack that does this, and owns the stand-in's lock: a
Condition, notified whenever a call is recorded. No HTTP here.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.devkit.slack_state import Answer, api_error


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int
    response: dict[str, Any]
    team_id: str = ""  # the workspace whose token made the call ("" when none was needed or known)


@dataclass
class Fault:
    method: str
    status: int
    error: str
    retry_after: int | None
    times: int
    where: Callable[[dict], bool] | None


class CallRecorder:
    """Records the stand-in's calls and holds the faults it was told to answer with."""

    def __init__(self) -> None:
        self._condition = threading.Condition()  # the stand-in's one lock; notified whenever a call is recorded
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._requests = 0  # every request served, recorded as a call or not
        super().__init__()

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        where: Callable[[dict], bool] | None = None,
    ) -> None:
        """Make the next `times` calls to `method` (matching `where`) answer with an error."""
        if status == 200 and error is None:
            raise ValueError("give an error, or a status other than 200")
        if status == 429:
            retry_after = retry_after or 1
        error = error or ("ratelimited" if status == 429 else "internal_error")
        with self._condition:
            self._faults.append(Fault(method, status, error, retry_after, times, where))

    def clear(self) -> None:
        """Forget recorded calls and pending faults; channels, users and messages stay."""
        with self._condition:
            self._calls.clear()
            self._faults.clear()

    @property
    def calls(self) -> list[Call]:
        with self._condition:
            return list(self._calls)

    @property
    def requests_seen(self) -> int:
        with self._condition:
            return self._requests

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Wait until at least `count` matching calls have arrived, and return all of them."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while len(found := self._matching(method, where)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    matching = " matching `where`" if where else ""
                    raise AssertionError(
                        f"expected {count} call(s) to {method}{matching} within {timeout}s, "
                        f"got {len(found)}; {self._describe_calls(method)}"
                    )
                self._condition.wait(remaining)
            return found

    def assert_no_call(self, method: str, *, where: Callable[[Call], bool] | None = None, within: float = 0.3) -> None:
        """Fail if a matching call is recorded, now or within the next `within` seconds."""
        deadline = time.monotonic() + within
        with self._condition:
            while not (found := self._matching(method, where)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._condition.wait(remaining)
        raise AssertionError(f"expected no call to {method}, got {len(found)}: {found[0].args}")

    # Called with the lock held

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        self._condition.notify_all()

    def _fault(self, method: str, args: dict[str, Any]) -> Answer | None:
        """The answer of the first fault waiting for this call, used up once; None when none is."""
        for fault in self._faults:
            if fault.method == method and (fault.where is None or fault.where(args)):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return fault.status, api_error(fault.error), headers
        return None

    def _matching(self, method: str, where: Callable[[Call], bool] | None) -> list[Call]:
        return [call for call in self._calls if call.method == method and (where is None or where(call))]

    def _describe_calls(self, method: str) -> str:
        seen = Counter(call.method for call in self._calls)
        described = ", ".join(f"{name} x{count}" for name, count in seen.items()) or "none"
        args = [call.args for call in self._calls if call.method == method]
        return f"calls seen: {described}" + (f"; {method} args: {str(args)[:600]}" if args else "")
