"""Meeting prompts, and quiet when people need it: channels' prompt schedules, channels' digests and prompts paused
for a while, people's pauses and choices of direct messages, what was held for them, and replies they were asked
about sharing. None of these tables holds anyone's words: ids, schedules, dates and links only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SlackId, TeamId, _ts


class PromptSchedule(Base):
    """A channel that gets the two questions before its team meeting, on a schedule (domain.schedule's words)."""

    __tablename__ = "prompt_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    schedule: Mapped[str] = mapped_column(String(64))  # Schedule.to_text(), e.g. "weekly tue 09:45"
    active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))  # why the app stopped it (channel gone)
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()  # when the schedule last took effect: it never fills in the past

    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)


class ChannelPause(Base):
    """A channel's digest or prompt paused by a champion until a day (`/talks digest pause 2 weeks`): the slots
    before `ends_at` are recorded paused in the ledger, never posted later."""

    __tablename__ = "channel_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    what: Mapped[str] = mapped_column(String(16))  # "digest" | "prompt"
    back_on: Mapped[dt.date] = mapped_column(Date)  # the first day it comes again
    ends_at: Mapped[dt.datetime] = _ts()  # the start of that day in the workspace's time zone
    paused_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "channel_id", "what"),)


class PersonPause(Base):
    """Someone away (`/talks pause 2 weeks`): direct messages to them are held until `ends_at` (or until they resume),
    then they get one message saying what they missed. The row stays until that message is settled."""

    __tablename__ = "person_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(SlackId)
    back_on: Mapped[dt.date] = mapped_column(Date)  # the first day back
    ends_at: Mapped[dt.datetime] = _ts()  # BACK_AT that day in the workspace's time zone
    started_at: Mapped[dt.datetime] = _ts()
    resumed_at: Mapped[dt.datetime | None] = _ts()  # ended early with `/talks resume`

    __table_args__ = (Index("ix_person_pauses_team_user", "team_id", "user_id"),)


class DmChoice(Base):
    """A kind of direct message someone turned off (`/talks dms follow off`); no row: it is on."""

    __tablename__ = "dm_choices"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    choice: Mapped[str] = mapped_column(String(32), primary_key=True)  # domain.quiet.Choice
    changed_at: Mapped[dt.datetime] = _ts()


class HeldNotice(Base):
    """A direct message held back while its person paused: what kind, and a link to what it was about (no words).
    Marked with the catch-up's key when that message is composed, and deleted once it is sent."""

    __tablename__ = "held_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(SlackId)
    notice: Mapped[str] = mapped_column(String(32))  # domain.quiet.Notice
    link: Mapped[str | None] = mapped_column(String(500))  # the message it was about, when there is one
    held_at: Mapped[dt.datetime] = _ts()
    catch_up_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_held_notices_team_user", "team_id", "user_id"),)


class ReplyAsk(Base):
    """A reply in a meeting prompt's thread whose author was asked whether it may be shared as practice (Capture
    replies): asked once, then shared or declined. Its words stay in Slack; they are read again when shared."""

    __tablename__ = "reply_asks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    thread_ts: Mapped[str] = mapped_column(String(32))
    reply_ts: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(SlackId)
    asked_by: Mapped[str] = mapped_column(SlackId)
    status: Mapped[str] = mapped_column(String(16))  # asked | shared | declined
    created_at: Mapped[dt.datetime] = _ts()
    answered_at: Mapped[dt.datetime | None] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "channel_id", "reply_ts"),)
