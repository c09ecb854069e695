"""Partnerships across organisations: which workspaces are in one, the one-time codes that invite another, what
authors chose to share with it, offers of help from partner organisations, and channels Slack says are shared
with another organisation (Slack Connect).

A partnership has no row of its own: its members' rows carry the same key, so each workspace's row is its own
(erasing a workspace takes only its membership). Nothing here holds anyone's words: a shared share or request
stays in its own workspace's row, and partners read it while it is shared.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SlackId, TeamId, _ts

PartnershipKey = String(32)


class PartnershipMember(Base):
    """A workspace in a partnership; one partnership at a time. Leaving deletes the row (the audit trail keeps when)."""

    __tablename__ = "partnership_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId, unique=True)
    partnership: Mapped[str] = mapped_column(PartnershipKey, index=True)
    joined_at: Mapped[dt.datetime] = _ts()


class PartnershipInvite(Base):
    """A one-time code a workspace's admin made to invite another workspace: only its hash is kept."""

    __tablename__ = "partnership_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)  # the inviting workspace
    partnership: Mapped[str] = mapped_column(PartnershipKey)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()
    expires_at: Mapped[dt.datetime] = _ts()
    used_at: Mapped[dt.datetime | None] = _ts()


class PartnerItem(Base):
    """A share or request its author chose to share with their workspace's partnership (one of the two ids is set).
    Partner workspaces that joined by `shared_at` see it until it is withdrawn (the row deleted)."""

    __tablename__ = "partner_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)  # the author's workspace
    partnership: Mapped[str] = mapped_column(PartnershipKey)
    share_id: Mapped[int | None] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("collab_requests.id", ondelete="CASCADE"), unique=True)
    shared_at: Mapped[dt.datetime] = _ts()
    # Its author agreed that partner organisations see their name (read from Slack when shown, never stored).
    name_author: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    __table_args__ = (Index("ix_partner_items_partnership_shared", "partnership", "shared_at"),)


class PartnerOffer(Base):
    """Someone in a partner organisation offering to help with a request shared with the partnership: the helper's
    own record, in their own workspace (team_id), pointing at the request in the requester's."""

    __tablename__ = "partner_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)  # the helper's workspace
    request_id: Mapped[int] = mapped_column(ForeignKey("collab_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(SlackId)  # the helper
    # The helper agreed that the requester's organisation sees their name (read from Slack when shown, never stored).
    name_helper: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("request_id", "team_id", "user_id"),)


class ConnectedChannel(Base):
    """A channel of this workspace that Slack says is shared with another organisation's workspace (Slack Connect):
    that workspace's shares and requests posted in it appear in this workspace's digest for that channel."""

    __tablename__ = "connected_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    other_team_id: Mapped[str] = mapped_column(TeamId)
    checked_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "channel_id", "other_team_id"),)
