"""Digest subscriptions and the delivery ledger: the database decides what has been posted, exactly once.

Claims are short transactions: insert a row under the unique (team, kind, target, period) constraint, or
move a retryable row back to "posting" with a conditional UPDATE. Whoever's statement succeeds posts; every
other scheduler, restart or hand-run sees the row and leaves it alone.

The scheduler claims and finishes digests many at a time (claim_many, reclaim_many, finish_many): one Core
statement each; claim and finish do the same for one delivery (a duty's post, a digest posted by hand).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Delivery, DigestSubscription

POSTING, DELIVERED, RETRY, FAILED, SKIPPED, QUIET, UNCONFIRMED = (
    "posting",
    "delivered",
    "retry",  # a passing fault (rate limit, 5xx, no connection): the next run tries again while it is on time
    "failed",  # Slack said no for good (channel gone, app removed): the subscription is paused
    "skipped",  # found too late after downtime
    "quiet",  # nothing new, and the channel chose "quiet skip"
    "unconfirmed",  # claimed by a run that stopped before it could record the outcome; never posted again
)


def get_subscription(session: Session, *, team_id: str, channel_id: str) -> DigestSubscription | None:
    return session.scalar(
        select(DigestSubscription).where(
            DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id
        )
    )


def save_subscription(
    session: Session, *, team_id: str, channel_id: str, schedule: str, user_id: str, now: dt.datetime
) -> DigestSubscription:
    """Subscribe a channel, or change its schedule (and switch it back on if it was paused)."""
    subscription = get_subscription(session, team_id=team_id, channel_id=channel_id)
    if subscription is None:
        subscription = DigestSubscription(team_id=team_id, channel_id=channel_id, created_at=now)
        session.add(subscription)
    subscription.schedule, subscription.active, subscription.disabled_reason = schedule, True, None
    subscription.created_by, subscription.updated_at = user_id, now
    session.flush()
    return subscription


def pause_subscription(
    session: Session, subscription: DigestSubscription, *, reason: str | None, now: dt.datetime
) -> None:
    subscription.active, subscription.disabled_reason, subscription.updated_at = False, reason, now
    session.flush()


def list_active_subscriptions(session: Session) -> Sequence[DigestSubscription]:
    """Every workspace's active subscriptions: the scheduler serves them all."""
    return session.scalars(
        select(DigestSubscription).where(DigestSubscription.active.is_(True)).order_by(DigestSubscription.id)
    ).all()


def retryable(session: Session, *, not_before: dt.datetime) -> Sequence[Delivery]:
    return session.scalars(select(Delivery).where(Delivery.status == RETRY, Delivery.scheduled_for >= not_before)).all()


def claim(
    session: Session,
    *,
    team_id: str,
    kind: str,
    target: str,
    period_key: str,
    scheduled_for: dt.datetime,
    now: dt.datetime,
    subscription_id: int | None = None,
    status: str = POSTING,
) -> Delivery | None:
    """Record that this delivery is being made; None when it already is (or was)."""
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
    return delivery


def claim_many(session: Session, claims: Sequence[dict], *, now: dt.datetime) -> dict[tuple[str, str, str, str], int]:
    """Claim many deliveries at once; the ids of those claimed here, by (team_id, kind, target, period_key).

    Each claim is a dict of team_id, kind, target, period_key, scheduled_for and subscription_id. One already
    in the ledger (another run, a restart) is left alone and missing from the answer, as claim returns None.
    """
    if not claims:
        return {}
    table = Delivery.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing()
        .returning(table.c.id, table.c.team_id, table.c.kind, table.c.target, table.c.period_key)
    )
    rows = session.execute(statement, [{**c, "status": POSTING, "claimed_at": now} for c in claims])
    return {(team_id, kind, target, key): id_ for id_, team_id, kind, target, key in rows}


def reclaim_many(session: Session, *, delivery_ids: Sequence[int], now: dt.datetime) -> set[int]:
    """Take retryable deliveries back for another attempt; the ids this run took (not those another run did)."""
    if not delivery_ids:
        return set()
    table = Delivery.__table__
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
    table = Delivery.__table__
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


def abandon_stale_claims(session: Session, *, claimed_before: dt.datetime, now: dt.datetime) -> int:
    """Claims left "posting" by a run that stopped: they may have been posted, so they are never posted again."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == POSTING, Delivery.claimed_at < claimed_before)
        .values(status=UNCONFIRMED, finished_at=now, error="the app stopped while posting")
    )
    return result.rowcount


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
            Delivery.kind == "digest",
            Delivery.status.in_((DELIVERED, QUIET)),
            Delivery.scheduled_for < before,
        )
        .group_by(Delivery.subscription_id)
    )
    return {subscription_id: moment for subscription_id, moment in rows}


def undelivered(session: Session, *, team_id: str, since: dt.datetime) -> Sequence[Delivery]:
    """Channel digests that did not arrive recently: failed, skipped after downtime, or unconfirmed."""
    return session.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.kind == "digest",
            Delivery.status.in_((FAILED, SKIPPED, UNCONFIRMED, RETRY)),
            Delivery.scheduled_for > since,
        )
        .order_by(Delivery.scheduled_for)
    ).all()


def claimed_keys(session: Session, *, kinds: Sequence[str], since: dt.datetime) -> set[tuple[str, str, str]]:
    """(kind, target, period key) of everything in the ledger of these kinds scheduled after a moment."""
    rows = session.execute(
        select(Delivery.kind, Delivery.target, Delivery.period_key).where(
            Delivery.kind.in_(kinds), Delivery.scheduled_for > since
        )
    )
    return {(kind, target, key) for kind, target, key in rows}


def release(session: Session, *, delivery_id: int) -> None:
    """Give a claim back after a passing fault, so the next run tries again."""
    session.execute(delete(Delivery).where(Delivery.id == delivery_id, Delivery.status == POSTING))


def get_delivery(session: Session, *, team_id: str, kind: str, target: str, period_key: str) -> Delivery | None:
    return session.scalar(
        select(Delivery).where(
            Delivery.team_id == team_id,
            Delivery.kind == kind,
            Delivery.target == target,
            Delivery.period_key == period_key,
        )
    )
