"""Events from Slack's Events API."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import blocks
from handlers.context import Deps, listener
from handlers.ids import Event


def register(app: App, deps: Deps) -> None:
    app.event(Event.APP_HOME_OPENED)(listener(handle_app_home_opened, deps))


def handle_app_home_opened(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    event = body["event"]
    if event.get("tab", "home") == "home":
        client.views_publish(user_id=event["user"], view=blocks.home_view())
