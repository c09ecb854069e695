"""What the scheduler delivers, in plain terms: a planned post, the message it becomes, and the duties that plan
and compose them. The pipeline (bot.delivery.fanout) claims, posts and records every kind the same way.

Every post carries its ledger key in Slack's message metadata (`delivery_mark`), so that when a run stops
mid-post, a later run can look in the channel's history to see whether the post arrived
(bot.delivery.resolution)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from storage.ledger import Entry, Kind, Status

# A claim not renewed for CLAIM_TTL (real time) belongs to a run that stopped, and is looked up in Slack; a run renews
# the claims of its posts in flight four times as often. Shorter than the scheduler's lease (60 s), so the replica
# that takes over from one that died finds its claims stale at once.
CLAIM_TTL = dt.timedelta(seconds=40)
RENEWALS_PER_TTL = 4
DELIVERY_EVENT = "programme_talks_delivery"  # the metadata event_type on every scheduled post
UNINSTALLED = "app_uninstalled"  # the workspace has removed the app: nothing is posted there, and nobody told
INTERRUPTED = "interrupted"  # the ledger's error for a post a stopped run did not make: it is tried again


def delivery_mark(team_id: str, kind: str, target: str, key: str) -> dict:
    """The message metadata that names a post by its ledger key (unique per ledger row), to find it again."""
    payload = {"team_id": team_id, "kind": str(kind), "target": target, "period_key": key}
    return {"event_type": DELIVERY_EVENT, "event_payload": payload}


@dataclass(frozen=True)
class Planned:
    """One post the ledger should hold once: its kind, workspace, where it goes and its period key."""

    kind: Kind
    team_id: str
    target: str  # a channel or a person
    key: str  # the period key: unique per (team, kind, target)
    slot: dt.datetime  # when it was due
    subscription_id: int | None = None  # a channel digest's subscription
    retry_id: int | None = None  # the ledger row to take back, when this is another try
    manual: bool = False  # asked for in Slack (`/talks digest now`): always posted, never retried later
    task: object = field(default=None, compare=False)  # what its duty needs to compose it (opaque here)

    @property
    def mark(self) -> dict:
        return delivery_mark(self.team_id, self.kind, self.target, self.key)


@dataclass(frozen=True)
class Message:
    blocks: list[dict]
    text: str


@dataclass(frozen=True)
class Due:
    """What a duty found due, and lines saying what it decided without posting (e.g. skipped as too late)."""

    planned: list[Planned]
    lines: list[str] = field(default_factory=list)


class Duty(Protocol):
    """Something the scheduler does at its moments: digests, review nudges, meetup reminders.

    A duty plans and composes; the pipeline claims, posts and records, the same for every duty.
    """

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The ledger kinds it plans (read only: a duty's own may be a class attribute of a fixed length)."""
        ...

    def due(self, now: dt.datetime) -> Due:
        """What is due by `now` and not yet settled in the ledger (another try for what is waiting to retry)."""
        ...

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        """The message for each claimed post, in order; None when there is nothing to post (recorded quiet).

        `cache` lives for one run: what many posts of the run share (a workspace's digest) is read once.
        """
        ...

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        """Slack refused `planned` for good with `error`: do what follows (e.g. pause a channel's digest), and
        return the posts that tell people and what was done, in words for run-due's line (None: nothing).

        `planned.task` is None when the refusal came while looking up an interrupted post in Slack's history
        (the ledger row is all there is then)."""
        ...


def unsettled(planned: list[Planned], entries: dict[tuple[str, str, str, str], Entry]) -> list[Planned]:
    """What the ledger does not hold yet, and what it holds waiting to be tried again (as retries); `entries` as
    storage.ledger.claimed_keys gives them."""
    found = []
    for p in planned:
        entry = entries.get((p.team_id, p.kind, p.target, p.key))
        if entry is None:
            found.append(p)
        elif entry.status is Status.RETRY:
            found.append(Planned(p.kind, p.team_id, p.target, p.key, p.slot, retry_id=entry.id, task=p.task))
    return found
