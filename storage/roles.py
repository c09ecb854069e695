"""Champions and leaders, the highlight emoji, reactions and highlights on posted shares, and the event ledger.

Query functions: `verb_noun(session, *, ...)`. They add and flush, never commit, never call Slack.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Highlight, ProcessedEvent, Reaction, Role, Share, WorkspaceSettings

DEFAULT_HIGHLIGHT_EMOJI = "star"


class RoleName(StrEnum):
    """What Role.role holds."""

    CHAMPION = "champion"
    LEADER = "leader"


# ---- roles ----------------------------------------------------------------------------------------------


def add_role(
    session: Session, *, team_id: str, user_id: str, role: RoleName, appointed_by: str, now: dt.datetime
) -> bool:
    """Appoint someone; False (and nothing changes) when they already hold the role."""
    if has_role(session, team_id=team_id, user_id=user_id, role=role):
        return False
    session.add(Role(team_id=team_id, user_id=user_id, role=role, appointed_by=appointed_by, created_at=now))
    session.flush()
    return True


def remove_role(session: Session, *, team_id: str, user_id: str, role: RoleName) -> bool:
    """Stand someone down; False when they did not hold the role."""
    removed = session.execute(
        delete(Role).where(Role.team_id == team_id, Role.user_id == user_id, Role.role == role)
    ).rowcount
    session.flush()
    return bool(removed)


def has_role(session: Session, *, team_id: str, user_id: str, role: RoleName) -> bool:
    found = session.scalar(select(Role.id).where(Role.team_id == team_id, Role.user_id == user_id, Role.role == role))
    return found is not None


def list_roles(session: Session, *, team_id: str, role: RoleName) -> list[str]:
    """The user ids holding a role in a workspace, longest-serving first."""
    query = select(Role.user_id).where(Role.team_id == team_id, Role.role == role).order_by(Role.created_at, Role.id)
    return list(session.scalars(query))


# ---- the highlight emoji --------------------------------------------------------------------------------


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


# ---- reactions and highlights on posted shares ----------------------------------------------------------


def find_posted_share(session: Session, *, team_id: str, channel_id: str, ts: str) -> Share | None:
    """The share the app posted as this message, or None for any other message."""
    return session.scalar(
        select(Share).where(Share.team_id == team_id, Share.channel_id == channel_id, Share.message_ts == ts)
    )


def add_reaction(session: Session, share: Share, *, user_id: str, emoji: str, now: dt.datetime) -> bool:
    """Record someone's reaction on a share; False when it was already recorded."""
    if _reaction_id(session, share, user_id=user_id, emoji=emoji) is not None:
        return False
    session.add(Reaction(team_id=share.team_id, share_id=share.id, user_id=user_id, emoji=emoji, created_at=now))
    session.flush()
    return True


def remove_reaction(session: Session, share: Share, *, user_id: str, emoji: str) -> bool:
    removed = session.execute(
        delete(Reaction).where(Reaction.share_id == share.id, Reaction.user_id == user_id, Reaction.emoji == emoji)
    ).rowcount
    session.flush()
    return bool(removed)


def add_highlight(session: Session, share: Share, *, leader_id: str, now: dt.datetime) -> bool:
    """Credit a leader with highlighting a share; False when they already had."""
    found = session.scalar(select(Highlight.id).where(Highlight.share_id == share.id, Highlight.leader_id == leader_id))
    if found is not None:
        return False
    session.add(Highlight(team_id=share.team_id, share_id=share.id, leader_id=leader_id, created_at=now))
    session.flush()
    return True


def remove_highlight(session: Session, share: Share, *, leader_id: str) -> bool:
    """Take back one leader's highlight; the share stays highlighted while another leader's remains."""
    removed = session.execute(
        delete(Highlight).where(Highlight.share_id == share.id, Highlight.leader_id == leader_id)
    ).rowcount
    session.flush()
    return bool(removed)


def _reaction_id(session: Session, share: Share, *, user_id: str, emoji: str) -> int | None:
    return session.scalar(
        select(Reaction.id).where(Reaction.share_id == share.id, Reaction.user_id == user_id, Reaction.emoji == emoji)
    )


# ---- the event ledger -----------------------------------------------------------------------------------


def record_event(session: Session, *, team_id: str, event_id: str, now: dt.datetime) -> bool:
    """Note that an event is being applied; False when it already was (Slack retried it), so apply nothing.

    Call it first in the transaction that applies the event, so the note and the effect commit together or
    not at all. If the same event is being applied at this moment by another transaction, the flush raises
    IntegrityError once that one commits (PostgreSQL waits for it): the caller's whole transaction is then a
    duplicate and must be rolled back.
    """
    seen = session.scalar(
        select(ProcessedEvent.id).where(ProcessedEvent.team_id == team_id, ProcessedEvent.event_id == event_id)
    )
    if seen is not None:
        return False
    session.add(ProcessedEvent(team_id=team_id, event_id=event_id, received_at=now))
    session.flush()
    return True


def forget_events(session: Session, *, received_before: dt.datetime) -> int:
    """Drop remembered event ids older than Slack's retry window, so the table stays small."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < received_before))
    return result.rowcount


def champions_by_team(session: Session) -> dict[str, list[str]]:
    """Every workspace's champions in one query (the scheduler serves all workspaces)."""
    found: dict[str, list[str]] = {}
    rows = session.execute(select(Role.team_id, Role.user_id).where(Role.role == RoleName.CHAMPION).order_by(Role.id))
    for team_id, user_id in rows:
        found.setdefault(team_id, []).append(user_id)
    return found
