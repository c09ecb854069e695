"""Agreement review nudges, a duty of the scheduler: three days before each review date and on the day, at 09:00
in the workspace's time zone, then every 7 days while the review is not recorded; champions told at 14 days.

Each nudge goes to the agreement's channel and to each of its Slack parties, once, through the delivery
ledger, keyed by the agreement, the review date and the stage. Recording a review moves the next review date,
so the keys for the old date are never due again.

Only agreed agreements are nudged: a draft is not yet in force (its parties are being asked to confirm it),
and nudges pick up again, at the latest stage, once it is agreed.

After downtime, only the latest stage that is due is sent, however late (a late reminder beats none, and a
burst of stale ones helps nobody); stages from before the agreement was written are never sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import handlers.agreements.messages as messages
from bot.delivery.plan import Due, Message, Planned, unsettled
from domain import agreements as ag
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

    def __init__(self, sessions: Sessions, tz: ZoneInfo):
        self.sessions, self.tz = sessions, tz

    def due(self, now: dt.datetime) -> Due:
        today = now.astimezone(self.tz).date()
        with self.sessions.begin() as session:
            records = store.agreed_reviews_by(session, day=today + dt.timedelta(days=ag.REMIND_BEFORE_DAYS))
            champions: dict[str, list[str]] = {}  # by team, looked up once each
            planned: list[Planned] = []
            for record in records:
                stage = ag.latest_stage(record.next_review, now, self.tz) if record.next_review else None
                if stage is None or stage.at < record.created_at:
                    continue
                if stage.escalates and record.team_id not in champions:
                    champions[record.team_id] = roles.list_roles(
                        session, team_id=record.team_id, role=roles.RoleName.CHAMPION
                    )
                planned += self._nudges(Nudge(record, stage, today), champions.get(record.team_id, []))
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
            composed.append(Message([block.to_dict() for block in built], text))
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None

    def _nudges(self, nudge: Nudge, champions: list[str]) -> list[Planned]:
        record, stage = nudge.record, nudge.stage
        review_date = stage.review_date.isoformat()
        key = f"{record.id}:{review_date}:{stage.name}"
        planned = [
            Planned(Kind.REVIEW_NUDGE, record.team_id, target, key, stage.at, task=nudge)
            for target in (record.channel_id, *record.slack_parties)
        ]
        if stage.escalates:
            moment = ag.escalation_moment(stage.review_date, self.tz)
            planned += [
                Planned(
                    Kind.REVIEW_ESCALATION, record.team_id, champion, f"{record.id}:{review_date}", moment, task=nudge
                )
                for champion in champions
            ]
        return planned
