"""Capturing from any message: the message shortcuts **Share as practice** and **Ask for collaboration** open the
share or request form filled in with the message's words (threads too), linked back to it. Whoever uses the
shortcut is the author; the message's author is credited only if it is them, or once they accept when asked."""

from __future__ import annotations

from slack_bolt import App

from handlers.capture.credit import handle_accept_credit, handle_decline_credit
from handlers.capture.forms import handle_ask_shortcut, handle_share_shortcut
from handlers.capture.saving import handle_captured_request, handle_captured_share
from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action, Shortcut, View

TALKS_VERBS: dict[str, TalksVerb] = {}


def register(app: App, deps: Deps) -> None:
    app.shortcut(Shortcut.SHARE_MESSAGE)(listener(handle_share_shortcut, deps))
    app.shortcut(Shortcut.ASK_FROM_MESSAGE)(listener(handle_ask_shortcut, deps))
    app.view(View.CAPTURE_SHARE)(listener(handle_captured_share, deps))
    app.view(View.CAPTURE_REQUEST)(listener(handle_captured_request, deps))
    app.action(Action.ACCEPT_CREDIT)(listener(handle_accept_credit, deps))
    app.action(Action.DECLINE_CREDIT)(listener(handle_decline_credit, deps))
