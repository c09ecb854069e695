"""Typed SQLAlchemy models. Every row belongs to one Slack workspace (team_id)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TeamId = String(32)
SlackId = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _ts() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True))


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
    created_at: Mapped[dt.datetime] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()

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
    created_at: Mapped[dt.datetime] = _ts()
    resolved_at: Mapped[dt.datetime | None] = _ts()

    offers: Mapped[list[CollabOffer]] = relationship(
        back_populates="request", order_by="CollabOffer.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_collab_requests_team_status_created", "team_id", "status", "created_at"),
        Index("ix_collab_requests_team_message", "team_id", "channel_id", "message_ts"),
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

    __table_args__ = (UniqueConstraint("request_id", "user_id"),)
