"""Sharing practice and asking for collaboration: `/share`, `/collab`, their forms, the personal-data check's
question on a quick one (edit, or post it anyway), and the buttons on what they post (edit, delete, I can help,
mark resolved, try posting again). Report a concern, in the same menu as edit and delete, is handlers.concerns'."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action, Command, View
from handlers.report_menu import chose_report
from handlers.shares.actions import (
    handle_manage_share,
    handle_offer_help,
    handle_open_collab_modal,
    handle_open_share_modal,
    handle_resolve_request,
    handle_retry_post,
)
from handlers.shares.commands import handle_collab_command, handle_share_command
from handlers.shares.flagged import handle_edit_flagged, handle_post_flagged
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
    app.action(Action.MANAGE_SHARE, matchers=[_not_a_report])(listener(handle_manage_share, deps))
    app.action(Action.OFFER_HELP)(listener(handle_offer_help, deps))
    app.action(Action.RESOLVE_REQUEST)(listener(handle_resolve_request, deps))
    app.action(Action.RETRY_POST)(listener(handle_retry_post, deps))
    app.action(Action.OPEN_SHARE_MODAL)(listener(handle_open_share_modal, deps))
    app.action(Action.OPEN_COLLAB_MODAL)(listener(handle_open_collab_modal, deps))
    app.action(Action.EDIT_FLAGGED)(listener(handle_edit_flagged, deps))
    app.action(Action.POST_FLAGGED)(listener(handle_post_flagged, deps))


def _not_a_report(body: dict) -> bool:
    """Edit or Delete chosen in a share's menu (its Report a concern is handlers.concerns')."""
    return not chose_report(body)
