"""Events from Slack's Events API."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from handlers import blocks
from handlers.context import Deps
from handlers.ids import Event


def register(app: App, deps: Deps) -> None:
    app.event(Event.APP_HOME_OPENED)(handle_app_home_opened)


def handle_app_home_opened(event: dict, client: WebClient) -> None:
    if event.get("tab", "home") == "home":
        client.views_publish(user_id=event["user"], view=blocks.home_view())
