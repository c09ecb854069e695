"""Query functions: `verb_noun(session, *, ...)`. They add and flush, never commit, never call Slack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from domain.records import RequestCard, ShareCard
from storage.models import CollabOffer, CollabRequest, Share


def add_share(
    session: Session,
    *,
    team_id: str,
    author_id: str,
    channel_id: str,
    body: str,
    now: dt.datetime,
    title: str | None = None,
    impact: str | None = None,
    tags: Sequence[str] = (),
    link: str | None = None,
) -> Share:
    share = Share(
        team_id=team_id,
        author_id=author_id,
        channel_id=channel_id,
        title=title,
        body=body,
        impact=impact,
        tags=" ".join(tags),
        link=link,
        created_at=now,
        updated_at=now,
    )
    session.add(share)
    session.flush()
    return share


def get_share(session: Session, *, team_id: str, share_id: int) -> Share | None:
    return session.scalar(select(Share).where(Share.team_id == team_id, Share.id == share_id))


def update_share(
    session: Session,
    share: Share,
    *,
    now: dt.datetime,
    body: str,
    title: str | None,
    impact: str | None,
    tags: Sequence[str],
    link: str | None,
) -> Share:
    share.body, share.title, share.impact, share.tags, share.link = body, title, impact, " ".join(tags), link
    share.updated_at = now
    session.flush()
    return share


def delete_share(session: Session, share: Share) -> None:
    session.delete(share)
    session.flush()


def record_posted(
    session: Session, record: Share | CollabRequest, *, channel_id: str, ts: str, permalink: str | None
) -> None:
    """Remember where a share or request was posted, so reactions and updates can find it."""
    record.channel_id, record.message_ts, record.permalink = channel_id, ts, permalink
    session.flush()


def add_request(
    session: Session,
    *,
    team_id: str,
    requester_id: str,
    channel_id: str,
    body: str,
    now: dt.datetime,
    needed_by: dt.date | None = None,
) -> CollabRequest:
    request = CollabRequest(
        team_id=team_id,
        requester_id=requester_id,
        channel_id=channel_id,
        body=body,
        needed_by=needed_by,
        status="open",
        created_at=now,
    )
    session.add(request)
    session.flush()
    return request


def get_request(session: Session, *, team_id: str, request_id: int) -> CollabRequest | None:
    return session.scalar(
        select(CollabRequest)
        .where(CollabRequest.team_id == team_id, CollabRequest.id == request_id)
        .options(selectinload(CollabRequest.offers))
    )


def add_offer(session: Session, request: CollabRequest, *, user_id: str, now: dt.datetime) -> CollabOffer | None:
    """Record an offer of help; None when this person had already offered."""
    if any(offer.user_id == user_id for offer in request.offers):
        return None
    offer = CollabOffer(team_id=request.team_id, request_id=request.id, user_id=user_id, created_at=now)
    try:
        with session.begin_nested():
            request.offers.append(offer)
            session.flush()
    except IntegrityError:  # the same person clicked twice at once
        return None
    return offer


def resolve_request(session: Session, request: CollabRequest, *, now: dt.datetime) -> None:
    request.status, request.resolved_at = "resolved", now
    session.flush()


def share_card(share: Share) -> ShareCard:
    return ShareCard(
        id=share.id,
        author_id=share.author_id,
        body=share.body,
        title=share.title,
        impact=share.impact,
        tags=share.tag_list,
        link=share.link,
        permalink=share.permalink,
        created_at=share.created_at,
    )


def request_card(request: CollabRequest) -> RequestCard:
    return RequestCard(
        id=request.id,
        requester_id=request.requester_id,
        body=request.body,
        needed_by=request.needed_by,
        resolved=request.status == "resolved",
        offerers=tuple(offer.user_id for offer in request.offers),
        permalink=request.permalink,
        created_at=request.created_at,
    )
