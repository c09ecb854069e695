"""Channels subscribed to a digest on a schedule. Query functions: `verb_noun(session, *, ...)`; they add and
flush, never commit, never call Slack, and hand out Subscription records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DigestSubscription


@dataclass(frozen=True)
class Subscription:
    id: int
    team_id: str
    channel_id: str
    schedule: str  # domain.schedule.Schedule.to_text(), e.g. "weekly mon 09:00"
    active: bool
    paused_because: str | None  # why the app paused it (channel gone); None when stopped by a person
    updated_at: dt.datetime  # when the schedule last took effect: a changed or resumed schedule never fills the past


def get_subscription(session: Session, *, team_id: str, channel_id: str) -> Subscription | None:
    row = _row(session, team_id, channel_id)
    return _record(row) if row else None


def save_subscription(
    session: Session, *, team_id: str, channel_id: str, schedule: str, user_id: str, now: dt.datetime
) -> Subscription:
    """Subscribe a channel, or change its schedule (and switch it back on if it was paused)."""
    row = _row(session, team_id, channel_id)
    if row is None:
        row = DigestSubscription(team_id=team_id, channel_id=channel_id, created_at=now)
        session.add(row)
    row.schedule, row.active, row.disabled_reason = schedule, True, None
    row.created_by, row.updated_at = user_id, now
    session.flush()
    return _record(row)


def pause_subscription(
    session: Session, *, team_id: str, channel_id: str, reason: str | None, now: dt.datetime
) -> bool:
    """Stop a channel's digest (with the reason when the app stopped it); False if it was not running."""
    row = _row(session, team_id, channel_id)
    if row is None or not row.active:
        return False
    row.active, row.disabled_reason, row.updated_at = False, reason, now
    session.flush()
    return True


def list_active_subscriptions(session: Session) -> list[Subscription]:
    """Every workspace's active subscriptions: the scheduler serves them all."""
    rows = session.scalars(
        select(DigestSubscription).where(DigestSubscription.active.is_(True)).order_by(DigestSubscription.id)
    )
    return [_record(row) for row in rows]


def _row(session: Session, team_id: str, channel_id: str) -> DigestSubscription | None:
    return session.scalar(
        select(DigestSubscription).where(
            DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id
        )
    )


def _record(row: DigestSubscription) -> Subscription:
    return Subscription(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        schedule=row.schedule,
        active=row.active,
        paused_because=row.disabled_reason,
        updated_at=row.updated_at,
    )
