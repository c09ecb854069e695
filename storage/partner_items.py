"""What a workspace sees of other organisations' shares and requests: those shared with its partnership (in its
digests and search, and to offer help on), those posted in a channel it shares with them (Slack Connect), and the
digests in which a partner's item was shown (to change them when it is withdrawn).

A partnership's item is visible to a member workspace when it was shared after that workspace joined, its own
workspace still has the app, and it is not hidden while a reported concern is reviewed. Query functions:
`verb_noun(session, *, ...)`; they never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Select, delete, func, select, text
from sqlalchemy.orm import Session

from domain.partnerships import PARTNER_WINDOW, REQUEST, SHARE, PartnerCard
from storage.ledger import Kind, Status
from storage.models import (
    CollabRequest,
    ConnectedChannel,
    Delivery,
    Installation,
    PartnerItem,
    PartnershipMember,
    Share,
)
from storage.search import REQUEST_TSV, SHARE_TSV, search_terms

OPEN = "open"


@dataclass(frozen=True)
class PostedDigest:
    """A digest posted in a workspace (in a channel, or to a champion), that may show a partner's item."""

    team_id: str
    target: str  # a channel, or a champion's user id
    message_ts: str


def _installed() -> Select[str]:
    return select(Installation.team_id).where(Installation.uninstalled_at.is_(None))


def _visible_to(team_id: str) -> tuple:
    """Conditions on PartnerItem: shared with this workspace's partnership by another installed workspace, after
    this one joined."""
    member = select(PartnershipMember.partnership, PartnershipMember.joined_at).where(
        PartnershipMember.team_id == team_id
    )
    mine = member.subquery()
    return (
        PartnerItem.partnership == select(mine.c.partnership).scalar_subquery(),
        PartnerItem.shared_at >= select(mine.c.joined_at).scalar_subquery(),
        PartnerItem.team_id != team_id,
        PartnerItem.team_id.in_(_installed()),
    )


def _share_card(item: PartnerItem, share: Share, organisation: str | None) -> PartnerCard:
    return PartnerCard(
        kind=SHARE,
        id=share.id,
        team_id=share.team_id,
        organisation=organisation or "a partner organisation",
        author_id=share.author_id,
        name_author=item.name_author,
        body=share.body,
        shared_at=item.shared_at,
        title=share.title,
        tags=share.tag_list,
        created_at=share.created_at,
    )


def _request_card(item: PartnerItem | None, request: CollabRequest, organisation: str | None) -> PartnerCard:
    return PartnerCard(
        kind=REQUEST,
        id=request.id,
        team_id=request.team_id,
        organisation=organisation or "a partner organisation",
        author_id=request.requester_id,
        name_author=item.name_author if item else False,
        body=request.body,
        shared_at=item.shared_at if item else request.created_at,
        needed_by=request.needed_by,
        resolved=request.status != OPEN,
        created_at=request.created_at,
    )


def visible_item(session: Session, *, team_id: str, kind: str, item_id: int) -> PartnerCard | None:
    """A partner's share or request as this workspace may see it, or None when it may not (not shared with its
    partnership, withdrawn, from before it joined, hidden, or its workspace has removed the app)."""
    model = Share if kind == SHARE else CollabRequest
    column = PartnerItem.share_id if kind == SHARE else PartnerItem.request_id
    row = session.execute(
        select(PartnerItem, model, Installation.team_name)
        .join(model, model.id == column)
        .join(Installation, Installation.team_id == PartnerItem.team_id)
        .where(column == item_id, model.hidden_at.is_(None), *_visible_to(team_id))
    ).one_or_none()
    if row is None:
        return None
    item, record, organisation = row
    return _card(item, record, organisation)


def partner_items_for_digest(
    session: Session, *, team_id: str, since: dt.datetime, until: dt.datetime, limit: int = 5
) -> tuple[list[PartnerCard], int]:
    """Partners' shares, and open requests, shared with this workspace's partnership in since < shared_at <= until
    (and within PARTNER_WINDOW of until), newest first; and how many more."""
    start = max(since, until - PARTNER_WINDOW)
    window = (PartnerItem.shared_at > start, PartnerItem.shared_at <= until, *_visible_to(team_id))
    shares = session.execute(
        select(PartnerItem, Share, Installation.team_name)
        .join(Share, Share.id == PartnerItem.share_id)
        .join(Installation, Installation.team_id == PartnerItem.team_id)
        .where(*window, Share.hidden_at.is_(None))
    ).all()
    requests = session.execute(
        select(PartnerItem, CollabRequest, Installation.team_name)
        .join(CollabRequest, CollabRequest.id == PartnerItem.request_id)
        .join(Installation, Installation.team_id == PartnerItem.team_id)
        .where(*window, CollabRequest.hidden_at.is_(None), CollabRequest.status == OPEN)
    ).all()
    cards = [_share_card(i, s, o) for i, s, o in shares] + [_request_card(i, r, o) for i, r, o in requests]
    cards.sort(key=lambda card: (card.shared_at, card.kind, card.id), reverse=True)
    return cards[:limit], max(0, len(cards) - limit)


def search_partner_items(session: Session, *, team_id: str, words: str, limit: int = 8) -> list[PartnerCard]:
    """Partners' shares and requests shared with this workspace's partnership that match the words, best first."""
    terms = search_terms(words)
    if not terms:
        return []
    visible = _visible_to(team_id)
    share_ids = select(PartnerItem.share_id).where(PartnerItem.share_id.is_not(None), *visible)
    request_ids = select(PartnerItem.request_id).where(PartnerItem.request_id.is_not(None), *visible)
    if session.get_bind().dialect.name == "postgresql":
        ranked = _ranked_postgresql(session, terms, share_ids, request_ids, limit)
    else:
        ranked = _ranked_sqlite(session, terms, share_ids, request_ids, limit)
    found: dict[tuple[str, int], PartnerCard] = {}
    for kind, ids in ((SHARE, [i for k, i in ranked if k == SHARE]), (REQUEST, [i for k, i in ranked if k == REQUEST])):
        for card in _cards(session, kind, ids):
            found[card.key] = card
    return [found[key] for key in ranked if key in found]


def _cards(session: Session, kind: str, ids: Sequence[int]) -> list[PartnerCard]:
    if not ids:
        return []
    model = Share if kind == SHARE else CollabRequest
    column = PartnerItem.share_id if kind == SHARE else PartnerItem.request_id
    rows = session.execute(
        select(PartnerItem, model, Installation.team_name)
        .join(model, model.id == column)
        .join(Installation, Installation.team_id == PartnerItem.team_id)
        .where(model.id.in_(ids), model.hidden_at.is_(None))
    ).all()
    return [_card(item, record, organisation) for item, record, organisation in rows]


def _card(item: PartnerItem, record: object, organisation: str | None) -> PartnerCard:
    if isinstance(record, Share):
        return _share_card(item, record, organisation)
    return _request_card(item, cast(CollabRequest, record), organisation)


def _ranked_sqlite(
    session: Session, terms: list[str], share_ids: Select, request_ids: Select, limit: int
) -> list[tuple[str, int]]:
    query = " OR ".join(f'"{term}"*' for term in terms)
    shares = session.execute(
        text("SELECT rowid, bm25(shares_fts) FROM shares_fts WHERE shares_fts MATCH :query"),
        {"query": query},
    ).all()
    requests = session.execute(
        text("SELECT rowid, bm25(requests_fts) FROM requests_fts WHERE requests_fts MATCH :query"),
        {"query": query},
    ).all()
    allowed_shares, allowed_requests = set(session.scalars(share_ids)), set(session.scalars(request_ids))
    ranked = [(rank, SHARE, int(i)) for i, rank in shares if i in allowed_shares]
    ranked += [(rank, REQUEST, int(i)) for i, rank in requests if i in allowed_requests]
    return [(kind, ref) for _, kind, ref in sorted(ranked)[:limit]]


def _ranked_postgresql(
    session: Session, terms: list[str], share_ids: Select, request_ids: Select, limit: int
) -> list[tuple[str, int]]:
    allowed_shares, allowed_requests = list(session.scalars(share_ids)), list(session.scalars(request_ids))
    if not allowed_shares and not allowed_requests:
        return []
    query = " | ".join(f"{term}:*" for term in terms)
    rows = session.execute(
        text(
            f"SELECT 'share' AS kind, id, ts_rank({SHARE_TSV}, q) AS rank "
            f"FROM shares, to_tsquery('english', :query) q WHERE id = ANY(:shares) AND {SHARE_TSV} @@ q "
            f"UNION ALL SELECT 'request', id, ts_rank({REQUEST_TSV}, q) "
            f"FROM collab_requests, to_tsquery('english', :query) q WHERE id = ANY(:requests) AND {REQUEST_TSV} @@ q "
            "ORDER BY rank DESC, id DESC LIMIT :limit"
        ),
        {"query": query, "shares": allowed_shares, "requests": allowed_requests, "limit": limit},
    )
    return [(kind, int(ref)) for kind, ref, _ in rows]


def named_authors(session: Session, *, team_ids: Sequence[str], since: dt.datetime) -> list[tuple[str, str]]:
    """The authors (workspace, user id) who agreed to be named, of shares and requests shared after `since` with
    these workspaces' partnerships (to read their names before digests are composed)."""
    partnerships = select(PartnershipMember.partnership).where(PartnershipMember.team_id.in_(list(team_ids)))
    named = (
        PartnerItem.partnership.in_(partnerships),
        PartnerItem.name_author.is_(True),
        PartnerItem.shared_at > since,
    )
    shares = select(Share.team_id, Share.author_id).join(PartnerItem, PartnerItem.share_id == Share.id).where(*named)
    requests = (
        select(CollabRequest.team_id, CollabRequest.requester_id)
        .join(PartnerItem, PartnerItem.request_id == CollabRequest.id)
        .where(*named)
    )
    found = {(team, user) for team, user in session.execute(shares)}
    found |= {(team, user) for team, user in session.execute(requests)}
    return sorted(found)


def digests_showing(session: Session, *, team_ids: Sequence[str], shared_at: dt.datetime) -> list[PostedDigest]:
    """The digests posted in these workspaces that can show an item shared at `shared_at`: those due from then to
    PARTNER_WINDOW after (domain.partnerships)."""
    if not team_ids:
        return []
    rows = session.execute(
        select(Delivery.team_id, Delivery.target, Delivery.message_ts)
        .where(
            Delivery.team_id.in_(list(team_ids)),
            Delivery.kind.in_([Kind.DIGEST, Kind.CHAMPION_DIGEST]),
            Delivery.status == Status.DELIVERED,
            Delivery.message_ts.is_not(None),
            Delivery.scheduled_for >= shared_at,
            Delivery.scheduled_for <= shared_at + PARTNER_WINDOW,
        )
        .order_by(Delivery.id)
    ).all()
    return [PostedDigest(team_id, target, ts) for team_id, target, ts in rows if ts is not None]


# ---- channels shared with other organisations (Slack Connect) ------------------------------------------------------


def record_connected_channel(
    session: Session, *, team_id: str, channel_id: str, other_team_ids: Sequence[str], now: dt.datetime
) -> None:
    """What Slack says now: this workspace's channel is shared with these other workspaces (none: it is not)."""
    others = sorted(set(other_team_ids) - {team_id})
    session.execute(
        delete(ConnectedChannel).where(
            ConnectedChannel.team_id == team_id,
            ConnectedChannel.channel_id == channel_id,
            ConnectedChannel.other_team_id.not_in(others),
        )
    )
    known = set(
        session.scalars(
            select(ConnectedChannel.other_team_id).where(
                ConnectedChannel.team_id == team_id, ConnectedChannel.channel_id == channel_id
            )
        )
    )
    session.add_all(
        ConnectedChannel(team_id=team_id, channel_id=channel_id, other_team_id=other, checked_at=now)
        for other in others
        if other not in known
    )
    session.flush()


def connected_items(
    session: Session, *, team_id: str, channel_id: str, since: dt.datetime, until: dt.datetime, limit: int = 5
) -> tuple[list[PartnerCard], int]:
    """Shares and requests other organisations' people posted in a channel this workspace shares with them, in
    since < created_at <= until, newest first; and how many more. Nobody is named: they are credited to their
    organisation."""
    others = select(ConnectedChannel.other_team_id).where(
        ConnectedChannel.team_id == team_id, ConnectedChannel.channel_id == channel_id
    )
    shares = session.execute(
        select(Share, Installation.team_name)
        .join(Installation, Installation.team_id == Share.team_id)
        .where(
            Share.team_id.in_(others),
            Share.team_id.in_(_installed()),
            Share.team_id != team_id,
            Share.channel_id == channel_id,
            Share.created_at > since,
            Share.created_at <= until,
            Share.hidden_at.is_(None),
        )
    ).all()
    requests = session.execute(
        select(CollabRequest, Installation.team_name)
        .join(Installation, Installation.team_id == CollabRequest.team_id)
        .where(
            CollabRequest.team_id.in_(others),
            CollabRequest.team_id.in_(_installed()),
            CollabRequest.team_id != team_id,
            CollabRequest.channel_id == channel_id,
            CollabRequest.created_at > since,
            CollabRequest.created_at <= until,
            CollabRequest.hidden_at.is_(None),
        )
    ).all()
    cards = [
        PartnerCard(
            kind=SHARE,
            id=share.id,
            team_id=share.team_id,
            organisation=organisation or "another organisation",
            author_id=share.author_id,
            name_author=False,
            body=share.body,
            shared_at=share.created_at,
            title=share.title,
            tags=share.tag_list,
            created_at=share.created_at,
        )
        for share, organisation in shares
    ]
    cards += [
        _request_card(None, request, organisation or "another organisation") for request, organisation in requests
    ]
    cards.sort(key=lambda card: (card.shared_at, card.kind, card.id), reverse=True)
    return cards[:limit], max(0, len(cards) - limit)


def count_connected(session: Session, *, team_id: str, channel_id: str) -> int:
    """How many other workspaces this workspace's channel is known to be shared with."""
    return (
        session.scalar(
            select(func.count()).where(ConnectedChannel.team_id == team_id, ConnectedChannel.channel_id == channel_id)
        )
        or 0
    )
