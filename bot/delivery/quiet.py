"""Quiet when people need it, in the delivery pipeline: the one place scheduled direct messages are held back for
someone who paused (`/talks pause 2 weeks`) or not sent at all because they turned that kind off (`/talks dms follow
off`), and the duty that sends each person, once, what was held when they are back.

`QuietFilter.sift` runs at the start of every delivery (bot.delivery.fanout), before anything is claimed: each
planned direct message of a kind in NOTICE_OF, to someone paused, is recorded in the ledger "held" (so it is never
sent later) and counted for their catch-up; one of a kind they turned off is recorded "turned_off" and forgotten.
Work after Slack's answer holds its direct messages the same way (handlers.jobs.JobRun.notify_once). Nothing else
is held: messages that wait for the person's own answer (confirming an agreement they are party to, agreeing that
their words may be shared) and answers to what they just did always go.

`CatchUps`, a duty: when a pause ends (at BACK_AT on the first day back, or when they type `/talks resume`), the
person gets one direct message, "While you were away", counting what was held with links (ledger kind CATCH_UP,
key the moment the pause started). Nothing held: nothing sent (recorded quiet). Once settled, the pause and the
notices it listed are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.delivery.plan import Due, Message, Planned
from domain.quiet import Notice, notice_allowed
from handlers.quiet.blocks import CATCH_UP_TEXT, catch_up_blocks
from storage import ledger
from storage import quiet as store
from storage.db import Sessions
from storage.ledger import Kind, Status

log = logging.getLogger(__name__)

PEOPLE = ("U", "W")  # a target that is a person, not a channel
HELD_MEMORY = dt.timedelta(days=200)  # longer than any pause (six months): a notice held longer is dropped
NOTICE_OF: Mapping[Kind, Notice] = {  # the scheduled direct messages that are held, as the catch-up counts them
    Kind.CHAMPION_DIGEST: Notice.CHAMPION_DIGEST,
    Kind.DIGEST_PAUSED: Notice.CHANNEL_PROBLEM,
    Kind.PROMPT_PAUSED: Notice.CHANNEL_PROBLEM,
    Kind.REVIEW_NUDGE: Notice.REVIEW_NUDGE,
    Kind.REVIEW_ESCALATION: Notice.REVIEW_ESCALATION,
    Kind.MEETUP_REMINDER: Notice.EVENT_REMINDER,
    Kind.FOLLOW_BUNDLE: Notice.FOLLOW_BUNDLE,
    Kind.NEWSLETTER_DRAFT: Notice.NEWSLETTER_DRAFT,
}


class QuietFilter:
    def __init__(self, sessions: Sessions):
        self.sessions = sessions

    def sift(self, planned: Sequence[Planned], now: dt.datetime) -> tuple[list[Planned], list[str]]:
        """The planned posts still to make, and a line for each one held or not sent (two queries, however many
        people). If the database can't say who is paused, direct messages wait for the next run."""
        people = [p for p in planned if p.kind in NOTICE_OF and p.target.startswith(PEOPLE)]
        if not people:
            return list(planned), []
        try:
            with self.sessions.begin() as session:
                kept_back, lines = self._keep_back(session, people, now)
        except SQLAlchemyError:
            log.exception("could not read who is paused; %d direct messages wait for the next run", len(people))
            lines = [f"could not deliver {p.kind} to {p.target} {p.key}: error; see the log" for p in people]
            waiting = {id(p) for p in people}
            return [p for p in planned if id(p) not in waiting], lines
        return [p for p in planned if id(p) not in kept_back], lines

    def _keep_back(self, session: Session, people: list[Planned], now: dt.datetime) -> tuple[set[int], list[str]]:
        quiet = store.quiet_of(session, people=[(p.team_id, p.target) for p in people], now=now)
        kept_back: set[int] = set()
        lines: list[str] = []
        for p in people:
            found = quiet.get((p.team_id, p.target))
            if found is None:
                continue
            notice = NOTICE_OF[p.kind]
            if not notice_allowed(notice, found.turned_off):
                status, line = Status.TURNED_OFF, f"not sent {p.kind} to {p.target} {p.key}: they turned it off"
            elif found.paused is not None:
                status, line = Status.HELD, f"held {p.kind} for {p.target} {p.key}: they are paused"
            else:
                continue
            kept_back.add(id(p))
            if _settle(session, p, status, now) and status is Status.HELD:
                store.hold_notice(session, team_id=p.team_id, user_id=p.target, notice=notice, link=None, now=now)
            lines.append(line)
        return kept_back, lines


def _settle(session: Session, planned: Planned, status: Status, now: dt.datetime) -> bool:
    """Record a post held or not sent in the ledger, so it is never sent later; False if another run had it."""
    if planned.retry_id is not None:
        return bool(ledger.settle_retry(session, delivery_id=planned.retry_id, status=status, now=now))
    claimed = ledger.claim(
        session,
        team_id=planned.team_id,
        kind=planned.kind,
        target=planned.target,
        period_key=planned.key,
        scheduled_for=planned.slot,
        now=now,
        subscription_id=planned.subscription_id,
        status=status,
    )
    return claimed is not None


class CatchUps:
    kinds = (Kind.CATCH_UP,)

    def __init__(self, sessions: Sessions, tz: ZoneInfo):
        self.sessions, self.tz = sessions, tz

    def due(self, now: dt.datetime) -> Due:
        """A catch-up for each pause that has ended and has none settled yet; pauses whose catch-up is settled are
        deleted, with the notices it listed."""
        planned: list[Planned] = []
        with self.sessions.begin() as session:
            store.forget_old_held(session, before=now - HELD_MEMORY)
            for pause in store.ended_pauses(session, now=now):
                entry = ledger.get_delivery(
                    session, team_id=pause.team_id, kind=Kind.CATCH_UP, target=pause.user_id, period_key=key_of(pause)
                )
                if entry is None or entry.status is Status.RETRY:
                    planned.append(self.planned(pause, retry_id=entry.id if entry else None))
                elif entry.status is not Status.POSTING:
                    store.forget_held(session, team_id=pause.team_id, user_id=pause.user_id, key=key_of(pause))
                    store.delete_pause(session, pause_id=pause.id)
        return Due(planned)

    def planned(self, pause: store.Pause, *, retry_id: int | None = None) -> Planned:
        return Planned(
            Kind.CATCH_UP, pause.team_id, pause.user_id, key_of(pause), pause.ended_at, retry_id=retry_id, task=pause
        )

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        composed: list[Message | None] = []
        for p in claimed:
            pause = p.task if isinstance(p.task, store.Pause) else None
            held = store.take_held(session, team_id=p.team_id, user_id=p.target, key=p.key, before=p.slot)
            if not held:
                composed.append(None)  # nothing was held: nothing to say
                continue
            since = pause.started_at.astimezone(self.tz).date() if pause else None
            blocks = catch_up_blocks(held, since=since)
            composed.append(Message([block.to_dict() for block in blocks], CATCH_UP_TEXT))
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None


def key_of(pause: store.Pause) -> str:
    """A catch-up's ledger key: the moment its pause started (one pause per person at a time)."""
    return f"since-{pause.started_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}"
