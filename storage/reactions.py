"""Reactions on shares the app posted (appreciation) and the highlights leaders make with them. Query
functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import Highlight, Reaction


def add_reaction(session: Session, *, team_id: str, share_id: int, user_id: str, emoji: str, now: dt.datetime) -> bool:
    """Record someone's reaction on a share; False when it was already recorded."""
    found = session.scalar(
        select(Reaction.id).where(Reaction.share_id == share_id, Reaction.user_id == user_id, Reaction.emoji == emoji)
    )
    if found is not None:
        return False
    session.add(Reaction(team_id=team_id, share_id=share_id, user_id=user_id, emoji=emoji, created_at=now))
    session.flush()
    return True


def remove_reaction(session: Session, *, share_id: int, user_id: str, emoji: str) -> bool:
    removed = count_changed(
        session,
        delete(Reaction).where(Reaction.share_id == share_id, Reaction.user_id == user_id, Reaction.emoji == emoji),
    )
    session.flush()
    return bool(removed)


def add_highlight(session: Session, *, team_id: str, share_id: int, leader_id: str, now: dt.datetime) -> bool:
    """Credit a leader with highlighting a share; False when they already had."""
    found = session.scalar(select(Highlight.id).where(Highlight.share_id == share_id, Highlight.leader_id == leader_id))
    if found is not None:
        return False
    session.add(Highlight(team_id=team_id, share_id=share_id, leader_id=leader_id, created_at=now))
    session.flush()
    return True


def remove_highlight(session: Session, *, share_id: int, leader_id: str) -> bool:
    """Take back one leader's highlight; the share stays highlighted while another leader's remains."""
    removed = count_changed(
        session, delete(Highlight).where(Highlight.share_id == share_id, Highlight.leader_id == leader_id)
    )
    session.flush()
    return bool(removed)
