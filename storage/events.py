"""Events, the messages that show them, and people's answers. Query functions: add and flush, never commit,
never call Slack; each reads in a fixed number of queries however many answers and copies there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.events import GOING, INTERESTED, EventCard, UpcomingEvent
from storage.models import Event, EventPost, EventRsvp

Choice = Callable[[str | None], str | None]  # the answer to give, from the answer someone has now


@dataclass(frozen=True)
class EventCopy:
    """One message showing an event: in a channel, or an invitation in someone's direct messages."""

    id: int
    channel_id: str
    message_ts: str | None
    invited_user: str | None


@dataclass(frozen=True)
class GoingAnswer:
    """Someone going to an event that starts soon: what a reminder needs."""

    team_id: str
    event_id: int
    title: str
    starts_at: dt.datetime
    place: str
    channel_id: str
    user_id: str
    answered_at: dt.datetime


def add_event(
    session: Session,
    *,
    team_id: str,
    created_by: str,
    channel_id: str,
    title: str,
    starts_at: dt.datetime,
    place: str,
    about: str,
    now: dt.datetime,
) -> Event:
    event = Event(
        team_id=team_id,
        created_by=created_by,
        channel_id=channel_id,
        title=title,
        starts_at=starts_at,
        place=place,
        about=about,
        created_at=now,
    )
    session.add(event)
    session.flush()
    return event


def add_event_copies(
    session: Session, event: Event, *, channels: Sequence[str], invited_users: Sequence[str]
) -> list[EventCopy]:
    """Record where the event is to be shown (its channel first), before posting: a copy's message_ts is set
    once it is posted."""
    posts = [EventPost(team_id=event.team_id, event_id=event.id, channel_id=channel) for channel in channels]
    posts += [
        EventPost(team_id=event.team_id, event_id=event.id, channel_id=user, invited_user=user)
        for user in invited_users
    ]
    session.add_all(posts)
    session.flush()
    return [_copy(post) for post in posts]


def record_event_copy(
    session: Session, *, copy_id: int, channel_id: str, ts: str, permalink: str | None = None
) -> None:
    """Remember where a copy was posted (a direct message's channel is only known once it is)."""
    post = session.get(EventPost, copy_id)
    if post is not None:
        post.channel_id, post.message_ts, post.permalink = channel_id, ts, permalink
        session.flush()


def list_event_copies(session: Session, *, event_id: int) -> list[EventCopy]:
    posts = session.scalars(select(EventPost).where(EventPost.event_id == event_id).order_by(EventPost.id))
    return [_copy(post) for post in posts]


def get_event(session: Session, *, team_id: str, event_id: int) -> Event | None:
    return session.scalar(select(Event).where(Event.team_id == team_id, Event.id == event_id))


def save_answer(
    session: Session, event: Event, *, user_id: str, answer: str | Choice | None, now: dt.datetime
) -> str | None:
    """Set someone's answer (going or interested), or take it back (None), and return the answer it replaced.

    `answer` may be a function of the answer they have now, so a click that toggles reads the row only once.
    One answer per person per event.
    """
    where = (EventRsvp.event_id == event.id, EventRsvp.user_id == user_id)
    row = session.scalar(select(EventRsvp).where(*where))
    before = row.answer if row is not None else None
    after = answer(before) if callable(answer) else answer
    if row is None and after is not None:
        try:
            with session.begin_nested():
                session.add(
                    EventRsvp(team_id=event.team_id, event_id=event.id, user_id=user_id, answer=after, updated_at=now)
                )
            return before
        except IntegrityError:  # the same person's other click, at the same moment, got there first
            row = session.scalar(select(EventRsvp).where(*where))
            before = row.answer
            after = answer(before) if callable(answer) else answer
    if row is None:
        return before
    if after is None:
        session.delete(row)
    else:
        row.answer, row.updated_at = after, now
    session.flush()
    return before


def event_card(session: Session, event: Event) -> EventCard:
    """The event with who is going and who is interested, earliest answer first (one query)."""
    rows = session.execute(
        select(EventRsvp.user_id, EventRsvp.answer)
        .where(EventRsvp.event_id == event.id)
        .order_by(EventRsvp.updated_at, EventRsvp.id)
    ).all()
    return EventCard(
        id=event.id,
        title=event.title,
        starts_at=event.starts_at,
        place=event.place,
        about=event.about,
        channel_id=event.channel_id,
        created_by=event.created_by,
        going=tuple(user for user, answer in rows if answer == GOING),
        interested=tuple(user for user, answer in rows if answer == INTERESTED),
    )


def going_answers(session: Session, *, starts_after: dt.datetime, starts_before: dt.datetime) -> list[GoingAnswer]:
    """Everyone going to an event starting in (starts_after, starts_before], in every workspace (one query)."""
    rows = session.execute(
        select(Event, EventRsvp.user_id, EventRsvp.updated_at)
        .join(EventRsvp, EventRsvp.event_id == Event.id)
        .where(Event.starts_at > starts_after, Event.starts_at <= starts_before, EventRsvp.answer == GOING)
        .order_by(Event.starts_at, Event.id, EventRsvp.id)
    ).all()
    return [
        GoingAnswer(
            team_id=event.team_id,
            event_id=event.id,
            title=event.title,
            starts_at=event.starts_at,
            place=event.place,
            channel_id=event.channel_id,
            user_id=user_id,
            answered_at=answered_at,
        )
        for event, user_id, answered_at in rows
    ]


def upcoming_events(session: Session, *, team_id: str, now: dt.datetime, within_days: int = 14) -> list[UpcomingEvent]:
    """Events starting after `now` and within `within_days`, soonest first, with their counts (one query)."""

    def answers(answer: str):
        return (
            select(func.count())
            .where(EventRsvp.event_id == Event.id, EventRsvp.answer == answer)
            .correlate(Event)
            .scalar_subquery()
        )

    posted = (
        select(func.min(EventPost.permalink))
        .where(
            and_(
                EventPost.event_id == Event.id,
                EventPost.channel_id == Event.channel_id,
                EventPost.invited_user.is_(None),
            )
        )
        .correlate(Event)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Event, answers(GOING), answers(INTERESTED), posted)
        .where(
            Event.team_id == team_id,
            Event.starts_at > now,
            Event.starts_at <= now + dt.timedelta(days=within_days),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [
        UpcomingEvent(
            id=event.id,
            title=event.title,
            starts_at=event.starts_at,
            place=event.place,
            channel_id=event.channel_id,
            going=going,
            interested=interested,
            permalink=permalink,
        )
        for event, going, interested, permalink in rows
    ]


def _copy(post: EventPost) -> EventCopy:
    return EventCopy(id=post.id, channel_id=post.channel_id, message_ts=post.message_ts, invited_user=post.invited_user)
