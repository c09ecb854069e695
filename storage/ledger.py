"""The delivery ledger: the database decides what has been posted, exactly once.

Claims are short transactions: insert a row under the unique (team, kind, target, period) constraint, or
move a retryable row back to "posting" with a conditional UPDATE. Whoever's statement succeeds posts; every
other scheduler, restart or hand-run sees the row and leaves it alone.

The scheduler claims and finishes digests many at a time (claim_many, reclaim_many, finish_many): one Core
statement each; claim and finish do the same for one delivery (a duty's post, a digest posted by hand).

A "posting" row's `claimed_at` is bookkeeping on the real clock, whatever moment the app runs as (a test's or
a demo's moved clock): when its run last said it is still posting it. A run renews its claims while their posts
are in flight (renew_claims), so a claim that has not been renewed for a while belongs to a run that stopped
(stale_claims); what became of its post is then looked up in Slack, and settled (settle_claim).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import Delivery


class Kind(StrEnum):
    """What a ledger row delivers: every kind of scheduled post, in one place."""

    DIGEST = "digest"  # a channel's digest, once per period
    CHAMPION_DIGEST = "champion_digest"  # a champion's copy, with what needs their attention
    DIGEST_PAUSED = "digest_paused"  # telling a champion a channel's digest could not be delivered
    REVIEW_NUDGE = "review_nudge"  # an agreement's review is coming or due
    REVIEW_ESCALATION = "review_escalation"  # champions told of a review 14 days overdue
    MEETUP_REMINDER = "event_reminder"  # the day before a meetup, to people going
    RETENTION = "retention"  # a workspace's records past their time deleted, once a day (target: the workspace)
    FOLLOW_BUNDLE = "follow_bundle"  # a person's daily message of new shares and requests with tags they follow
    NEWSLETTER_DRAFT = "newsletter_draft"  # a month's draft newsletter sent to a champion to review (key: the month)
    PROMPT = "prompt"  # a channel's two questions before its team meeting, once per meeting
    PROMPT_PAUSED = "prompt_paused"  # telling a champion a channel's prompt could not be delivered
    CATCH_UP = "catch_up"  # "While you were away": what was held for a person while they paused (key: the pause)


class Status(StrEnum):
    POSTING = "posting"  # claimed: being posted now
    DELIVERED = "delivered"
    RETRY = "retry"  # a passing fault (rate limit, 5xx, no connection): the next run tries again while it is due
    FAILED = "failed"  # Slack said no for good (channel gone, app removed)
    SKIPPED = "skipped"  # found too late after downtime
    QUIET = "quiet"  # nothing new, and the channel chose "quiet skip"
    UNCONFIRMED = "unconfirmed"  # a run stopped mid-post and Slack's history could not say whether it arrived
    HELD = "held"  # a direct message held back while its person paused (`/talks pause`): summed up when they are back
    TURNED_OFF = "turned_off"  # a direct message of a kind its person turned off (`/talks dms follow off`)
    PAUSED = "paused"  # a channel's digest or prompt paused by a champion for a while: not posted later


POSTING, DELIVERED, RETRY, FAILED, SKIPPED, QUIET, UNCONFIRMED = (
    Status.POSTING,
    Status.DELIVERED,
    Status.RETRY,
    Status.FAILED,
    Status.SKIPPED,
    Status.QUIET,
    Status.UNCONFIRMED,
)


@dataclass(frozen=True)
class Entry:
    """A ledger row, as planning and reports need it."""

    id: int
    team_id: str
    kind: Kind
    target: str
    period_key: str
    scheduled_for: dt.datetime
    status: Status
    error: str | None
    subscription_id: int | None
    claimed_at: dt.datetime  # for a "posting" row: when its run last renewed the claim, on the real clock


def retryable(session: Session, *, kinds: Sequence[Kind], not_before: dt.datetime) -> list[Entry]:
    """Rows of these kinds waiting to be tried again, scheduled at or after `not_before`."""
    rows = session.scalars(
        select(Delivery).where(Delivery.kind.in_(kinds), Delivery.status == RETRY, Delivery.scheduled_for >= not_before)
    )
    return [_entry(row) for row in rows]


def claim(
    session: Session,
    *,
    team_id: str,
    kind: Kind,
    target: str,
    period_key: str,
    scheduled_for: dt.datetime,
    now: dt.datetime,
    subscription_id: int | None = None,
    status: Status = POSTING,
) -> int | None:
    """Record that this delivery is being made, and its id; None when it already is (or was).

    `now` is stored as the claim's moment: for a "posting" claim, give the real clock (see the module's note).
    """
    delivery = Delivery(
        team_id=team_id,
        kind=kind,
        target=target,
        period_key=period_key,
        subscription_id=subscription_id,
        scheduled_for=scheduled_for,
        status=status,
        claimed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:
        return None
    return delivery.id


def _deliveries() -> Table:
    table = Delivery.__table__
    assert isinstance(table, Table)  # declared by __tablename__, so a Table (SQLAlchemy types it as any FromClause)
    return table


def claim_many(session: Session, claims: Sequence[dict], *, now: dt.datetime) -> dict[tuple[str, str, str, str], int]:
    """Claim many deliveries at once; the ids of those claimed here, by (team_id, kind, target, period_key).

    Each claim is a dict of team_id, kind, target, period_key, scheduled_for and subscription_id. One already
    in the ledger (another run, a restart) is left alone and missing from the answer, as claim returns None.
    `now` is the real clock's moment of the claim.
    """
    if not claims:
        return {}
    table = _deliveries()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing()
        .returning(table.c.id, table.c.team_id, table.c.kind, table.c.target, table.c.period_key)
    )
    rows = session.execute(statement, [{**c, "status": POSTING, "claimed_at": now} for c in claims])
    return {(team_id, kind, target, key): id_ for id_, team_id, kind, target, key in rows}


def reclaim_many(session: Session, *, delivery_ids: Sequence[int], now: dt.datetime) -> set[int]:
    """Take retryable deliveries back for another attempt (at `now`, on the real clock); the ids this run took
    (not those another run did)."""
    if not delivery_ids:
        return set()
    table = _deliveries()
    rows = session.execute(
        update(table)
        .where(table.c.id.in_(delivery_ids), table.c.status == RETRY)
        .values(status=POSTING, claimed_at=now)
        .returning(table.c.id)
    )
    return set(rows.scalars())


def finish(
    session: Session,
    *,
    delivery_id: int,
    status: str,
    now: dt.datetime,
    error: str | None = None,
    message_ts: str | None = None,
) -> None:
    outcome = {"delivery_id": delivery_id, "status": status, "error": error, "message_ts": message_ts}
    finish_many(session, [outcome], now=now)


def finish_many(session: Session, outcomes: Sequence[dict], *, now: dt.datetime) -> None:
    """Record many outcomes in one statement; each a dict of delivery_id, status, error and message_ts."""
    if not outcomes:
        return
    table = _deliveries()
    session.execute(
        update(table)
        .where(table.c.id == bindparam("delivery_id"))
        .values(
            status=bindparam("new_status"),
            finished_at=now,
            error=bindparam("new_error"),
            message_ts=bindparam("new_ts"),
        ),
        [
            {
                "delivery_id": o["delivery_id"],
                "new_status": o["status"],
                "new_error": o["error"],
                "new_ts": o["message_ts"],
            }
            for o in outcomes
        ],
    )


def settle_retry(session: Session, *, delivery_id: int, status: Status, now: dt.datetime) -> bool:
    """Settle a delivery waiting to be tried again without posting it (held while its person is paused, say);
    False when another run took it first."""
    return bool(
        count_changed(
            session,
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == RETRY)
            .values(status=status, finished_at=now, error=None),
        )
    )


def renew_claims(session: Session, *, delivery_ids: Sequence[int], now: dt.datetime) -> None:
    """Say that these claims' posts are still in flight (`now` on the real clock), so nobody takes them for
    claims left by a run that stopped."""
    if not delivery_ids:
        return
    session.execute(
        update(Delivery).where(Delivery.id.in_(delivery_ids), Delivery.status == POSTING).values(claimed_at=now)
    )


def stale_claims(session: Session, *, claimed_before: dt.datetime, limit: int = 1000) -> list[Entry]:
    """Claims still "posting" whose run has not renewed them since `claimed_before`: it stopped mid-post, so
    whether Slack has each one is not known here. Oldest first."""
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.status == POSTING, Delivery.claimed_at < claimed_before)
        .order_by(Delivery.claimed_at, Delivery.id)
        .limit(limit)
    )
    return [_entry(row) for row in rows]


def settle_claim(
    session: Session,
    *,
    claim: Entry,
    status: Status,
    now: dt.datetime,
    error: str | None = None,
    message_ts: str | None = None,
) -> bool:
    """Record what became of a stale claim (`claim` as stale_claims found it), unless its run has renewed it
    since (it was slow, not stopped) or another run settled it first; whether this did."""
    return bool(
        count_changed(
            session,
            update(Delivery)
            .where(Delivery.id == claim.id, Delivery.status == POSTING, Delivery.claimed_at == claim.claimed_at)
            .values(status=status, finished_at=now, error=error, message_ts=message_ts),
        )
    )


def abandon_stale_claims(session: Session, *, claimed_before: dt.datetime, now: dt.datetime) -> int:
    """Mark every claim left "posting" since `claimed_before` unconfirmed, unlooked-for.

    The scheduler no longer does this (it looks each one up in Slack: bot.delivery.resolution); kept for
    benchmarks/ledger_checks.py, which times the partial index this uses.
    """
    return count_changed(
        session,
        update(Delivery)
        .where(Delivery.status == POSTING, Delivery.claimed_at < claimed_before)
        .values(status=UNCONFIRMED, finished_at=now, error="the app stopped while posting"),
    )


def last_digest_moment(session: Session, *, subscription_id: int, before: dt.datetime) -> dt.datetime | None:
    """When the channel's previous digest was made (its window ends there); None before the first."""
    return last_digest_moments(session, subscription_ids=[subscription_id], before=before).get(subscription_id)


def last_digest_moments(
    session: Session, *, subscription_ids: Sequence[int], before: dt.datetime
) -> dict[int, dt.datetime]:
    """When each channel's previous digest was made, in one query; a channel with none before is missing."""
    if not subscription_ids:
        return {}
    rows = session.execute(
        select(Delivery.subscription_id, func.max(Delivery.scheduled_for))
        .where(
            Delivery.subscription_id.in_(subscription_ids),
            Delivery.kind == Kind.DIGEST,
            Delivery.status.in_((DELIVERED, QUIET)),
            Delivery.scheduled_for < before,
        )
        .group_by(Delivery.subscription_id)
    )
    # subscription_id is nullable, but IN never matches NULL: the check only tells the type checker so.
    return {subscription_id: moment for subscription_id, moment in rows if subscription_id is not None}


def undelivered(session: Session, *, team_id: str, since: dt.datetime) -> list[Entry]:
    """Channel digests that did not arrive recently: failed, skipped after downtime, or unconfirmed."""
    rows = session.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.kind == Kind.DIGEST,
            Delivery.status.in_((FAILED, SKIPPED, UNCONFIRMED, RETRY)),
            Delivery.scheduled_for > since,
        )
        .order_by(Delivery.scheduled_for)
    )
    return [_entry(row) for row in rows]


def claimed_keys(
    session: Session, *, kinds: Sequence[Kind], since: dt.datetime
) -> dict[tuple[str, str, str, str], Entry]:
    """Everything in the ledger of these kinds scheduled after a moment, by (team, kind, target, period key): two
    workspaces can have the same channel and people ids (a Slack Connect channel), and the same keys."""
    rows = session.scalars(select(Delivery).where(Delivery.kind.in_(kinds), Delivery.scheduled_for > since))
    return {(row.team_id, row.kind, row.target, row.period_key): _entry(row) for row in rows}


def release(session: Session, *, delivery_id: int) -> None:
    """Give a claim back after a passing fault, so the next run tries again."""
    session.execute(delete(Delivery).where(Delivery.id == delivery_id, Delivery.status == POSTING))


def get_delivery(session: Session, *, team_id: str, kind: Kind, target: str, period_key: str) -> Entry | None:
    row = session.scalar(
        select(Delivery).where(
            Delivery.team_id == team_id,
            Delivery.kind == kind,
            Delivery.target == target,
            Delivery.period_key == period_key,
        )
    )
    return _entry(row) if row else None


def _entry(row: Delivery) -> Entry:
    return Entry(
        id=row.id,
        team_id=row.team_id,
        kind=Kind(row.kind),
        target=row.target,
        period_key=row.period_key,
        scheduled_for=row.scheduled_for,
        status=Status(row.status),
        error=row.error,
        subscription_id=row.subscription_id,
        claimed_at=row.claimed_at,
    )


def count_deliveries(session: Session, *, scheduled_since: dt.datetime) -> dict[str, int]:
    """How many deliveries scheduled since a moment are in each status (for metrics)."""
    rows = session.execute(
        select(Delivery.status, func.count()).where(Delivery.scheduled_for >= scheduled_since).group_by(Delivery.status)
    )
    return {status: number for status, number in rows}


def oldest_waiting(session: Session, *, retry_since: dt.datetime) -> dt.datetime | None:
    """When the oldest delivery not yet done was due: one being posted, or one waiting to be tried again that was
    scheduled since `retry_since` (older retries are never tried again). None when there is none (for metrics)."""
    return session.scalar(
        select(func.min(Delivery.scheduled_for)).where(
            (Delivery.status == POSTING) | ((Delivery.status == RETRY) & (Delivery.scheduled_for >= retry_since))
        )
    )
