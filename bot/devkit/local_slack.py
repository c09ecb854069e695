"""A local stand-in for the Slack Web API, for tests, benchmarks and the demo command.

It answers like Slack on 127.0.0.1, records every call, stores messages and uploaded files, and can be
told to fail. Point a WebClient at it with ``WebClient(base_url=stand_in.url, token="xoxb-...")``.
With ``socket_mode=True`` it also serves Socket Mode (``bot.devkit.socket_mode``): ``apps.connections.open`` takes
an app-level token and hands out a URL on the hub in ``stand_in.socket_mode``. Close the app's Socket Mode handler
before stopping the stand-in, or its client keeps trying to reconnect.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.devkit.slack_state import (
    BOT,
    MESSAGE_BLOCKS,
    TEAM_ID,
    TEAM_NAME,
    Answer,
    SlackState,
    api_error,
    blocks_problem,
    invalid_blocks,
    parse_args,
)

if TYPE_CHECKING:
    from bot.devkit.socket_mode import SocketModeHub


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int
    response: dict[str, Any]


@dataclass
class _Fault:
    method: str
    status: int
    error: str
    retry_after: int | None
    times: int
    where: Callable[[dict], bool] | None


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ").strip() or None
    return None


class LocalSlack:
    """A Slack Web API on a local port that records calls and injects faults."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        posts_per_second_per_channel: float | None = None,
        users: dict[str, dict] | None = None,
        latency: float = 0.0,
        socket_mode: bool = False,
    ) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.stand_in = self
        self._thread: threading.Thread | None = None
        self._base = f"http://{host}:{self._server.server_address[1]}"
        self.url = f"{self._base}/api/"
        self._min_gap = 1 / posts_per_second_per_channel if posts_per_second_per_channel else 0.0
        self.latency = latency  # seconds each Web API call takes before it is answered (a slow Slack)
        self.socket_mode: SocketModeHub | None = None  # serves apps.connections.open and the WebSocket
        if socket_mode:
            from bot.devkit.socket_mode import SocketModeHub  # needs `websockets`, only when asked for

            self.socket_mode = SocketModeHub(host=host)
        self._condition = threading.Condition()
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._requests = 0
        self._ids = itertools.count(1)
        self._last_post: dict[str, float] = {}
        self.state = SlackState(self._base, users)  # the workspace's channels, people, messages and files
        state = self.state
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": lambda args: {"ok": True, "team_id": TEAM_ID, "team": TEAM_NAME} | BOT,
            "team.info": lambda args: {"ok": True, "team": {"id": TEAM_ID, "name": TEAM_NAME}},
            "chat.postMessage": state.post_message,
            "chat.postEphemeral": state.post_ephemeral,
            "chat.update": state.update_message,
            "chat.delete": state.delete_message,
            "chat.getPermalink": state.permalink,
            "conversations.join": state.join,
            "conversations.info": state.conversation_info,
            "conversations.open": state.open_conversation,
            "conversations.history": state.history,
            "users.info": state.user_info,
            "views.open": lambda args: state.view("views.open", args),
            "views.push": lambda args: state.view("views.push", args),
            "views.update": lambda args: state.view("views.update", args),
            "views.publish": lambda args: state.view("views.publish", args),
            "files.getUploadURLExternal": state.upload_url,
            "files.completeUploadExternal": state.complete_upload,
        }

    # Running

    def start(self) -> LocalSlack:
        if self.socket_mode is not None:
            self.socket_mode.start()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        if self.socket_mode is not None:
            self.socket_mode.stop()

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def response_url(self) -> str:
        with self._condition:
            return f"{self._base}/response/{next(self._ids)}"

    # Setting up

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "Europe/London",
    ) -> None:
        user = self.state.user(user_id, name)
        user.update(is_admin=is_admin, is_owner=is_owner, tz=tz)
        with self._condition:
            self.state.users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        channel = {"id": channel_id, "name": name, "is_private": is_private, "is_archived": is_archived}
        with self._condition:
            self.state.channels[channel_id] = {**channel, "is_member": bot_is_member}

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
            self._faults.append(_Fault(method, status, error, retry_after, times, where))

    def clear(self) -> None:
        """Forget recorded calls and pending faults; channels, users and messages stay."""
        with self._condition:
            self._calls.clear()
            self._faults.clear()

    # Looking at what happened

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

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._condition:
            return copy.deepcopy(self.state.messages.get(channel, []))

    def uploaded_files(self) -> list[dict[str, Any]]:
        """Every file announced with files.getUploadURLExternal, with the bytes uploaded so far."""
        keys = ("id", "title", "filename", "content", "channel_id")
        with self._condition:
            return [{key: file[key] for key in keys} for file in self.state.files.values()]

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

    def _matching(self, method: str, where: Callable[[Call], bool] | None) -> list[Call]:
        return [call for call in self._calls if call.method == method and (where is None or where(call))]

    def _describe_calls(self, method: str) -> str:
        seen = Counter(call.method for call in self._calls)
        described = ", ".join(f"{name} x{count}" for name, count in seen.items()) or "none"
        args = [call.args for call in self._calls if call.method == method]
        return f"calls seen: {described}" + (f"; {method} args: {str(args)[:600]}" if args else "")

    # Serving

    def _serve(self, path: str, headers: Message, body: bytes) -> tuple[int, dict[str, str], bytes]:
        at = time.monotonic()
        url = urlsplit(path)
        kind, _, rest = url.path.strip("/").partition("/")
        address, token = self._base + url.path, None
        if self.latency and kind == "api":
            time.sleep(self.latency)
        if kind == "upload":
            args: dict[str, Any] = {"url": address, "file_id": rest, "size": len(body)}
        else:
            args = parse_args(headers.get("Content-Type", ""), body, url.query)
            token = args.pop("token", None) or _bearer(headers.get("Authorization"))
        with self._condition:
            self._requests += 1
            if kind == "api" and rest:
                method = rest
                status, response, extra = self._answer_api(method, args, token)
            elif kind == "response" and rest:
                method, args = "response_url", {**args, "url": address}
                status, response, extra = self._fault(method, args) or self._answer_response_url(args)
            elif kind == "upload" and rest in self.state.files:
                method = "upload_url"
                status, response, extra = self._fault(method, args) or self.state.store_upload(rest, body)
            else:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            self._calls.append(Call(method, args, at, status, response))
            self._condition.notify_all()
        if kind == "api":
            extra["Content-Type"] = "application/json; charset=utf-8"
            return status, extra, json.dumps(response).encode()
        extra["Content-Type"] = "text/plain; charset=utf-8"
        return status, extra, ("ok" if response["ok"] else response["error"]).encode()

    def _answer_api(self, method: str, args: dict[str, Any], token: str | None) -> Answer:
        if method == "apps.connections.open" and self.socket_mode is not None:
            return self._fault(method, args) or (200, self.socket_mode.connections_open({**args, "token": token}), {})
        if not token:
            return 200, api_error("not_authed"), {}
        if not token.startswith("xox"):
            return 200, api_error("invalid_auth"), {}
        if fault := self._fault(method, args):
            return fault
        if method == "chat.postMessage" and (limited := self._rate_limit(args.get("channel"))):
            return limited
        handler = self._methods.get(method)
        return 200, handler(args) if handler else {"ok": True}, {}

    def _fault(self, method: str, args: dict[str, Any]) -> Answer | None:
        for fault in self._faults:
            if fault.method == method and (fault.where is None or fault.where(args)):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return fault.status, api_error(fault.error), headers
        return None

    def _rate_limit(self, channel: str | None) -> Answer | None:
        if not self._min_gap or not channel:
            return None
        now = time.monotonic()
        wait = self._last_post.get(channel, -math.inf) + self._min_gap - now
        if wait > 0:
            return 429, api_error("ratelimited"), {"Retry-After": str(max(1, math.ceil(wait)))}
        self._last_post[channel] = now
        return None

    def _answer_response_url(self, args: dict[str, Any]) -> Answer:
        if problem := blocks_problem(args.get("blocks"), MESSAGE_BLOCKS):
            return 400, invalid_blocks(problem), {}
        return 200, {"ok": True}, {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    stand_in: LocalSlack


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        status, headers, payload = self.server.stand_in._serve(self.path, self.headers, self._read_body())
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def _read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and benchmarks read stderr."""
