"""How long each kind of record is kept, without Slack or a database: reading "18 months", the defaults and why
they were chosen, and the moment before which a record is past its time.

A period is a whole number of days, weeks, months or years (a fortnight is read as 2 weeks). Months and years
are calendar months: 6 months before 31 August is 28 (or 29) February, as a person counting on a calendar
would say. Nothing is kept forever: data protection law asks that personal data is kept no longer than it is
needed, so every kind of record has a period, between a floor that keeps the app useful and a ceiling.

When each kind's time starts:

- shares: when they were posted;
- requests: when they were resolved (a request never marked resolved: when it was posted);
- agreements: when they end (their end date, or the review that ended them, whichever is sooner);
- events: when they happen;
- audit entries: when they were recorded.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain import text as t


class Record(StrEnum):
    """The kinds of record a workspace sets a period for (`/talks retention shares 2 years`)."""

    SHARES = "shares"
    REQUESTS = "requests"
    AGREEMENTS = "agreements"
    EVENTS = "events"
    AUDIT = "audit"


UNITS = ("day", "week", "month", "year")
_UNIT_WORDS = {
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "week"),
    **dict.fromkeys(("fortnight", "fortnights"), "fortnight"),
    **dict.fromkeys(("m", "mo", "mos", "mth", "mths", "month", "months"), "month"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "year"),
}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_PERIOD = re.compile(r"(\d+|[a-z]+)\s*([a-z]+)\.?")
_FOREVER = re.compile(r"\b(forever|for ever|indefinite(ly)?|always|permanent(ly)?|never|infinite|infinity)\b")
_APPROX_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}  # only for the floor and the ceiling


class NotAPeriod(ValueError):
    """What someone typed is not a period the app can use; str() is a kind sentence (escaped mrkdwn) saying why
    and what to type instead."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # one of UNITS

    def __post_init__(self) -> None:
        if self.unit not in UNITS or self.amount < 1:
            raise ValueError(f"not a period: {self.amount} {self.unit}")

    @property
    def words(self) -> str:
        """ "1 year", "18 months": how it is shown and stored."""
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"

    @property
    def approx_days(self) -> int:
        return self.amount * _APPROX_DAYS[self.unit]

    def before(self, moment: dt.datetime) -> dt.datetime:
        """The moment this period before `moment` (calendar months and years; the day is kept where it exists,
        else the month's last day)."""
        if self.unit == "day":
            return moment - dt.timedelta(days=self.amount)
        if self.unit == "week":
            return moment - dt.timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "year" else 1)
        year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Policy:
    """A kind of record's default period, and why: shown by `/talks retention` and in the README."""

    default: Period
    starts: str  # when its time starts, completing "kept for 2 years ..."
    why: str


# Starting points an organisation can change, not legal advice. See the README's "Data protection".
POLICIES: Mapping[Record, Policy] = {
    Record.SHARES: Policy(
        Period(2, "year"),
        "after they are posted",
        "practice moves on, and after two years a share is more likely to mislead than help; it also names the "
        "colleague who wrote it",
    ),
    Record.REQUESTS: Policy(
        Period(1, "year"),
        "after they are resolved, or posted if never resolved",
        "a request is finished business once resolved; a year leaves time to look back on who helped",
    ),
    Record.AGREEMENTS: Policy(
        Period(6, "year"),
        "after they end",
        "UK local-authority retention schedules commonly keep partnership agreements and contracts for six years "
        "after they end, the time within which a claim under a contract can be brought (Limitation Act 1980)",
    ),
    Record.EVENTS: Policy(
        Period(1, "year"),
        "after they happen",
        "the arrangements for a meeting are rarely needed after it; a year covers annual planning and reporting",
    ),
    Record.AUDIT: Policy(
        Period(6, "year"),
        "after they are recorded",
        "long enough to answer questions about the longest-kept records, and in line with the six years common "
        "for accountability records in UK local-authority schedules",
    ),
}
SHORTEST: Mapping[Record, Period] = {record: Period(4, "week") for record in Record} | {Record.AUDIT: Period(1, "year")}
LONGEST = Period(12, "year")  # the longest limitation period (a deed, Limitation Act 1980)


def parse_period(typed: str) -> Period:
    """The period in "2 years", "18 months", "six weeks", "a fortnight"; NotAPeriod with a kind sentence if none.

    Checks only that it is a period; `check_period` says whether it suits a kind of record.
    """
    words = " ".join(typed.lower().split())
    shown = t.escape(t.shorten(typed.strip(), 60))
    example = "for example `2 years`, `18 months` or `6 weeks`"
    if not words:
        raise NotAPeriod(f"How long should they be kept? Give a number and a unit, {example}.")
    if _FOREVER.search(words):
        raise NotAPeriod(
            "Programme Talks doesn't keep anything forever: data protection law asks that personal data is kept no "
            f"longer than it is needed. Give a period of up to {LONGEST.words}, {example}."
        )
    if words.startswith("-") or re.match(r"minus\b", words):
        raise NotAPeriod(f"A period can't be negative. Give how long to keep them, {example}.")
    if re.fullmatch(r"\d+[.,]\d+\s*[a-z]*\.?", words):
        raise NotAPeriod(f"Please use a whole number, {example} (so 18 months rather than 1.5 years).")
    if re.fullmatch(r"\d+", words):
        raise NotAPeriod(f"{words} what? Add days, weeks, months or years, {example}.")
    match = _PERIOD.fullmatch(words)
    number = match and (int(match.group(1)) if match.group(1).isdigit() else _NUMBER_WORDS.get(match.group(1)))
    if not match or number is None:
        raise NotAPeriod(f"I couldn't read “{shown}” as a period. Give a number and a unit, {example}.")
    unit = _UNIT_WORDS.get(match.group(2))
    if unit is None:
        unknown = t.escape(t.shorten(match.group(2), 30))
        raise NotAPeriod(f"I don't know “{unknown}” as a unit of time. Use days, weeks, months or years, {example}.")
    if number == 0:
        raise NotAPeriod(f"Nothing can be kept for no time at all. Give how long to keep them, {example}.")
    if number > 10_000:
        raise NotAPeriod(f"That's far longer than anything is kept. Give a period of up to {LONGEST.words}.")
    return Period(number * 2, "week") if unit == "fortnight" else Period(number, unit)


def check_period(record: Record, period: Period) -> str | None:
    """Why this period doesn't suit this kind of record (a kind sentence), or None when it does."""
    shortest = SHORTEST[record]
    if period.approx_days < shortest.approx_days:
        why = " so the audit trail can answer questions about the past year" if record is Record.AUDIT else ""
        return f"{record.capitalize()} are kept for at least {shortest.words}{why}. Nothing has changed."
    if period.approx_days > LONGEST.approx_days:
        return f"{record.capitalize()} can be kept for at most {LONGEST.words}. Nothing has changed."
    return None


def read_stored(record: Record, stored: str | None) -> Period:
    """The period a workspace chose (as stored: Period.words), or the default when it chose none (or what is
    stored can no longer be read)."""
    if stored:
        try:
            return parse_period(stored)
        except NotAPeriod:
            pass
    return POLICIES[record].default


def periods(stored: Mapping[str, str]) -> dict[Record, Period]:
    """Every kind's period for a workspace, from the ones it chose (by kind's value) and the defaults."""
    return {record: read_stored(record, stored.get(record)) for record in Record}


def cutoffs(chosen: Mapping[Record, Period], now: dt.datetime) -> dict[Record, dt.datetime]:
    """For each kind, the moment its time must have started before for a record to be past its time."""
    return {record: period.before(now) for record, period in chosen.items()}


def past_its_time(started: dt.datetime, period: Period, now: dt.datetime) -> bool:
    """Whether a record whose time started at `started` has been kept for its whole period by `now`."""
    return started < period.before(now)


def agreement_ended(end_date: dt.date, ended_early: dt.date | None) -> dt.date:
    """When an agreement ended, for retention: its end date, or the day a review ended it, whichever is sooner."""
    return min(end_date, ended_early) if ended_early else end_date


def request_finished(created_at: dt.datetime, resolved_at: dt.datetime | None) -> dt.datetime:
    """When a request's time starts: when it was resolved, or, never resolved, when it was posted."""
    return resolved_at or created_at
