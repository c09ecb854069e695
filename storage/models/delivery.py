"""Work done later: digest subscriptions, the delivery ledger, the outbox of jobs, and leases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SlackId, TeamId, _ts


class DigestSubscription(Base):
    """A channel that receives digests on a schedule (see domain.schedule for the words)."""

    __tablename__ = "digest_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    schedule: Mapped[str] = mapped_column(String(64))  # Schedule.to_text(), e.g. "weekly mon 09:00"
    active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)


_POSTING, _RETRY = text("status = 'posting'"), text("status = 'retry'")


class Delivery(Base):
    """The delivery ledger: one row per thing that must be posted once (a digest for a period, a nudge).

    The row is claimed (status "posting") in its own transaction before anything is posted; the unique
    constraint means a second scheduler, a restart or a hand-run can never claim the same one again.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    kind: Mapped[str] = mapped_column(String(32))  # "digest" | "champion_digest" | ...
    target: Mapped[str] = mapped_column(String(64))  # channel or user id
    period_key: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("digest_subscriptions.id", ondelete="SET NULL"))
    scheduled_for: Mapped[dt.datetime] = _ts()
    status: Mapped[str] = mapped_column(String(16))  # posting | delivered | failed | skipped | unconfirmed
    claimed_at: Mapped[dt.datetime] = _ts()
    finished_at: Mapped[dt.datetime | None] = _ts()
    error: Mapped[str | None] = mapped_column(String(200))
    message_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("team_id", "kind", "target", "period_key"),
        Index("ix_deliveries_team_status", "team_id", "status"),
        Index("ix_deliveries_subscription_scheduled", "subscription_id", "scheduled_for"),
        # The few rows the scheduler looks for each minute, however long the ledger grows (partial indexes).
        Index("ix_deliveries_posting", "claimed_at", sqlite_where=_POSTING, postgresql_where=_POSTING),
        Index("ix_deliveries_retry", "scheduled_for", sqlite_where=_RETRY, postgresql_where=_RETRY),
    )


_WAITING = text("status IN ('queued', 'running')")


class QueuedJob(Base):
    """Work handed on after Slack was answered, recorded before the answer (a transactional outbox).

    A worker claims a job with a conditional update, so two workers racing do it once; a job left "running"
    by a worker that died is taken over once its claim is stale. Each job records the steps it has finished
    (`state`), so doing it again after a crash repeats nothing. Once done, its payload (which may hold what
    someone typed) is emptied; the row stays a day so a repeated request is recognised, then is deleted.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    name: Mapped[str] = mapped_column(String(120))  # the job function, "module:function"
    key: Mapped[str] = mapped_column(String(200))  # the request it came from: the same key is queued once
    payload: Mapped[str] = mapped_column(Text)  # JSON: the function's arguments
    state: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the steps done so far
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime] = _ts()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = _ts()
    created_at: Mapped[dt.datetime] = _ts()
    finished_at: Mapped[dt.datetime | None] = _ts()
    error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_jobs_waiting", "run_after", sqlite_where=_WAITING, postgresql_where=_WAITING),
    )


class Lease(Base):
    """A named lease: one holder at a time, until it expires unless renewed (storage.leases).

    The scheduler holds "scheduler" so that one replica at a time runs what is due; the same table serves any
    "do this once, now" claim (an agreement's summary, say) with a short time to live. Times are on the real
    clock of the processes that share the database. An installation-wide lease has team_id "".
    """

    __tablename__ = "leases"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # who holds it: e.g. "host:pid:random" for a process
    expires_at: Mapped[dt.datetime] = _ts()
