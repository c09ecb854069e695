"""Newsletter drafts (a month's introduction, and where it was published) and each workspace's newsletter choices.

Query functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack, and hand out
frozen records. What a newsletter says about its month is read by storage.reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import NewsletterDraft, NewsletterSettings, Share


@dataclass(frozen=True)
class Draft:
    team_id: str
    month: dt.date  # its first day
    introduction: str | None
    channel_id: str | None  # where it was asked for
    updated_by: str
    updated_at: dt.datetime
    published_channel: str | None = None
    published_by: str | None = None
    published_at: dt.datetime | None = None


@dataclass(frozen=True)
class Choices:
    """A workspace's newsletter choices; the defaults until someone makes one."""

    name_everyone: bool = False
    schedule: str | None = None  # domain.monthly's to_text()
    schedule_channel: str | None = None
    schedule_since: dt.datetime | None = None


@dataclass(frozen=True)
class Scheduled:
    """A workspace whose newsletter is drafted on a schedule, for the scheduler."""

    team_id: str
    schedule: str
    channel_id: str | None
    since: dt.datetime


def get_draft(session: Session, *, team_id: str, month: dt.date) -> Draft | None:
    row = _draft(session, team_id, month)
    return _record(row) if row else None


def save_draft(
    session: Session, *, team_id: str, month: dt.date, user_id: str, now: dt.datetime, channel_id: str | None = None
) -> Draft:
    """The month's draft, started now if there is none; `channel_id` is kept as where it was first asked for.

    Two people starting the same month's draft at once: the unique (team, month) constraint refuses one, which
    then reads the other's (in a savepoint, so the caller's transaction carries on).
    """
    row = _draft(session, team_id, month)
    if row is None:
        row = NewsletterDraft(
            team_id=team_id, month=month, channel_id=channel_id, updated_by=user_id, created_at=now, updated_at=now
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            row = _draft(session, team_id, month)
            assert row is not None, "the draft another transaction added"
    elif row.channel_id is None and channel_id:
        row.channel_id = channel_id
        session.flush()
    return _record(row)


def save_introduction(
    session: Session, *, team_id: str, month: dt.date, introduction: str | None, user_id: str, now: dt.datetime
) -> Draft:
    """Keep the champion's introduction (None or "" takes it away)."""
    save_draft(session, team_id=team_id, month=month, user_id=user_id, now=now)
    row = _draft(session, team_id, month)
    assert row is not None
    row.introduction, row.updated_by, row.updated_at = introduction or None, user_id, now
    session.flush()
    return _record(row)


def record_published(
    session: Session, *, team_id: str, month: dt.date, channel_id: str, user_id: str, now: dt.datetime
) -> Draft:
    save_draft(session, team_id=team_id, month=month, user_id=user_id, now=now)
    row = _draft(session, team_id, month)
    assert row is not None
    row.published_channel, row.published_by, row.published_at = channel_id, user_id, now
    session.flush()
    return _record(row)


def get_choices(session: Session, *, team_id: str) -> Choices:
    row = session.get(NewsletterSettings, team_id)
    if row is None:
        return Choices()
    return Choices(row.name_everyone, row.schedule, row.schedule_channel, row.schedule_since)


def set_name_everyone(session: Session, *, team_id: str, name_everyone: bool, user_id: str, now: dt.datetime) -> bool:
    """Name everyone in newsletters and reports, or only authors who agreed; False when it already was so."""
    row = _settings(session, team_id, user_id, now)
    if row.name_everyone == name_everyone:
        return False
    row.name_everyone, row.updated_by, row.updated_at = name_everyone, user_id, now
    session.flush()
    return True


def set_schedule(
    session: Session, *, team_id: str, schedule: str | None, channel_id: str | None, user_id: str, now: dt.datetime
) -> bool:
    """Draft the newsletter on this schedule from now on (None stops it); False when there was none to stop."""
    row = _settings(session, team_id, user_id, now)
    if schedule is None and row.schedule is None:
        return False
    row.schedule, row.schedule_channel = schedule, channel_id if schedule else None
    row.schedule_since = now if schedule else None
    row.updated_by, row.updated_at = user_id, now
    session.flush()
    return True


def list_schedules(session: Session) -> list[Scheduled]:
    """Every workspace's newsletter schedule (the scheduler serves them all)."""
    rows = session.scalars(
        select(NewsletterSettings).where(NewsletterSettings.schedule.is_not(None)).order_by(NewsletterSettings.team_id)
    )
    return [
        Scheduled(row.team_id, row.schedule, row.schedule_channel, row.schedule_since)
        for row in rows
        if row.schedule is not None and row.schedule_since is not None
    ]


def _draft(session: Session, team_id: str, month: dt.date) -> NewsletterDraft | None:
    return session.scalar(
        select(NewsletterDraft).where(NewsletterDraft.team_id == team_id, NewsletterDraft.month == month)
    )


def _settings(session: Session, team_id: str, user_id: str, now: dt.datetime) -> NewsletterSettings:
    row = session.get(NewsletterSettings, team_id)
    if row is None:
        row = NewsletterSettings(team_id=team_id, name_everyone=False, updated_by=user_id, updated_at=now)
        session.add(row)
        session.flush()
    return row


def _record(row: NewsletterDraft) -> Draft:
    return Draft(
        team_id=row.team_id,
        month=row.month,
        introduction=row.introduction,
        channel_id=row.channel_id,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        published_channel=row.published_channel,
        published_by=row.published_by,
        published_at=row.published_at,
    )


def set_share_naming(session: Session, *, team_id: str, share_id: int, agreed: bool) -> None:
    """Record whether a share's author agreed to be named in newsletters outside Slack (the share form's box)."""
    session.execute(
        update(Share).where(Share.team_id == team_id, Share.id == share_id).values(name_outside_slack=agreed)
    )
