"""Sharing practice and asking for collaboration: `/share`, `/collab`, their forms, and the buttons on what
they post (edit, delete, I can help, mark resolved, try posting again)."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action, Command, View
from handlers.shares.actions import (
    handle_manage_share,
    handle_offer_help,
    handle_open_collab_modal,
    handle_open_share_modal,
    handle_resolve_request,
    handle_retry_post,
)
from handlers.shares.commands import handle_collab_command, handle_share_command
from handlers.shares.views import (
    handle_collab_submission,
    handle_delete_submission,
    handle_edit_submission,
    handle_share_submission,
)

TALKS_VERBS: dict[str, TalksVerb] = {}


def register(app: App, deps: Deps) -> None:
    app.command(Command.SHARE)(listener(handle_share_command, deps))
    app.command(Command.COLLAB)(listener(handle_collab_command, deps))
    app.view(View.SHARE)(listener(handle_share_submission, deps))
    app.view(View.EDIT_SHARE)(listener(handle_edit_submission, deps))
    app.view(View.DELETE_SHARE)(listener(handle_delete_submission, deps))
    app.view(View.COLLAB)(listener(handle_collab_submission, deps))
    app.action(Action.MANAGE_SHARE)(listener(handle_manage_share, deps))
    app.action(Action.OFFER_HELP)(listener(handle_offer_help, deps))
    app.action(Action.RESOLVE_REQUEST)(listener(handle_resolve_request, deps))
    app.action(Action.RETRY_POST)(listener(handle_retry_post, deps))
    app.action(Action.OPEN_SHARE_MODAL)(listener(handle_open_share_modal, deps))
    app.action(Action.OPEN_COLLAB_MODAL)(listener(handle_open_collab_modal, deps))
