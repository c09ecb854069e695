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
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.delivery.calendar import CalendarBook
from bot.delivery.plan import Due, Message, Planned, unsettled
from domain.meetups import reminder_moment, wants_reminder
from handlers.meetups.blocks import reminder_blocks, reminder_text
from storage import ledger
from storage import meetups as ms
from storage.db import Sessions
from storage.ledger import Kind
from storage.meetups import GoingAnswer

LOOKAHEAD = dt.timedelta(days=2)  # 09:00 the day before is at most 40 hours (39 + a clock change) before the start


@dataclass(frozen=True)
class ReminderTask:
    """A reminder to compose: the person's answer, and their workspace's time zone."""

    answer: GoingAnswer
    tz: ZoneInfo


class MeetupReminders:
    kinds = (Kind.MEETUP_REMINDER,)

    def __init__(self, sessions: Sessions, tz: ZoneInfo, *, calendars: CalendarBook | None = None):
        """`tz` is the zone of workspaces that chose none; `calendars` reads each workspace's own."""
        self.sessions, self.tz = sessions, tz
        self.calendars = calendars or CalendarBook(tz)

    def due(self, now: dt.datetime) -> Due:
        """Reminders due by `now` that the ledger does not hold yet (a few queries, however many meetups), at 09:00
        the day before in each meetup's workspace's own time zone."""
        with self.sessions.begin() as session:
            calendars = self.calendars.for_run(session, now)
            answers = ms.going_answers(session, starts_after=now, starts_before=now + LOOKAHEAD)
            entries = ledger.claimed_keys(session, kinds=self.kinds, since=now - 2 * LOOKAHEAD)
        planned = []
        for answer in answers:
            tz = calendars.of(answer.team_id).tz
            if wants_reminder(answer.starts_at, answer.answered_at, now=now, tz=tz):
                moment = reminder_moment(answer.starts_at, tz)
                key = f"event-{answer.meetup_id}"
                planned.append(
                    Planned(
                        Kind.MEETUP_REMINDER, answer.team_id, answer.user_id, key, moment, task=ReminderTask(answer, tz)
                    )
                )
        return Due(unsettled(planned, entries))

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        composed: list[Message | None] = []
        for p in claimed:
            assert isinstance(p.task, ReminderTask)
            answer = p.task.answer
            built = reminder_blocks(
                title=answer.title,
                starts_at=answer.starts_at,
                place=answer.place,
                channel_id=answer.channel_id,
                now=now,
                tz=p.task.tz,
            )
            composed.append(Message([block.to_dict() for block in built], reminder_text(answer.title)))
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None
