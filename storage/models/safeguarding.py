"""Safeguarding: concerns reported and their review, words held while their author decides, the audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
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


class AuditEntry(Base):
    """Who did what, appended and never changed: roles, highlights, edits and deletions, reports, restores,
    personal-data overrides, exports, erasures, retention runs, settings. Ids and actions only, never the
    words anyone shared."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    at: Mapped[dt.datetime] = _ts()
    actor_id: Mapped[str] = mapped_column(String(64))  # a person's user id, or "programme-talks" for the app itself
    action: Mapped[str] = mapped_column(String(64))  # storage.audit.Action
    subject: Mapped[str | None] = mapped_column(String(200))  # what it was done to: "share:12", "user:U123"
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON of ids, counts and kinds: never user text

    __table_args__ = (Index("ix_audit_entries_team_at", "team_id", "at"),)


_OPEN = text("status = 'open'")


class Concern(Base):
    """Someone reported a concern about something the app posted (a share, a request, an agreement or an event).
    It is hidden (its hidden_at set) until a champion or admin restores or deletes it. Ids only, never words; at
    most one open concern for each thing, so reporting it again changes nothing. Kept after the thing is deleted,
    for accountability, as long as the audit trail (storage.retention)."""

    __tablename__ = "concerns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    kind: Mapped[str] = mapped_column(String(16))  # share | request | agreement | event
    subject_id: Mapped[int] = mapped_column(Integer)  # the share's, request's or event's id; the agreement's number
    author_id: Mapped[str] = mapped_column(SlackId)  # who posted what was reported
    channel_id: Mapped[str] = mapped_column(SlackId)  # where it was posted
    reported_by: Mapped[str] = mapped_column(SlackId)
    reported_at: Mapped[dt.datetime] = _ts()
    status: Mapped[str] = mapped_column(String(16))  # open | restored | removed | gone (deleted before a decision)
    decided_by: Mapped[str | None] = mapped_column(SlackId)
    decided_at: Mapped[dt.datetime | None] = _ts()
    # When what was reported was deleted (by the decision, its author's erasure, or retention): the concern stays,
    # saying what was reported and what was decided, without its words; subject_id then names nothing.
    subject_deleted_at: Mapped[dt.datetime | None] = _ts()

    __table_args__ = (
        Index(
            "ix_concerns_open_subject",
            "team_id",
            "kind",
            "subject_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )


class ConcernNotice(Base):
    """The direct message that told a champion or admin about a concern, so it can show the decision once made."""

    __tablename__ = "concern_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("concern_id", "user_id"),)


class HeldPost(Base):
    """Words typed after `/share` or `/collab` in which the personal-data check found something, held for their
    author to edit or to post anyway; deleted as soon as they do, or once expires_at passes (storage.held_posts)."""

    __tablename__ = "held_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    author_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    kind: Mapped[str] = mapped_column(String(16))  # share | request
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _ts()
    expires_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (Index("ix_held_posts_expires", "expires_at"),)
