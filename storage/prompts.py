"""Meeting prompts: channels that get the two questions before their team meeting, channels' digests and prompts
paused for a while by a champion, what a prompt shows (the channel's open requests), and the replies in a prompt's
thread whose authors were asked whether they may be shared.

Query functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack, and hand out
frozen records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from domain.records import RequestCard
from storage.db import count_changed
from storage.models import ChannelPause, CollabRequest, MessageCredit, PromptSchedule, ReplyAsk
from storage.requests import OPEN, request_card


class Paused(StrEnum):
    """What of a channel a champion paused."""

    DIGEST = "digest"
    PROMPT = "prompt"


# ---- prompt schedules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    id: int
    team_id: str
    channel_id: str
    schedule: str  # domain.schedule.Schedule.to_text(), e.g. "weekly tue 09:45"
    active: bool
    paused_because: str | None  # why the app stopped it (the channel is gone); None when a person stopped it
    updated_at: dt.datetime  # when the schedule last took effect: a changed or restarted schedule never fills the past


def get_prompt(session: Session, *, team_id: str, channel_id: str) -> Prompt | None:
    row = _prompt_row(session, team_id, channel_id)
    return _prompt(row) if row else None


def save_prompt(
    session: Session, *, team_id: str, channel_id: str, schedule: str, user_id: str, now: dt.datetime
) -> Prompt:
    """Give a channel the two questions on a schedule, or change it (switching it on again if it was stopped)."""
    row = _prompt_row(session, team_id, channel_id)
    if row is None:
        row = PromptSchedule(team_id=team_id, channel_id=channel_id, created_at=now)
        session.add(row)
    row.schedule, row.active, row.disabled_reason = schedule, True, None
    row.created_by, row.updated_at = user_id, now
    session.flush()
    return _prompt(row)


def stop_prompt(session: Session, *, team_id: str, channel_id: str, reason: str | None, now: dt.datetime) -> bool:
    """Stop a channel's prompts (with the reason when the app stopped them); False if they were not running."""
    row = _prompt_row(session, team_id, channel_id)
    if row is None or not row.active:
        return False
    row.active, row.disabled_reason, row.updated_at = False, reason, now
    session.flush()
    return True


def list_active_prompts(session: Session) -> list[Prompt]:
    """Every workspace's channels getting prompts: the scheduler serves them all."""
    rows = session.scalars(select(PromptSchedule).where(PromptSchedule.active.is_(True)).order_by(PromptSchedule.id))
    return [_prompt(row) for row in rows]


def _prompt_row(session: Session, team_id: str, channel_id: str) -> PromptSchedule | None:
    return session.scalar(
        select(PromptSchedule).where(PromptSchedule.team_id == team_id, PromptSchedule.channel_id == channel_id)
    )


def _prompt(row: PromptSchedule) -> Prompt:
    return Prompt(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        schedule=row.schedule,
        active=row.active,
        paused_because=row.disabled_reason,
        updated_at=row.updated_at,
    )


# ---- channels paused for a while -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelPauseRecord:
    team_id: str
    channel_id: str
    what: Paused
    back_on: dt.date  # the first day it comes again
    ends_at: dt.datetime  # the start of that day, in the workspace's time zone
    paused_by: str

    def covers(self, slot: dt.datetime) -> bool:
        """Whether a digest or prompt due at `slot` falls in this pause."""
        return slot < self.ends_at


def pause_channel(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    what: Paused,
    back_on: dt.date,
    ends_at: dt.datetime,
    user_id: str,
    now: dt.datetime,
) -> ChannelPauseRecord:
    """Pause a channel's digest or prompts until a day (a pause already there is replaced)."""
    row = _pause_row(session, team_id, channel_id, what)
    if row is None:
        row = ChannelPause(team_id=team_id, channel_id=channel_id, what=what)
        session.add(row)
    row.back_on, row.ends_at, row.paused_by, row.created_at = back_on, ends_at, user_id, now
    session.flush()
    return _pause(row)


def resume_channel(session: Session, *, team_id: str, channel_id: str, what: Paused, now: dt.datetime) -> bool:
    """End a channel's pause now; False when it was not paused."""
    row = _pause_row(session, team_id, channel_id, what)
    if row is None or row.ends_at <= now:
        return False
    session.delete(row)
    session.flush()
    return True


def get_channel_pause(
    session: Session, *, team_id: str, channel_id: str, what: Paused, now: dt.datetime
) -> ChannelPauseRecord | None:
    """The channel's pause of its digest or prompts, while it lasts."""
    row = _pause_row(session, team_id, channel_id, what)
    return _pause(row) if row is not None and row.ends_at > now else None


def channel_pauses(
    session: Session, *, what: Paused, ending_after: dt.datetime
) -> dict[tuple[str, str], ChannelPauseRecord]:
    """Every workspace's pauses of digests (or prompts) ending after a moment, by (team, channel): few, if any."""
    rows = session.scalars(select(ChannelPause).where(ChannelPause.what == what, ChannelPause.ends_at > ending_after))
    return {(row.team_id, row.channel_id): _pause(row) for row in rows}


def forget_channel_pauses(session: Session, *, ended_before: dt.datetime) -> int:
    """Pauses over before a moment: the slots they covered are in the ledger by then."""
    return count_changed(session, delete(ChannelPause).where(ChannelPause.ends_at < ended_before))


def _pause_row(session: Session, team_id: str, channel_id: str, what: Paused) -> ChannelPause | None:
    return session.scalar(
        select(ChannelPause).where(
            ChannelPause.team_id == team_id, ChannelPause.channel_id == channel_id, ChannelPause.what == what
        )
    )


def _pause(row: ChannelPause) -> ChannelPauseRecord:
    return ChannelPauseRecord(
        team_id=row.team_id,
        channel_id=row.channel_id,
        what=Paused(row.what),
        back_on=row.back_on,
        ends_at=row.ends_at,
        paused_by=row.paused_by,
    )


# ---- what a prompt shows -------------------------------------------------------------------------------------


def open_requests_in(
    session: Session, *, team_id: str, channel_id: str, limit: int = 5
) -> tuple[tuple[RequestCard, ...], int]:
    """A channel's open requests (not hidden), oldest first, at most `limit`; and how many more there are."""
    where = (
        CollabRequest.team_id == team_id,
        CollabRequest.channel_id == channel_id,
        CollabRequest.status == OPEN,
        CollabRequest.hidden_at.is_(None),
    )
    rows = session.scalars(
        select(CollabRequest)
        .where(*where)
        .order_by(CollabRequest.created_at, CollabRequest.id)
        .limit(limit)
        .options(selectinload(CollabRequest.offers))
    ).all()
    total = session.scalar(select(func.count()).select_from(CollabRequest).where(*where)) or 0
    return tuple(request_card(row) for row in rows), total - len(rows)


# ---- replies whose authors were asked --------------------------------------------------------------------------


class AskStatus(StrEnum):
    ASKED = "asked"
    SHARED = "shared"
    DECLINED = "declined"


@dataclass(frozen=True)
class Reply:
    """A reply in a prompt's thread, as Slack gave it: who wrote it, and when (its ts)."""

    ts: str
    author_id: str


@dataclass(frozen=True)
class ReplyAskRecord:
    id: int
    team_id: str
    channel_id: str
    thread_ts: str
    reply_ts: str
    author_id: str
    asked_by: str
    status: AskStatus


def ask_about_replies(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    replies: Sequence[Reply],
    asked_by: str,
    now: dt.datetime,
) -> tuple[list[ReplyAskRecord], int]:
    """Record that the authors of these replies are to be asked, once each: the asks new here, and how many replies
    were skipped because their author was asked before or the reply was already made a share or request from."""
    if not replies:
        return [], 0
    stamps = [reply.ts for reply in replies]
    asked = set(
        session.scalars(
            select(ReplyAsk.reply_ts).where(
                ReplyAsk.team_id == team_id, ReplyAsk.channel_id == channel_id, ReplyAsk.reply_ts.in_(stamps)
            )
        )
    )
    captured = set(
        session.scalars(
            select(MessageCredit.source_ts).where(
                MessageCredit.team_id == team_id,
                MessageCredit.source_channel == channel_id,
                MessageCredit.source_ts.in_(stamps),
            )
        )
    )
    new: list[ReplyAskRecord] = []
    for reply in replies:
        if reply.ts in asked or reply.ts in captured:
            continue
        row = ReplyAsk(
            team_id=team_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            reply_ts=reply.ts,
            author_id=reply.author_id,
            asked_by=asked_by,
            status=AskStatus.ASKED,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # pressed twice at once: the other press asks
            continue
        new.append(_ask(row))
    return new, len(replies) - len(new)


def get_reply_ask(session: Session, *, team_id: str, ask_id: int) -> ReplyAskRecord | None:
    row = session.scalar(select(ReplyAsk).where(ReplyAsk.team_id == team_id, ReplyAsk.id == ask_id))
    return _ask(row) if row else None


def answer_reply_ask(
    session: Session, *, team_id: str, ask_id: int, user_id: str, status: AskStatus, now: dt.datetime
) -> bool:
    """The reply's author shares it or says no, once; False when it is not theirs to answer or was answered."""
    return bool(
        count_changed(
            session,
            update(ReplyAsk)
            .where(
                ReplyAsk.team_id == team_id,
                ReplyAsk.id == ask_id,
                ReplyAsk.author_id == user_id,
                ReplyAsk.status == AskStatus.ASKED,
            )
            .values(status=status, answered_at=now),
        )
    )


def was_captured(session: Session, *, team_id: str, channel_id: str, ts: str) -> bool:
    """Whether a share or request was already made from this message (its author sent the form, say)."""
    found = select(MessageCredit.id).where(
        MessageCredit.team_id == team_id, MessageCredit.source_channel == channel_id, MessageCredit.source_ts == ts
    )
    return session.scalar(found.limit(1)) is not None


def forget_reply_asks(session: Session, *, before: dt.datetime) -> int:
    """Asks older than a moment: a prompt's thread is long over by then, and the row only stopped asking twice."""
    return count_changed(session, delete(ReplyAsk).where(ReplyAsk.created_at < before))


def _ask(row: ReplyAsk) -> ReplyAskRecord:
    return ReplyAskRecord(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        thread_ts=row.thread_ts,
        reply_ts=row.reply_ts,
        author_id=row.author_id,
        asked_by=row.asked_by,
        status=AskStatus(row.status),
    )
