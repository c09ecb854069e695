"""Reading the dates people type: "2027-01-04", "4 January 2027", "Monday 4th Jan", "4/1/2027" (day first, the
UK way), "today". Pure; errors are kind sentences to show as they are. Used by closures, pauses and schedules.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip


DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


DATE_HINT = 'Write dates like "2027-01-04" or "4 January 2027"'


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?")  # day first, the UK way


_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")


_YEAR = re.compile(r"\d{4}")


class DateError(ValueError):
    """A date we could not read; str(error) is a kind message to show the user as it is."""


def parse_date(words: str, *, today: date | None = None) -> date:
    """Read one date: "2027-01-04", "4 January 2027", "Monday 4th Jan", "January 4", "4/1/2027" (day first).

    A date typed without a year is the first such date on or after `today`; without `today` it needs a year.
    "today" and "tomorrow" are read too when `today` is given. A weekday that does not match is an error.
    """
    text = " ".join(words.lower().split())
    if today is not None and text in ("today", "tomorrow"):
        return today + timedelta(days=text == "tomorrow")
    return resolve_date(read_date_parts(words), today)


@dataclass(frozen=True)
class DateParts:
    typed: str
    day: int
    month: int | None
    year: int | None
    weekday: int | None = None


def read_date_parts(words: str, *, day_only: bool = False) -> DateParts:
    typed = " ".join(words.split())
    tokens = [t for t in re.sub(r"[,.]", " ", typed.lower()).split() if t not in ("the", "of")]
    weekday = weekday_number(tokens[0]) if tokens else None
    if weekday is not None:
        tokens = tokens[1:]
    text = " ".join(tokens)
    if match := _ISO.fullmatch(text):
        return DateParts(typed, int(match[3]), int(match[2]), int(match[1]), weekday)
    if match := _NUMERIC.fullmatch(text):
        year = None if match[3] is None else int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        return DateParts(typed, int(match[1]), int(match[2]), year, weekday)
    year = int(tokens.pop()) if len(tokens) > 1 and _YEAR.fullmatch(tokens[-1]) else None
    if len(tokens) == 2 and month_number(tokens[0]) and _DAY.fullmatch(tokens[1]):
        tokens.reverse()  # "January 4th"
    if len(tokens) == 2 and (month := month_number(tokens[1])) and (day := _DAY.fullmatch(tokens[0])):
        return DateParts(typed, int(day[1]), month, year, weekday)
    if day_only and len(tokens) == 1 and year is None and (day := _DAY.fullmatch(tokens[0])):
        return DateParts(typed, int(day[1]), None, None, weekday)
    if not typed:
        raise DateError(f"Which date? {DATE_HINT}.")
    raise DateError(f'Sorry, I couldn\'t read "{typed}" as a date. {DATE_HINT}.')


def resolve_date(parts: DateParts, today: date | None, *, on_or_after: date | None = None) -> date:
    after = on_or_after or today
    if parts.month is None or not 1 <= parts.month <= 12:
        raise DateError(f'Sorry, "{parts.typed}" has no month I can read. {DATE_HINT}.')
    if parts.year is not None:
        found = valid_date(parts.year, parts.month, parts.day)
        if found is None:
            raise DateError(f'There\'s no such date as "{parts.typed}". {DATE_HINT}.')
    elif after is None:
        raise DateError(f'Which year is "{parts.typed}"? Add the year, for example "4 January 2027".')
    else:
        years = (after.year + n for n in range(9))  # 29 February comes round within eight years
        candidates = (valid_date(year, parts.month, parts.day) for year in years)
        found = next((day for day in candidates if day is not None and day >= after), None)
        if found is None:
            raise DateError(f'There\'s no such date as "{parts.typed}". {DATE_HINT}.')
    if parts.weekday is not None and found.weekday() != parts.weekday:
        raise DateError(
            f"{long_date(found)} is a {DAY_NAMES[found.weekday()].title()}, not a {DAY_NAMES[parts.weekday].title()}."
        )
    return found


def valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def weekday_number(word: str) -> int | None:
    word = "wed" if word == "weds" else word
    return next((n for n, name in enumerate(DAY_NAMES) if len(word) >= 3 and name.startswith(word)), None)


def month_number(word: str) -> int | None:
    return next((n + 1 for n, name in enumerate(MONTHS) if len(word) >= 3 and name.startswith(word)), None)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
