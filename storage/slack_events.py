"""The ledger of Slack events already applied (by Slack's event_id), so a retried delivery changes nothing.

Query functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import ProcessedEvent


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
    return count_changed(session, delete(ProcessedEvent).where(ProcessedEvent.received_at < received_before))
