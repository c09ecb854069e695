"""Acknowledging what no feature handles: a button, menu, form, shortcut or event with an id the app doesn't know.

Such a request comes from a message or view an older version of the app posted, or from an element Slack reports
that no feature listens to; without these listeners Bolt answers 404 and the person sees an error. Each is
acknowledged, and logged once per id (not once per click). Ids the app declares (handlers.ids) are left alone, so
one whose listener went missing still fails loudly, in tests and in Slack.

`register(app)` must come after every feature's: Bolt runs the first listener that matches.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from slack_bolt import Ack, App

from handlers.ids import Action, SlackEvent, View

log = logging.getLogger("programme_talks.handlers")

ANY = re.compile("")  # matches every id; the matchers below leave out the ids the app declares
REMEMBERED = 1000  # ids logged so far that are remembered, so each is logged once; then they are no longer logged


class Seen:
    """The ids already logged: each unknown id is logged once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[tuple[str, str]] = set()

    def first_time(self, what: str, ident: str) -> bool:
        with self._lock:
            if (what, ident) in self._ids or len(self._ids) >= REMEMBERED:
                return False
            self._ids.add((what, ident))
            return True


def register(app: App) -> None:
    seen = Seen()

    def unknown(what: str, ident: object) -> None:  # before acknowledging: the line is written by the time Slack hears
        if seen.first_time(what, str(ident)):
            log.warning("no listener for the %s %r: acknowledged (each such id is logged once)", what, ident)

    def acknowledge_unknown_action(ack: Ack, body: dict) -> None:
        unknown("action", _action_id(body))
        ack()

    def acknowledge_unknown_options(ack: Ack, body: dict) -> None:
        unknown("options menu", body.get("action_id"))
        ack(options=[])

    def acknowledge_unknown_view(ack: Ack, body: dict) -> None:
        unknown(body.get("type", "view"), _callback_id(body))
        ack()

    def acknowledge_unknown_shortcut(ack: Ack, body: dict) -> None:
        unknown("shortcut", body.get("callback_id"))
        ack()

    def acknowledge_unknown_event(ack: Ack, body: dict) -> None:
        unknown("event", _event_type(body))
        ack()

    app.action(ANY, matchers=[_not_declared(Action, _action_id)])(acknowledge_unknown_action)
    app.options(ANY)(acknowledge_unknown_options)  # the app declares no menus of its own options
    app.view_submission(ANY, matchers=[_not_declared(View, _callback_id)])(acknowledge_unknown_view)
    app.view_closed(ANY)(acknowledge_unknown_view)  # no feature asks to hear that a view was closed
    app.shortcut(ANY)(acknowledge_unknown_shortcut)  # the app declares no shortcuts
    app.event(ANY, matchers=[_not_declared(SlackEvent, _event_type)])(acknowledge_unknown_event)


def _action_id(body: dict) -> object:
    return (body.get("actions") or [{}])[0].get("action_id")


def _callback_id(body: dict) -> object:
    return body["view"].get("callback_id")


def _event_type(body: dict) -> object:
    return body["event"].get("type")


def _not_declared(declared: type[Action] | type[View] | type[SlackEvent], ident: Callable[[dict], object]) -> Callable:
    """A Bolt matcher: true when the request's id is none of those `declared`."""
    known = {str(member) for member in declared}

    def matches(body: dict) -> bool:
        return ident(body) not in known

    return matches
