"""Meeting prompts, a duty of the scheduler: a channel that chose `/talks prompt here weekly tue 09:45` gets the two
questions at that time (in the workspace's time zone), with the requests still open there and its agreements whose
review is near, once per meeting (ledger kind PROMPT, target the channel, key the slot).

Each workspace's prompts keep its own time zone and closed days (bot.delivery.calendar): a prompt due on a closed day
is skipped by default, or moved to the same time on the next working day if the workspace chose that
(`/talks closed-days prompts move`); a moved prompt is named by the day it goes out (domain.calendar.posts_between),
so it is posted once however many slots moved onto it.

What happens to each post is decided in one place, `Prompts.plan`: posted; recorded "paused" while a champion has
paused the channel's prompts (never posted later); or recorded "skipped" when found more than LATE_LIMIT after its
time (the meeting has begun: a late prompt helps nobody). A prompt that can't be posted because the channel is gone
stops that channel's prompts and tells the champions (ledger kind PROMPT_PAUSED), as digests do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.delivery.calendar import CalendarBook, posted_before_it_moved
from bot.delivery.plan import Due, Message, Planned
from domain.calendar import Closable, posts_between
from domain.schedule import Schedule, parse_schedule
from handlers.prompts.blocks import PROMPT_TEXT, PromptContent, paused_notice, prompt_blocks
from handlers.publish import reason as publish_reason
from storage import ledger, roles
from storage import prompts as store
from storage.agreements import reviews_due
from storage.db import Sessions
from storage.ledger import Kind, Status
from storage.roles import RoleName

LATE_LIMIT = dt.timedelta(minutes=30)  # later than this, the meeting has begun: the prompt is skipped
LOOKBACK = dt.timedelta(days=8)  # how far back a run looks for prompts not yet settled
REVIEWS_WITHIN = 14  # days: agreements whose review is this near (or overdue) are shown
ASK_MEMORY = dt.timedelta(days=30)  # replies asked about are remembered this long (so nobody is asked twice)
CHANNEL_GONE = {"channel_not_found", "not_in_channel", "is_archived"}  # stop that channel's prompts
STOPPED_TEXT = "A channel's meeting prompt could not be posted"


@dataclass(frozen=True)
class PromptTask:
    channel_id: str
    schedule: Schedule


@dataclass(frozen=True)
class StoppedNotice:
    """Telling a champion that a channel's prompt could not be posted, and is stopped."""

    channel_id: str
    error: str
    schedule: Schedule


class Prompts:
    kinds = (Kind.PROMPT, Kind.PROMPT_PAUSED)

    def __init__(self, sessions: Sessions, tz: ZoneInfo, *, calendars: CalendarBook | None = None):
        """`tz` is the zone of workspaces that chose none; `calendars` reads each workspace's own."""
        self.sessions, self.tz = sessions, tz
        self.calendars = calendars or CalendarBook(tz)

    def due(self, now: dt.datetime) -> Due:
        """Prompts due by `now` and not yet settled, and retries still on time. Also housekeeping: replies asked
        about long ago, and channel pauses long over, are forgotten."""
        with self.sessions.begin() as session:
            store.forget_reply_asks(session, before=now - ASK_MEMORY)
            store.forget_channel_pauses(session, ended_before=now - LOOKBACK)
            prompts = store.list_active_prompts(session)
            calendars = self.calendars.for_run(session, now)
            done = ledger.claimed_keys(session, kinds=[Kind.PROMPT], since=now - LOOKBACK)
            paused = store.channel_pauses(session, what=store.Paused.PROMPT, ending_after=now - LOOKBACK)
            retries = ledger.retryable(session, kinds=self.kinds, not_before=now - LATE_LIMIT)
            by_channel = {(p.team_id, p.channel_id): p for p in prompts}
            planned = [
                Planned(r.kind, r.team_id, r.target, r.period_key, r.scheduled_for, retry_id=r.id, task=task)
                for r in retries
                if (task := _retry_task(session, r, by_channel)) is not None
            ]
            lines: list[str] = []
            posted: dict[tuple[str, str], set[str]] = {}  # the keys in the ledger, by workspace and channel
            for team_id, _, channel_id, key in done:
                posted.setdefault((team_id, channel_id), set()).add(key)
            for prompt in prompts:
                schedule, calendar = parse_schedule(prompt.schedule), calendars.of(prompt.team_id)
                start = max(prompt.updated_at, now - LOOKBACK)  # a changed or restarted schedule never fills the past
                settled = posted.get((prompt.team_id, prompt.channel_id), set())
                for post in posts_between(
                    schedule, start, now, calendar, Closable.PROMPTS, slots_after=prompt.updated_at
                ):
                    if post.key in settled or posted_before_it_moved(post, schedule, calendar, settled):
                        continue
                    decided = self.plan(session, prompt, schedule, post.at, post.key, now, paused)
                    planned += decided.planned
                    lines += decided.lines
        return Due(planned, lines)

    def plan(
        self,
        session: Session,
        prompt: store.Prompt,
        schedule: Schedule,
        slot: dt.datetime,
        key: str,
        now: dt.datetime,
        paused: dict[tuple[str, str], store.ChannelPauseRecord],
    ) -> Due:
        """What becomes of one channel's prompt due at `slot`: the one place this is decided."""
        pause = paused.get((prompt.team_id, prompt.channel_id))
        if pause is not None and pause.covers(slot):
            return Due([], [record_paused(session, Kind.PROMPT, pause, key, slot, now)])
        if now - slot > LATE_LIMIT:
            self._settle(session, prompt, slot, key, now, Status.SKIPPED)
            minutes = int((now - slot).total_seconds() // 60)
            return Due([], [f"skipped prompt {prompt.channel_id} {key}: {minutes} minutes late"])
        task = PromptTask(prompt.channel_id, schedule)
        return Due([Planned(Kind.PROMPT, prompt.team_id, prompt.channel_id, key, slot, task=task)])

    def manual(self, team_id: str, channel_id: str, now: dt.datetime) -> Planned:
        """The two questions asked for now (`/talks prompt now`): once a minute at most, always posted."""
        with self.sessions.begin() as session:
            prompt = store.get_prompt(session, team_id=team_id, channel_id=channel_id)
            tz = self.calendars.of_team(session, team_id, now).tz
        schedule = parse_schedule(prompt.schedule if prompt else "weekly mon 09:00")
        key = f"now-{now.astimezone(tz):%Y-%m-%dT%H:%M}"
        return Planned(Kind.PROMPT, team_id, channel_id, key, now, manual=True, task=PromptTask(channel_id, schedule))

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        composed: list[Message | None] = []
        calendars = self.calendars.for_run(session, now)
        for p in claimed:
            if isinstance(p.task, StoppedNotice):
                notice = p.task
                reason = publish_reason(notice.error)
                blocks = paused_notice(notice.channel_id, reason, notice.schedule.to_text())
                composed.append(Message([b.to_dict() for b in blocks], STOPPED_TEXT))
                continue
            tz = calendars.of(p.team_id).tz
            requests, more = store.open_requests_in(session, team_id=p.team_id, channel_id=p.target)
            reviews = reviews_due(
                session, team_id=p.team_id, now=p.slot, tz=tz, within_days=REVIEWS_WITHIN, channel_id=p.target
            )
            content = PromptContent(requests, more, tuple(reviews), p.slot.astimezone(tz).date())
            composed.append(Message([b.to_dict() for b in prompt_blocks(content, tz=tz)], PROMPT_TEXT))
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        """A channel that is gone: stop its prompts and tell each champion once."""
        if planned.kind is not Kind.PROMPT or error not in CHANNEL_GONE:
            return [], None
        prompt = store.get_prompt(session, team_id=planned.team_id, channel_id=planned.target)
        schedule = parse_schedule(prompt.schedule if prompt else "weekly mon 09:00")
        store.stop_prompt(
            session, team_id=planned.team_id, channel_id=planned.target, reason=publish_reason(error), now=now
        )
        notice = StoppedNotice(planned.target, error, schedule)
        champions = roles.list_roles(session, team_id=planned.team_id, role=RoleName.CHAMPION)
        key = f"{planned.target}:{planned.key}"
        tell = [Planned(Kind.PROMPT_PAUSED, planned.team_id, c, key, planned.slot, task=notice) for c in champions]
        return tell, "prompt stopped and champions told"

    def _settle(
        self, session: Session, prompt: store.Prompt, slot: dt.datetime, key: str, now: dt.datetime, status: Status
    ) -> None:
        ledger.claim(
            session,
            team_id=prompt.team_id,
            kind=Kind.PROMPT,
            target=prompt.channel_id,
            period_key=key,
            scheduled_for=slot,
            now=now,
            status=status,
        )


def record_paused(
    session: Session,
    kind: Kind,
    pause: store.ChannelPauseRecord,
    key: str,
    slot: dt.datetime,
    now: dt.datetime,
    *,
    subscription_id: int | None = None,
) -> str:
    """Record a channel's digest or prompt due while a champion paused it as paused in the ledger (never posted
    later; the next digest still covers everything since the last one posted); the line run-due prints."""
    ledger.claim(
        session,
        team_id=pause.team_id,
        kind=kind,
        target=pause.channel_id,
        period_key=key,
        scheduled_for=slot,
        now=now,
        subscription_id=subscription_id,
        status=Status.PAUSED,
    )
    return f"paused {kind} to {pause.channel_id} {key}: paused until {pause.back_on}"


def _retry_task(
    session: Session, entry: ledger.Entry, prompts: dict[tuple[str, str], store.Prompt]
) -> PromptTask | StoppedNotice | None:
    """What a prompt (or a notice that one stopped) waiting to be tried again needs to be composed."""
    if entry.kind is Kind.PROMPT_PAUSED:
        channel_id, _, key = entry.period_key.partition(":")  # see Prompts.failed: the channel, then the prompt's key
        prompt_entry = ledger.get_delivery(
            session, team_id=entry.team_id, kind=Kind.PROMPT, target=channel_id, period_key=key
        )
        stopped = store.get_prompt(session, team_id=entry.team_id, channel_id=channel_id)
        schedule = parse_schedule(stopped.schedule if stopped else "weekly mon 09:00")
        error = (prompt_entry.error if prompt_entry else None) or "channel_not_found"
        return StoppedNotice(channel_id, error, schedule)
    prompt = prompts.get((entry.team_id, entry.target))
    return PromptTask(prompt.channel_id, parse_schedule(prompt.schedule)) if prompt else None
