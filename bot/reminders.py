"""Event reminders: the day before an event, at 09:00 in the workspace's time zone, people who said Going are
reminded by direct message, once (the delivery ledger: kind "event_reminder", target the person, key the event).

Who is reminded (domain.events.wants_reminder): people going at the reminder moment, while the event has not
started. Someone who takes their answer back first gets nothing; someone who says Going after the moment (or
to an event made less than a day ahead) has just seen the date and gets no reminder; a run after downtime
still reminds people until the event starts, and never after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.scheduler import post_once
from domain.events import reminder_moment, wants_reminder
from handlers.event_blocks import reminder_blocks, reminder_text
from storage import events as es
from storage import ledger
from storage.db import Sessions
from storage.events import GoingAnswer

KIND = "event_reminder"
LOOKAHEAD = dt.timedelta(days=2)  # 09:00 the day before is at most 40 hours (39 + a clock change) before the start


@dataclass(frozen=True)
class Reminder:
    answer: GoingAnswer
    moment: dt.datetime

    @property
    def key(self) -> str:
        return f"event-{self.answer.event_id}"


class EventReminders:
    """A Duty of the scheduler (bot.scheduler.Duty)."""

    def __init__(self, sessions: Sessions, client: WebClient, tz: ZoneInfo):
        self.sessions, self.client, self.tz = sessions, client, tz

    def due(self, now: dt.datetime) -> Sequence[Reminder]:
        """Reminders due by `now` that the ledger does not hold yet (two queries, however many events)."""
        with self.sessions.begin() as session:
            answers = es.going_answers(session, starts_after=now, starts_before=now + LOOKAHEAD)
            done = ledger.claimed_keys(session, kinds=[KIND], since=now - 2 * LOOKAHEAD)
        reminders = [Reminder(answer, reminder_moment(answer.starts_at, self.tz)) for answer in answers]
        return [
            reminder
            for reminder in reminders
            if wants_reminder(reminder.answer.starts_at, reminder.answer.answered_at, now=now, tz=self.tz)
            and (KIND, reminder.answer.user_id, reminder.key) not in done
        ]

    def perform(self, task: Reminder, now: dt.datetime) -> list[str]:
        answer = task.answer
        line = post_once(
            self.sessions,
            self.client,
            team_id=answer.team_id,
            kind=KIND,
            target=answer.user_id,
            key=task.key,
            scheduled_for=task.moment,
            now=now,
            blocks=reminder_blocks(
                title=answer.title,
                starts_at=answer.starts_at,
                place=answer.place,
                channel_id=answer.channel_id,
                now=now,
                tz=self.tz,
            ),
            text=reminder_text(answer.title),
        )
        return [line] if line else []
