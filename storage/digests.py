"""What a digest needs from the database, in a fixed handful of queries however much there is.

digest_inputs: for each of several workspaces, what came in one window: highlights (top N shares, with their
leaders), the top N new shares by appreciation, the top N open requests with their offer counts, and how many
more of each. The scheduler posts many workspaces' digests at once and reads them together: the same five
queries for one workspace or for hundreds, each part ranked within its workspace (row_number() OVER (PARTITION BY
team_id ...)). Each "how many more" comes from a count(*) OVER (PARTITION BY team_id) on the same query, so it
costs no extra round trip. Shares and requests hidden while a reported concern is reviewed are left out of every
part. digest_input is the same for one workspace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, overload

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import Session, selectinload

from domain.digest import DigestInput, DigestRequest, DigestShare
from domain.records import RequestCard, ShareCard
from storage.models import CollabOffer, CollabRequest, Highlight, Reaction, Share
from storage.requests import request_card
from storage.shares import share_card

Part = dict[str, tuple[tuple[Any, ...], int]]  # by workspace: the top items of a part, and how many more


def digest_input(
    session: Session, *, team_id: str, since: dt.datetime, until: dt.datetime, limit: int = 5
) -> DigestInput:
    """What came in a workspace with since < created_at <= until, the top `limit` of each part (see digest_inputs)."""
    return digest_inputs(session, team_ids=[team_id], since=since, until=until, limit=limit)[team_id]


def digest_inputs(
    session: Session, *, team_ids: Sequence[str], since: dt.datetime, until: dt.datetime, limit: int = 5
) -> dict[str, DigestInput]:
    """What came in each workspace with since < created_at <= until, the top `limit` of each part, by team id.

    At most five queries however many workspaces: highlighted share ids, those shares with their leaders, new
    shares, open requests, and the open requests' offers.
    """
    teams = sorted(set(team_ids))
    if not teams:
        return {}
    since, until = _utc(since), _utc(until)
    highlights = _highlights(session, teams, since, until, limit)
    shares = _new_shares(session, teams, since, until, limit)
    requests = _open_requests(session, teams, until, limit)
    nothing: tuple[tuple[Any, ...], int] = ((), 0)
    found = {}
    for team_id in teams:
        (top_highlights, more_highlights) = highlights.get(team_id, nothing)
        (top_shares, more_shares) = shares.get(team_id, nothing)
        (top_requests, more_requests) = requests.get(team_id, nothing)
        found[team_id] = DigestInput(
            since=since,
            until=until,
            highlights=top_highlights,
            shares=top_shares,
            requests=top_requests,
            more_highlights=more_highlights,
            more_shares=more_shares,
            more_requests=more_requests,
        )
    return found


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


def _appreciation() -> Any:
    """Reactions on the share by anyone but its author (uses the reactions (share_id, ...) unique index)."""
    return (
        select(func.count())
        .where(Reaction.share_id == Share.id, Reaction.user_id != Share.author_id)
        .correlate(Share)
        .scalar_subquery()
    )


def _in_window(teams: list[str], since: dt.datetime, until: dt.datetime) -> tuple:
    return (Highlight.team_id.in_(teams), Highlight.created_at > since, Highlight.created_at <= until)


def _highlights(session: Session, teams: list[str], since: dt.datetime, until: dt.datetime, limit: int) -> Part:
    """Shares highlighted in the window: most leaders first, then most recently highlighted."""
    most = (func.count().desc(), func.max(Highlight.created_at).desc(), Highlight.share_id.desc())
    ranked = (
        select(
            Highlight.team_id,
            Highlight.share_id,
            func.count().over(partition_by=Highlight.team_id).label("total"),
            func.row_number().over(partition_by=Highlight.team_id, order_by=most).label("place"),
        )
        .where(*_in_window(teams, since, until), Highlight.share_id.not_in(_hidden_shares(teams)))
        .group_by(Highlight.team_id, Highlight.share_id)
        .subquery()
    )
    top = session.execute(
        select(ranked.c.team_id, ranked.c.share_id, ranked.c.total)
        .where(ranked.c.place <= limit)
        .order_by(ranked.c.team_id, ranked.c.place)
    ).all()
    if not top:
        return {}
    rows = session.execute(
        select(Share, _appreciation().label("appreciation"), Highlight.leader_id)
        .join(Highlight, Highlight.share_id == Share.id)
        .where(
            Share.id.in_([share_id for _, share_id, _ in top]),
            Highlight.team_id == Share.team_id,
            *_in_window(teams, since, until),
        )
        .order_by(Highlight.created_at, Highlight.id)
    ).all()
    shares: dict[int, tuple[Share, int]] = {}
    leaders: dict[int, list[str]] = {}
    for share, appreciation, leader_id in rows:
        shares[share.id] = (share, appreciation)
        leaders.setdefault(share.id, []).append(leader_id)
    part = _by_team((team_id, share_id, total) for team_id, share_id, total in top)
    return {
        team_id: (
            tuple(
                DigestShare(card=_share(shares[i][0]), appreciation=shares[i][1], highlighted_by=tuple(leaders[i]))
                for i in ids
                if i in shares
            ),
            more,
        )
        for team_id, (ids, more) in part.items()
    }


def _new_shares(session: Session, teams: list[str], since: dt.datetime, until: dt.datetime, limit: int) -> Part:
    """Shares created in the window and not highlighted in it: most appreciated first, ties newest first."""
    highlighted = select(Highlight.share_id).where(*_in_window(teams, since, until))
    scored = (
        select(Share.id, Share.team_id, Share.created_at, _appreciation().label("appreciation"))
        .where(
            Share.team_id.in_(teams),
            Share.created_at > since,
            Share.created_at <= until,
            Share.id.not_in(highlighted),
            Share.hidden_at.is_(None),
        )
        .subquery()
    )
    most = (scored.c.appreciation.desc(), scored.c.created_at.desc(), scored.c.id.desc())
    ranked = select(
        scored,
        func.count().over(partition_by=scored.c.team_id).label("total"),
        func.row_number().over(partition_by=scored.c.team_id, order_by=most).label("place"),
    ).subquery()
    rows = session.execute(
        select(Share, ranked.c.appreciation, ranked.c.total)
        .join(ranked, ranked.c.id == Share.id)
        .where(ranked.c.place <= limit)
        .order_by(ranked.c.team_id, ranked.c.place)
    ).all()
    return _by_team((share.team_id, DigestShare(card=_share(share), appreciation=n), total) for share, n, total in rows)


def _open_requests(session: Session, teams: list[str], until: dt.datetime, limit: int) -> Part:
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
    counted = (
        select(CollabRequest.id, CollabRequest.team_id, CollabRequest.created_at, offers)
        .where(
            CollabRequest.team_id.in_(teams),
            CollabRequest.status == "open",
            CollabRequest.created_at <= until,
            CollabRequest.hidden_at.is_(None),
        )
        .subquery()
    )
    first = (case((counted.c.offers > 0, 1), else_=0), counted.c.created_at, counted.c.id)
    ranked = select(
        counted,
        func.count().over(partition_by=counted.c.team_id).label("total"),
        func.row_number().over(partition_by=counted.c.team_id, order_by=first).label("place"),
    ).subquery()
    rows = session.execute(
        select(CollabRequest, ranked.c.offers, ranked.c.total)
        .join(ranked, ranked.c.id == CollabRequest.id)
        .where(ranked.c.place <= limit)
        .order_by(ranked.c.team_id, ranked.c.place)
        .options(selectinload(CollabRequest.offers))
    ).all()
    return _by_team(
        (request.team_id, DigestRequest(card=_request(request), offers=count), total) for request, count, total in rows
    )


# ---- helpers -------------------------------------------------------------------------------------------


def _hidden_shares(teams: list[str]) -> Select[int]:
    """The workspaces' shares hidden while a reported concern is reviewed (few, if any)."""
    return select(Share.id).where(Share.team_id.in_(teams), Share.hidden_at.is_not(None))


def _by_team(ranked: Iterable[tuple[str, Any, int]]) -> Part:
    """(team id, item, how many matched in that workspace), in order, as each workspace's items and how many more."""
    found: dict[str, list[Any]] = {}
    totals: dict[str, int] = {}
    for team_id, item, total in ranked:
        found.setdefault(team_id, []).append(item)
        totals[team_id] = total
    return {team_id: (tuple(items), totals[team_id] - len(items)) for team_id, items in found.items()}


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
