"""What a workspace is shown of other organisations' words, composed for the places that show it: the digest's
"From our partners" and, in a channel shared with another organisation (Slack Connect), "Posted here by …"
(bot.delivery.digests), and partners' matches in `/talks search` (handlers.talks).

Authors are named only if they agreed, their names read with their own workspace's token as the digest or the
search is composed (never stored); everyone else is credited to their organisation.

Whether a channel is shared with another organisation is what Slack says (conversations.info: is_ext_shared and
shared_team_ids), asked with the workspace's own token when a digest is set up, previewed or posted by hand there.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from domain.digest import ExtraSection
from domain.partnerships import PARTNER_WINDOW, connected_section, partners_section
from handlers.context import Deps, WorkspaceClients
from handlers.ids import Action
from handlers.partnerships.blocks import partner_results
from handlers.partnerships.names import names_of
from storage import partner_items as pi
from storage import partnerships as ps
from storage.db import Sessions, reading

log = logging.getLogger(__name__)

OFFER = ("I can help", Action.PARTNER_OFFER.value)


def partner_author_names(
    sessions: Sessions, clients: WorkspaceClients | None, team_ids: Sequence[str], now: dt.datetime
) -> dict[tuple[str, str], str]:
    """The names, read from Slack with their own workspaces' tokens, of the authors who agreed to be named of what
    partners may show in these workspaces' digests now: read before a digest is composed, outside its transaction."""
    if not team_ids or clients is None:
        return {}
    with reading(sessions) as session:
        people = pi.named_authors(session, team_ids=sorted(set(team_ids)), since=now - 2 * PARTNER_WINDOW)
    return names_of(clients, people)


def partners_digest_section(
    session: Session, names: Mapping[tuple[str, str], str], *, team_id: str, since: dt.datetime, until: dt.datetime
) -> ExtraSection | None:
    """The digest's "From our partners": what partners shared with the partnership in the window; None if nothing.
    `names` are those partner_author_names read (an author missing from it is credited by organisation alone)."""
    if ps.get_membership(session, team_id=team_id) is None:
        return None
    cards, more = pi.partner_items_for_digest(session, team_id=team_id, since=since, until=until)
    if not cards and not more:
        return None
    return partners_section(cards, names, offer=OFFER, more=more)


def connected_digest_section(
    session: Session, *, team_id: str, channel_id: str, since: dt.datetime, until: dt.datetime
) -> ExtraSection | None:
    """In a digest for a channel shared with other organisations: what their people posted in it; None if nothing."""
    if not pi.count_connected(session, team_id=team_id, channel_id=channel_id):
        return None
    cards, more = pi.connected_items(session, team_id=team_id, channel_id=channel_id, since=since, until=until)
    return connected_section(cards, more) if cards or more else None


def partner_search_blocks(deps: Deps, team_id: str, words: str, limit: int) -> list[Block]:
    """Partners' matches for `/talks search`, as blocks to follow the workspace's own ([] when none)."""
    with deps.sessions.begin() as session:
        cards = pi.search_partner_items(session, team_id=team_id, words=words, limit=limit)
    names = names_of(deps.clients, [(c.team_id, c.author_id) for c in cards if c.name_author])
    return partner_results(cards, names)


def note_connected_channel(deps: Deps, client: WebClient, team_id: str, channel_id: str) -> None:
    """Ask Slack whether this channel is shared with other organisations, and remember what it says (a passing
    fault leaves what was known)."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except (SlackApiError, SlackClientError, OSError) as error:
        log.info("could not ask whether %s is shared with other organisations: %s", channel_id, type(error).__name__)
        return
    others = list(channel.get("shared_team_ids") or []) if channel.get("is_ext_shared") else []
    with deps.sessions.begin() as session:
        pi.record_connected_channel(
            session, team_id=team_id, channel_id=channel_id, other_team_ids=others, now=deps.clock()
        )
