"""Where people are: Home visits, followed tags and what they are told, captures' credit, newsletters."""

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
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SlackId, TeamId, _ts


class HomeVisit(Base):
    """Someone who has opened the app's Home tab. The first visit shows a welcome; only people who have opened it
    have it refreshed when something on it changes."""

    __tablename__ = "home_visits"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=1)
    first_opened_at: Mapped[dt.datetime] = _ts()
    last_opened_at: Mapped[dt.datetime] = _ts()


class TagFollow(Base):
    """A tag someone follows (`/talks follow #send`): new shares and requests with it reach them in a daily bundle."""

    __tablename__ = "tag_follows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(SlackId)
    tag: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "tag"),
        Index("ix_tag_follows_team_tag", "team_id", "tag"),
    )


_BUNDLE_WAITING = text("bundle_key IS NULL")


class FollowNotice(Base):
    """A new share or request with a tag someone follows, for their next daily bundle (never its author's).

    Exactly one of share_id and request_id is set. `bundle_key` names the bundle (its day) that took it; None while
    it waits."""

    __tablename__ = "follow_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(SlackId)
    share_id: Mapped[int | None] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("collab_requests.id", ondelete="CASCADE"), index=True)
    tags: Mapped[str] = mapped_column(String(500))  # the followed tags it carries, space-separated
    created_at: Mapped[dt.datetime] = _ts()
    bundle_key: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "share_id"),
        UniqueConstraint("team_id", "user_id", "request_id"),
        Index("ix_follow_notices_team_user_bundle", "team_id", "user_id", "bundle_key"),
        Index(
            "ix_follow_notices_waiting", "created_at", sqlite_where=_BUNDLE_WAITING, postgresql_where=_BUNDLE_WAITING
        ),
    )


class PracticeSuggestion(Base):
    """A share shown to a request's author as practice that may help: each pair once."""

    __tablename__ = "practice_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    request_id: Mapped[int] = mapped_column(ForeignKey("collab_requests.id", ondelete="CASCADE"))
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("request_id", "share_id"),)


class MessageCredit(Base):
    """A share or request captured from a message with a message shortcut: whose message it was, and whether they
    agreed to be credited (self | asked | accepted | declined | none). Exactly one of share_id and request_id is set.
    """

    __tablename__ = "message_credits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    share_id: Mapped[int | None] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("collab_requests.id", ondelete="CASCADE"))
    captured_by: Mapped[str] = mapped_column(SlackId)
    source_author: Mapped[str | None] = mapped_column(SlackId)  # None: a bot's or an app's message
    source_channel: Mapped[str] = mapped_column(SlackId)
    source_ts: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = _ts()
    answered_at: Mapped[dt.datetime | None] = _ts()

    __table_args__ = (UniqueConstraint("share_id"), UniqueConstraint("request_id"))


class NewsletterDraft(Base):
    """A month's newsletter while a champion prepares it: their introduction, and where and when it was published.
    What the newsletter says about the month is read from the database each time it is shown (storage.reports)."""

    __tablename__ = "newsletter_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    month: Mapped[dt.date] = mapped_column(Date)  # its first day
    introduction: Mapped[str | None] = mapped_column(Text)  # the champion's own words
    channel_id: Mapped[str | None] = mapped_column(SlackId)  # where it was asked for: the Publish form's first choice
    updated_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()
    published_channel: Mapped[str | None] = mapped_column(SlackId)  # the latest channel it was published in
    published_by: Mapped[str | None] = mapped_column(SlackId)
    published_at: Mapped[dt.datetime | None] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "month"),)


class NewsletterSettings(Base):
    """A workspace's newsletter choices: whether everyone may be named in it, and when it is drafted for champions."""

    __tablename__ = "newsletter_settings"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    name_everyone: Mapped[bool] = mapped_column(default=False)  # else only authors who agreed on their share
    schedule: Mapped[str | None] = mapped_column(String(64))  # domain.monthly's to_text(); None: not scheduled
    schedule_channel: Mapped[str | None] = mapped_column(SlackId)  # "here": the Publish form's first choice
    schedule_since: Mapped[dt.datetime | None] = _ts()  # runs before this are never drafted
    updated_by: Mapped[str] = mapped_column(SlackId)
    updated_at: Mapped[dt.datetime] = _ts()
