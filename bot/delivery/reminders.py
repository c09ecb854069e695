"""Meetup reminders, a duty of the scheduler: the day before a meetup, at 09:00 in the workspace's time zone,
people who said Going are reminded by direct message, once (ledger kind MEETUP_REMINDER, target the person,
key the meetup).

Who is reminded (domain.meetups.wants_reminder): people going at the reminder moment, while the meetup has not
started. Someone who takes their answer back first gets nothing; someone who says Going after the moment (or
to a meetup made less than a day ahead) has just seen the date and gets no reminder; a run after downtime
still reminds people until the meetup starts, and never after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.delivery.plan import Due, Message, Planned, unsettled
from domain.meetups import reminder_moment, wants_reminder
from handlers.meetups.blocks import reminder_blocks, reminder_text
from storage import ledger
from storage import meetups as ms
from storage.db import Sessions
from storage.ledger import Kind
from storage.meetups import GoingAnswer

LOOKAHEAD = dt.timedelta(days=2)  # 09:00 the day before is at most 40 hours (39 + a clock change) before the start


class MeetupReminders:
    kinds = (Kind.MEETUP_REMINDER,)

    def __init__(self, sessions: Sessions, tz: ZoneInfo):
        self.sessions, self.tz = sessions, tz

    def due(self, now: dt.datetime) -> Due:
        """Reminders due by `now` that the ledger does not hold yet (two queries, however many meetups)."""
        with self.sessions.begin() as session:
            answers = ms.going_answers(session, starts_after=now, starts_before=now + LOOKAHEAD)
            entries = ledger.claimed_keys(session, kinds=self.kinds, since=now - 2 * LOOKAHEAD)
        planned = [
            Planned(
                Kind.MEETUP_REMINDER,
                answer.team_id,
                answer.user_id,
                f"event-{answer.meetup_id}",
                reminder_moment(answer.starts_at, self.tz),
                task=answer,
            )
            for answer in answers
            if wants_reminder(answer.starts_at, answer.answered_at, now=now, tz=self.tz)
        ]
        return Due(unsettled(planned, entries))

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        composed: list[Message | None] = []
        for p in claimed:
            answer = p.task
            assert isinstance(answer, GoingAnswer)
            built = reminder_blocks(
                title=answer.title,
                starts_at=answer.starts_at,
                place=answer.place,
                channel_id=answer.channel_id,
                now=now,
                tz=self.tz,
            )
            composed.append(Message([block.to_dict() for block in built], reminder_text(answer.title)))
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None
