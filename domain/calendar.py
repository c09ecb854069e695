"""Each workspace's calendar: its time zone, the days it is closed, and what its scheduled posts do on them.

Pure functions: no Slack client, no database. A workspace that has chosen nothing runs on the app's default zone
(PROGRAMME_TALKS_TZ), keeps no bank holidays and has no closures, so its posts go out exactly as
domain/schedule.py says.

Three kinds of scheduled post heed closed days (domain/closures.py says which days are closed): channel digests
and review nudges are moved to the next working day by default, meeting prompts are skipped. Each workspace may
choose otherwise for each kind.

A digest slot that falls on a closed day and is moved posts at the same wall-clock time on the next working day.
Several slots can land on one day (a daily digest on 25 and 28 December both move to the 29th, which has its own
slot): they make one post. A post is named by its day and the schedule's time ("2026-12-29T09:00"), the name
domain.schedule.period_key gives a slot on that day, so the ledger holds it once however many slots moved onto
it, and a slot on an open day keeps the name it always had.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar
from zoneinfo import ZoneInfo

from domain.closures import ClosedDays, Closure, Nation, Policy, adjust
from domain.schedule import Schedule, previous_run, runs_between

T = TypeVar("T")

UK_ZONE = "Europe/London"
LONGEST_STRETCH = 400  # days looked back over for slots moved out of a closed stretch (a closure is under a year)


class Closable(StrEnum):
    """The kinds of scheduled post that a closed day moves or skips, in the words people type."""

    DIGESTS = "digests"
    REVIEWS = "reviews"  # agreement review nudges
    PROMPTS = "prompts"  # meeting prompts

    def describe(self) -> str:
        return {"digests": "Digests", "reviews": "Review reminders", "prompts": "Meeting prompts"}[self.value]


DEFAULT_POLICIES: Mapping[Closable, Policy] = MappingProxyType(
    {Closable.DIGESTS: Policy.MOVE, Closable.REVIEWS: Policy.MOVE, Closable.PROMPTS: Policy.SKIP}
)


@dataclass(frozen=True)
class Calendar:
    """A workspace's time zone, closed days, and what each kind of post does on them (the defaults if unchosen)."""

    tz: ZoneInfo
    closed: ClosedDays = field(default_factory=ClosedDays)
    chosen: Mapping[Closable, Policy] = field(default_factory=dict)

    def policy(self, kind: Closable) -> Policy:
        return self.chosen.get(kind, DEFAULT_POLICIES[kind])

    def adjust(self, moment: dt.datetime, kind: Closable) -> dt.datetime | None:
        """Where a post of this kind due at `moment` goes (UTC): unchanged on an open day, else moved or None."""
        return adjust(moment, self.tz, self.closed, self.policy(kind))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.closed.is_closed(day)


def make_calendar(
    default: ZoneInfo,
    *,
    timezone: str | None = None,
    nation: str | None = None,
    policies: Mapping[str, str] | None = None,
    closures: Iterable[tuple[dt.date, dt.date, str]] = (),
) -> Calendar:
    """A workspace's calendar from its stored choices (None: the default). A stored zone or nation this release
    no longer knows falls back to the default rather than stopping every schedule."""
    try:
        tz = ZoneInfo(timezone) if timezone else default
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = default
    kept = Nation(nation) if nation in {n.value for n in Nation} else None
    chosen = {
        Closable(kind): Policy(policy)
        for kind, policy in (policies or {}).items()
        if kind in {k.value for k in Closable} and policy in {p.value for p in Policy}
    }
    days = ClosedDays(kept, tuple(Closure(first, last, label) for first, last, label in closures))
    return Calendar(tz, days, MappingProxyType(chosen))


# ---- time zones ---------------------------------------------------------------------------------------------


class ZoneError(ValueError):
    """A time zone we could not read; str(error) is a kind message for the user."""


_EXAMPLE = "Europe/London"
_UK_WORDS = frozenset(
    {"uk", "gb", "britain", "great britain", "united kingdom", "england", "scotland", "wales", "northern ireland"}
)
_CLOCK_NAMES = frozenset({"gmt", "bst", "utc+0", "utc+1", "gmt+1", "greenwich mean time", "british summer time"})


@functools.cache
def _zones() -> dict[str, str]:
    """Every zone name people may choose (Area/Location, and UTC), by its lower-case form."""
    names = [
        name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    ]
    return {name.lower(): name for name in [*names, "UTC"]}


@functools.cache
def _places() -> dict[str, str]:
    """Zone names by their place in plain words: "london" -> Europe/London, "new york" -> America/New_York."""
    found: dict[str, str] = {}
    for name in sorted(_zones().values()):
        found.setdefault(name.rsplit("/", 1)[-1].replace("_", " ").lower(), name)
    return found


def parse_zone(words: str) -> ZoneInfo:
    """A time zone from its name ("Europe/Dublin", any capitals), or ZoneError saying kindly what to type."""
    typed = " ".join(words.split())
    if not typed:
        raise ZoneError(f"Which time zone? Give its name, for example `/talks timezone {_EXAMPLE}`.")
    key = typed.lower().replace(" ", "_")
    if key in _zones():
        return ZoneInfo(_zones()[key])
    said = f'Sorry, "{typed}" isn\'t a time zone name I know. '
    plain = re.sub(r"[_\-]", " ", typed.lower())
    if plain in _UK_WORDS or plain in _CLOCK_NAMES:
        raise ZoneError(
            said + f"For UK time (which changes between GMT and BST by itself), type `/talks timezone {UK_ZONE}`."
        )
    if plain == "ireland" or plain == "republic of ireland":
        raise ZoneError(said + "For Ireland, type `/talks timezone Europe/Dublin`.")
    guess = _places().get(plain) or _places().get(plain.rsplit("/", 1)[-1])
    if guess is None:
        close = difflib.get_close_matches(key, list(_zones()), n=1, cutoff=0.8)
        guess = _zones()[close[0]] if close else None
    if guess is not None:
        raise ZoneError(said + f"Did you mean {guess}? Type `/talks timezone {guess}`.")
    raise ZoneError(
        said + f"Time zones are named by a region and a city, for example `/talks timezone {_EXAMPLE}` or "
        "`/talks timezone Europe/Dublin`."
    )


def zone_name(tz: ZoneInfo) -> str:
    """How people read a zone's name: "UK" for Europe/London, else its name, e.g. "America/New York"."""
    return "UK" if tz.key == UK_ZONE else tz.key.replace("_", " ")


def zone_time(tz: ZoneInfo) -> str:
    """ "UK time", or "Europe/Dublin time": how messages say which zone their times are in."""
    return f"{zone_name(tz)} time"


# ---- when scheduled posts go out ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """One post of a schedule after closed days: when it goes out, its name, and the slots it stands for."""

    at: dt.datetime  # UTC
    key: str  # its day and the schedule's time, e.g. "2026-12-29T09:00"
    slots: tuple[dt.datetime, ...]  # the scheduled moments it stands for (more than one when some were moved)


def post_key(schedule: Schedule, at: dt.datetime, tz: ZoneInfo) -> str:
    """The name of a post going out at `at`: its local day and the schedule's wall time (as period_key names a
    slot, so an unmoved slot's post keeps its slot's name)."""
    return f"{at.astimezone(tz).date().isoformat()}T{schedule.at:%H:%M}"


def posts_between(
    schedule: Schedule,
    start: dt.datetime,
    end: dt.datetime,
    calendar: Calendar,
    kind: Closable,
    *,
    slots_after: dt.datetime | None = None,
) -> list[Post]:
    """Every post that goes out at a moment m with start < m <= end, in order, after closed days moved or skipped
    the schedule's slots. Slots at or before `slots_after` (before the schedule took effect) are left out.

    Slots moved out of a closed stretch can come from before `start`: the stretch is looked back over.
    """
    scan_from = stretch_start(start, calendar)
    if slots_after is not None:
        scan_from = max(scan_from, slots_after)
    posts: dict[str, tuple[dt.datetime, list[dt.datetime]]] = {}
    for slot in runs_between(schedule, scan_from, end, calendar.tz):
        at = calendar.adjust(slot, kind)
        if at is None or not start < at <= end:
            continue
        key = post_key(schedule, at, calendar.tz)
        first, slots = posts.setdefault(key, (at, []))
        posts[key] = (min(first, at), [*slots, slot])
    return [Post(at, key, tuple(slots)) for key, (at, slots) in sorted(posts.items(), key=lambda item: item[1][0])]


def previous_post(schedule: Schedule, before: dt.datetime, calendar: Calendar, kind: Closable) -> dt.datetime | None:
    """When the schedule's last post before `before` went out, after closed days (UTC): the start of what a post
    at `before` covers when the ledger has no earlier one. Slots skipped, or moved onto `before` or later, are
    passed over."""
    moment = before
    for _ in range(LONGEST_STRETCH * 2):
        slot = previous_run(schedule, moment, calendar.tz)
        if slot is None:
            return None
        at = calendar.adjust(slot, kind)
        if at is not None and at < before:
            return at
        moment = slot
    return previous_run(schedule, before, calendar.tz)


def stretch_start(moment: dt.datetime, calendar: Calendar) -> dt.datetime:
    """Local midnight (as UTC) at the start of `moment`'s day, or of the run of days that are not working days just
    before it: a slot from then on may have been moved to `moment` or later."""
    first = moment.astimezone(calendar.tz).date()
    for _ in range(LONGEST_STRETCH):
        if calendar.is_working_day(first - dt.timedelta(days=1)):
            break
        first -= dt.timedelta(days=1)
    return min(moment, dt.datetime.combine(first, dt.time(0), tzinfo=calendar.tz).astimezone(dt.UTC))


def latest_due(
    moments: Iterable[tuple[T, dt.datetime]], now: dt.datetime, calendar: Calendar, kind: Closable
) -> tuple[T, dt.datetime] | None:
    """Of moments in order (each at or after the one before, e.g. a review's nudges), the last that is due by
    `now` once closed days have moved or skipped it, with the moment it goes out; None when none is due yet.

    A moment moved past `now` is not due yet, and an earlier one (sent already, at its own time) does not stand
    in for it."""
    latest = None
    for item, moment in moments:
        if moment > now:
            return latest
        at = calendar.adjust(moment, kind)
        if at is not None and at <= now:
            latest = (item, at)
    return latest
