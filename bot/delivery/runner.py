"""The scheduler's work at each moment: every duty plans what is due, and the pipeline posts it, exactly once.

`Runner.run_due(now)` does everything due by `now` that is not yet done: the CLI's `run-due` and APScheduler's
one job call it. The delivery ledger (storage.ledger) decides what is done, so a restart, a second scheduler or
a hand-run never posts anything twice. A run starts by resolving what runs that stopped mid-post left behind
(bot.delivery.resolution), so what they did not post goes out in this run.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.clients import Clients, as_clients
from bot.clock import Clock, system_clock
from bot.delivery.calendar import CalendarBook
from bot.delivery.digests import Digests
from bot.delivery.fanout import Fanout
from bot.delivery.follows import FollowBundles
from bot.delivery.newsletters import NewsletterDrafts
from bot.delivery.plan import CLAIM_TTL, Duty
from bot.delivery.prompts import Prompts
from bot.delivery.quiet import CatchUps
from bot.delivery.reminders import MeetupReminders
from bot.delivery.resolution import Resolver
from bot.delivery.retention import Retention, erase_uninstalled_workspaces
from bot.delivery.reviews import ReviewNudges
from handlers.publish import reason as publish_reason
from storage import installations, ledger
from storage import quiet as quiet_store
from storage.db import Sessions
from storage.ledger import RETRY, Kind, Status

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 64  # threads that post at once: real Slack takes ~100 ms a call (BENCHMARKS.md)
# How run_due's lines begin when a step failed (planning, claiming, composing or recording; the log says why).
DATABASE_FAILED = ("could not read ", "could not deliver ", "could not record ")


def left_undone(lines: list[str]) -> bool:
    """Whether a run's lines say something due was not done and waits for a later run: a step failed (the
    database was down, most likely), or Slack had a passing fault (the post is "retry"). `run-due` then exits
    non-zero, so cron notices.

    Decisions are not failures: a digest skipped as too late, a quiet week, a channel paused because Slack
    refused it for good (its champions are told).
    """
    return any(
        line.startswith(DATABASE_FAILED)
        or (line.startswith("could not post to ") and line.endswith(f"; {RETRY}"))
        or (line.startswith("could not check whether ") and line.endswith("; the next run looks again"))
        for line in lines
    )


class Runner:
    """Every duty the app has (digests, review nudges, meetup reminders, follows, newsletters, retention) and the
    pipeline that posts, each workspace's with its own client."""

    def __init__(
        self,
        sessions: Sessions,
        clients: WebClient | Clients,
        tz: ZoneInfo,
        *,
        clock: Clock,
        workers: int = DEFAULT_WORKERS,
        digests: Digests | None = None,
        claim_ttl: dt.timedelta = CLAIM_TTL,
        real_clock: Clock = system_clock,
        keep_uninstalled: dt.timedelta | None = None,
    ):
        """`clients` hands each workspace's posts its own client (a WebClient: the one workspace's). `digests`
        replaces the digest duty (a benchmark times its planning); by default, the app's own. With
        `keep_uninstalled`, each run also erases the workspaces that removed the app longer ago than that.

        `clock` is the moment the app runs as; `real_clock` stamps claims, which other processes read (tests and
        the demo move the first, never the second). A claim not renewed for `claim_ttl` is looked up in Slack.
        """
        self.sessions, self.clock, self.keep_uninstalled = sessions, clock, keep_uninstalled
        # Each workspace's time zone and closed days (`tz` for those that chose none), read once per run for every duty.
        self.calendars = calendars = CalendarBook(tz)
        self.digests = digests or Digests(sessions, tz, calendars=calendars, clients=as_clients(clients))
        self.prompts = Prompts(sessions, tz, calendars=calendars)
        self.catch_ups = CatchUps(sessions, tz)
        self.duties: tuple[Duty, ...] = (
            self.digests,
            ReviewNudges(sessions, tz, calendars=calendars),
            MeetupReminders(sessions, tz, calendars=calendars),
            FollowBundles(sessions, tz, calendars=calendars),
            NewsletterDrafts(sessions, tz, calendars=calendars),
            self.prompts,
            self.catch_ups,
            Retention(sessions, tz, real_clock=real_clock, calendars=calendars),
        )
        self.fanout = Fanout(
            sessions, clients, self.duties, workers=workers, claim_ttl=claim_ttl, real_clock=real_clock
        )
        self.resolver = Resolver(sessions, clients, self.fanout.duties, claim_ttl=claim_ttl, real_clock=real_clock)

    def run_due(self, now: dt.datetime | None = None) -> list[str]:
        """Do, once, everything due by `now` that has not been done; return a line for each thing done.

        First the claims of runs that stopped mid-post are resolved from Slack's history, and workspaces that
        removed the app long enough ago are erased; then duties go one after another, digests first, posting
        nothing to workspaces that removed the app. If the database can't say what is due, the run stops there (it
        is most likely down): the next run catches up.
        """
        now = now or self.clock()
        self.calendars.forget()  # read afresh: an admin may have changed a calendar since the last run
        lines: list[str] = []
        try:
            resolved, follow_ups = self.resolver.resolve(now)
            lines += resolved
            lines += self.fanout.deliver(follow_ups, now)
            lines += self._erase_uninstalled(now)
            with self.sessions.begin() as session:
                gone = set(installations.list_uninstalled_team_ids(session))
        except SQLAlchemyError as error:  # the database is most likely down: the next run catches up
            log.exception("could not read interrupted deliveries, or which workspaces have removed the app")
            return [*lines, f"could not read what is due ({type(error).__name__}); the next run will catch up"]
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
            lines += self.fanout.deliver([p for p in due.planned if p.team_id not in gone], now)
        return lines

    def _erase_uninstalled(self, now: dt.datetime) -> list[str]:
        if self.keep_uninstalled is None:
            return []
        erased = erase_uninstalled_workspaces(self.sessions, now=now, keep=self.keep_uninstalled)
        return [
            f"erased workspace {team_id}: it removed Programme Talks more than {self.keep_uninstalled.days} days ago"
            for team_id, _ in erased
        ]

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

    def prompt_now(self, team_id: str, channel_id: str, now: dt.datetime) -> str:
        """Post the two questions in this channel now (once, even if asked twice in the same minute); a sentence
        saying how."""
        planned = self.prompts.manual(team_id, channel_id, now)
        self.fanout.deliver([planned], now)
        with self.sessions.begin() as session:
            delivery = ledger.get_delivery(
                session, team_id=team_id, kind=Kind.PROMPT, target=channel_id, period_key=planned.key
            )
        if delivery is not None and delivery.status is Status.DELIVERED:
            return "✅ Posted the two questions here."
        if delivery is not None and delivery.status is Status.POSTING:
            return "I'm posting the two questions here already: they should appear in a moment."
        error = delivery.error if delivery else None
        return f"I couldn't post the two questions here: {publish_reason(error)}. Please try again in a minute."

    def catch_up_now(self, team_id: str, user_id: str, now: dt.datetime) -> str:
        """Send someone who has just come back what was held for them: "sent", "nothing" (nothing was held) or
        "later" (it waits for the scheduler's next run)."""
        with self.sessions.begin() as session:
            pauses = quiet_store.ended_pauses(session, now=now)
        ended = [p for p in pauses if (p.team_id, p.user_id) == (team_id, user_id)]
        if not ended:
            return "later"
        planned = self.catch_ups.planned(ended[-1])
        self.fanout.deliver([planned], now)
        with self.sessions.begin() as session:
            delivery = ledger.get_delivery(
                session, team_id=team_id, kind=Kind.CATCH_UP, target=user_id, period_key=planned.key
            )
        status = delivery.status if delivery else None
        return {Status.DELIVERED: "sent", Status.QUIET: "nothing"}.get(status, "later") if status else "later"
