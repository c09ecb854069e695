"""What the newsletter asks of Slack besides posting: who may do what, people's names and organisations, the
workspace's name, a person's direct messages, and sending them files.

Permissions: champions and admins draft, change and publish the newsletter; champions, leaders and admins get the
quarterly report; anyone may ask for a chart. A refusal names who can and says nothing changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from domain.words import join_and, mentions
from handlers.context import Deps
from handlers.permissions import CANT_CHECK, workspace_admin
from storage import roles as rq
from storage.reports import Person
from storage.roles import RoleName

log = logging.getLogger(__name__)

CHAMPIONS = (RoleName.CHAMPION,)
CHAMPIONS_AND_LEADERS = (RoleName.CHAMPION, RoleName.LEADER)
ADMINS_ONLY: tuple[RoleName, ...] = ()
DEFAULT_ORGANISATION = "Programme Talks"


def refusal(
    deps: Deps, client: WebClient, team_id: str, user_id: str, what: str, roles: Iterable[RoleName]
) -> str | None:
    """Why this person may not do `what` (workspace owners and admins always may, and people in `roles`), naming
    who can; None when they may."""
    roles = tuple(roles)
    with deps.sessions.begin() as session:
        held = any(rq.has_role(session, team_id=team_id, user_id=user_id, role=role) for role in roles)
        champions = rq.list_roles(session, team_id=team_id, role=RoleName.CHAMPION)
    if held:
        return None
    admin = workspace_admin(client, user_id)
    if admin is None:
        return CANT_CHECK
    if admin:
        return None
    who = "workspace owners and admins"
    if roles:
        who = f"workspace owners, admins and Programme Talks {join_and([f'{role}s' for role in roles])}"
    said = f"Sorry, only {who} can {what}."
    if champions and RoleName.CHAMPION in roles:
        said += f" The {'champion is' if len(champions) == 1 else 'champions are'} {mentions(champions)}."
    return said + " Nothing has changed."


def look_up(client: WebClient, names: Iterable[str], organisations: Iterable[str]) -> dict[str, Person]:
    """Each person's name (only for `names`: those who may be named) and team or organisation (their profile's
    title; only for `organisations`). Someone Slack can't tell us about is left out: shown unnamed."""
    names, organisations = set(names), set(organisations)
    found: dict[str, Person] = {}
    for user_id in sorted(names | organisations):
        try:
            user = client.users_info(user=user_id)["user"]
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not look up %s with users.info: %s", user_id, type(error).__name__)
            continue
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or None
        title = " ".join(str(profile.get("title") or "").split()) or None
        found[user_id] = Person(name if user_id in names else None, title if user_id in organisations else None)
    return found


def organisation_name(client: WebClient) -> str:
    """The workspace's name, which heads the newsletter and the report (auth.test: it needs no scope of its own)."""
    try:
        return str(client.auth_test().get("team") or DEFAULT_ORGANISATION)
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not read the workspace's name with auth.test: %s", type(error).__name__)
        return DEFAULT_ORGANISATION


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes | str
    title: str
    alt_text: str | None = None  # for an image: what it shows, for people who can't see it


def send_files(client: WebClient, channel_id: str, uploads: Sequence[Upload], comment: str) -> None:
    """Upload files to a conversation in one message (files.uploadV2), each image with its alt text. Raises
    Slack's errors."""
    items = [
        {"filename": u.filename, "content": u.content, "title": u.title}
        | ({"alt_txt": u.alt_text} if u.alt_text else {})
        for u in uploads
    ]
    client.files_upload_v2(channel=channel_id, file_uploads=items, initial_comment=comment)


def direct_messages(client: WebClient, user_id: str) -> str:
    """The id of this person's direct messages with the app (conversations.open). Raises Slack's errors."""
    return str(client.conversations_open(users=user_id)["channel"]["id"])
