"""Agreement review nudges, a duty of the scheduler: three days before each review date and on the day, at 09:00
in the workspace's time zone, then every 7 days while the review is not recorded; champions told at 14 days.

Each nudge goes to the agreement's channel and to each of its Slack parties, once, through the delivery
ledger, keyed by the agreement, the review date and the stage. Recording a review moves the next review date,
so the keys for the old date are never due again.

When a nudge is claimed, its Slack parties' Home tabs are refreshed too (a job, once per nudge): the review shows
there with its Record review button.

Only agreed agreements are nudged: a draft is not yet in force (its parties are being asked to confirm it),
and nudges pick up again, at the latest stage, once it is agreed.

After downtime, only the latest stage that is due is sent, however late (a late reminder beats none, and a
burst of stale ones helps nobody); stages from before the agreement was written are never sent.

A nudge due on a day the workspace is closed (a bank holiday, a closure) goes at 09:00 on the next working day, or
is skipped if the workspace chose that (`/talks closed-days reviews skip`); it keeps its stage's ledger key, so it
is sent once wherever it moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import handlers.agreements.messages as messages
from bot.delivery.calendar import CalendarBook
from bot.delivery.plan import Due, Message, Planned, unsettled
from domain import agreements as ag
from domain.calendar import Calendar, Closable, latest_due
from handlers.home.refresh import refresh_homes_in
from storage import agreements as store
from storage import ledger, roles
from storage.db import Sessions
from storage.ledger import Kind


@dataclass(frozen=True)
class Nudge:
    record: ag.AgreementRecord
    stage: ag.Stage
    today: dt.date


class ReviewNudges:
    kinds = (Kind.REVIEW_NUDGE, Kind.REVIEW_ESCALATION)

    def __init__(self, sessions: Sessions, tz: ZoneInfo, *, calendars: CalendarBook | None = None):
        """`tz` is the zone of workspaces that chose none; `calendars` reads each workspace's own."""
        self.sessions, self.tz = sessions, tz
        self.calendars = calendars or CalendarBook(tz)

    def due(self, now: dt.datetime) -> Due:
        latest_today = (now + dt.timedelta(days=1)).date()  # today somewhere: no zone is a day ahead of UTC
        with self.sessions.begin() as session:
            calendars = self.calendars.for_run(session, now)
            records = store.agreed_reviews_by(session, day=latest_today + dt.timedelta(days=ag.REMIND_BEFORE_DAYS))
            champions: dict[str, list[str]] = {}  # by team, looked up once each
            planned: list[Planned] = []
            for record in records:
                calendar = calendars.of(record.team_id)
                found = _latest_nudge(record, now, calendar)
                if found is None:
                    continue
                stage, at = found
                if stage.escalates and record.team_id not in champions:
                    champions[record.team_id] = roles.list_roles(
                        session, team_id=record.team_id, role=roles.RoleName.CHAMPION
                    )
                nudge = Nudge(record, stage, now.astimezone(calendar.tz).date())
                planned += self._nudges(nudge, at, calendar.tz, champions.get(record.team_id, []))
            if not planned:
                return Due([])
            since = min(p.slot for p in planned) - dt.timedelta(seconds=1)
            entries = ledger.claimed_keys(session, kinds=self.kinds, since=since)
        return Due(unsettled(planned, entries))

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        composed: list[Message | None] = []
        for p in claimed:
            assert isinstance(p.task, Nudge)
            record, stage, today = p.task.record, p.task.stage, p.task.today
            if p.kind is Kind.REVIEW_ESCALATION:
                built = messages.escalation_blocks(record, stage.review_date, today)
                text = f"Agreement #{record.number}'s review is overdue"
            else:
                built = messages.nudge_blocks(record, stage, today)
                text = f"Agreement #{record.number} review due {ag.short_date(stage.review_date, today)}"
                if p.target == record.channel_id:  # once per nudge: every nudge has its channel's post
                    refresh_homes_in(session, record.team_id, record.slack_parties, f"review:{p.key}")
            composed.append(Message([block.to_dict() for block in built], text))
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None

    def _nudges(self, nudge: Nudge, at: dt.datetime, tz: ZoneInfo, champions: list[str]) -> list[Planned]:
        """The nudge's posts, going out `at` (its stage's moment, or the working day a closed day moved it to)."""
        record, stage = nudge.record, nudge.stage
        review_date = stage.review_date.isoformat()
        key = f"{record.id}:{review_date}:{stage.name}"  # the stage's, wherever closed days moved it
        planned = [
            Planned(Kind.REVIEW_NUDGE, record.team_id, target, key, at, task=nudge)
            for target in (record.channel_id, *record.slack_parties)
        ]
        if stage.escalates:
            moment = ag.escalation_moment(stage.review_date, tz)
            planned += [
                Planned(
                    Kind.REVIEW_ESCALATION, record.team_id, champion, f"{record.id}:{review_date}", moment, task=nudge
                )
                for champion in champions
            ]
        return planned


def _latest_nudge(
    record: ag.AgreementRecord, now: dt.datetime, calendar: Calendar
) -> tuple[ag.Stage, dt.datetime] | None:
    """The latest of a review's nudges due by `now` in its workspace (closed days move or skip them, as it chose),
    and when it goes out; None when none is due, or the latest is from before the agreement was written."""
    if record.next_review is None:
        return None
    stages = ((stage, stage.at) for stage in ag.stages(record.next_review, calendar.tz))
    found = latest_due(stages, now, calendar, Closable.REVIEWS)
    if found is None or found[0].at < record.created_at:
        return None
    return found
