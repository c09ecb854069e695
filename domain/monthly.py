"""The newsletter's month: which month a newsletter covers, and monthly schedules for drafting it.

Pure functions: no Slack client, no database.

Which month: a newsletter asked for (or drafted) on or after the 25th covers the month in progress, since most
of it has happened; before the 25th, the month before, which has ended. `newsletter_month` says which, and why.

A monthly schedule is typed like "monthly first-monday 09:00": the first, second, third, fourth or last of a
weekday, or a day of the month from 1 to 28 ("monthly 1 09:00"), at a wall-clock time in the workspace's zone.
Daylight saving is handled as in domain.schedule: a time the clocks skip runs later by the gap (fold=0), a time
that happens twice runs at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from domain.charts import month_label
from domain.schedule import DAY_NAMES, WEEKDAYS, ScheduleError

THIS_MONTH_FROM = 25  # from this day of the month, a newsletter covers the month in progress
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
EXAMPLE = "monthly first-monday 09:00"
_FILLER = frozenset({"monthly", "every", "month", "of", "the", "on", "at", "each", "in"})
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm)?")
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")


# ---- which month ---------------------------------------------------------------------------------------------


def newsletter_month(today: dt.date) -> tuple[dt.date, str]:
    """The first day of the month a newsletter made today covers, and why, in words for people."""
    if today.day >= THIS_MONTH_FROM:
        first = today.replace(day=1)
        return first, f"{month_label(first)} so far, since it's the {ordinal_day(today.day)}"
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return first, f"{month_label(first)}, the month just gone"


def month_after(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def ordinal_day(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# ---- schedules -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlySchedule:
    at: dt.time
    weekday: int | None = None  # with `week`: the week-th such weekday of the month
    week: int | None = None  # 1 to 4, or -1 for the last
    day: int | None = None  # or a day of the month, 1 to 28

    def __post_init__(self) -> None:
        if (self.day is None) == (self.weekday is None):
            raise ValueError("a monthly schedule has either a day of the month or a weekday")
        if self.day is not None and not 1 <= self.day <= 28:
            raise ValueError(f"day must be 1 to 28, not {self.day}")
        if self.weekday is not None and (self.weekday not in range(7) or self.week not in ORDINAL_WORDS):
            raise ValueError(f"a weekday needs its week (1 to 4, or -1), not {self.week!r}")
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise ValueError("at must be a wall-clock time in whole minutes, with no time zone")

    def describe(self) -> str:
        """Plain words: "on the first Monday of every month at 09:00"."""
        if self.weekday is not None and self.week is not None:
            on = f"the {ORDINAL_WORDS[self.week]} {DAY_NAMES[self.weekday].title()}"
        else:
            on = f"the {ordinal_day(self.day or 1)}"
        return f"on {on} of every month at {self.at:%H:%M}"

    def to_text(self) -> str:
        """Canonical words that parse back to an equal schedule: "monthly first-mon 09:00", "monthly 1 09:00"."""
        if self.weekday is not None and self.week is not None:
            return f"monthly {ORDINAL_WORDS[self.week]}-{WEEKDAYS[self.weekday]} {self.at:%H:%M}"
        return f"monthly {self.day} {self.at:%H:%M}"

    def day_in(self, first: dt.date) -> dt.date:
        """The day of the month starting `first` on which it runs."""
        if self.day is not None:
            return first.replace(day=self.day)
        assert self.weekday is not None and self.week is not None
        if self.week > 0:
            first_such = first + dt.timedelta(days=(self.weekday - first.weekday()) % 7)
            return first_such + dt.timedelta(weeks=self.week - 1)
        last = month_after(first) - dt.timedelta(days=1)
        return last - dt.timedelta(days=(last.weekday() - self.weekday) % 7)


def parse_monthly(words: str) -> MonthlySchedule:
    """Read "monthly first-monday 09:00", "last fri 4pm", "monthly 1st 9am" and the like, forgivingly.
    Raises ScheduleError with a kind sentence to show as it is."""
    tokens = [w for w in re.split(r"[\s,\-]+", words.lower().strip()) if w and w not in _FILLER]
    if not tokens:
        raise ScheduleError(f'Tell me when to draft the newsletter, for example "{EXAMPLE}".')
    weekday = week = day = None
    if tokens[0] in ORDINALS and (len(tokens) < 2 or _weekday(tokens[1]) is not None or not _DAY.fullmatch(tokens[0])):
        week = ORDINALS[tokens[0]]
        weekday = _weekday(tokens[1]) if len(tokens) > 1 else None
        if weekday is None:
            said = f' "{tokens[1]}"' if len(tokens) > 1 else ""
            raise ScheduleError(
                f'Which day of the week{said}? Write it like “first-monday” or “last-friday”, for example "{EXAMPLE}".'
            )
        rest = tokens[2:]
    elif (match := _DAY.fullmatch(tokens[0])) and len(tokens) > 1:
        day = int(match.group(1))
        if not 1 <= day <= 28:
            raise ScheduleError(
                "Please choose a day from 1 to 28, so that every month has it, or a weekday like “last-friday”, "
                f'for example "{EXAMPLE}".'
            )
        rest = tokens[1:]
    else:
        raise ScheduleError(
            f'Sorry, I didn\'t understand "{tokens[0]}". Say which day of the month, like "{EXAMPLE}", '
            '"monthly last-friday 16:00" or "monthly 1 09:00".'
        )
    if len(rest) != 1:
        raise ScheduleError(f'What time should I draft it? Add one time, for example "{EXAMPLE}".')
    return MonthlySchedule(at=_time(rest[0]), weekday=weekday, week=week, day=day)


def _weekday(word: str) -> int | None:
    word = word.rstrip("s")
    if len(word) < 3:
        return None
    return next((number for number, name in enumerate(DAY_NAMES) if name.startswith(word)), None)


def _time(word: str) -> dt.time:
    match = _TIME.fullmatch(word)
    hour, minute = (int(match.group(1)), int(match.group(2) or 0)) if match else (99, 0)
    half = match.group(3) if match else None
    if match is None or (half and not 1 <= hour <= 12) or (not half and hour > 23) or minute > 59:
        raise ScheduleError(f'Sorry, "{word}" isn\'t a time I can use. Write it like 09:00 or 9am.')
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return dt.time(hour, minute)


# ---- when it runs ---------------------------------------------------------------------------------------------


def moment_in(schedule: MonthlySchedule, first: dt.date, tz: ZoneInfo) -> dt.datetime:
    """When it runs in the month starting `first`, in UTC (fold=0: see the module's note)."""
    return dt.datetime.combine(schedule.day_in(first), schedule.at, tzinfo=tz).astimezone(dt.UTC)


def latest_run(schedule: MonthlySchedule, at_or_before: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The latest scheduled moment at or before a moment, in UTC."""
    first = at_or_before.astimezone(tz).date().replace(day=1)
    moment = moment_in(schedule, first, tz)
    if moment > at_or_before:
        moment = moment_in(schedule, (first - dt.timedelta(days=1)).replace(day=1), tz)
    return moment


def next_run(schedule: MonthlySchedule, after: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The first scheduled moment strictly after a moment, in UTC."""
    first = after.astimezone(tz).date().replace(day=1)
    moment = moment_in(schedule, first, tz)
    return moment if moment > after else moment_in(schedule, month_after(first), tz)
