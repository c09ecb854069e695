"""Written collaboration agreements: parties, versions and reviews."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, SlackId, TeamId, _ts


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
    hidden_at: Mapped[dt.datetime | None] = _ts()  # set while a reported concern is reviewed (storage.concerns)

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

    __table_args__ = (Index("ix_agreement_parties_team_user", "team_id", "user_id"),)  # someone's, on the Home tab


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
