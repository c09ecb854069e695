"""Newsletter drafts, a duty of the scheduler: where a workspace scheduled it (`/talks newsletter schedule here
monthly first-monday 09:00`), the month's newsletter is drafted at that moment and each champion is sent it by
direct message to review, once (ledger kind NEWSLETTER_DRAFT, target the champion, key the month).

It is never published here: the message is the champion's draft (handlers.newsletter.blocks.draft_head), with
**Edit introduction**, **Publish**, **Download** and **Show it all**; publishing waits for a champion to press
Publish. The month is the one a newsletter made that day covers (domain.monthly.newsletter_month: the month just
gone, or the month in progress from the 25th).

A run after downtime still sends the latest draft due, up to LATE_LIMIT late; later than that it waits for the next
month's. Runs scheduled before the schedule was set up are never sent. Composing reads the database only (the
draft's first message names nobody), so it asks nothing of Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.delivery.calendar import CalendarBook
from bot.delivery.plan import Due, Message, Planned, unsettled
from domain.monthly import latest_run, newsletter_month, parse_monthly
from domain.schedule import ScheduleError
from handlers.newsletter.blocks import draft_head, draft_text
from storage import ledger, reports, roles
from storage import newsletters as news
from storage.audit import APP
from storage.db import Sessions
from storage.ledger import Kind

LATE_LIMIT = dt.timedelta(days=7)


@dataclass(frozen=True)
class Drafting:
    """What a champion's draft needs to be composed."""

    team_id: str
    month: dt.date
    channel_id: str | None  # where the schedule was set up: the Publish form's first choice
    tz: ZoneInfo  # the workspace's time zone: the month's bounds, and the times its draft shows


class NewsletterDrafts:
    kinds = (Kind.NEWSLETTER_DRAFT,)

    def __init__(self, sessions: Sessions, tz: ZoneInfo, *, calendars: CalendarBook | None = None):
        """`tz` is the zone of workspaces that chose none; `calendars` reads each workspace's own."""
        self.sessions, self.tz = sessions, tz
        self.calendars = calendars or CalendarBook(tz)

    def due(self, now: dt.datetime) -> Due:
        """The drafts due by `now` for every champion of every workspace with a schedule (two queries, and the
        ledger's)."""
        planned: list[Planned] = []
        lines: list[str] = []
        with self.sessions.begin() as session:
            scheduled = news.list_schedules(session)
            champions = roles.champions_by_team(session) if scheduled else {}
            calendars = self.calendars.for_run(session, now)
            for s in scheduled:
                tz = calendars.of(s.team_id).tz
                try:
                    slot = latest_run(parse_monthly(s.schedule), now, tz)
                except ScheduleError:
                    lines.append(f"could not read {s.team_id}'s newsletter schedule {s.schedule!r}; nothing drafted")
                    continue
                if slot < s.since or now - slot > LATE_LIMIT:
                    continue
                month, _ = newsletter_month(slot.astimezone(tz).date())
                task = Drafting(s.team_id, month, s.channel_id, tz)
                key = f"{month:%Y-%m}"
                planned += [
                    Planned(Kind.NEWSLETTER_DRAFT, s.team_id, champion, key, slot, task=task)
                    for champion in champions.get(s.team_id, [])
                ]
            if not planned:
                return Due([], lines)
            since = min(p.slot for p in planned) - dt.timedelta(seconds=1)
            entries = ledger.claimed_keys(session, kinds=self.kinds, since=since)
        return Due(unsettled(planned, entries), lines)

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        """Each champion's draft: the month's newsletter as it stands, started as a draft if it was not yet."""
        composed: list[Message | None] = []
        for p in claimed:
            task = p.task
            assert isinstance(task, Drafting)
            key = ("newsletter draft", task.team_id, task.month)
            if key not in cache:
                content = reports.month_content(session, team_id=task.team_id, month=task.month, tz=task.tz, now=now)
                draft = news.save_draft(
                    session, team_id=task.team_id, month=task.month, user_id=APP, now=now, channel_id=task.channel_id
                )
                newsletter = content.newsletter(organisation="", introduction=draft.introduction, people={})
                blocks = draft_head(
                    newsletter, draft, name_everyone=content.name_everyone, every_item_below=False, tz=task.tz
                )
                cache[key] = Message([block.to_dict() for block in blocks], draft_text(newsletter))
            composed.append(cache[key])
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None
