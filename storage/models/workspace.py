"""Each workspace: its installation, its settings, its champions and leaders, the Slack events already applied."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SlackId, TeamId, _ts


class WorkspaceSettings(Base):
    """Per-workspace choices made in Slack (the highlight emoji)."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    highlight_emoji: Mapped[str] = mapped_column(String(100), default="star")
    updated_at: Mapped[dt.datetime] = _ts()
    # "standard": flagged personal data may be posted once its author says it holds none; "strict": never.
    personal_data_mode: Mapped[str] = mapped_column(String(16), default="standard", server_default="standard")


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


class ProcessedEvent(Base):
    """Events already applied, so Slack's retries of the same event_id change nothing twice."""

    __tablename__ = "processed_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    event_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (UniqueConstraint("team_id", "event_id"),)


class Installation(Base):
    """A workspace's installation of the app: in OAuth mode its bot token (and refresh token, when Slack rotates
    them); in every mode, whether it has uninstalled the app.

    Tokens are Fernet-encrypted when PROGRAMME_TALKS_SECRET_KEY is set (`encrypted` says how these were saved).
    Uninstalling empties the tokens and sets `uninstalled_at`; the workspace's data is kept for a while so a
    reinstall restores it, then erased (bot.installations).
    """

    __tablename__ = "installations"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    team_name: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    app_id: Mapped[str | None] = mapped_column(String(32))
    bot_id: Mapped[str | None] = mapped_column(SlackId)
    bot_user_id: Mapped[str | None] = mapped_column(SlackId)
    bot_scopes: Mapped[str] = mapped_column(String(1000), default="")  # comma-separated, as Slack gives them
    bot_token: Mapped[str | None] = mapped_column(Text)
    bot_refresh_token: Mapped[str | None] = mapped_column(Text)
    bot_token_expires_at: Mapped[dt.datetime | None] = _ts()  # None: the token does not expire (no rotation)
    encrypted: Mapped[bool] = mapped_column(default=False)
    installed_by: Mapped[str | None] = mapped_column(SlackId)
    installed_at: Mapped[dt.datetime | None] = _ts()
    updated_at: Mapped[dt.datetime] = _ts()
    uninstalled_at: Mapped[dt.datetime | None] = _ts()


class OAuthState(Base):
    """The `state` of an install begun at /slack/install: good once, until it expires. Kept a day past its expiry,
    so the page can say whether a link was used, expired or never issued; then deleted."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId, default="")  # "": begun before any workspace is known
    created_at: Mapped[dt.datetime] = _ts()
    expires_at: Mapped[dt.datetime] = _ts()
    used_at: Mapped[dt.datetime | None] = _ts()

    __table_args__ = (Index("ix_oauth_states_expires_at", "expires_at"),)


class RetentionSetting(Base):
    """How long a workspace keeps one kind of record (`/talks retention shares 2 years`). A kind with no row keeps
    its default (domain.retention.POLICIES); the scheduler's retention duty deletes what is past its time."""

    __tablename__ = "retention_settings"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # domain.retention.Record: shares | requests | ...
    period: Mapped[str] = mapped_column(String(32))  # domain.retention.Period.words, e.g. "18 months"
    updated_at: Mapped[dt.datetime] = _ts()
