"""Digest schedules: read what champions type, and work out when digests are due.

Pure functions: no Slack client, no database. Times are local wall-clock times in the team's zone,
and daylight-saving changes are handled like this:

- A time that does not exist on a day (the clocks spring forward over it) runs at the same wall time
  shifted forward by the gap: 01:30 on the spring-forward Sunday in Europe/London runs at 02:30 BST.
  This is what you get by reading the wall time with fold=0 and normalising.
- A time that happens twice on a day (the clocks go back) runs once, at the first occurrence (fold=0).

A fortnightly schedule runs every second week, in the weeks of its anchor: the date of one of its runs,
typed after "from" or, when none is typed, the first such weekday after the `today` its caller gives.
The anchor only says which weeks are on; like a weekly schedule it has slots before it too, so the
previous run of a schedule set up today is the one a fortnight before its first.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from domain.dates import DateError, parse_date

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Cadence = Literal["weekly", "fortnightly", "daily"]
Quiet = Literal["prompt", "skip"]

_CADENCES: dict[str, Cadence] = {
    "weekly": "weekly",
    "week": "weekly",
    "fortnightly": "fortnightly",
    "fortnight": "fortnightly",
    "alternate": "fortnightly",
    "daily": "daily",
    "day": "daily",
    "everyday": "daily",
}
_FILLER = frozenset({"at", "on", "every"})  # "every monday at 9am" reads as "monday 9am"
_NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0)}
_TIME = re.compile(r"(\d{1,2})(?:[:.]?(\d{2}))?(am|pm)?")
_TIME_HINT = "Write the time like 09:00, 9am or 2:30pm"
_EVERY_OTHER = re.compile(r"\bevery\s+(?:other|second|alternate|(?:2|two)\s+weeks?)\b")
_START_WORDS = frozenset({"from", "starting", "beginning"})
_ANY_MONDAY = date(2001, 1, 1)  # weekly slots are counted from a Monday
_EXAMPLE_MONDAY = date(2027, 1, 4)  # for example start dates when the caller gave no today


class ScheduleError(ValueError):
    """A schedule we could not read; str(error) is a kind message to show the user as it is."""


@dataclass(frozen=True)
class Schedule:
    cadence: Cadence
    at: time
    weekday: int | None = None
    quiet: Quiet = "prompt"
    anchor: date | None = None  # fortnightly only: the date of one of its runs

    def __post_init__(self) -> None:
        if self.cadence not in ("weekly", "fortnightly", "daily"):
            raise ValueError(f"cadence must be 'weekly', 'fortnightly' or 'daily', not {self.cadence!r}")
        if self.cadence != "daily" and self.weekday not in range(7):
            raise ValueError(f"a {self.cadence} schedule needs a weekday from 0 to 6, not {self.weekday!r}")
        if self.cadence == "daily" and self.weekday is not None:
            raise ValueError("a daily schedule has no weekday")
        if self.cadence != "fortnightly" and self.anchor is not None:
            raise ValueError(f"only a fortnightly schedule has an anchor, not a {self.cadence} one")
        if self.cadence == "fortnightly":
            if not isinstance(self.anchor, date) or isinstance(self.anchor, datetime):
                raise ValueError(f"a fortnightly schedule needs an anchor date, not {self.anchor!r}")
            if self.anchor.weekday() != self.weekday:
                assert self.weekday is not None  # checked above: a fortnightly schedule has a weekday
                raise ValueError(f"the anchor {self.anchor} is not a {DAY_NAMES[self.weekday].title()}")
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise ValueError("at must be a wall-clock time in whole minutes, with no time zone")
        if self.quiet not in ("prompt", "skip"):
            raise ValueError(f"quiet must be 'prompt' or 'skip', not {self.quiet!r}")

    def describe(self) -> str:
        """Plain words for people, e.g. "every Monday at 09:00"."""
        day = "day" if self.weekday is None else DAY_NAMES[self.weekday].title()
        text = f"every {day} at {self.at:%H:%M}"
        if self.anchor is not None:
            text = f"every other {day} at {self.at:%H:%M} from {self.anchor.day} {self.anchor:%B %Y}"
        return text + (", skipped when there is nothing new" if self.quiet == "skip" else "")

    def to_text(self) -> str:
        """Canonical words that parse back to an equal schedule, e.g. "weekly mon 09:00" or
        "fortnightly tue 09:45 from 2026-12-08"."""
        day = "" if self.weekday is None else f" {WEEKDAYS[self.weekday]}"
        text = f"{self.cadence}{day} {self.at:%H:%M}"
        if self.anchor is not None:
            text += f" from {self.anchor.isoformat()}"
        return text + (" quiet skip" if self.quiet == "skip" else "")


def parse_schedule(words: str, *, today: date | None = None) -> Schedule:
    """Read a schedule such as "weekly mon 09:00", "daily 8:30am quiet skip" or "every other tue 09:45",
    forgivingly.

    A fortnightly schedule runs in the weeks of the date typed after "from" (moved on to the schedule's
    weekday), or else from the first such weekday after `today`: "fortnightly tue 09:45" typed on a
    Tuesday first runs a week later. Without either it is refused with a kind message.
    """
    tokens = _tokens(words)
    if not tokens:
        raise ScheduleError(
            'Tell me when to post the digest, for example "weekly mon 09:00" for every Monday at 9am, '
            'or "daily 08:30" for every day at 8:30am.'
        )
    cadence, weekday, rest = _read_cadence_and_day(tokens)
    example = "daily 09:00" if weekday is None else f"{cadence} {WEEKDAYS[weekday]} 09:00"
    at, rest = _read_time(rest, example)
    start_words, rest = _split_start(rest)
    quiet = _read_quiet(rest, example)
    anchor = _read_anchor(cadence, weekday, at, start_words, today)
    return Schedule(cadence=cadence, at=at, weekday=weekday, quiet=quiet, anchor=anchor)


def next_run(schedule: Schedule, after: datetime, tz: ZoneInfo) -> datetime:
    """The first scheduled moment strictly after `after`, in UTC."""
    after = _utc(after, "after")
    # Start a day early: a slot shifted forward by a gap can land on the next local day.
    first_day = after.astimezone(tz).date() - timedelta(days=1)
    return next(moment for _, moment in _slots(schedule, first_day, tz) if moment > after)


def previous_run(schedule: Schedule, before: datetime, tz: ZoneInfo) -> datetime | None:
    """The last scheduled moment strictly before `before`, in UTC; None only at the start of the calendar."""
    before = _utc(before, "before")
    slot = _last_slot(schedule, before - timedelta(microseconds=1), tz)
    return None if slot is None else slot[1]


def runs_between(schedule: Schedule, start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    """Every scheduled moment m with start < m <= end, in order, in UTC."""
    start, end = _utc(start, "start"), _utc(end, "end")
    runs: list[datetime] = []
    for _, moment in _slots(schedule, start.astimezone(tz).date() - timedelta(days=1), tz):
        if moment > end:
            return runs
        if moment > start:
            runs.append(moment)
    return runs


def period_key(schedule: Schedule, run_at: datetime, tz: ZoneInfo) -> str:
    """Name the slot `run_at` belongs to by its local date and scheduled time, e.g. "2026-03-29T09:00".

    A scheduled moment names its own slot; a moment between slots belongs to the latest slot before it.
    The key keeps the scheduled wall time, so a slot moved by a daylight-saving gap keeps its name.
    """
    slot = _last_slot(schedule, _utc(run_at, "run_at"), tz)
    if slot is None:
        raise ValueError(f"no scheduled slot at or before {run_at.isoformat()}")
    return f"{slot[0].isoformat()}T{schedule.at:%H:%M}"


def _tokens(words: str) -> list[str]:
    text = words.lower().replace(",", " ")
    text = re.sub(r"(?<=\d)\s*([ap])\.?m\.?(?!\w)", r"\1m", text)  # "9 a.m." -> "9am"
    text = _EVERY_OTHER.sub("fortnightly", text)  # "every other tuesday", "every 2 weeks on tue"
    return [word for word in text.split() if word not in _FILLER]


def _read_cadence_and_day(tokens: list[str]) -> tuple[Cadence, int | None, list[str]]:
    first, rest = tokens[0], tokens[1:]
    day = _day_number(first)
    if day is not None:  # "monday 9am", or "every monday at 9am"
        return "weekly", day, rest
    cadence = _CADENCES.get(first)
    if cadence is None:
        raise ScheduleError(
            f'Sorry, I didn\'t understand "{first}". Start with "weekly", "fortnightly" or "daily", '
            'for example "weekly mon 09:00" or "daily 08:30".'
        )
    if cadence == "fortnightly" and rest and rest[0] in ("week", "weeks"):
        rest = rest[1:]  # "every other week on tuesday"
    if cadence == "fortnightly" and rest and rest[0] in ("day", "days", "daily"):
        raise ScheduleError(
            "I can post a digest every day, every week or every other week, but not every other day. "
            'For example "daily 09:00" or "weekly mon 09:00".'
        )
    day = _day_number(rest[0]) if rest else None
    if cadence == "daily" and day is not None:
        raise ScheduleError(
            "A daily digest goes out every day, so it doesn't need a day. "
            f'For example "daily 09:00", or "weekly {WEEKDAYS[day]} 09:00" for once a week.'
        )
    if cadence == "daily":
        return cadence, None, rest
    if day is not None:
        return cadence, day, rest[1:]
    if not rest or rest[0][:1].isdigit() or rest[0] in _NAMED_TIMES:
        raise ScheduleError(
            f"Which day should the {cadence} digest go out? Put the day before the time, "
            f'for example "{cadence} mon 09:00".'
        )
    raise ScheduleError(
        f'Sorry, "{rest[0]}" isn\'t a day I recognise. Use a day such as mon or monday, '
        f'for example "{cadence} mon 09:00".'
    )


def _day_number(word: str) -> int | None:
    """0 for "mon", "monday", "mond" or "mondays", ... 6 for Sunday; None if it is not a day."""
    if word == "weds":
        word = "wed"
    if word.endswith("days"):
        word = word[:-1]
    if len(word) < 3:
        return None
    return next((number for number, name in enumerate(DAY_NAMES) if name.startswith(word)), None)


def _read_time(tokens: list[str], example: str) -> tuple[time, list[str]]:
    if not tokens or tokens[0] in ("quiet", "skip", "prompt"):
        raise ScheduleError(f'What time should the digest go out? Add a time, for example "{example}".')
    word, rest = tokens[0], tokens[1:]
    if word in _NAMED_TIMES:
        return _NAMED_TIMES[word], rest
    match = _TIME.fullmatch(word)
    if match is None:
        raise _time_error(word, "", example)
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half and not 1 <= hour <= 12:
        raise _time_error(word, "with am or pm, hours go from 1 to 12", example)
    if not half and hour > 23:
        raise _time_error(word, "hours go from 0 to 23", example)
    if minute > 59:
        raise _time_error(word, "minutes go from 00 to 59", example)
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)  # 12am is midnight, 12pm is noon
    return time(hour, minute), rest


def _time_error(word: str, problem: str, example: str) -> ScheduleError:
    reason = f": {problem}." if problem else "."
    return ScheduleError(f'Sorry, "{word}" isn\'t a time I can use{reason} {_TIME_HINT}, for example "{example}".')


def _read_quiet(tokens: list[str], example: str) -> Quiet:
    if not tokens:
        return "prompt"
    options = tokens[1:] if tokens[0] == "quiet" else tokens
    if options == ["skip"]:
        return "skip"
    if options == ["prompt"]:
        return "prompt"
    heard = " ".join(tokens)
    if tokens[0] == "quiet" and len(tokens) <= 2:
        raise ScheduleError(
            f'Sorry, I didn\'t understand "{heard}". Use "quiet skip" to skip the digest when there is '
            'nothing new, or "quiet prompt" to post a short note instead, '
            f'for example "{example} quiet skip".'
        )
    raise ScheduleError(
        f'Sorry, I didn\'t understand "{heard}" at the end. After the time you can add "quiet skip" '
        f'to skip the digest when there is nothing new, for example "{example} quiet skip".'
    )


def _split_start(tokens: list[str]) -> tuple[list[str] | None, list[str]]:
    """The words of a "from 2026-12-08" start (None when there is none), and the tokens around them."""
    begin = next((n for n, token in enumerate(tokens) if token in _START_WORDS), None)
    if begin is None:
        return None, tokens
    end = next((n for n in range(begin + 1, len(tokens)) if tokens[n] in ("quiet", "skip", "prompt")), len(tokens))
    return tokens[begin + 1 : end], tokens[:begin] + tokens[end:]


def _read_anchor(
    cadence: Cadence, weekday: int | None, at: time, start_words: list[str] | None, today: date | None
) -> date | None:
    if cadence != "fortnightly":
        if start_words is not None:
            every, day = ("day", 0) if weekday is None else ("week", weekday)
            example = "daily" if weekday is None else f"weekly {WEEKDAYS[day]}"
            raise ScheduleError(
                f'Only a fortnightly digest needs a start date: "{example} {at:%H:%M}" goes out every {every}. '
                f"For every other week, write for example "
                f'"fortnightly {WEEKDAYS[day]} {at:%H:%M} from {_EXAMPLE_MONDAY + timedelta(days=day)}".'
            )
        return None
    assert weekday is not None
    first = _after_today(weekday, today)
    example = f"fortnightly {WEEKDAYS[weekday]} {at:%H:%M} from {first or _EXAMPLE_MONDAY + timedelta(days=weekday)}"
    if start_words is None and first is None:
        raise ScheduleError(
            f'A "fortnightly" digest needs the date of its first run, for example "{example}". '
            'Start with "weekly" or "daily" instead for a digest every week or every day.'
        )
    if start_words is None:
        return first
    try:
        typed = parse_date(" ".join(start_words), today=today)
    except DateError as error:
        raise ScheduleError(f'{error} A fortnightly schedule looks like "{example}".') from None
    return typed + timedelta(days=(weekday - typed.weekday()) % 7)


def _after_today(weekday: int, today: date | None) -> date | None:
    """The first such weekday after today: a week on when today is that weekday."""
    return None if today is None else today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _slots(schedule: Schedule, first_day: date, tz: ZoneInfo) -> Iterator[tuple[date, datetime]]:
    """Scheduled (local date, UTC moment) pairs from first_day on, a day, a week or a fortnight apart."""
    days, origin = _cycle(schedule)
    day, step = first_day + timedelta(days=(origin - first_day).days % days), timedelta(days=days)
    latest = None
    while True:
        moment = _moment(schedule, day, tz)
        if latest is None or moment > latest:  # a skipped calendar day can repeat the next day's moment
            yield day, moment
            latest = moment
        day += step


def _last_slot(schedule: Schedule, at_or_before: datetime, tz: ZoneInfo) -> tuple[date, datetime] | None:
    """The latest scheduled (local date, UTC moment) at or before a UTC moment."""
    day = at_or_before.astimezone(tz).date()
    days, origin = _cycle(schedule)
    step = timedelta(days=days)
    try:
        day -= timedelta(days=(day - origin).days % days)
        while (moment := _moment(schedule, day, tz)) > at_or_before:
            day -= step
    except OverflowError:
        return None
    return day, moment


def _cycle(schedule: Schedule) -> tuple[int, date]:
    """Days from one slot to the next, and a date that has a slot."""
    if schedule.cadence == "daily":
        return 1, _ANY_MONDAY
    # Schedule.__post_init__ makes sure a weekly schedule has its weekday and a fortnightly one its anchor.
    if schedule.cadence == "weekly":
        assert schedule.weekday is not None
        return 7, _ANY_MONDAY + timedelta(days=schedule.weekday)
    assert schedule.anchor is not None
    return 14, schedule.anchor


def _moment(schedule: Schedule, day: date, tz: ZoneInfo) -> datetime:
    # fold=0: a missing wall time moves forward by the gap; a repeated one means its first occurrence.
    return datetime.combine(day, schedule.at, tzinfo=tz).astimezone(UTC)
