"""Posting saved shares and requests: shared by the slash commands, the forms and 'Try posting again'.

The order is always: save (the person's words are safe), then post, then remember where it was posted. Each
runs as a job (handlers.jobs), so a crash between posting and remembering never posts twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

import handlers.shares.blocks as blocks
from domain.records import RequestCard, ShareCard
from handlers.context import after_ack
from handlers.follows.matching import after_posting
from handlers.jobs import JobRun
from handlers.publish import NotPosted, Posted, Tell, update_message
from storage import requests as rs
from storage import shares as ss

Card = TypeVar("Card", bound=ShareCard | RequestCard)


@dataclass(frozen=True)
class Kind(Generic[Card]):
    """What differs between posting a share and a request: how to read it, the message it becomes, and how to
    remember where it went."""

    name: str
    get: Callable[[Session, str, int], Card | None]
    message: Callable[[Card], tuple[list[Block], str]]
    posted: Callable[[Session, str, int, Posted], bool]


def _get_share(session: Session, team_id: str, share_id: int) -> ShareCard | None:
    return ss.get_share(session, team_id=team_id, share_id=share_id)


def _share_message(card: ShareCard) -> tuple[list[Block], str]:
    return blocks.share_message(card), blocks.share_text(card)


def _share_posted(session: Session, team_id: str, share_id: int, where: Posted) -> bool:
    return ss.record_share_posted(
        session, team_id=team_id, share_id=share_id, channel_id=where.channel_id, ts=where.ts, permalink=where.permalink
    )


def _get_request(session: Session, team_id: str, request_id: int) -> RequestCard | None:
    return rs.get_request(session, team_id=team_id, request_id=request_id)


def _request_message(card: RequestCard) -> tuple[list[Block], str]:
    return blocks.request_message(card), blocks.request_text(card)


def _request_posted(session: Session, team_id: str, request_id: int, where: Posted) -> bool:
    return rs.record_request_posted(
        session,
        team_id=team_id,
        request_id=request_id,
        channel_id=where.channel_id,
        ts=where.ts,
        permalink=where.permalink,
    )


SHARE = Kind("share", _get_share, _share_message, _share_posted)
REQUEST = Kind("request", _get_request, _request_message, _request_posted)
KINDS: dict[str, Kind[Any]] = {kind.name: kind for kind in (SHARE, REQUEST)}


def post_record(
    run: JobRun, kind: Kind[Card], *, team_id: str, record_id: int, tell: Tell
) -> Posted | NotPosted | None:
    """Post a saved share or request to its channel once and remember where; None if it has been deleted.

    Something already posted is never posted again (a second "Try posting again", or this job done again after
    a crash): its post is returned.
    """
    with run.deps.sessions.begin() as session:
        card = kind.get(session, team_id, record_id)
    if card is None:
        return None
    if card.message_ts:
        after_posting(run, kind.name, team_id, record_id)  # a job stopped after posting is still matched, once
        return Posted(channel_id=card.channel_id, ts=card.message_ts, permalink=card.permalink)
    message, text = kind.message(card)
    result = run.post_once("posted", card.channel_id, message, text, permalink=True)
    if isinstance(result, NotPosted):
        tell(blocks.not_posted_blocks(kind.name, record_id, result.reason))
        return result
    with run.deps.sessions.begin() as session:  # if this fails, the job is done again: the post is found, not repeated
        kind.posted(session, team_id, record_id, result)
        now = kind.get(session, team_id, record_id)
    if now is not None and now.hidden:  # reported in the moment between posting and remembering where
        update_message(run.client, result.channel_id, result.ts, *kind.message(now))
    after_posting(run, kind.name, team_id, record_id)  # practice that may help, and followers of its tags
    return result


@after_ack
def post_and_tell_by_dm(run: JobRun, kind: str, team_id: str, record_id: int, user_id: str) -> None:
    """Post what a form saved; a person who submitted a form has no response_url, so problems go by DM."""

    def tell(message: list[Block]) -> None:
        run.post_once("told", user_id, message, "Programme Talks")

    post_record(run, KINDS[kind], team_id=team_id, record_id=record_id, tell=tell)
