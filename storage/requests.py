"""Collaboration requests and the offers of help on them. Query functions: `verb_noun(session, *, ...)`; they
add and flush, never commit, never call Slack, and hand out RequestCards (domain.records), never ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from domain.records import RequestCard
from storage.models import CollabOffer, CollabRequest
from storage.partnerships import partner_state

OPEN, RESOLVED = "open", "resolved"


def add_request(
    session: Session,
    *,
    team_id: str,
    requester_id: str,
    channel_id: str,
    body: str,
    now: dt.datetime,
    needed_by: dt.date | None = None,
) -> RequestCard:
    request = CollabRequest(
        team_id=team_id,
        requester_id=requester_id,
        channel_id=channel_id,
        body=body,
        needed_by=needed_by,
        status=OPEN,
        created_at=now,
        offers=[],
    )
    session.add(request)
    session.flush()
    return request_card(request)


def get_request(session: Session, *, team_id: str, request_id: int) -> RequestCard | None:
    """A request, with whether it is shared with its workspace's partnership (for its message)."""
    request = _row(session, team_id, request_id)
    if request is None:
        return None
    return replace(request_card(request), partners=partner_state(session, team_id=team_id, request_id=request_id))


def add_offer(session: Session, *, team_id: str, request_id: int, user_id: str, now: dt.datetime) -> bool:
    """Record someone's offer of help; False when they had already offered (or the request is gone)."""
    request = _row(session, team_id, request_id)
    if request is None or any(offer.user_id == user_id for offer in request.offers):
        return False
    offer = CollabOffer(team_id=team_id, request_id=request.id, user_id=user_id, created_at=now)
    try:
        with session.begin_nested():
            request.offers.append(offer)
            session.flush()
    except IntegrityError:  # the same person clicked twice at once
        return False
    return True


def resolve_request(session: Session, *, team_id: str, request_id: int, now: dt.datetime) -> bool:
    """Mark a request resolved; False when it already was (or is gone)."""
    request = _row(session, team_id, request_id)
    if request is None or request.status == RESOLVED:
        return False
    request.status, request.resolved_at = RESOLVED, now
    session.flush()
    return True


def record_request_posted(
    session: Session, *, team_id: str, request_id: int, channel_id: str, ts: str, permalink: str | None
) -> bool:
    """Remember where a request was posted, so offers can update it; False if it was deleted meanwhile."""
    request = _row(session, team_id, request_id)
    if request is None:
        return False
    request.channel_id, request.message_ts, request.permalink = channel_id, ts, permalink
    session.flush()
    return True


def set_request_hidden(session: Session, *, team_id: str, request_id: int, hidden_at: dt.datetime | None) -> bool:
    """Hide a request while a concern about it is reviewed (a moment), or show it again (None); False if it is gone."""
    request = _row(session, team_id, request_id)
    if request is None:
        return False
    request.hidden_at = hidden_at
    session.flush()
    return True


def delete_request(session: Session, *, team_id: str, request_id: int) -> RequestCard | None:
    """Delete a request and the offers on it; what it was, or None if it was not there."""
    request = _row(session, team_id, request_id)
    if request is None:
        return None
    card = request_card(request)
    session.delete(request)
    session.flush()
    return card


def request_card(request: CollabRequest) -> RequestCard:
    return RequestCard(
        id=request.id,
        requester_id=request.requester_id,
        body=request.body,
        needed_by=request.needed_by,
        resolved=request.status == RESOLVED,
        offerers=tuple(offer.user_id for offer in request.offers),
        permalink=request.permalink,
        created_at=request.created_at,
        channel_id=request.channel_id,
        message_ts=request.message_ts,
        team_id=request.team_id,
        hidden=request.hidden_at is not None,
    )


def _row(session: Session, team_id: str, request_id: int) -> CollabRequest | None:
    return session.scalar(
        select(CollabRequest)
        .where(CollabRequest.team_id == team_id, CollabRequest.id == request_id)
        .options(selectinload(CollabRequest.offers))
    )
