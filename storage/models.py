"""Typed SQLAlchemy models. Every row belongs to one Slack workspace (team_id)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TeamId = String(32)
SlackId = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database: use an aware one")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _ts() -> Mapped[dt.datetime]:
    return mapped_column(UTCDateTime())


class Share(Base):
    """A piece of practice someone shared, and where the app posted it."""

    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    author_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(500), default="")
    link: Mapped[str | None] = mapped_column(String(600))
    created_at: Mapped[dt.datetime] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (
        Index("ix_shares_team_created", "team_id", "created_at"),
        Index("ix_shares_team_message", "team_id", "channel_id", "message_ts"),
    )

    @property
    def tag_list(self) -> tuple[str, ...]:
        return tuple(self.tags.split())


class CollabRequest(Base):
    """Someone asking for a partner or help; offers hang off it."""

    __tablename__ = "collab_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    requester_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    needed_by: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = _ts()
    resolved_at: Mapped[dt.datetime | None] = _ts()

    offers: Mapped[list[CollabOffer]] = relationship(
        back_populates="request", order_by="CollabOffer.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_collab_requests_team_status_created", "team_id", "status", "created_at"),
        Index("ix_collab_requests_team_message", "team_id", "channel_id", "message_ts"),
    )


class CollabOffer(Base):
    """One person's offer of help with a request; one per person per request."""

    __tablename__ = "collab_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    request_id: Mapped[int] = mapped_column(ForeignKey("collab_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()

    request: Mapped[CollabRequest] = relationship(back_populates="offers")

    __table_args__ = (UniqueConstraint("request_id", "user_id"),)


class WorkspaceSettings(Base):
    """Per-workspace choices made in Slack (the highlight emoji)."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    highlight_emoji: Mapped[str] = mapped_column(String(100), default="star")
    updated_at: Mapped[dt.datetime] = _ts()


class Role(Base):
    """A champion or leader appointed in a workspace."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(SlackId)
    role: Mapped[str] = mapped_column(String(16))  # "champion" | "leader"
    appointed_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "role", "user_id"),)


class Reaction(Base):
    """Someone's emoji reaction on a share the app posted: appreciation, and for leaders, highlights."""

    __tablename__ = "reactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SlackId)
    emoji: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("share_id", "user_id", "emoji"),)


class Highlight(Base):
    """A leader singled out a share by reacting with the highlight emoji."""

    __tablename__ = "highlights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    leader_id: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (
        UniqueConstraint("share_id", "leader_id"),
        Index("ix_highlights_team_created", "team_id", "created_at"),
    )


class ProcessedEvent(Base):
    """Events already applied, so Slack's retries of the same event_id change nothing twice."""

    __tablename__ = "processed_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    event_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "event_id"),)


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


class Agreement(Base):
    """A written collaboration agreement: who does what, how it is talked about, how everyone is credited."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    number: Mapped[int] = mapped_column(Integer)  # per workspace: "/agreement show 3"
    title: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[str] = mapped_column(SlackId)
    created_by: Mapped[str] = mapped_column(SlackId)
    status: Mapped[str] = mapped_column(String(16))  # draft | agreed | ended
    version: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    comms_internal: Mapped[str] = mapped_column(Text)
    comms_external: Mapped[str] = mapped_column(Text)
    recognition: Mapped[str] = mapped_column(Text)
    review_every_days: Mapped[int] = mapped_column(Integer)
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", order_by="AgreementParty.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_agreements_team_status_review", "team_id", "status", "next_review"),
    )


class AgreementParty(Base):
    """A party to an agreement: a person in Slack, or an organisation outside it with a named contact."""

    __tablename__ = "agreement_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str | None] = mapped_column(SlackId)  # a Slack party
    organisation: Mapped[str | None] = mapped_column(String(200))  # a party outside Slack
    contact: Mapped[str | None] = mapped_column(String(200))
    responsibility: Mapped[str] = mapped_column(Text)
    confirmed_version: Mapped[int | None] = mapped_column(Integer)
    confirmed_at: Mapped[dt.datetime | None] = _ts()

    agreement: Mapped[Agreement] = relationship(back_populates="parties")


class AgreementVersion(Base):
    """Every version an agreement has had, kept whole (JSON) so earlier versions are never lost."""

    __tablename__ = "agreement_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(SlackId)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("agreement_id", "version"),)


class AgreementReview(Base):
    """A review recorded against a review date: how it is going, and whether everyone has been credited."""

    __tablename__ = "agreement_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    review_date: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(32))  # on_track | needs_attention | ended
    achieved: Mapped[str] = mapped_column(Text)
    credited: Mapped[str] = mapped_column(String(16))  # yes | partly | no
    credit_note: Mapped[str | None] = mapped_column(Text)
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(SlackId)
    recorded_at: Mapped[dt.datetime] = _ts()


class Meetup(Base):
    """Something that already happens, to which potential collaborators are invited (`/event`).

    Called a meetup in the code, so that "event" means only Slack's Events API; the tables keep their first names.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = _ts()
    place: Mapped[str] = mapped_column(String(500))
    about: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str] = mapped_column(SlackId)
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (Index("ix_events_team_starts", "team_id", "starts_at"),)


class MeetupPost(Base):
    """A message showing a meetup (in a channel, or an invitation by direct message), kept current on RSVPs."""

    __tablename__ = "event_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    meetup_id: Mapped[int] = mapped_column("event_id", ForeignKey("events.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    invited_user: Mapped[str | None] = mapped_column(SlackId)  # set for a direct-message invitation


class MeetupRsvp(Base):
    """Someone's answer to a meetup: going or interested (one per person per event)."""

    __tablename__ = "event_rsvps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    meetup_id: Mapped[int] = mapped_column("event_id", ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SlackId)
    answer: Mapped[str] = mapped_column(String(16))  # going | interested
    updated_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("event_id", "user_id"),)


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
