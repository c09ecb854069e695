"""Each workspace's calendar as stored: its time zone, whose bank holidays it keeps, its closures, and what each kind
of scheduled post does on closed days. Query functions: `verb_noun(session, *, ...)`; they add and flush, never
commit, never call Slack. domain.calendar says what the choices mean."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain.calendar import Calendar, Closable, make_calendar
from storage.db import count_changed
from storage.models import WorkspaceCalendar, WorkspaceClosure

TYPED = ""  # the source of a closure typed in Slack (an imported one keeps its calendar file's name)
_POLICY_COLUMNS = {
    Closable.DIGESTS: "digests_on_closed_days",
    Closable.REVIEWS: "reviews_on_closed_days",
    Closable.PROMPTS: "prompts_on_closed_days",
}


@dataclass(frozen=True)
class StoredClosure:
    id: int
    first: dt.date
    last: dt.date
    label: str  # the calendar event's summary; "" when typed
    source: str  # TYPED, or the .ics file's name


@dataclass(frozen=True)
class CalendarChoices:
    """What a workspace chose; None (and an empty mapping) where it kept the default."""

    team_id: str
    timezone: str | None = None
    nation: str | None = None
    policies: Mapping[str, str] = field(default_factory=dict)  # Closable value -> "move" | "skip"
    closures: tuple[StoredClosure, ...] = ()

    def calendar(self, default: ZoneInfo) -> Calendar:
        """The workspace's calendar: `default` is the zone of a workspace that chose none (PROGRAMME_TALKS_TZ)."""
        return make_calendar(
            default,
            timezone=self.timezone,
            nation=self.nation,
            policies=self.policies,
            closures=[(c.first, c.last, c.label) for c in self.closures],
        )


def get_calendar(session: Session, *, team_id: str, closures_from: dt.date | None = None) -> CalendarChoices:
    """A workspace's choices, with its closures ending on or after `closures_from` (every one without it)."""
    row = session.get(WorkspaceCalendar, team_id)
    query = select(WorkspaceClosure).where(WorkspaceClosure.team_id == team_id)
    if closures_from is not None:
        query = query.where(WorkspaceClosure.last_day >= closures_from)
    closures = tuple(
        _closure(c) for c in session.scalars(query.order_by(WorkspaceClosure.first_day, WorkspaceClosure.id))
    )
    return _choices(team_id, row, closures)


def calendars_by_team(session: Session, *, closures_from: dt.date) -> dict[str, CalendarChoices]:
    """Every workspace that has chosen anything, in two queries however many there are (the scheduler's runs serve
    them all), with its closures ending on or after `closures_from`."""
    rows = {row.team_id: row for row in session.scalars(select(WorkspaceCalendar))}
    closures: dict[str, list[StoredClosure]] = {}
    for c in session.scalars(
        select(WorkspaceClosure)
        .where(WorkspaceClosure.last_day >= closures_from)
        .order_by(WorkspaceClosure.first_day, WorkspaceClosure.id)
    ):
        closures.setdefault(c.team_id, []).append(_closure(c))
    return {
        team_id: _choices(team_id, rows.get(team_id), tuple(closures.get(team_id, ())))
        for team_id in sorted({*rows, *closures})
    }


def timezones_by_team(session: Session) -> dict[str, str]:
    """Every workspace's chosen time zone (those on the default are missing), in one query."""
    rows = session.execute(select(WorkspaceCalendar.team_id, WorkspaceCalendar.timezone))
    return {team_id: timezone for team_id, timezone in rows if timezone}


def get_timezone(session: Session, *, team_id: str) -> str | None:
    """The zone a workspace chose, e.g. "Europe/Dublin"; None while it keeps the app's default."""
    return session.scalar(select(WorkspaceCalendar.timezone).where(WorkspaceCalendar.team_id == team_id))


def set_timezone(session: Session, *, team_id: str, timezone: str | None, now: dt.datetime) -> str | None:
    """Choose the workspace's zone (None: back to the default); the zone it had before."""
    row = _row(session, team_id, now)
    before, row.timezone = row.timezone, timezone
    session.flush()
    return before


def set_nation(session: Session, *, team_id: str, nation: str | None, now: dt.datetime) -> str | None:
    """Choose whose bank holidays the workspace keeps (None: none); the nation it had before."""
    row = _row(session, team_id, now)
    before, row.nation = row.nation, nation
    session.flush()
    return before


def set_policy(session: Session, *, team_id: str, kind: Closable, policy: str, now: dt.datetime) -> str | None:
    """Choose what a kind of post does on closed days ("move" or "skip"); the choice before (None: the default)."""
    if policy not in ("move", "skip"):
        raise ValueError(f"no closed-day choice {policy!r}")
    row = _row(session, team_id, now)
    column = _POLICY_COLUMNS[Closable(kind)]
    before = getattr(row, column)
    setattr(row, column, policy)
    session.flush()
    return before


def add_closures(
    session: Session,
    *,
    team_id: str,
    days: Sequence[tuple[dt.date, dt.date, str]],
    source: str,
    now: dt.datetime,
) -> list[StoredClosure]:
    """Add closures, each (first day, last day, label); those exactly like one already kept are left out. The
    closures added, in date order."""
    kept = {
        (c.first_day, c.last_day, c.label)
        for c in session.scalars(select(WorkspaceClosure).where(WorkspaceClosure.team_id == team_id))
    }
    added = []
    for first, last, label in sorted(set(days)):
        if (first, last, label) in kept:
            continue
        row = WorkspaceClosure(
            team_id=team_id, first_day=first, last_day=last, label=label[:200], source=source[:200], added_at=now
        )
        session.add(row)
        added.append(row)
    session.flush()
    return [_closure(row) for row in added]


def remove_closures(session: Session, *, team_id: str, ids: Sequence[int]) -> int:
    """Remove a workspace's closures by id; how many went."""
    if not ids:
        return 0
    return count_changed(
        session, delete(WorkspaceClosure).where(WorkspaceClosure.team_id == team_id, WorkspaceClosure.id.in_(ids))
    )


def _row(session: Session, team_id: str, now: dt.datetime) -> WorkspaceCalendar:
    row = session.get(WorkspaceCalendar, team_id)
    if row is None:
        row = WorkspaceCalendar(team_id=team_id, updated_at=now)
        session.add(row)
    row.updated_at = now
    return row


def _closure(row: WorkspaceClosure) -> StoredClosure:
    return StoredClosure(row.id, row.first_day, row.last_day, row.label, row.source)


def _choices(team_id: str, row: WorkspaceCalendar | None, closures: tuple[StoredClosure, ...]) -> CalendarChoices:
    if row is None:
        return CalendarChoices(team_id, closures=closures)
    policies = {kind.value: value for kind, column in _POLICY_COLUMNS.items() if (value := getattr(row, column))}
    return CalendarChoices(team_id, row.timezone, row.nation, policies, closures)
