"""Days an organisation is closed, and what a scheduled post does on them.

Pure functions: no Slack client, no database. Closed days come from two places:

- UK bank holidays for one nation (England, Wales, Scotland or Northern Ireland), from the `holidays`
  package, substitute days included: when Boxing Day falls on a Saturday, Monday is the bank holiday.
- The organisation's own closures: ranges of whole days typed by people ("2026-12-21 to 2027-01-04") or
  read from an .ics calendar (see `closures_from_ics` for how holiday and term-date calendars are read).

A working day is Monday to Friday and not closed. Weekends are not closures: a post scheduled for a
Saturday still goes out unless the Saturday is itself closed.

`adjust` moves or skips a scheduled moment that falls on a closed day. A moved moment keeps its local
wall-clock time on the new day, and daylight-saving changes are handled as in domain/schedule.py:

- A time that does not exist on the new day (the clocks spring forward over it) runs shifted forward by
  the gap: 02:30 in Asia/Jerusalem on the Friday its clocks go forward runs at 03:30.
- A time that happens twice on the new day (the clocks go back) runs once, at the first occurrence.

In the UK the clocks change on Sundays, which are never working days, so a moment moved in Europe/London
always keeps its wall time exactly.
"""

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays
import icalendar

from domain.dates import (
    DATE_HINT,
    DateError,
    DateParts,
    long_date,
    parse_date,
    read_date_parts,
    resolve_date,
    valid_date,
)

_RANGE = re.compile(r"\s+(?:to|until|till|til|through|thru|and|-)\s+|\s*[–—]\s*")


class ClosureError(DateError):
    """A closure, nation or calendar we could not read; str(error) is a kind message for the user."""


# Bank holidays


class Nation(StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"

    def describe(self) -> str:
        return self.value.replace("-", " ").title()


_SUBDIVISIONS = {Nation.ENGLAND: "ENG", Nation.WALES: "WLS", Nation.SCOTLAND: "SCT", Nation.NORTHERN_IRELAND: "NIR"}
_NATION_WORDS = {
    **{nation.value.replace("-", " "): nation for nation in Nation},
    "eng": Nation.ENGLAND,
    "cymru": Nation.WALES,
    "alba": Nation.SCOTLAND,
    "ni": Nation.NORTHERN_IRELAND,
    "n ireland": Nation.NORTHERN_IRELAND,
}
_NO_NATION = frozenset({"none", "no", "off", "no bank holidays"})
_WHOLE_UK = frozenset({"uk", "the uk", "united kingdom", "the united kingdom", "gb", "great britain", "britain"})
_NATION_CHOICES = '"england", "wales", "scotland" or "northern-ireland"'


def parse_nation(words: str) -> Nation | None:
    """Whose bank holidays to keep, from "England", "northern-ireland", "NI", "Cymru", ...; None for "none"."""
    text = " ".join(re.sub(r"[-_.]", " ", words.lower()).split())
    if text in _NO_NATION:
        return None
    if text in _NATION_WORDS:
        return _NATION_WORDS[text]
    if not text:
        raise ClosureError(f'Which nation\'s bank holidays should I keep? Choose {_NATION_CHOICES}, or "none".')
    if text in _WHOLE_UK:
        raise ClosureError(f"Bank holidays differ across the UK, so choose one nation: {_NATION_CHOICES}.")
    if text in ("ireland", "republic of ireland", "eire", "roi"):
        raise ClosureError(
            'I only know UK bank holidays. For Northern Ireland choose "northern-ireland"; for the Republic of '
            "Ireland, add its bank holidays as closures."
        )
    raise ClosureError(
        f'Sorry, "{words.strip()}" isn\'t a UK nation I know. Choose {_NATION_CHOICES}, or "none" for no bank holidays.'
    )


def bank_holidays(nation: Nation, year: int) -> Mapping[date, str]:
    """The nation's bank holidays in a year, substitute days included, e.g. {2026-12-28: "Boxing Day (observed)"}."""
    return _bank_holidays(Nation(nation), year)


@functools.cache
def _bank_holidays(nation: Nation, year: int) -> Mapping[date, str]:
    found = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[nation], years=year)
    return MappingProxyType(dict(sorted(found.items())))


# The organisation's own closures


@dataclass(frozen=True)
class Closure:
    """Whole days from `first` to `last`, both included."""

    first: date
    last: date
    label: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.first, datetime) or isinstance(self.last, datetime):
            raise ValueError("a closure is made of whole days: give dates, not datetimes")
        if self.last < self.first:
            raise ValueError(f"a closure cannot end ({self.last}) before it starts ({self.first})")

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last

    def describe(self) -> str:
        """Plain words, e.g. "Christmas (21 December 2026 to 4 January 2027)" or "25 December 2026"."""
        days = (
            long_date(self.first) if self.first == self.last else f"{long_date(self.first)} to {long_date(self.last)}"
        )
        return f"{self.label} ({days})" if self.label else days

    def to_text(self) -> str:
        """Canonical words that `parse_closure` reads back to the same days, e.g. "2026-12-21 to 2027-01-04"."""
        return self.first.isoformat() if self.first == self.last else f"{self.first} to {self.last}"


def parse_closure(words: str, *, today: date | None = None) -> Closure:
    """Read a closure: "2026-12-21 to 2027-01-04", "21 Dec 2026 to 4 Jan 2027", "21-24 Dec 2026" or one date.

    A start written without a year or month takes them from the end ("21 Dec to 4 Jan 2027" starts in
    2026); an end without a year is the first such date on or after the start. Dates with no year at all
    need `today`. A closure is at most a year long: its last day is before the same date a year on.
    """
    text = " ".join(words.split())
    text = re.sub(r"^(?:from|between)\s+", "", text, flags=re.IGNORECASE)
    if not text:
        raise ClosureError(
            'When is the organisation closed? For example "2026-12-21 to 2027-01-04", or one day such as "2026-12-24".'
        )
    text = re.sub(r"^(\d{1,2}(?:st|nd|rd|th)?)-(?=\d{1,2}(?:st|nd|rd|th)?\s+[a-z])", r"\1 to ", text, flags=re.I)
    halves = _RANGE.split(text)
    try:
        if len(halves) == 1:
            day = parse_date(text, today=today)
            return Closure(day, day)
        if len(halves) > 2 or not all(halves):
            raise DateError(f'Sorry, I couldn\'t read "{text}" as dates. {DATE_HINT}.')
        first, last = _read_range(halves[0], halves[1], today)
    except DateError as error:
        raise ClosureError(f'{error} A closure looks like "21 Dec 2026 to 4 Jan 2027".') from None
    if last < first:
        raise ClosureError(
            f"That closure ends ({long_date(last)}) before it starts ({long_date(first)}). Put the first day first, "
            'for example "21 Dec 2026 to 4 Jan 2027".'
        )
    if last >= _a_year_on(first):
        raise ClosureError(
            f"That closure is longer than a year ({long_date(first)} to {long_date(last)}). Check the years, "
            'for example "21 Dec 2026 to 4 Jan 2027", or add a long closure in parts.'
        )
    return Closure(first, last)


# Which days are closed


@dataclass(frozen=True)
class ClosedDays:
    """The days an organisation is closed: one nation's bank holidays (or none) and its own closures."""

    nation: Nation | None = None
    closures: tuple[Closure, ...] = ()

    def __post_init__(self) -> None:
        if self.nation is not None:
            object.__setattr__(self, "nation", Nation(self.nation))
        object.__setattr__(self, "closures", tuple(sorted(self.closures, key=lambda c: (c.first, c.last))))

    def why_closed(self, day: date) -> str | None:
        """The bank holiday's name or the closure's description; None on a day that is not closed."""
        if self.nation is not None and (name := bank_holidays(self.nation, day.year).get(day)):
            return name
        return next((closure.describe() for closure in self.closures if day in closure), None)

    def is_closed(self, day: date) -> bool:
        return self.why_closed(day) is not None

    def next_working_day(self, day: date) -> date:
        """The first day after `day` that is Monday to Friday and not closed."""
        day += timedelta(days=1)
        while day.weekday() >= 5 or self.is_closed(day):
            day += timedelta(days=1)
        return day


class Policy(StrEnum):
    SKIP = "skip"
    MOVE = "move"


def adjust(moment: datetime, tz: ZoneInfo, closed: ClosedDays, policy: Policy) -> datetime | None:
    """Where a scheduled moment goes, in UTC: unchanged on an open day; on a closed day (by its local date in
    `tz`) None for SKIP, or the same local wall-clock time on the next working day for MOVE.

    Moving can bring several moments onto one day (a daily post on 25 and 28 December both move to the
    29th, which has its own post): the caller posts each target once. The module docstring says what
    happens when the wall time does not exist, or exists twice, on the new day.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment must be a timezone-aware datetime, not naive {moment.isoformat()}")
    policy = Policy(policy)
    local = moment.astimezone(tz)
    if not closed.is_closed(local.date()):
        return moment.astimezone(UTC)
    if policy is Policy.SKIP:
        return None
    # fold=0: a missing wall time moves forward by the gap; a repeated one means its first occurrence.
    wall = local.time().replace(fold=0)
    return datetime.combine(closed.next_working_day(local.date()), wall, tzinfo=tz).astimezone(UTC)


# Closures from a calendar


class Listing(StrEnum):
    """What the events in an .ics calendar mean."""

    HOLIDAYS = "holidays"  # each event is a closure: holidays, INSET days, "school closed"
    TERMS = "terms"  # each event is time the school is open: the gaps between events are closed


def closures_from_ics(calendar: str | bytes, *, lists: Listing, tz: ZoneInfo) -> tuple[Closure, ...]:
    """The closures an .ics calendar gives, in date order.

    Every VEVENT covers the days from its start to its end: an all-day event's DTEND is the day after its
    last day (as RFC 5545 says), and one with no end, or an end not after its start, is one day. A timed
    event covers every local day in `tz` it touches, ending just before its DTEND (09:00 to 00:00 is one
    day); times with no zone are read as local times in `tz`. Cancelled events are left out; repeating
    events (RRULE, RDATE) are refused rather than half read.

    With `lists=Listing.HOLIDAYS` each event is a closure, labelled with its summary. With
    `lists=Listing.TERMS` the events are when the school is open (terms, half terms, "term starts" and
    "term ends" days): every gap between them that has a weekday in it is a "school holiday" closure.
    Days before the first event and after the last are unknown, so they are not closed. A term-date
    calendar that also lists its holidays as events should be read as HOLIDAYS or cleaned first.
    """
    lists = Listing(lists)
    try:
        parsed = icalendar.Calendar.from_ical(calendar)
    except ValueError:
        parsed = None
    if parsed is None or parsed.name != "VCALENDAR":
        raise ClosureError("That isn't a calendar I can read. Export it as an .ics (iCalendar) file and try again.")
    spans = []
    for event in parsed.events:
        if str(event.get("STATUS", "")).upper() != "CANCELLED":
            spans.append(_event_days(event, tz))
    if not spans:
        raise ClosureError("I found no events in that calendar, so there are no dates in it to read.")
    if lists is Listing.HOLIDAYS:
        return tuple(sorted(spans, key=lambda c: (c.first, c.last, c.label)))
    return _gaps(sorted(spans, key=lambda c: (c.first, c.last)))


def _event_days(event: icalendar.Event, tz: ZoneInfo) -> Closure:
    name = str(event.get("SUMMARY", "")).strip()
    called = f'"{name}"' if name else "An event"
    if "RRULE" in event or "RDATE" in event:
        raise ClosureError(
            f"{called} repeats, and I can only read events that happen once. Export the calendar with each "
            "date as its own event, or add those dates as closures by hand."
        )
    try:
        start, end = event.start, event.end
    except ValueError:
        raise ClosureError(f"{called} has no start date I can read, so I can't tell which days it covers.") from None
    if not isinstance(start, datetime):
        return Closure(start, max(start, end - timedelta(days=1)), name)
    assert isinstance(end, datetime)  # icalendar refuses a DTEND of another type than DTSTART's
    start, end = _local(start, tz), _local(end, tz)
    last = (end - timedelta(microseconds=1)).date() if end > start else start.date()
    return Closure(start.date(), last, name)


def _has_weekday(first: date, last: date) -> bool:
    return (last - first).days >= 2 or first.weekday() < 5 or last.weekday() < 5


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def _gaps(open_spans: list[Closure]) -> tuple[Closure, ...]:
    gaps = []
    open_until = open_spans[0].last
    for span in open_spans[1:]:
        first, last = open_until + timedelta(days=1), span.first - timedelta(days=1)
        if first <= last and _has_weekday(first, last):
            gaps.append(Closure(first, last, "school holiday"))
        open_until = max(open_until, span.last)
    return tuple(gaps)


# Reading dates


def _read_range(start_words: str, end_words: str, today: date | None) -> tuple[date, date]:
    start, end = read_date_parts(start_words, day_only=True), read_date_parts(end_words)
    if start.month is None:  # "21-24 Dec 2026"
        start = DateParts(start.typed, start.day, end.month, end.year, start.weekday)
    if end.year is not None:
        last = resolve_date(end, today)
        if start.year is None:  # "21 Dec to 4 Jan 2027": the start takes the end's year, or the year before
            inherited = valid_date(last.year, start.month or 0, start.day)
            year = last.year - 1 if inherited is not None and inherited > last else last.year
            start = DateParts(start.typed, start.day, start.month, year, start.weekday)
        return resolve_date(start, today), last
    first = resolve_date(start, today)
    return first, resolve_date(end, today, on_or_after=first)


def _a_year_on(day: date) -> date:
    return valid_date(day.year + 1, day.month, day.day) or date(day.year + 1, 3, 1)  # 29 February: 1 March
