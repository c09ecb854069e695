"""Champions and leaders appointed in each workspace. Query functions: `verb_noun(session, *, ...)`; they add
and flush, never commit, never call Slack."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import Role


class RoleName(StrEnum):
    """What Role.role holds."""

    CHAMPION = "champion"
    LEADER = "leader"


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
    removed = count_changed(
        session, delete(Role).where(Role.team_id == team_id, Role.user_id == user_id, Role.role == role)
    )
    session.flush()
    return bool(removed)


def has_role(session: Session, *, team_id: str, user_id: str, role: RoleName) -> bool:
    found = session.scalar(select(Role.id).where(Role.team_id == team_id, Role.user_id == user_id, Role.role == role))
    return found is not None


def list_roles(session: Session, *, team_id: str, role: RoleName) -> list[str]:
    """The user ids holding a role in a workspace, longest-serving first."""
    query = select(Role.user_id).where(Role.team_id == team_id, Role.role == role).order_by(Role.created_at, Role.id)
    return list(session.scalars(query))


def champions_by_team(session: Session) -> dict[str, list[str]]:
    """Every workspace's champions in one query (the scheduler serves all workspaces)."""
    found: dict[str, list[str]] = {}
    rows = session.execute(select(Role.team_id, Role.user_id).where(Role.role == RoleName.CHAMPION).order_by(Role.id))
    for team_id, user_id in rows:
        found.setdefault(team_id, []).append(user_id)
    return found
