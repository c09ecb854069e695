"""Saving and posting shares and requests: shared by the slash commands, the modals and 'Try posting again'.

The order is always: save (the user's words are safe), then post, then remember where it was posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy.exc import SQLAlchemyError

from handlers import blocks
from handlers.context import Deps
from handlers.publish import NotPosted, Posted, post_message
from storage import queries as q

log = logging.getLogger(__name__)

Tell = Callable[[list[Block]], None]  # shows blocks to the person who acted (ephemeral or by DM)


def post_share(client: WebClient, deps: Deps, *, team_id: str, share_id: int, tell: Tell) -> Posted | NotPosted | None:
    with deps.sessions.begin() as session:
        share = q.get_share(session, team_id=team_id, share_id=share_id)
        if share is None:
            return None
        card = q.share_card(share)
        channel_id = share.channel_id
    result = post_message(client, channel_id, blocks.share_message(card), blocks.share_text(card))
    _remember(deps, result, team_id=team_id, kind="share", record_id=share_id, tell=tell)
    return result


def post_request(
    client: WebClient, deps: Deps, *, team_id: str, request_id: int, tell: Tell
) -> Posted | NotPosted | None:
    with deps.sessions.begin() as session:
        request = q.get_request(session, team_id=team_id, request_id=request_id)
        if request is None:
            return None
        card = q.request_card(request)
        channel_id = request.channel_id
    result = post_message(client, channel_id, blocks.request_message(card), blocks.request_text(card))
    _remember(deps, result, team_id=team_id, kind="request", record_id=request_id, tell=tell)
    return result


def _remember(deps: Deps, result: Posted | NotPosted, *, team_id: str, kind: str, record_id: int, tell: Tell) -> None:
    if isinstance(result, NotPosted):
        tell(blocks.not_posted_blocks(kind, record_id, result.reason))
        return
    try:
        with deps.sessions.begin() as session:
            get = q.get_share if kind == "share" else q.get_request
            record = get(session, team_id=team_id, **{f"{kind}_id": record_id})
            if record is not None:
                q.record_posted(session, record, channel_id=result.channel_id, ts=result.ts, permalink=result.permalink)
    except SQLAlchemyError:
        # The share is saved and posted; only the link between them is missing. Log it; the user sees their post.
        log.exception("posted %s %s but could not record where", kind, record_id)


def dm(client: WebClient, user_id: str) -> Tell:
    """Tell someone something in their direct messages with the app (used where there is no response_url)."""

    def tell(message: list[Block]) -> None:
        client.chat_postMessage(channel=user_id, blocks=message, text="Programme Talks")

    return tell


def ephemeral(respond) -> Tell:
    def tell(message: list[Block]) -> None:
        respond(blocks=message, response_type="ephemeral", replace_original=False)

    return tell
