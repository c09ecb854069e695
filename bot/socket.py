"""Serving Slack over Socket Mode: the app connects out to Slack and answers what Slack pushes down a WebSocket.

For an organisation with no public HTTPS address: nothing needs to reach the app from outside. The same Bolt app
answers the same commands, forms, buttons and events, hands the same work to the outbox, and the scheduler runs
as ever; only the way requests arrive differs. The app-level token (SLACK_APP_TOKEN, xapp-, connections:write)
asks Slack for a WebSocket URL; Bolt's built-in client (slack_sdk.socket_mode.builtin) keeps the connection,
reconnects when Slack asks it to, and acknowledges each envelope with what the listener acknowledged.

Each envelope is handled as an HTTP request is (bot.server): logged with its ids and counted in
programme_talks_slack_requests_total (outcome "acknowledged", or "error" when Bolt answered otherwise).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot import logs, metrics
from bot.config import ConfigError
from bot.server import INTERACTIONS
from bot.startup import NotReady

log = logging.getLogger(__name__)

KINDS = {"slash_commands": "command", "events_api": "event"}  # interactive: by the payload's type (INTERACTIONS)


class _Handler(SocketModeHandler):
    """Bolt's handler, with each envelope logged in its request's context and counted."""

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.perf_counter()
        payload: dict[str, Any] = req.payload
        kind = KINDS.get(req.type) or INTERACTIONS.get(str(payload.get("type")), "other")
        with logs.request_context(**_fields(payload)):
            response = run_bolt_app(self.app, req)
            send_response(client, req, response, started)
        outcome = "acknowledged" if 200 <= response.status < 300 else "error"
        metrics.count_request(kind, outcome, time.perf_counter() - started)


class SocketModeService:
    """The app's Socket Mode connection: `connect()` (it returns once connected; the client's threads do the rest)
    and `close()`, which stops taking envelopes; close it before the listeners' executor is shut down.

    `connect()` raises ConfigError when Slack refuses the app-level token, NotReady when Slack can't be reached:
    one sentence each, as for every other start-up problem."""

    def __init__(self, app: App, app_token: str, *, concurrency: int = 10):
        self.handler = _Handler(app, app_token=app_token, concurrency=concurrency)
        self.connected = False

    def connect(self) -> None:
        try:
            self.handler.client.connect()
        except SlackApiError as error:
            self.handler.client.close()
            raise ConfigError(_refusal(str(error.response.get("error") or ""))) from error
        except (SlackClientError, OSError) as error:
            self.handler.client.close()
            raise NotReady(
                f"could not open a Socket Mode connection to Slack ({type(error).__name__}): check that this machine "
                "can reach slack.com on port 443."
            ) from error
        self.connected = True
        log.info("connected to Slack over Socket Mode")

    def close(self) -> None:
        if self.connected:
            self.connected = False
            self.handler.client.close()


def _refusal(code: str) -> str:
    if code == "not_allowed_token_type":
        return (
            "SLACK_APP_TOKEN is not an app-level token Slack accepts for Socket Mode: make one with the "
            "connections:write scope on your Slack app's Basic Information page."
        )
    if code in ("invalid_auth", "not_authed", "token_revoked"):
        return (
            f"Slack refused SLACK_APP_TOKEN ({code}): copy the App-Level Token (xapp-...) again from your Slack app's "
            "Basic Information page."
        )
    return (
        f"Slack would not open a Socket Mode connection ({code or 'no reason given'}): check that Socket Mode is on "
        "in your Slack app's settings (app.socket-mode.yaml turns it on)."
    )


def _fields(payload: dict[str, Any]) -> dict[str, str | None]:
    """The ids an envelope is about, for its log lines: never anything anyone typed."""

    def text(value: object) -> str | None:
        return value[:100] if isinstance(value, str) and value else None

    def inner(key: str) -> dict[str, Any]:
        value = payload.get(key)
        return value if isinstance(value, dict) else {}

    actions = payload.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    return {
        "team_id": text(payload.get("team_id")) or text(inner("team").get("id")),
        "user_id": text(payload.get("user_id")) or text(inner("user").get("id")) or text(inner("event").get("user")),
        "command": text(payload.get("command")),
        "action_id": text(action.get("action_id")),
        "callback_id": text(inner("view").get("callback_id")),
        "event_type": text(inner("event").get("type")),
    }
