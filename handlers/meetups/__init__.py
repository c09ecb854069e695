"""Meetups: `/event` invites people and channels to something that already happens, with Going and Interested
buttons. The reminder the day before is a scheduled duty (bot.delivery). "Meetup" in the code, so that
"event" means only Slack's Events API; people see "event", as the command says."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action, Command, View
from handlers.meetups.listeners import handle_going, handle_interested, handle_meetup_command, handle_meetup_submission

TALKS_VERBS: dict[str, TalksVerb] = {}


def register(app: App, deps: Deps) -> None:
    app.command(Command.EVENT)(listener(handle_meetup_command, deps))
    app.view(View.MEETUP)(listener(handle_meetup_submission, deps))
    app.action(Action.MEETUP_GOING)(listener(handle_going, deps))
    app.action(Action.MEETUP_INTERESTED)(listener(handle_interested, deps))
