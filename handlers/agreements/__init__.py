"""Written collaboration agreements: `/agreement` (a two-step form), `list`, `show N`, `export N`; confirming,
proposing changes, and recording reviews. The review nudges themselves are scheduled duties (bot.delivery)."""

from __future__ import annotations

from slack_bolt import App

from handlers.agreements.actions import handle_confirm, handle_propose_change, handle_record_review
from handlers.agreements.commands import handle_agreement_command
from handlers.agreements.forms import (
    handle_change_submission,
    handle_details_submission,
    handle_parties_submission,
    handle_review_submission,
)
from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action, Command, View

TALKS_VERBS: dict[str, TalksVerb] = {}


def register(app: App, deps: Deps) -> None:
    app.command(Command.AGREEMENT)(listener(handle_agreement_command, deps))
    app.view(View.AGREEMENT_PARTIES)(listener(handle_parties_submission, deps))
    app.view(View.AGREEMENT_DETAILS)(listener(handle_details_submission, deps))
    app.view(View.AGREEMENT_CHANGE)(listener(handle_change_submission, deps))
    app.view(View.AGREEMENT_REVIEW)(listener(handle_review_submission, deps))
    app.action(Action.CONFIRM_AGREEMENT)(listener(handle_confirm, deps))
    app.action(Action.PROPOSE_CHANGE)(listener(handle_propose_change, deps))
    app.action(Action.RECORD_REVIEW)(listener(handle_record_review, deps))
