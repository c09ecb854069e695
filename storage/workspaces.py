"""Choices each workspace makes in Slack (the highlight emoji, the personal-data mode). Query functions:
`verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import RetentionSetting, WorkspaceSettings

DEFAULT_HIGHLIGHT_EMOJI = "star"
# What happens when the personal-data check finds something: in "standard" mode its author may post it anyway
# once they say it holds no child's or private personal data; in "strict" mode it is never posted.
STANDARD, STRICT = "standard", "strict"
PERSONAL_DATA_MODES = (STANDARD, STRICT)


def get_highlight_emoji(session: Session, *, team_id: str) -> str:
    """The emoji name (without colons) a leader reacts with to highlight a share; "star" until one is chosen."""
    chosen = session.scalar(select(WorkspaceSettings.highlight_emoji).where(WorkspaceSettings.team_id == team_id))
    return chosen or DEFAULT_HIGHLIGHT_EMOJI


def set_highlight_emoji(session: Session, *, team_id: str, emoji: str, now: dt.datetime) -> None:
    settings = session.get(WorkspaceSettings, team_id)
    if settings is None:
        session.add(WorkspaceSettings(team_id=team_id, highlight_emoji=emoji, updated_at=now))
    else:
        settings.highlight_emoji, settings.updated_at = emoji, now
    session.flush()


def get_personal_data_mode(session: Session, *, team_id: str) -> str:
    """The workspace's personal-data mode, "standard" or "strict"; "standard" until an admin chooses."""
    chosen = session.scalar(select(WorkspaceSettings.personal_data_mode).where(WorkspaceSettings.team_id == team_id))
    return chosen if chosen in PERSONAL_DATA_MODES else STANDARD


def set_personal_data_mode(session: Session, *, team_id: str, mode: str, now: dt.datetime) -> str:
    """Choose the workspace's personal-data mode; the mode it had before."""
    if mode not in PERSONAL_DATA_MODES:
        raise ValueError(f"no personal-data mode {mode!r}")
    before = get_personal_data_mode(session, team_id=team_id)
    settings = session.get(WorkspaceSettings, team_id)
    if settings is None:
        session.add(WorkspaceSettings(team_id=team_id, personal_data_mode=mode, updated_at=now))
    else:
        settings.personal_data_mode, settings.updated_at = mode, now
    session.flush()
    return before


# ---- retention: how long each kind of record is kept (domain.retention) ------------------------------------------


def get_retention_periods(session: Session, *, team_id: str) -> dict[str, str]:
    """The periods a workspace has chosen, by kind ("shares": "18 months"); kinds left at their default are missing."""
    rows = session.execute(
        select(RetentionSetting.kind, RetentionSetting.period).where(RetentionSetting.team_id == team_id)
    )
    return {kind: period for kind, period in rows}


def set_retention_period(
    session: Session, *, team_id: str, kind: str, period: str | None, now: dt.datetime
) -> str | None:
    """Choose how long a kind of record is kept (as Period.words), or go back to the default (None); the period
    chosen before (None: it was the default)."""
    row = session.get(RetentionSetting, (team_id, kind))
    before = row.period if row is not None else None
    if period is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(RetentionSetting(team_id=team_id, kind=kind, period=period, updated_at=now))
    else:
        row.period, row.updated_at = period, now
    session.flush()
    return before


def retention_periods_by_team(session: Session) -> dict[str, dict[str, str]]:
    """Every workspace's chosen periods in one query (the retention duty serves all workspaces)."""
    found: dict[str, dict[str, str]] = {}
    for team_id, kind, period in session.execute(
        select(RetentionSetting.team_id, RetentionSetting.kind, RetentionSetting.period)
    ):
        found.setdefault(team_id, {})[kind] = period
    return found
