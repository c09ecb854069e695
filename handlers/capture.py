"""Saving and posting shares and requests: shared by the slash commands, the modals and 'Try posting again'.

The order is always: save (the user's words are safe), then post, then remember where it was posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from handlers import blocks
from handlers.context import Deps
from handlers.publish import NotPosted, Posted, post_message
from storage import queries as q
from storage.models import CollabRequest, Share

log = logging.getLogger(__name__)

Tell = Callable[[list[Block]], None]  # shows blocks to the person who acted (ephemeral or by DM)


@dataclass(frozen=True)
class Kind:
    """What differs between posting a share and a request: how to load it, and the message it becomes."""

    name: str
    get: Callable[[Session, str, int], Share | CollabRequest | None]
    message: Callable[[Share | CollabRequest], tuple[list[Block], str]]


def _share_message(share: Share) -> tuple[list[Block], str]:
    card = q.share_card(share)
    return blocks.share_message(card), blocks.share_text(card)


def _request_message(request: CollabRequest) -> tuple[list[Block], str]:
    card = q.request_card(request)
    return blocks.request_message(card), blocks.request_text(card)


SHARE = Kind("share", lambda s, team_id, id_: q.get_share(s, team_id=team_id, share_id=id_), _share_message)
REQUEST = Kind("request", lambda s, team_id, id_: q.get_request(s, team_id=team_id, request_id=id_), _request_message)
KINDS = {kind.name: kind for kind in (SHARE, REQUEST)}


def post_record(
    client: WebClient, deps: Deps, kind: Kind, *, team_id: str, record_id: int, tell: Tell
) -> Posted | NotPosted | None:
    """Post a saved share or request to its channel and remember where; None if it has been deleted.

    Something already posted is never posted again (a second "Try posting again", say): its post is returned.
    """
    with deps.sessions.begin() as session:
        record = kind.get(session, team_id, record_id)
        if record is None:
            return None
        if record.message_ts:
            return Posted(channel_id=record.channel_id, ts=record.message_ts, permalink=record.permalink)
        message, text = kind.message(record)
        channel_id = record.channel_id
    result = post_message(client, channel_id, message, text)
    if isinstance(result, NotPosted):
        tell(blocks.not_posted_blocks(kind.name, record_id, result.reason))
        return result
    try:
        with deps.sessions.begin() as session:
            if (record := kind.get(session, team_id, record_id)) is not None:
                q.record_posted(session, record, channel_id=result.channel_id, ts=result.ts, permalink=result.permalink)
    except SQLAlchemyError:
        # Saved and posted; only the link between them is missing. Log it; the user sees their post.
        log.exception("posted %s %s but could not record where", kind.name, record_id)
    return result


def post_and_tell_by_dm(client: WebClient, deps: Deps, kind: str, team_id: str, record_id: int, user_id: str) -> None:
    """Post what a form saved; a person who submitted a form has no response_url, so problems go by DM."""
    post_record(client, deps, KINDS[kind], team_id=team_id, record_id=record_id, tell=dm(client, user_id))


def dm(client: WebClient, user_id: str) -> Tell:
    """Tell someone something in their direct messages with the app (used where there is no response_url)."""

    def tell(message: list[Block]) -> None:
        post_message(client, user_id, message, "Programme Talks", permalink=False)  # failures are logged there

    return tell


def ephemeral(respond) -> Tell:
    def tell(message: list[Block]) -> None:
        respond(blocks=message, response_type="ephemeral", replace_original=False)

    return tell


def say(respond, text: str) -> None:
    """Answer the person who clicked, only to them, leaving the message they clicked as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)
