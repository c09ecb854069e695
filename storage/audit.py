"""The audit trail: an append-only record of who did what, for data protection officers and champions.

Entries hold ids, actions, counts and kinds, never what anyone wrote. Query functions: `verb_noun(session, *, ...)`;
they add and flush, never commit, never call Slack. Nothing here updates or deletes an entry, except retention
(entries older than the workspace keeps them) and erasing a person, which replaces their id with a marker.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from domain import words
from storage.db import count_changed
from storage.models import AuditEntry

APP = "programme-talks"  # the actor when the app itself acts (retention, a scheduled duty)
ERASED = words.ERASED  # what replaces a person's id once they are erased (domain.words)


class Action(StrEnum):
    ROLE_GRANTED = "role_granted"
    ROLE_REMOVED = "role_removed"
    HIGHLIGHTED = "highlighted"
    UNHIGHLIGHTED = "unhighlighted"
    EDITED = "edited"
    DELETED = "deleted"
    REPORTED = "reported"
    RESTORED = "restored"
    REMOVED_AFTER_REPORT = "removed_after_report"
    PERSONAL_DATA_OVERRIDE = "personal_data_override"
    EXPORTED = "exported"
    ERASED = "erased"
    RETENTION_RUN = "retention_run"
    SETTING_CHANGED = "setting_changed"
    PARTNERSHIP_INVITED = "partnership_invited"  # an admin made a one-time code inviting another workspace
    PARTNERSHIP_JOINED = "partnership_joined"  # a workspace joined (recorded in it, and in the one that invited it)
    PARTNERSHIP_LEFT = "partnership_left"  # a workspace left (recorded in it, and in each one still in it)
    SHARED_WITH_PARTNERS = "shared_with_partners"  # an author shared a share or request with the partnership
    WITHDRAWN_FROM_PARTNERS = "withdrawn_from_partners"  # its author, a champion or an admin withdrew it


@dataclass(frozen=True)
class Entry:
    id: int
    team_id: str
    at: dt.datetime
    actor_id: str
    action: str
    subject: str | None
    details: dict[str, Any]


def add_entry(
    session: Session,
    *,
    team_id: str,
    actor_id: str,
    action: Action,
    now: dt.datetime,
    subject: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append an entry. `details` must hold ids, counts and kinds only: never someone's words."""
    session.add(
        AuditEntry(
            team_id=team_id,
            at=now,
            actor_id=actor_id,
            action=action,
            subject=subject,
            details=json.dumps(dict(details or {}), separators=(",", ":"), sort_keys=True),
        )
    )
    session.flush()


def list_entries(session: Session, *, team_id: str, since: dt.datetime) -> list[Entry]:
    """A workspace's entries since a moment, oldest first."""
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.team_id == team_id, AuditEntry.at >= since).order_by(AuditEntry.id)
    )
    return [Entry(r.id, r.team_id, r.at, r.actor_id, r.action, r.subject, json.loads(r.details)) for r in rows]


def entries_about(session: Session, *, team_id: str, user_id: str) -> list[Entry]:
    """Entries a person made, or that were about them (their data, for `/talks my data`)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.team_id == team_id,
            (AuditEntry.actor_id == user_id) | (AuditEntry.subject == f"user:{user_id}"),
        )
        .order_by(AuditEntry.id)
    )
    return [Entry(r.id, r.team_id, r.at, r.actor_id, r.action, r.subject, json.loads(r.details)) for r in rows]


def forget_person(session: Session, *, team_id: str, user_id: str) -> int:
    """Replace a person's id with a marker in every entry, wherever it is (who acted, who it was done to, and any
    id among the details): erasure keeps that things happened, not who. How many entries changed."""
    if not user_id:
        raise ValueError("forget_person needs a user id")
    changed = count_changed(
        session,
        update(AuditEntry).where(AuditEntry.team_id == team_id, AuditEntry.actor_id == user_id).values(actor_id=ERASED),
    )
    changed += count_changed(
        session,
        update(AuditEntry)
        .where(AuditEntry.team_id == team_id, AuditEntry.subject == f"user:{user_id}")
        .values(subject=f"user:{ERASED}"),
    )
    changed += count_changed(
        session,
        update(AuditEntry)
        .where(AuditEntry.team_id == team_id, AuditEntry.details.contains(user_id, autoescape=True))
        .values(details=func.replace(AuditEntry.details, user_id, ERASED)),
    )
    return changed


def count_entries(session: Session, *, team_id: str) -> int:
    """How many entries a workspace's trail holds."""
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.team_id == team_id)) or 0


def forget_entries(session: Session, *, team_id: str, before: dt.datetime) -> int:
    """Delete a workspace's entries older than a moment (its retention); how many."""
    return count_changed(session, delete(AuditEntry).where(AuditEntry.team_id == team_id, AuditEntry.at < before))
