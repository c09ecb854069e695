"""People's names across organisations: read from Slack (users.info) with their own workspace's token when they
are shown, and never stored. Only for people who agreed to be named to partner organisations; anyone else is
credited by their organisation alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.context import WorkspaceClients

log = logging.getLogger(__name__)


def person_name(clients: WorkspaceClients | None, team_id: str, user_id: str) -> str | None:
    """Someone's name as their own Slack shows it, or None when it can't be read now (then nobody is named)."""
    return names_of(clients, [(team_id, user_id)]).get((team_id, user_id))


def names_of(clients: WorkspaceClients | None, people: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Names by (workspace, user id), each read with its workspace's own client; those that can't be read now are
    left out (the workspace has removed the app, its token can't be refreshed, or Slack is unreachable)."""
    found: dict[tuple[str, str], str] = {}
    if clients is None:
        return found
    for team_id, user_id in dict.fromkeys(people):
        try:
            client = clients.client_for(team_id)
        except Exception as error:  # no working installation there now: credit by organisation only (not a fault)
            log.info("no client for workspace %s to read a name: %s", team_id, type(error).__name__)
            continue
        try:
            user = client.users_info(user=user_id)["user"]
        except (SlackApiError, SlackClientError, OSError) as error:
            log.info("could not read a partner's name with users.info: %s", type(error).__name__)
            continue
        profile = user.get("profile") or {}
        name = profile.get("real_name") or profile.get("display_name") or user.get("real_name")
        if name:
            found[(team_id, user_id)] = str(name)
    return found
