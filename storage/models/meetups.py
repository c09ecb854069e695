"""Meetups (what /event invites people to), the messages showing them, and people's answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SlackId, TeamId, _ts


class Meetup(Base):
    """Something that already happens, to which potential collaborators are invited (`/event`).

    Called a meetup in the code, so that "event" means only Slack's Events API; the tables keep their first names.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = _ts()
    place: Mapped[str] = mapped_column(String(500))
    about: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str] = mapped_column(SlackId)
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()
    hidden_at: Mapped[dt.datetime | None] = _ts()  # set while a reported concern is reviewed (storage.concerns)

    __table_args__ = (Index("ix_events_team_starts", "team_id", "starts_at"),)


class MeetupPost(Base):
    """A message showing a meetup (in a channel, or an invitation by direct message), kept current on RSVPs."""

    __tablename__ = "event_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    meetup_id: Mapped[int] = mapped_column("event_id", ForeignKey("events.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    invited_user: Mapped[str | None] = mapped_column(SlackId)  # set for a direct-message invitation

    __table_args__ = (Index("ix_event_posts_team_invited", "team_id", "invited_user"),)  # someone's, on the Home tab


class MeetupRsvp(Base):
    """Someone's answer to a meetup: going or interested (one per person per event)."""

    __tablename__ = "event_rsvps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    meetup_id: Mapped[int] = mapped_column("event_id", ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SlackId)
    answer: Mapped[str] = mapped_column(String(16))  # going | interested
    updated_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_rsvps_team_user", "team_id", "user_id"),  # someone's answers, on the Home tab
    )
