"""Who may do what: workspace owners and admins (as Slack says), and Programme Talks champions where enough.

The one place a permission is checked for `/talks` verbs; a refusal names who can, and says nothing changed.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from domain.words import mentions
from handlers.context import TalksRequest
from storage import roles as rq
from storage.roles import RoleName

log = logging.getLogger(__name__)

CANT_CHECK = (
    "Sorry, I couldn't check with Slack whether you can do that just now. Nothing has changed; "
    "please try again in a minute."
)


ADMINS = "workspace owners and admins"


ADMINS_AND_CHAMPIONS = "workspace owners, admins and Programme Talks champions"


def refusal(request: TalksRequest, what: str, *, champions_may: bool) -> str | None:
    """Why the person who typed the command may not do `what`, naming who can; None if they may."""
    allowed = _allowed(request, champions_may=champions_may)
    if allowed is None:
        return CANT_CHECK
    if allowed:
        return None
    said = f"Sorry, only {ADMINS_AND_CHAMPIONS if champions_may else ADMINS} can {what}."
    if champions_may:
        with request.deps.sessions.begin() as session:
            champions = rq.list_roles(session, team_id=request.team_id, role=RoleName.CHAMPION)
        if champions:
            said += f" The {'champion is' if len(champions) == 1 else 'champions are'} {mentions(champions)}."
    return said + " Nothing has changed."


def _allowed(request: TalksRequest, *, champions_may: bool) -> bool | None:
    """Whether the person who typed the command is a workspace owner or admin (or, when enough, a champion).

    None when Slack couldn't be asked.
    """
    if champions_may:
        with request.deps.sessions.begin() as session:
            if rq.has_role(session, team_id=request.team_id, user_id=request.user_id, role=RoleName.CHAMPION):
                return True
    return workspace_admin(request.client, request.user_id, team_id=request.team_id)


def workspace_admin(client: WebClient, user_id: str, *, team_id: str | None = None) -> bool | None:
    """Whether Slack (users.info) says this person is a workspace owner or admin; None if Slack couldn't say.

    With `team_id`, an admin of another organisation (in a channel shared with it, Slack Connect) is not one here:
    a role counts only in its own workspace."""
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not look up %s with users.info: %s", user_id, type(error).__name__)
        return None
    if team_id and user.get("team_id") not in (None, team_id):
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
