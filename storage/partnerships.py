"""Partnerships: who is in one, invite codes, what authors share with it (and withdraw), offers of help from partner
organisations, and leaving. What partner workspaces read of each other is storage.partner_items.

A workspace is in one partnership at a time (partnership_members, one row each); a partnership is the key its
members' rows share. Only a code's SHA-256 is kept; it works once, until it expires. Query functions:
`verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.partnerships import REQUEST, SHARE
from storage.db import count_changed
from storage.models import (
    CollabRequest,
    Installation,
    PartnerItem,
    PartnerOffer,
    PartnershipInvite,
    PartnershipMember,
    Share,
)

INVITES_KEPT = dt.timedelta(days=30)  # a used or expired invite is kept this long, so a late try is told which


@dataclass(frozen=True)
class Membership:
    team_id: str
    partnership: str
    joined_at: dt.datetime


@dataclass(frozen=True)
class Member:
    """A workspace in a partnership, as people are shown it."""

    team_id: str
    organisation: str
    joined_at: dt.datetime
    installed: bool


@dataclass(frozen=True)
class Invite:
    id: int
    team_id: str  # the inviting workspace
    partnership: str
    created_by: str
    expires_at: dt.datetime
    used_at: dt.datetime | None


@dataclass(frozen=True)
class SharedItem:
    """A share or request shared with a partnership."""

    kind: str  # SHARE | REQUEST
    id: int
    team_id: str
    partnership: str
    shared_at: dt.datetime
    name_author: bool


@dataclass(frozen=True)
class Offer:
    """An offer of help from someone in a partner organisation, with what telling the requester needs."""

    id: int
    team_id: str  # the helper's workspace
    user_id: str
    name_helper: bool
    request_id: int
    request_team_id: str
    requester_id: str
    request_body: str
    request_permalink: str | None


# ---- who is in it ---------------------------------------------------------------------------------------------


def get_membership(session: Session, *, team_id: str) -> Membership | None:
    row = session.scalar(select(PartnershipMember).where(PartnershipMember.team_id == team_id))
    return Membership(row.team_id, row.partnership, row.joined_at) if row else None


def organisation_name(session: Session, *, team_id: str) -> str:
    """A workspace's organisation as Slack named it when the app was installed there."""
    row = session.get(Installation, team_id)
    return (row.team_name if row else None) or "a partner organisation"


def list_members(session: Session, *, partnership: str) -> list[Member]:
    """The workspaces in a partnership, first to join first."""
    rows = session.execute(
        select(PartnershipMember, Installation.team_name, Installation.uninstalled_at)
        .outerjoin(Installation, Installation.team_id == PartnershipMember.team_id)
        .where(PartnershipMember.partnership == partnership)
        .order_by(PartnershipMember.joined_at, PartnershipMember.id)
    ).all()
    return [
        Member(
            row.team_id, name or "a partner organisation", row.joined_at, installed=gone is None and name is not None
        )
        for row, name, gone in rows
    ]


def start_partnership(session: Session, *, team_id: str, now: dt.datetime) -> Membership:
    """The workspace's partnership: the one it is in, or a new one with it as its only member."""
    if (found := get_membership(session, team_id=team_id)) is not None:
        return found
    row = PartnershipMember(team_id=team_id, partnership=secrets.token_hex(16), joined_at=now)
    session.add(row)
    session.flush()
    return Membership(row.team_id, row.partnership, row.joined_at)


def join_partnership(session: Session, *, team_id: str, partnership: str, now: dt.datetime) -> Membership | None:
    """Put a workspace in a partnership; None when it is in one already (then nothing changes)."""
    row = PartnershipMember(team_id=team_id, partnership=partnership, joined_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return Membership(team_id, partnership, now)


# ---- invite codes -----------------------------------------------------------------------------------------------


def add_invite(
    session: Session,
    *,
    team_id: str,
    partnership: str,
    code_hash: str,
    created_by: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Record a code just made (its hash), and forget invites that ended more than INVITES_KEPT ago."""
    session.execute(delete(PartnershipInvite).where(PartnershipInvite.expires_at < now - INVITES_KEPT))
    session.add(
        PartnershipInvite(
            team_id=team_id,
            partnership=partnership,
            code_hash=code_hash,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()


def find_invite(session: Session, *, code_hash: str) -> Invite | None:
    row = session.scalar(select(PartnershipInvite).where(PartnershipInvite.code_hash == code_hash))
    if row is None:
        return None
    return Invite(row.id, row.team_id, row.partnership, row.created_by, row.expires_at, row.used_at)


def use_invite(session: Session, *, invite_id: int, now: dt.datetime) -> bool:
    """Use a code up: True once, while it is unused and in time."""
    return bool(
        count_changed(
            session,
            update(PartnershipInvite)
            .where(
                PartnershipInvite.id == invite_id,
                PartnershipInvite.used_at.is_(None),
                PartnershipInvite.expires_at > now,
            )
            .values(used_at=now),
        )
    )


# ---- sharing with it, and withdrawing -----------------------------------------------------------------------------


def partner_state(
    session: Session, *, team_id: str, share_id: int | None = None, request_id: int | None = None
) -> bool | None:
    """For a share's or request's message: None when its workspace is in no partnership, else whether it is shared
    with it."""
    if get_membership(session, team_id=team_id) is None:
        return None
    return _item_row(session, team_id=team_id, share_id=share_id, request_id=request_id) is not None


def share_with_partners(
    session: Session,
    *,
    team_id: str,
    now: dt.datetime,
    name_author: bool,
    share_id: int | None = None,
    request_id: int | None = None,
) -> SharedItem | None:
    """Share a share or request with its workspace's partnership; None when the workspace is in none, or it is
    shared already (nothing changes)."""
    membership = get_membership(session, team_id=team_id)
    if membership is None or _item_row(session, team_id=team_id, share_id=share_id, request_id=request_id):
        return None
    row = PartnerItem(
        team_id=team_id,
        partnership=membership.partnership,
        share_id=share_id,
        request_id=request_id,
        shared_at=now,
        name_author=name_author,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # shared twice at once
        return None
    return _shared(row)


def get_shared_item(session: Session, *, kind: str, item_id: int) -> SharedItem | None:
    """What is shared of a share or request (by its own id, in whichever workspace it is)."""
    column = PartnerItem.share_id if kind == SHARE else PartnerItem.request_id
    row = session.scalar(select(PartnerItem).where(column == item_id))
    return _shared(row) if row else None


def withdraw_item(session: Session, *, team_id: str, kind: str, item_id: int) -> SharedItem | None:
    """Stop sharing a share or request with the partnership (offers on it from partners go too); what it was, or
    None when it was not shared."""
    row = _item_row(
        session,
        team_id=team_id,
        share_id=item_id if kind == SHARE else None,
        request_id=item_id if kind == REQUEST else None,
    )
    if row is None:
        return None
    shared = _shared(row)
    if kind == REQUEST:
        session.execute(delete(PartnerOffer).where(PartnerOffer.request_id == item_id))
    session.delete(row)
    session.flush()
    return shared


def count_shared(session: Session, *, team_id: str) -> tuple[int, int]:
    """How many of a workspace's shares and requests are shared with its partnership."""
    rows = session.execute(
        select(func.count(PartnerItem.share_id), func.count(PartnerItem.request_id)).where(
            PartnerItem.team_id == team_id
        )
    ).one()
    return int(rows[0]), int(rows[1])


@dataclass(frozen=True)
class Left:
    """What leaving a partnership changed: the workspace's own items withdrawn, the workspaces still in it, and
    when the leaver joined (others' items it could see were shared after that)."""

    partnership: str
    joined_at: dt.datetime
    withdrawn: tuple[SharedItem, ...]
    others: tuple[str, ...]
    others_items: tuple[SharedItem, ...]  # items of the others the leaver could see


def leave_partnership(session: Session, *, team_id: str) -> Left | None:
    """Take a workspace out of its partnership, withdrawing everything shared both ways: its items, its people's
    offers on partners' requests and partners' offers on its requests, and its unused invite codes. None when it
    was in none."""
    membership = get_membership(session, team_id=team_id)
    if membership is None:
        return None
    rows = session.scalars(select(PartnerItem).where(PartnerItem.team_id == team_id)).all()
    withdrawn = tuple(_shared(row) for row in rows)
    seen = session.scalars(
        select(PartnerItem).where(
            PartnerItem.partnership == membership.partnership,
            PartnerItem.team_id != team_id,
            PartnerItem.shared_at >= membership.joined_at,
        )
    ).all()
    others_items = tuple(_shared(row) for row in seen)
    own_requests = select(CollabRequest.id).where(CollabRequest.team_id == team_id)
    session.execute(delete(PartnerOffer).where(PartnerOffer.team_id == team_id))
    session.execute(delete(PartnerOffer).where(PartnerOffer.request_id.in_(own_requests)))
    session.execute(delete(PartnerItem).where(PartnerItem.team_id == team_id))
    session.execute(
        delete(PartnershipInvite).where(PartnershipInvite.team_id == team_id, PartnershipInvite.used_at.is_(None))
    )
    session.execute(delete(PartnershipMember).where(PartnershipMember.team_id == team_id))
    others = tuple(
        session.scalars(
            select(PartnershipMember.team_id)
            .where(PartnershipMember.partnership == membership.partnership)
            .order_by(PartnershipMember.team_id)
        )
    )
    session.flush()
    return Left(membership.partnership, membership.joined_at, withdrawn, others, others_items)


def partner_teams(session: Session, *, partnership: str, besides: str) -> list[str]:
    """The other workspaces in a partnership."""
    return list(
        session.scalars(
            select(PartnershipMember.team_id)
            .where(PartnershipMember.partnership == partnership, PartnershipMember.team_id != besides)
            .order_by(PartnershipMember.team_id)
        )
    )


def posted_at(session: Session, *, kind: str, item_id: int) -> tuple[str, str | None]:
    """Where a share or request was posted in its own workspace: (channel, ts)."""
    model = Share if kind == SHARE else CollabRequest
    row = session.execute(select(model.channel_id, model.message_ts).where(model.id == item_id)).one_or_none()
    return (row[0], row[1]) if row else ("", None)


# ---- offers from partner organisations ------------------------------------------------------------------------------


def add_partner_offer(
    session: Session, *, team_id: str, request_id: int, user_id: str, name_helper: bool, now: dt.datetime
) -> int | None:
    """Record a partner's offer of help; its id, or None when they had offered already."""
    row = PartnerOffer(team_id=team_id, request_id=request_id, user_id=user_id, name_helper=name_helper, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def get_partner_offer(session: Session, *, offer_id: int) -> Offer | None:
    """An offer, while the request it is on is still shared with the partnership (else None)."""
    row = session.execute(
        select(PartnerOffer, CollabRequest)
        .join(CollabRequest, CollabRequest.id == PartnerOffer.request_id)
        .join(PartnerItem, PartnerItem.request_id == CollabRequest.id)
        .where(PartnerOffer.id == offer_id)
    ).one_or_none()
    if row is None:
        return None
    offer, request = row
    return Offer(
        id=offer.id,
        team_id=offer.team_id,
        user_id=offer.user_id,
        name_helper=offer.name_helper,
        request_id=request.id,
        request_team_id=request.team_id,
        requester_id=request.requester_id,
        request_body=request.body,
        request_permalink=request.permalink,
    )


def count_partner_offers(session: Session, *, request_id: int) -> int:
    return session.scalar(select(func.count()).where(PartnerOffer.request_id == request_id)) or 0


# ---- helpers ---------------------------------------------------------------------------------------------------------


def _item_row(
    session: Session, *, team_id: str, share_id: int | None = None, request_id: int | None = None
) -> PartnerItem | None:
    if share_id is None and request_id is None:
        return None
    column, value = (PartnerItem.share_id, share_id) if share_id is not None else (PartnerItem.request_id, request_id)
    return session.scalar(select(PartnerItem).where(PartnerItem.team_id == team_id, column == value))


def _shared(row: PartnerItem) -> SharedItem:
    kind, item_id = (SHARE, row.share_id) if row.share_id is not None else (REQUEST, row.request_id)
    assert item_id is not None
    return SharedItem(kind, item_id, row.team_id, row.partnership, row.shared_at, row.name_author)
