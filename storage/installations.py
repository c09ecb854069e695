"""Installations of the app in workspaces, the OAuth states of installs in progress, and erasing a workspace.

Tokens arrive here as they are to be stored (already encrypted, when a key is set: bot.installations does that)
and leave the same way: storage knows nothing of keys or of Slack. Query functions: `verb_noun(session, *, ...)`;
they add and flush, never commit, never call Slack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import Base, Installation, OAuthState

STATES_KEPT = dt.timedelta(days=1)  # an expired state is kept this long, so a late click is told "expired"


@dataclass(frozen=True)
class InstallationRecord:
    team_id: str
    team_name: str | None
    enterprise_id: str | None
    app_id: str | None
    bot_id: str | None
    bot_user_id: str | None
    bot_scopes: tuple[str, ...]
    bot_token: str | None  # as stored: encrypted when `encrypted`
    bot_refresh_token: str | None
    bot_token_expires_at: dt.datetime | None
    encrypted: bool
    installed_by: str | None
    installed_at: dt.datetime | None
    uninstalled_at: dt.datetime | None

    @property
    def installed(self) -> bool:
        """Whether the app is in the workspace now (OAuth: with a token; one workspace: not uninstalled)."""
        return self.uninstalled_at is None


def _record(row: Installation) -> InstallationRecord:
    return InstallationRecord(
        team_id=row.team_id,
        team_name=row.team_name,
        enterprise_id=row.enterprise_id,
        app_id=row.app_id,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=tuple(scope for scope in row.bot_scopes.split(",") if scope),
        bot_token=row.bot_token,
        bot_refresh_token=row.bot_refresh_token,
        bot_token_expires_at=row.bot_token_expires_at,
        encrypted=row.encrypted,
        installed_by=row.installed_by,
        installed_at=row.installed_at,
        uninstalled_at=row.uninstalled_at,
    )


def get_installation(session: Session, *, team_id: str) -> InstallationRecord | None:
    row = session.get(Installation, team_id)
    return _record(row) if row else None


def save_installation(
    session: Session,
    *,
    team_id: str,
    team_name: str | None,
    enterprise_id: str | None,
    app_id: str | None,
    bot_id: str | None,
    bot_user_id: str | None,
    bot_scopes: tuple[str, ...],
    bot_token: str,
    bot_refresh_token: str | None,
    bot_token_expires_at: dt.datetime | None,
    encrypted: bool,
    installed_by: str | None,
    now: dt.datetime,
) -> InstallationRecord:
    """Record a workspace's installation (a first install, or a reinstall, which restores a workspace that had
    uninstalled the app: its data was kept)."""
    row = session.get(Installation, team_id)
    if row is None:
        row = Installation(team_id=team_id)
        session.add(row)
    row.team_name, row.enterprise_id, row.app_id = team_name, enterprise_id, app_id
    row.bot_id, row.bot_user_id, row.bot_scopes = bot_id, bot_user_id, ",".join(bot_scopes)
    row.bot_token, row.bot_refresh_token, row.bot_token_expires_at = bot_token, bot_refresh_token, bot_token_expires_at
    row.encrypted, row.installed_by = encrypted, installed_by
    row.installed_at = row.updated_at = now
    row.uninstalled_at = None
    session.flush()
    return _record(row)


def save_refreshed_tokens(
    session: Session,
    *,
    team_id: str,
    bot_token: str,
    bot_refresh_token: str,
    bot_token_expires_at: dt.datetime,
    encrypted: bool,
    now: dt.datetime,
) -> bool:
    """Replace a workspace's tokens with those a refresh gave; False if it has uninstalled the app meanwhile."""
    return bool(
        count_changed(
            session,
            update(Installation)
            .where(Installation.team_id == team_id, Installation.uninstalled_at.is_(None))
            .values(
                bot_token=bot_token,
                bot_refresh_token=bot_refresh_token,
                bot_token_expires_at=bot_token_expires_at,
                encrypted=encrypted,
                updated_at=now,
            ),
        )
    )


def mark_uninstalled(session: Session, *, team_id: str, at: dt.datetime, now: dt.datetime) -> bool:
    """Note that a workspace uninstalled the app (or revoked its bot token) at `at`, and forget its tokens.

    False, changing nothing, when it was installed again after `at` (a late retry of Slack's event) or was already
    marked. A workspace with no installation (one served with SLACK_BOT_TOKEN) gets a row that says only this.
    """
    row = session.get(Installation, team_id)
    if row is None:
        session.add(Installation(team_id=team_id, bot_scopes="", encrypted=False, updated_at=now, uninstalled_at=at))
        session.flush()
        return True
    # Slack's event_time is in whole seconds: the event happened within a second after `at`.
    if row.uninstalled_at is not None or (
        row.installed_at is not None and row.installed_at >= at + dt.timedelta(seconds=1)
    ):
        return False
    row.uninstalled_at, row.updated_at = at, now
    row.bot_token = row.bot_refresh_token = row.bot_token_expires_at = None
    session.flush()
    return True


def restore_installation(session: Session, *, team_id: str, now: dt.datetime) -> bool:
    """Take back the uninstalled mark of a workspace served with SLACK_BOT_TOKEN, once its token works again."""
    return bool(
        count_changed(
            session,
            update(Installation)
            .where(Installation.team_id == team_id, Installation.uninstalled_at.is_not(None))
            .values(uninstalled_at=None, installed_at=now, updated_at=now),
        )
    )


def list_installations(session: Session) -> list[InstallationRecord]:
    return [_record(row) for row in session.scalars(select(Installation).order_by(Installation.team_id))]


def list_uninstalled_team_ids(session: Session, *, before: dt.datetime | None = None) -> list[str]:
    """The workspaces that have uninstalled the app (with `before`: those that did so before that moment)."""
    query = select(Installation.team_id).where(Installation.uninstalled_at.is_not(None))
    if before is not None:
        query = query.where(Installation.uninstalled_at < before)
    return list(session.scalars(query.order_by(Installation.team_id)))


def count_encrypted(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Installation).where(Installation.encrypted)) or 0


# ---- OAuth states --------------------------------------------------------------------------------------------


class StateStatus(StrEnum):
    VALID = "valid"  # issued, unused, in time
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # never issued here (or long gone)


def add_oauth_state(session: Session, *, state: str, now: dt.datetime, expires_at: dt.datetime) -> None:
    """Record a state just issued, and delete those that expired more than a day ago."""
    session.execute(delete(OAuthState).where(OAuthState.expires_at < now - STATES_KEPT))
    session.add(OAuthState(state=state, team_id="", created_at=now, expires_at=expires_at))
    session.flush()


def use_oauth_state(session: Session, *, state: str, now: dt.datetime) -> bool:
    """Use a state up: True once, for a state issued here, unused and in time."""
    return bool(
        count_changed(
            session,
            update(OAuthState)
            .where(OAuthState.state == state, OAuthState.used_at.is_(None), OAuthState.expires_at > now)
            .values(used_at=now),
        )
    )


def oauth_state_status(session: Session, *, state: str, now: dt.datetime) -> StateStatus:
    row = session.get(OAuthState, state)
    if row is None:
        return StateStatus.UNKNOWN
    if row.used_at is not None:
        return StateStatus.USED
    return StateStatus.EXPIRED if row.expires_at <= now else StateStatus.VALID


def forget_oauth_states(session: Session, *, expired_before: dt.datetime) -> int:
    return count_changed(session, delete(OAuthState).where(OAuthState.expires_at < expired_before))


# ---- erasing a workspace ---------------------------------------------------------------------------------------


def _tables_with_team_id() -> list[Table]:
    """Every table holding a workspace's rows, those that refer to others first (so they go first)."""
    return [table for table in reversed(Base.metadata.sorted_tables) if "team_id" in table.c]


def count_workspace_rows(session: Session, *, team_id: str) -> dict[str, int]:
    """How many rows each table holds for a workspace (tables with none left out)."""
    counts = {}
    for table in _tables_with_team_id():
        found = session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team_id)) or 0
        if found:
            counts[table.name] = found
    return counts


def erase_workspace(session: Session, *, team_id: str) -> dict[str, int]:
    """Delete every row with this team_id, in every table; how many went from each (tables with none left out).
    The search indexes follow their tables (SQLite's by trigger, PostgreSQL's are on the tables themselves)."""
    if not team_id:
        raise ValueError("erase_workspace needs a team_id: '' is the installation's own rows")
    erased = {}
    for table in _tables_with_team_id():
        gone = count_changed(session, delete(table).where(table.c.team_id == team_id))
        if gone:
            erased[table.name] = gone
    return erased
