"""Each workspace's calendar for the scheduler's duties: its time zone, and what its closed days do to its posts.

Every duty reads every workspace's calendar through one `CalendarBook`, which reads them all at once (two queries,
however many workspaces) and keeps them for the run: a run at one moment reads them once, whichever duty asks
first. A workspace that has chosen nothing gets the default calendar (PROGRAMME_TALKS_TZ, no closed days).

A duty asks `calendars.of(team_id)` for a workspace's calendar and then, for a post of a kind that heeds closed days
(digests, review nudges, meeting prompts), `calendar.adjust(moment, kind)` for when it goes out (moved to the next
working day, or None: skipped), or domain.calendar.posts_between for every post of a schedule in a window.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from domain.calendar import LONGEST_STRETCH, Calendar, Post
from domain.schedule import Schedule, period_key
from storage import calendars as store

CLOSURES_LOOK_BACK = dt.timedelta(days=LONGEST_STRETCH)  # closures that ended longer ago move nothing any more


@dataclass(frozen=True)
class Calendars:
    """Every workspace's calendar at one moment."""

    default: Calendar
    by_team: Mapping[str, Calendar] = field(default_factory=dict)

    def of(self, team_id: str) -> Calendar:
        return self.by_team.get(team_id, self.default)

    def zones(self) -> set[ZoneInfo]:
        """Every time zone in use: the default's, and each workspace's own."""
        return {self.default.tz, *(calendar.tz for calendar in self.by_team.values())}


def posted_before_it_moved(post: Post, schedule: Schedule, calendar: Calendar, settled: Container[str]) -> bool:
    """Whether every slot a moved post stands for is settled in the ledger under its own name already (it went out
    at its own time, and the closure that moves it was added afterwards), so the post is not made again. `settled`
    holds the ledger keys of the schedule's target."""
    own = [period_key(schedule, slot, calendar.tz) for slot in post.slots]
    return post.key not in own and all(key in settled for key in own)


class CalendarBook:
    """Reads every workspace's calendar, once per run (by its moment)."""

    def __init__(self, default_tz: ZoneInfo):
        self.default = Calendar(default_tz)
        self._lock = threading.Lock()
        self._read: tuple[dt.datetime, Calendars] | None = None

    def for_run(self, session: Session, now: dt.datetime) -> Calendars:
        """Every workspace's calendar for a run at `now`: read at the first ask, kept for the other duties."""
        with self._lock:
            if self._read is not None and self._read[0] == now:
                return self._read[1]
        chosen = store.calendars_by_team(session, closures_from=(now - CLOSURES_LOOK_BACK).date())
        read = Calendars(self.default, {team_id: c.calendar(self.default.tz) for team_id, c in chosen.items()})
        with self._lock:
            self._read = (now, read)
        return read

    def forget(self) -> None:
        """Read every calendar again at the next ask (a run starts)."""
        with self._lock:
            self._read = None

    def of_team(self, session: Session, team_id: str, now: dt.datetime) -> Calendar:
        """One workspace's calendar (for a digest asked for in Slack): its own rows only."""
        choices = store.get_calendar(session, team_id=team_id, closures_from=(now - CLOSURES_LOOK_BACK).date())
        return choices.calendar(self.default.tz)
