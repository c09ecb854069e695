"""The scheduler's work at each moment: every duty plans what is due, and the pipeline posts it, exactly once.

`Runner.run_due(now)` does everything due by `now` that is not yet done: the CLI's `run-due` and APScheduler's
one job call it. The delivery ledger (storage.ledger) decides what is done, so a restart, a second scheduler or
a hand-run never posts anything twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.delivery.digests import Digests
from bot.delivery.fanout import Fanout
from bot.delivery.plan import Duty
from bot.delivery.reminders import MeetupReminders
from bot.delivery.reviews import ReviewNudges
from handlers.publish import reason as publish_reason
from storage import ledger
from storage.db import Sessions
from storage.ledger import Kind, Status

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 64  # threads that post at once: real Slack takes ~100 ms a call (BENCHMARKS.md)


class Runner:
    """Every duty the app has (digests, agreement review nudges, meetup reminders) and the pipeline that posts."""

    def __init__(
        self,
        sessions: Sessions,
        client: WebClient,
        tz: ZoneInfo,
        *,
        clock: Clock,
        workers: int = DEFAULT_WORKERS,
        digests: Digests | None = None,
    ):
        """`digests` replaces the digest duty (a benchmark times its planning); by default, the app's own."""
        self.sessions, self.clock = sessions, clock
        self.digests = digests or Digests(sessions, tz)
        self.duties: tuple[Duty, ...] = (self.digests, ReviewNudges(sessions, tz), MeetupReminders(sessions, tz))
        self.fanout = Fanout(sessions, client, self.duties, workers=workers)

    def run_due(self, now: dt.datetime | None = None) -> list[str]:
        """Do, once, everything due by `now` that has not been done; return a line for each thing done.

        Duties go one after another, digests first. If the database can't say what digests are due, the run
        stops there (it is most likely down): the next run catches up.
        """
        now = now or self.clock()
        lines: list[str] = []
        for duty in self.duties:
            try:
                due = duty.due(now)
            except SQLAlchemyError as error:
                log.exception("could not read what %s has due", type(duty).__name__)
                if duty is self.digests:
                    return [f"could not read what is due ({type(error).__name__}); the next run will catch up"]
                lines.append(f"could not read what {type(duty).__name__} has due ({type(error).__name__})")
                continue
            lines += due.lines
            lines += self.fanout.deliver(due.planned, now)
        return lines

    def run_due_and_log(self) -> None:
        """APScheduler's job: run, and log each line."""
        for line in self.run_due():
            log.info("%s", line)

    # ---- asked for in Slack (handlers.context.DigestDesk) ------------------------------------------------

    def preview(self, team_id: str, channel_id: str, now: dt.datetime) -> list:
        return self.digests.preview(team_id, channel_id, now)

    def post_now(self, team_id: str, channel_id: str, now: dt.datetime) -> str:
        """Post this channel's digest now (once, even if asked twice in the same minute); a sentence saying how."""
        planned = self.digests.manual(team_id, channel_id, now)
        self.fanout.deliver([planned], now)
        with self.sessions.begin() as session:
            delivery = ledger.get_delivery(
                session, team_id=team_id, kind=Kind.DIGEST, target=channel_id, period_key=planned.key
            )
        if delivery is not None and delivery.status is Status.DELIVERED:
            return "✅ Posted the digest here."
        if delivery is not None and delivery.status is Status.POSTING:
            return "I'm posting a digest here already: it should appear in a moment."
        error = delivery.error if delivery else None
        return f"I couldn't post the digest here: {publish_reason(error)}. Please try again in a minute."
