"""A local stand-in for Slack's Socket Mode, for tests and the demo: the app connects out, Slack pushes in.

The app calls ``apps.connections.open`` with its app-level token (``xapp-...``) and gets a WebSocket URL; on
connecting it is greeted with ``hello``; then Slack sends envelopes (``slash_commands``, ``interactive``,
``events_api``) and the app acknowledges each one by its ``envelope_id``, optionally with a payload (what an
HTTP 200 body would have been). Slack may ask the app to reconnect with a ``disconnect`` message.

``SocketModeHub`` serves that protocol on 127.0.0.1 with a free port over plain ``ws://``: slack_sdk's built-in
client decides on TLS by port (443), not by scheme, so a ``ws://`` URL on another port is spoken in the clear.
``LocalSlack(socket_mode=True)`` owns a hub and routes ``apps.connections.open`` to it.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

DEFAULT_APP_ID = "A0001"
KINDS = ("slash_commands", "interactive", "events_api")
# Interactive payloads whose ack body Slack reads (modal errors, option lists); for the rest it is ignored.
_ANSWERED_INTERACTIONS = ("view_submission", "block_suggestion")
_HOST_NAME = "applink-local"


class SocketModeError(RuntimeError):
    """Delivery through the hub failed: no app is connected, or it did not acknowledge in time."""


@dataclass(frozen=True)
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    at: float


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    at: float


def _refusal(token: str | None, expected: str | None) -> str | None:
    """The error Slack gives apps.connections.open for this token, or None if it is accepted."""
    if not token:
        return "not_authed"
    if token.startswith("xox"):
        return "not_allowed_token_type"  # a bot or user token where an app-level token is needed
    if not token.startswith("xapp-") or (expected is not None and token != expected):
        return "invalid_auth"
    return None


def _app_id(token: str, default: str) -> str:
    """App-level tokens read ``xapp-1-<app id>-<number>-<secret>``; fall back to `default` for short ones."""
    parts = token.split("-")
    return parts[2] if len(parts) > 3 and parts[2].startswith("A") else default


class SocketModeHub:
    """Slack's Socket Mode side on a local port: issues WebSocket URLs, sends envelopes, collects acks."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = DEFAULT_APP_ID,
        app_token: str | None = None,
        ping_interval: float | None = 0.1,
    ) -> None:
        """`app_token`, if given, is the only app-level token accepted.

        The hub pings every connection each `ping_interval` seconds, as Slack pings its clients (None: never).
        slack_sdk's built-in client holds a lock across a recv() with a 3-second timeout, so its close() (and any
        switch of connection) waits until something arrives: frequent pings keep it from stalling for 3 seconds.
        """
        self._socket = socket.create_server((host, port))
        self._host, self._port = host, self._socket.getsockname()[1]
        self._app_token = app_token
        self._ping_interval = ping_interval
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._pinger: threading.Thread | None = None
        self._condition = threading.Condition()
        self._stopping = False
        self.app_id = app_id
        self._tickets: dict[str, str] = {}  # unused ticket -> app id
        self._urls_issued = 0
        self._sessions_started = 0
        self._open: list[ServerConnection] = []  # oldest first
        self._envelopes: list[Envelope] = []
        self._acks: dict[str, Ack] = {}

    @property
    def url(self) -> str:
        return f"ws://{self._host}:{self._port}/"

    # Running

    def start(self) -> SocketModeHub:
        if self._thread is None:
            self._server = serve(
                self._session,
                sock=self._socket,
                process_request=self._check_ticket,
                compression=None,
                ping_interval=None,  # the hub's one pinger thread does it, and is joined on stop()
                close_timeout=1,
                server_header=None,
            )
            self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode-hub", daemon=True)
            self._thread.start()
            if self._ping_interval:
                self._pinger = threading.Thread(target=self._ping, name="socket-mode-pinger", daemon=True)
                self._pinger.start()
        return self

    def stop(self) -> None:
        """Close every connection, stop listening, and join the hub's threads."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._pinger is not None:
            self._pinger.join()
            self._pinger = None
        if self._server is not None and self._thread is not None:
            self._server.shutdown()  # closes open connections (1001) and waits for their handler threads
            self._thread.join()
            self._thread = None
        self._socket.close()

    def __enter__(self) -> SocketModeHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # The Web API side

    def connections_open(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Answer ``apps.connections.open``: `args` carries the caller's token under "token"."""
        token = args.get("token") or ""  # none is refused as not_authed, like an empty one
        if error := _refusal(token, self._app_token):
            return {"ok": False, "error": error}
        ticket = uuid.uuid4().hex
        with self._condition:
            self.app_id = _app_id(token, self.app_id)
            self._tickets[ticket] = self.app_id
            self._urls_issued += 1
        return {"ok": True, "url": f"{self.url}link/?ticket={ticket}&app_id={self.app_id}"}

    # Driving the app

    def wait_connected(self, timeout: float = 3.0, *, sessions: int = 1) -> None:
        """Wait until an app is connected and `sessions` connections have been greeted in all."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while not (self._open and self._sessions_started >= sessions):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopping:
                    raise SocketModeError(
                        f"no Socket Mode connection within {timeout}s ({self._describe()}); "
                        "did the app call apps.connections.open with an xapp- token and connect?"
                    )
                self._condition.wait(remaining)

    def deliver(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        timeout: float = 3.0,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> dict[str, Any] | None:
        """Send an envelope to the newest connection and return the payload of the app's ack (None if bare).

        Raises SocketModeError if no app is connected or no ack comes within `timeout` seconds (Slack allows 3).
        Bolt sends no ack at all when no listener matched, so a missing listener shows up here as a timeout.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown envelope type {kind!r}; Slack sends {', '.join(KINDS)}")
        answered = kind == "slash_commands" or (kind == "interactive" and payload.get("type") in _ANSWERED_INTERACTIONS)
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": kind,
            "payload": copy.deepcopy(dict(payload)),
            "accepts_response_payload": answered,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        envelope_id = envelope["envelope_id"]
        with self._condition:
            if not self._open:
                raise SocketModeError(f"cannot deliver {kind}: no app is connected ({self._describe()})")
            connection = self._open[-1]
            self._envelopes.append(Envelope(envelope_id, kind, envelope["payload"], answered, time.monotonic()))
        try:
            connection.send(json.dumps(envelope))
        except ConnectionClosed as closed:
            raise SocketModeError(f"cannot deliver {kind}: the connection closed ({closed})") from closed
        deadline = time.monotonic() + timeout
        with self._condition:
            while (ack := self._acks.get(envelope_id)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopping:
                    raise SocketModeError(
                        f"no ack for {kind} envelope {envelope_id} within {timeout}s "
                        f"(no listener matched, or the listener never called ack()); {self._describe()}"
                    )
                self._condition.wait(remaining)
            return copy.deepcopy(ack.payload)

    def ask_to_reconnect(self, *, reason: str = "refresh_requested", timeout: float = 3.0) -> None:
        """Send ``disconnect`` (as Slack does every few hours), wait until the app has connected anew, then close
        the old connections, as Slack does a few seconds later.

        Closing them matters to slack_sdk's built-in client: it swaps connections only once its reader thread,
        blocked in recv() on the old socket, wakes up, and the close frame wakes it at once instead of after its
        3-second receive timeout, during which nothing sent on the new connection is read.
        """
        with self._condition:
            connections, sessions = list(self._open), self._sessions_started
        if not connections:
            raise SocketModeError(f"cannot ask to reconnect: no app is connected ({self._describe()})")
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": _HOST_NAME}})
        for connection in connections:
            try:
                connection.send(message)
            except ConnectionClosed:
                continue
        self.wait_connected(timeout, sessions=sessions + 1)
        for connection in connections:
            connection.close(reason="refreshed")

    # Looking at what happened

    @property
    def envelopes(self) -> list[Envelope]:
        with self._condition:
            return list(self._envelopes)

    @property
    def acks(self) -> list[Ack]:
        with self._condition:
            return list(self._acks.values())

    @property
    def urls_issued(self) -> int:
        with self._condition:
            return self._urls_issued

    @property
    def sessions_started(self) -> int:
        """WebSocket connections greeted with hello since the hub started."""
        with self._condition:
            return self._sessions_started

    @property
    def open_connections(self) -> int:
        with self._condition:
            return len(self._open)

    def _describe(self) -> str:
        return (
            f"URLs issued: {self._urls_issued}, connections: {self._sessions_started} started, "
            f"{len(self._open)} open; envelopes sent: {len(self._envelopes)}, acks: {len(self._acks)}"
        )

    # Serving, on the server's threads

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._condition:
            app_id = self._tickets.pop(ticket, None) if url.path == "/link/" else None
        if app_id is None:
            return connection.respond(401, "unknown or used ticket: call apps.connections.open for a new URL\n")
        return None

    def _session(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path).query) if connection.request else {}
        with self._condition:
            num_connections = len(self._open) + 1
        hello = {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {"host": _HOST_NAME, "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": (query.get("app_id") or [self.app_id])[0]},
        }
        try:
            connection.send(json.dumps(hello))
            with self._condition:
                self._open.append(connection)
                self._sessions_started += 1
                self._condition.notify_all()
            for message in connection:
                self._receive(message)
        except ConnectionClosed:
            pass  # the built-in client drops the TCP connection without a close frame
        finally:
            with self._condition:
                if connection in self._open:
                    self._open.remove(connection)
                self._condition.notify_all()

    def _ping(self) -> None:
        while True:
            with self._condition:
                if self._condition.wait_for(lambda: self._stopping, self._ping_interval):
                    return
                connections = list(self._open)
            for connection in connections:
                with suppress(ConnectionClosed):
                    connection.ping()

    def _receive(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            return
        if isinstance(ack, dict) and isinstance(ack.get("envelope_id"), str):
            payload = ack.get("payload")
            with self._condition:
                self._acks[ack["envelope_id"]] = Ack(ack["envelope_id"], payload, time.monotonic())
                self._condition.notify_all()
