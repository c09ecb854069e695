"""Choices each workspace makes in Slack (the highlight emoji). Query functions: `verb_noun(session, *, ...)`;
they add and flush, never commit, never call Slack."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import WorkspaceSettings

DEFAULT_HIGHLIGHT_EMOJI = "star"


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
