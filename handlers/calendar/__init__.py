"""Each workspace's calendar: its time zone, bank holidays and closures, and what its scheduled posts do on closed days.

- `/talks timezone` says which zone the workspace's times are in; owners and admins choose one
  (`/talks timezone Europe/Dublin`, or `default` for PROGRAMME_TALKS_TZ).
- `/talks holidays` says whose bank holidays are kept; owners and admins choose a nation's
  (`/talks holidays england|wales|scotland|northern-ireland|off`).
- `/talks closed` lists the closed days coming up; owners and admins add (`/talks closed 2026-12-21 to 2027-01-04`),
  import (`/talks closed import`: a form takes an .ics calendar, handlers.calendar.importing) and remove closures.
- `/talks closed-days` says what digests, review reminders and meeting prompts do on closed days; owners and admins
  choose (`/talks closed-days digests skip`).

The scheduler (bot.delivery) reads every workspace's calendar for its runs; handlers show dates in the workspace's
zone through `deps.tz`.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.calendar.commands import handle_closed, handle_closed_days, handle_holidays, handle_timezone
from handlers.calendar.importing import handle_import_submission
from handlers.context import Deps, TalksVerb, listener
from handlers.ids import View

TALKS_VERBS: dict[str, TalksVerb] = {
    "timezone": handle_timezone,
    "holidays": handle_holidays,
    "closed": handle_closed,
    "closed-days": handle_closed_days,
}


def register(app: App, deps: Deps) -> None:
    app.view(View.CALENDAR_IMPORT)(listener(handle_import_submission, deps))
