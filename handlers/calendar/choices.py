"""A workspace's calendar as its commands read it, and its changes recorded in the audit trail (ids and choices,
never anyone's words: not a calendar's event names or its file name)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from domain.calendar import LONGEST_STRETCH, Calendar
from handlers.context import Deps
from storage import audit
from storage import calendars as store


def calendar_of(session: Session, deps: Deps, team_id: str) -> Calendar:
    """The workspace's calendar now: its zone, its bank holidays and closures, and its closed-day choices."""
    recent = deps.clock().date() - dt.timedelta(days=LONGEST_STRETCH)
    return store.get_calendar(session, team_id=team_id, closures_from=recent).calendar(deps.default_tz)


def record_change(
    session: Session, deps: Deps, team_id: str, user_id: str, setting: str, details: Mapping[str, Any]
) -> None:
    """A change to the workspace's calendar, in the audit trail, in the caller's transaction."""
    audit.add_entry(
        session,
        team_id=team_id,
        actor_id=user_id,
        action=audit.Action.SETTING_CHANGED,
        now=deps.clock(),
        subject=f"calendar:{setting}",
        details={"setting": f"calendar.{setting}", **details},
    )
