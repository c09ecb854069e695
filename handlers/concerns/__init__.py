"""Safeguarding after something is posted: **Report a concern** on every share, request, agreement and event the
app posts hides it at once and asks champions and admins to restore or delete it; and `/talks personal-data`, the
workspace's choice of how the personal-data check before posting works (handlers.personal_data)."""

from __future__ import annotations

from slack_bolt import App

from handlers.concerns.deciding import handle_delete, handle_restore
from handlers.concerns.reporting import handle_report
from handlers.concerns.settings import handle_personal_data
from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action
from handlers.report_menu import chose_report

TALKS_VERBS: dict[str, TalksVerb] = {"personal-data": handle_personal_data}


def register(app: App, deps: Deps) -> None:
    app.action(Action.REPORT_CONCERN)(listener(handle_report, deps))
    # A share's own menu (Edit, Delete, Report a concern): its Report option is answered here, the others by shares.
    app.action(Action.MANAGE_SHARE, matchers=[chose_report])(listener(handle_report, deps))
    app.action(Action.RESTORE_REPORTED)(listener(handle_restore, deps))
    app.action(Action.DELETE_REPORTED)(listener(handle_delete, deps))
