"""A workspace removing the app: `app_uninstalled`, or `tokens_revoked` naming the bot's token.

The workspace is marked uninstalled at once, before Slack is answered, and its tokens are forgotten: from then on
nothing is posted there (the job runner drops its waiting jobs, scheduled work skips it) and a request from it is
answered "not installed". Its data is kept (PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS), so installing the app again
restores it, and erased after that (bot.delivery.retention.erase_uninstalled_workspaces).
"""

from __future__ import annotations

import datetime as dt
import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.context import Deps, TalksVerb, listener, team_of
from handlers.ids import SlackEvent
from storage import installations

log = logging.getLogger("programme_talks.handlers")

TALKS_VERBS: dict[str, TalksVerb] = {}


def register(app: App, deps: Deps) -> None:
    app.event(SlackEvent.APP_UNINSTALLED)(listener(handle_app_uninstalled, deps))
    app.event(SlackEvent.TOKENS_REVOKED)(listener(handle_tokens_revoked, deps))


def handle_app_uninstalled(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    _uninstalled(body, deps, "uninstalled the app")


def handle_tokens_revoked(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """Only the bot's token matters: the app keeps no person's token (it installs bot-only)."""
    if (body["event"].get("tokens") or {}).get("bot"):
        _uninstalled(body, deps, "revoked the app's bot token")


def _uninstalled(body: dict, deps: Deps, what: str) -> None:
    team_id = team_of(body)
    if not team_id:
        return
    # When Slack says it happened: a retry of this event that arrives after a reinstall changes nothing.
    at = dt.datetime.fromtimestamp(int(body.get("event_time") or 0), dt.UTC) if body.get("event_time") else None
    now = dt.datetime.now(dt.UTC)
    with deps.sessions.begin() as session:
        marked = installations.mark_uninstalled(session, team_id=team_id, at=min(at or now, now), now=now)
    if deps.clients is not None:
        deps.clients.forget(team_id)  # many workspaces: the token kept for requests goes too
    if marked:
        log.info(
            "workspace %s %s: nothing is posted there from now on, and its data is kept to be erased", team_id, what
        )
