"""Data protection: telling people what is kept, giving them their data, erasing it, and how long it is kept.

- `/talks privacy`: what is stored, who sees it, how long it is kept, and how to get or erase it.
- `/talks my data`: everything the app holds about you, as JSON and Markdown, by direct message.
- `/talks erase me`, `/talks erase @name` (owners and admins, for a leaver), `/talks erase workspace`: a form
  names what will go, then it goes (handlers.privacy.erasure).
- `/talks export all` and `/talks audit [days]` (owners and admins): the workspace's data as CSVs in a zip, and
  the audit trail as a CSV, by direct message.
- `/talks retention` shows how long each kind of record is kept and why; owners and admins change it with
  `/talks retention shares 18 months`. The scheduler's retention duty (bot.delivery.retention) deletes what is past
  its time each night.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Deps, TalksVerb, listener
from handlers.ids import View
from handlers.privacy.commands import handle_audit, handle_export, handle_my, handle_privacy, handle_retention
from handlers.privacy.erasure import handle_erase, handle_erase_person_submission, handle_erase_workspace_submission

TALKS_VERBS: dict[str, TalksVerb] = {
    "privacy": handle_privacy,
    "my": handle_my,
    "erase": handle_erase,
    "export": handle_export,
    "audit": handle_audit,
    "retention": handle_retention,
}


def register(app: App, deps: Deps) -> None:
    app.view(View.ERASE_PERSON)(listener(handle_erase_person_submission, deps))
    app.view(View.ERASE_WORKSPACE)(listener(handle_erase_workspace_submission, deps))
