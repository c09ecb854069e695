"""What a digest needs from the database, in a fixed handful of queries however much there is.

digest_input: highlights in the window (top N shares, with their leaders), the top N new shares by
appreciation, the top N open requests with their offer counts, and how many more of each. Each "how many
more" comes from a count(*) OVER () on the same query, so it costs no extra round trip. Shares and requests
hidden while a reported concern is reviewed are left out of every part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, overload

from sqlalchemy import Label, Select, case, exists, func, select
from sqlalchemy.orm import Session, selectinload

from domain.digest import DigestInput, DigestRequest, DigestShare
from domain.records import RequestCard, ShareCard
from storage.models import CollabOffer, CollabRequest, Highlight, Reaction, Share
from storage.requests import request_card
from storage.shares import share_card


def digest_input(
    session: Session, *, team_id: str, since: dt.datetime, until: dt.datetime, limit: int = 5
) -> DigestInput:
    """What came in a workspace with since < created_at <= until, the top `limit` of each part.

    At most five queries: highlighted share ids, those shares with their leaders, new shares, open requests,
    and the open requests' offers.
    """
    since, until = _utc(since), _utc(until)
    highlights, more_highlights = _highlights(session, team_id, since, until, limit)
    shares, more_shares = _new_shares(session, team_id, since, until, limit)
    requests, more_requests = _open_requests(session, team_id, until, limit)
    return DigestInput(
        since=since,
        until=until,
        highlights=highlights,
        shares=shares,
        requests=requests,
        more_highlights=more_highlights,
        more_shares=more_shares,
        more_requests=more_requests,
    )


def unanswered_requests(
    session: Session, *, team_id: str, older_than: dt.datetime, limit: int = 5
) -> tuple[tuple[DigestRequest, ...], int]:
    """Open requests nobody has offered on, created before `older_than`, oldest first; and how many more."""
    rows = session.execute(
        select(CollabRequest, func.count().over().label("total"))
        .where(
            CollabRequest.team_id == team_id,
            CollabRequest.status == "open",
            CollabRequest.created_at < _utc(older_than),
            CollabRequest.hidden_at.is_(None),
            ~exists().where(CollabOffer.request_id == CollabRequest.id),
        )
        .order_by(CollabRequest.created_at, CollabRequest.id)
        .limit(limit)
        .options(selectinload(CollabRequest.offers))
    ).all()
    found = tuple(DigestRequest(card=_request(request)) for request, _ in rows)
    return found, _rest(rows)


# ---- the parts -----------------------------------------------------------------------------------------


def _appreciation() -> Label[int]:
    """Reactions on the share by anyone but its author (uses the reactions (share_id, ...) unique index)."""
    return (
        select(func.count())
        .where(Reaction.share_id == Share.id, Reaction.user_id != Share.author_id)
        .correlate(Share)
        .scalar_subquery()
        .label("appreciation")
    )


def _in_window(team_id: str, since: dt.datetime, until: dt.datetime) -> tuple:
    return (Highlight.team_id == team_id, Highlight.created_at > since, Highlight.created_at <= until)


def _highlights(
    session: Session, team_id: str, since: dt.datetime, until: dt.datetime, limit: int
) -> tuple[tuple[DigestShare, ...], int]:
    """Shares highlighted in the window: most leaders first, then most recently highlighted."""
    top = session.execute(
        select(Highlight.share_id, func.count().over().label("total"))
        .where(*_in_window(team_id, since, until), Highlight.share_id.not_in(_hidden_shares(team_id)))
        .group_by(Highlight.share_id)
        .order_by(func.count().desc(), func.max(Highlight.created_at).desc(), Highlight.share_id.desc())
        .limit(limit)
    ).all()
    if not top:
        return (), 0
    ids = [share_id for share_id, _ in top]
    rows = session.execute(
        select(Share, _appreciation(), Highlight.leader_id)
        .join(Highlight, Highlight.share_id == Share.id)
        .where(Share.team_id == team_id, Share.id.in_(ids), *_in_window(team_id, since, until))
        .order_by(Highlight.created_at, Highlight.id)
    ).all()
    shares: dict[int, tuple[Share, int]] = {}
    leaders: dict[int, list[str]] = {}
    for share, appreciation, leader_id in rows:
        shares[share.id] = (share, appreciation)
        leaders.setdefault(share.id, []).append(leader_id)
    found = tuple(
        DigestShare(card=_share(shares[i][0]), appreciation=shares[i][1], highlighted_by=tuple(leaders[i]))
        for i in ids
        if i in shares
    )
    return found, _rest(top)


def _new_shares(
    session: Session, team_id: str, since: dt.datetime, until: dt.datetime, limit: int
) -> tuple[tuple[DigestShare, ...], int]:
    """Shares created in the window and not highlighted in it: most appreciated first, ties newest first."""
    appreciation = _appreciation()
    highlighted = select(Highlight.share_id).where(*_in_window(team_id, since, until))
    rows = session.execute(
        select(Share, appreciation, func.count().over().label("total"))
        .where(
            Share.team_id == team_id,
            Share.created_at > since,
            Share.created_at <= until,
            Share.id.not_in(highlighted),
            Share.hidden_at.is_(None),
        )
        .order_by(appreciation.desc(), Share.created_at.desc(), Share.id.desc())
        .limit(limit)
    ).all()
    found = tuple(DigestShare(card=_share(share), appreciation=appreciation) for share, appreciation, _ in rows)
    return found, _rest(rows)


def _open_requests(
    session: Session, team_id: str, until: dt.datetime, limit: int
) -> tuple[tuple[DigestRequest, ...], int]:
    """Requests open and created by `until`: those with no offers first, oldest first within each.

    The offer count, not EXISTS, decides the order: PostgreSQL runs ORDER BY EXISTS (...) as a hashed subplan
    that reads every workspace's offers, while the count is an index-only lookup per open request.
    """
    offers = (
        select(func.count())
        .where(CollabOffer.request_id == CollabRequest.id)
        .correlate(CollabRequest)
        .scalar_subquery()
        .label("offers")
    )
    rows = session.execute(
        select(CollabRequest, offers, func.count().over().label("total"))
        .where(
            CollabRequest.team_id == team_id,
            CollabRequest.status == "open",
            CollabRequest.created_at <= until,
            CollabRequest.hidden_at.is_(None),
        )
        .order_by(case((offers > 0, 1), else_=0), CollabRequest.created_at, CollabRequest.id)
        .limit(limit)
        .options(selectinload(CollabRequest.offers))
    ).all()
    found = tuple(DigestRequest(card=_request(request), offers=count) for request, count, _ in rows)
    return found, _rest(rows)


# ---- helpers -------------------------------------------------------------------------------------------


def _hidden_shares(team_id: str) -> Select[int]:
    """The workspace's shares hidden while a reported concern is reviewed (few, if any)."""
    return select(Share.id).where(Share.team_id == team_id, Share.hidden_at.is_not(None))


def _rest(rows: Sequence[Sequence[Any]]) -> int:
    """How many matched beyond the rows fetched (each row carries the total as its last column)."""
    return rows[0][-1] - len(rows) if rows else 0


def _share(share: Share) -> ShareCard:
    card = share_card(share)
    return replace(card, created_at=_utc(card.created_at))


def _request(request: CollabRequest) -> RequestCard:
    card = request_card(request)
    return replace(card, created_at=_utc(card.created_at))


@overload
def _utc(moment: dt.datetime) -> dt.datetime: ...
@overload
def _utc(moment: None) -> None: ...
def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Aware UTC: SQLite gives back the naive UTC it stored; parameters are compared as UTC text there."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
