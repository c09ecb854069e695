"""Shares of practice, collaboration requests and offers, and the reactions and highlights on shares."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, SlackId, TeamId, _ts

"""Typed SQLAlchemy models. Every row belongs to one Slack workspace (team_id)."""


class Share(Base):
    """A piece of practice someone shared, and where the app posted it."""

    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    author_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(500), default="")
    link: Mapped[str | None] = mapped_column(String(600))
    source_link: Mapped[str | None] = mapped_column(String(500))  # the message it was captured from (a permalink)
    created_at: Mapped[dt.datetime] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()
    hidden_at: Mapped[dt.datetime | None] = _ts()  # set while a reported concern is reviewed (storage.concerns)
    # Its author ticked "You may name me in newsletters outside Slack" (the newsletter and the funders' report).
    name_outside_slack: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    __table_args__ = (
        Index("ix_shares_team_created", "team_id", "created_at"),
        Index("ix_shares_team_message", "team_id", "channel_id", "message_ts"),
    )

    @property
    def tag_list(self) -> tuple[str, ...]:
        return tuple(self.tags.split())


class CollabRequest(Base):
    """Someone asking for a partner or help; offers hang off it."""

    __tablename__ = "collab_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    requester_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    needed_by: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    source_link: Mapped[str | None] = mapped_column(String(500))  # the message it was captured from (a permalink)
    created_at: Mapped[dt.datetime] = _ts()
    resolved_at: Mapped[dt.datetime | None] = _ts()
    hidden_at: Mapped[dt.datetime | None] = _ts()  # set while a reported concern is reviewed (storage.concerns)

    offers: Mapped[list[CollabOffer]] = relationship(
        back_populates="request", order_by="CollabOffer.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_collab_requests_team_status_created", "team_id", "status", "created_at"),
        Index("ix_collab_requests_team_message", "team_id", "channel_id", "message_ts"),
        # someone's own requests, and the resolved in the last four weeks, on the Home tab (storage.home)
        Index("ix_collab_requests_team_requester", "team_id", "requester_id", "created_at"),
        Index("ix_collab_requests_team_resolved", "team_id", "resolved_at"),
    )


class CollabOffer(Base):
    """One person's offer of help with a request; one per person per request."""

    __tablename__ = "collab_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    request_id: Mapped[int] = mapped_column(ForeignKey("collab_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()

    request: Mapped[CollabRequest] = relationship(back_populates="offers")

    __table_args__ = (
        UniqueConstraint("request_id", "user_id"),
        # the requests someone offered on, and the offers in the last four weeks, on the Home tab (storage.home)
        Index("ix_collab_offers_team_user", "team_id", "user_id", "created_at"),
        Index("ix_collab_offers_team_created", "team_id", "created_at"),
    )


class Reaction(Base):
    """Someone's emoji reaction on a share the app posted: appreciation, and for leaders, highlights."""

    __tablename__ = "reactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SlackId)
    emoji: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("share_id", "user_id", "emoji"),)


class Highlight(Base):
    """A leader singled out a share by reacting with the highlight emoji."""

    __tablename__ = "highlights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    leader_id: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (
        UniqueConstraint("share_id", "leader_id"),
        Index("ix_highlights_team_created", "team_id", "created_at"),
    )


# Shares hidden while a concern is reviewed are few: storage.reports counts a workspace's shares per month from
# ix_shares_team_created alone and takes these off, rather than reading every share's row to check hidden_at.
_HIDDEN_SHARE = text("hidden_at IS NOT NULL")


Index("ix_shares_hidden", Share.team_id, sqlite_where=_HIDDEN_SHARE, postgresql_where=_HIDDEN_SHARE)
