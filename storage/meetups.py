"""Meetups (what `/event` invites people to), the messages that show them, and people's answers.

Query functions: add and flush, never commit, never call Slack, and hand out records; each reads in a fixed
number of queries however many answers and copies there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ScalarSelect, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.meetups import GOING, INTERESTED, MeetupCard, UpcomingMeetup
from storage.models import Meetup, MeetupPost, MeetupRsvp

Choice = Callable[[str | None], str | None]  # the answer to give, from the answer someone has now


@dataclass(frozen=True)
class MeetupCopy:
    """One message showing an event: in a channel, or an invitation in someone's direct messages."""

    id: int
    channel_id: str
    message_ts: str | None
    invited_user: str | None


@dataclass(frozen=True)
class GoingAnswer:
    """Someone going to an event that starts soon: what a reminder needs."""

    team_id: str
    meetup_id: int
    title: str
    starts_at: dt.datetime
    place: str
    channel_id: str
    user_id: str
    answered_at: dt.datetime


def add_meetup(
    session: Session,
    *,
    team_id: str,
    created_by: str,
    channel_id: str,
    title: str,
    starts_at: dt.datetime,
    place: str,
    about: str,
    channels: Sequence[str],
    invited_users: Sequence[str],
    now: dt.datetime,
) -> tuple[MeetupCard, list[MeetupCopy]]:
    """Save a meetup and where it is to be shown (its channel first, then other channels and invitations by
    direct message), before anything is posted: a copy's message_ts is set once it is posted."""
    meetup = Meetup(
        team_id=team_id,
        created_by=created_by,
        channel_id=channel_id,
        title=title,
        starts_at=starts_at,
        place=place,
        about=about,
        created_at=now,
    )
    session.add(meetup)
    session.flush()
    posts = [MeetupPost(team_id=team_id, meetup_id=meetup.id, channel_id=channel) for channel in channels]
    posts += [
        MeetupPost(team_id=team_id, meetup_id=meetup.id, channel_id=user, invited_user=user) for user in invited_users
    ]
    session.add_all(posts)
    session.flush()
    return _card(session, meetup), [_copy(post) for post in posts]


def record_meetup_copy(
    session: Session, *, team_id: str, copy_id: int, channel_id: str, ts: str, permalink: str | None = None
) -> None:
    """Remember where a copy was posted (a direct message's channel is only known once it is)."""
    post = session.get(MeetupPost, copy_id)
    if post is not None and post.team_id == team_id:
        post.channel_id, post.message_ts, post.permalink = channel_id, ts, permalink
        session.flush()


def list_meetup_copies(session: Session, *, team_id: str, meetup_id: int) -> list[MeetupCopy]:
    posts = session.scalars(
        select(MeetupPost)
        .where(MeetupPost.team_id == team_id, MeetupPost.meetup_id == meetup_id)
        .order_by(MeetupPost.id)
    )
    return [_copy(post) for post in posts]


def get_meetup(session: Session, *, team_id: str, meetup_id: int) -> MeetupCard | None:
    """The meetup with who is going and who is interested, earliest answer first; None if it is not there."""
    meetup = _row(session, team_id, meetup_id)
    return _card(session, meetup) if meetup else None


def save_answer(
    session: Session, *, team_id: str, meetup_id: int, user_id: str, answer: str | Choice | None, now: dt.datetime
) -> str | None:
    """Set someone's answer (going or interested), or take it back (None), and return the answer it replaced.

    `answer` may be a function of the answer they have now, so a click that toggles reads the row only once.
    One answer per person per meetup.
    """
    where = (MeetupRsvp.team_id == team_id, MeetupRsvp.meetup_id == meetup_id, MeetupRsvp.user_id == user_id)
    row = session.scalar(select(MeetupRsvp).where(*where))
    before = row.answer if row is not None else None
    after = answer(before) if callable(answer) else answer
    if row is None and after is not None:
        try:
            with session.begin_nested():
                session.add(
                    MeetupRsvp(team_id=team_id, meetup_id=meetup_id, user_id=user_id, answer=after, updated_at=now)
                )
            return before
        except IntegrityError:  # the same person's other click, at the same moment, got there first
            row = session.scalar(select(MeetupRsvp).where(*where))
            before = row.answer if row is not None else None
            after = answer(before) if callable(answer) else answer
    if row is None:
        return before
    if after is None:
        session.delete(row)
    else:
        row.answer, row.updated_at = after, now
    session.flush()
    return before


def set_meetup_hidden(session: Session, *, team_id: str, meetup_id: int, hidden_at: dt.datetime | None) -> bool:
    """Hide a meetup while a concern about it is reviewed (a moment), or show it again (None); False if it is gone."""
    meetup = _row(session, team_id, meetup_id)
    if meetup is None:
        return False
    meetup.hidden_at = hidden_at
    session.flush()
    return True


def delete_meetup(session: Session, *, team_id: str, meetup_id: int) -> bool:
    """Delete a meetup with its copies and answers; False if it was not there."""
    meetup = _row(session, team_id, meetup_id)
    if meetup is None:
        return False
    session.delete(meetup)
    session.flush()
    return True


def _card(session: Session, meetup: Meetup) -> MeetupCard:
    """The meetup with who is going and who is interested, earliest answer first (one query)."""
    rows = session.execute(
        select(MeetupRsvp.user_id, MeetupRsvp.answer)
        .where(MeetupRsvp.meetup_id == meetup.id)
        .order_by(MeetupRsvp.updated_at, MeetupRsvp.id)
    ).all()
    return MeetupCard(
        id=meetup.id,
        title=meetup.title,
        starts_at=meetup.starts_at,
        place=meetup.place,
        about=meetup.about,
        channel_id=meetup.channel_id,
        created_by=meetup.created_by,
        going=tuple(user for user, answer in rows if answer == GOING),
        interested=tuple(user for user, answer in rows if answer == INTERESTED),
        hidden=meetup.hidden_at is not None,
    )


def _row(session: Session, team_id: str, meetup_id: int) -> Meetup | None:
    return session.scalar(select(Meetup).where(Meetup.team_id == team_id, Meetup.id == meetup_id))


def going_answers(session: Session, *, starts_after: dt.datetime, starts_before: dt.datetime) -> list[GoingAnswer]:
    """Everyone going to an event starting in (starts_after, starts_before], in every workspace (one query)."""
    rows = session.execute(
        select(Meetup, MeetupRsvp.user_id, MeetupRsvp.updated_at)
        .join(MeetupRsvp, MeetupRsvp.meetup_id == Meetup.id)
        .where(
            Meetup.starts_at > starts_after,
            Meetup.starts_at <= starts_before,
            MeetupRsvp.answer == GOING,
            Meetup.hidden_at.is_(None),  # no reminders about an event hidden while a concern is reviewed
        )
        .order_by(Meetup.starts_at, Meetup.id, MeetupRsvp.id)
    ).all()
    return [
        GoingAnswer(
            team_id=meetup.team_id,
            meetup_id=meetup.id,
            title=meetup.title,
            starts_at=meetup.starts_at,
            place=meetup.place,
            channel_id=meetup.channel_id,
            user_id=user_id,
            answered_at=answered_at,
        )
        for meetup, user_id, answered_at in rows
    ]


def upcoming_meetups(
    session: Session, *, team_id: str, now: dt.datetime, within_days: int = 14
) -> list[UpcomingMeetup]:
    """Events starting after `now` and within `within_days`, soonest first, with their counts (one query)."""

    def answers(answer: str) -> ScalarSelect[int]:
        return (
            select(func.count())
            .where(MeetupRsvp.meetup_id == Meetup.id, MeetupRsvp.answer == answer)
            .correlate(Meetup)
            .scalar_subquery()
        )

    posted = (
        select(func.min(MeetupPost.permalink))
        .where(
            and_(
                MeetupPost.meetup_id == Meetup.id,
                MeetupPost.channel_id == Meetup.channel_id,
                MeetupPost.invited_user.is_(None),
            )
        )
        .correlate(Meetup)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Meetup, answers(GOING), answers(INTERESTED), posted)
        .where(
            Meetup.team_id == team_id,
            Meetup.starts_at > now,
            Meetup.starts_at <= now + dt.timedelta(days=within_days),
            Meetup.hidden_at.is_(None),
        )
        .order_by(Meetup.starts_at, Meetup.id)
    ).all()
    return [
        UpcomingMeetup(
            id=meetup.id,
            title=meetup.title,
            starts_at=meetup.starts_at,
            place=meetup.place,
            channel_id=meetup.channel_id,
            going=going,
            interested=interested,
            permalink=permalink,
        )
        for meetup, going, interested, permalink in rows
    ]


def _copy(post: MeetupPost) -> MeetupCopy:
    return MeetupCopy(
        id=post.id, channel_id=post.channel_id, message_ts=post.message_ts, invited_user=post.invited_user
    )
