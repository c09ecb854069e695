"""The app's Home tab: what Programme Talks is and how to use it, with buttons to share and ask."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from handlers.context import Deps, TalksVerb, listener
from handlers.help import help_blocks
from handlers.ids import SlackEvent

TALKS_VERBS: dict[str, TalksVerb] = {}


def register(app: App, deps: Deps) -> None:
    app.event(SlackEvent.APP_HOME_OPENED)(listener(handle_app_home_opened, deps))


def home_view() -> View:
    return View(type="home", blocks=help_blocks())


def handle_app_home_opened(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    event = body["event"]
    if event.get("tab", "home") == "home":
        client.views_publish(user_id=event["user"], view=home_view())
