"""Agreement review nudges: three days before each review date and on the day, at 09:00 in the
workspace's time zone, then every 7 days while the review is not recorded; champions told at 14 days.

Each nudge goes to the agreement's channel and to each of its Slack parties, once, through the delivery
ledger (bot.scheduler.post_once), keyed by the agreement, the review date and the stage. Recording a review
moves the next review date, so the keys for the old date are never due again.

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

from slack_sdk import WebClient

from bot.scheduler import post_once
from domain import agreements as ag
from handlers import agreement_blocks as ab
from storage import agreements as store
from storage import ledger, roles
from storage.db import Sessions

NUDGE, ESCALATION = "review_nudge", "review_escalation"


@dataclass(frozen=True)
class Nudge:
    kind: str  # NUDGE or ESCALATION
    team_id: str
    target: str  # channel, party or champion
    key: str  # agreement id, review date and stage: "12:2026-12-07:d+7"
    scheduled_for: dt.datetime
    record: ag.AgreementRecord
    stage: ag.Stage
    today: dt.date


class ReviewNudges:
    def __init__(self, sessions: Sessions, client: WebClient, tz: ZoneInfo):
        self.sessions, self.client, self.tz = sessions, client, tz

    def due(self, now: dt.datetime) -> Sequence[Nudge]:
        today = now.astimezone(self.tz).date()
        with self.sessions.begin() as session:
            records = store.agreed_reviews_by(session, day=today + dt.timedelta(days=ag.REMIND_BEFORE_DAYS))
            champions: dict[str, list[str]] = {}  # by team, looked up once each
            nudges = []
            for record in records:
                stage = ag.latest_stage(record.next_review, now, self.tz)
                if stage is None or stage.at < record.created_at:
                    continue
                if stage.escalates and record.team_id not in champions:
                    champions[record.team_id] = roles.list_roles(
                        session, team_id=record.team_id, role=roles.RoleName.CHAMPION
                    )
                nudges += self._nudges(record, stage, today, champions.get(record.team_id, []))
            if not nudges:
                return []
            since = min(n.scheduled_for for n in nudges) - dt.timedelta(seconds=1)
            done = ledger.claimed_keys(session, kinds=(NUDGE, ESCALATION), since=since)
        return [n for n in nudges if (n.kind, n.target, n.key) not in done]

    def perform(self, task: Nudge, now: dt.datetime) -> list[str]:
        record, review_date = task.record, task.stage.review_date
        if task.kind == ESCALATION:
            blocks = ab.escalation_blocks(record, review_date, task.today)
            text = f"Agreement #{record.number}'s review is overdue"
        else:
            blocks = ab.nudge_blocks(record, task.stage, task.today)
            text = f"Agreement #{record.number} review due {ag.short_date(review_date, task.today)}"
        line = post_once(
            self.sessions,
            self.client,
            team_id=task.team_id,
            kind=task.kind,
            target=task.target,
            key=task.key,
            scheduled_for=task.scheduled_for,
            now=now,
            blocks=list(blocks),
            text=text,
        )
        return [line] if line else []

    def _nudges(self, record: ag.AgreementRecord, stage: ag.Stage, today: dt.date, champions: list[str]) -> list[Nudge]:
        team_id, review_date = record.team_id, stage.review_date.isoformat()
        key = f"{record.id}:{review_date}:{stage.name}"
        nudges = [
            Nudge(NUDGE, team_id, target, key, stage.at, record, stage, today)
            for target in (record.channel_id, *record.slack_parties)
        ]
        if stage.escalates:
            moment = ag.escalation_moment(stage.review_date, self.tz)
            nudges += [
                Nudge(ESCALATION, team_id, champion, f"{record.id}:{review_date}", moment, record, stage, today)
                for champion in champions
            ]
        return nudges
