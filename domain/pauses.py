"""Pauses: read how long someone is away ("2 weeks", "until 4 January") and say when they are back.

Pure functions: no Slack client, no database. A pause is given by the first day the person is back:
"2 weeks" typed on Monday 7 December 2026 means back on Monday 21 December, and "until 4 January" means
back on 4 January. A pause is at least a day and at most six calendar months.
"""

import re
from datetime import date, timedelta

from domain.dates import DAY_NAMES, DateError, parse_date

MAX_MONTHS = 6

_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip
_UNITS = {"day": "days", "d": "days", "week": "weeks", "wk": "weeks", "w": "weeks", "fortnight": "fortnights",
          "month": "months", "mo": "months", "mth": "months", "year": "years", "yr": "years"}  # fmt: skip
_LENGTH = re.compile(r"(-?\s*[\d.]+|[a-z]+)\s*([a-z]+?)s?")
_UNTIL = re.compile(r"(?:until|till|til|to|back on|back)\s+(.*)", re.IGNORECASE)
_EXAMPLES = '"2 weeks", "10 days", "1 month" or "until 4 January"'


class PauseError(ValueError):
    """A pause we could not read; str(error) is a kind message to show the user as it is."""


def parse_pause(words: str, today: date) -> date:
    """The first day back after a pause of "2 weeks", "10 days", "a fortnight", "1 month", "until 2027-01-04",
    "until 4 January" (the next 4 January) or "until Monday" (the next Monday, a week on if today is one).

    Months are calendar months, ending on the last day of a shorter month: a month from 31 January
    is 28 (or 29) February.
    """
    text = " ".join(words.replace(",", " ").split())
    text = re.sub(r"^(?:pause|paused|away|off)\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^for\s+", "", text, flags=re.IGNORECASE)
    if not text:
        raise PauseError(f"How long is the pause? For example {_EXAMPLES}.")
    length = _LENGTH.fullmatch(text.lower())
    unit = _UNITS.get(length[2], length[2]) if length else None
    if length and unit in ("days", "weeks", "fortnights", "months", "years"):
        back = _after(today, length[1].replace(" ", ""), unit, text)
    else:
        until = _UNTIL.fullmatch(text)
        back = _until(until[1] if until else text, today, text)
    if back > _add_months(today, MAX_MONTHS):
        raise PauseError(
            f"A pause can be at most {MAX_MONTHS} months, so until {_long(_add_months(today, MAX_MONTHS))} at the "
            f'latest. For a shorter pause, try for example "3 months".'
        )
    return back


def paused_until(back: date) -> str:
    """Short words for a pause, e.g. "paused until Monday 4 January" (a pause is under a year, so no year)."""
    return f"paused until {DAY_NAMES[back.weekday()].title()} {back.day} {back:%B}"


def _after(today: date, count_words: str, unit: str, typed: str) -> date:
    if count_words.startswith("-"):
        raise PauseError(f'A pause can only go forwards: try "{count_words[1:]} {unit}" instead of "{typed}".')
    count = _NUMBERS.get(count_words)
    if count_words.isdigit():
        digits = count_words.lstrip("0") or "0"
        count = int(digits) if len(digits) <= 4 else 10_000  # far more than a pause can be: refused below
    if count is None:
        raise PauseError(f'Sorry, I couldn\'t read "{typed}". Use whole numbers, for example {_EXAMPLES}.')
    if count == 0:
        raise PauseError(f'"{typed}" is no pause at all. For example {_EXAMPLES}.')
    if unit in ("months", "years"):
        months = count * (12 if unit == "years" else 1)
        return _add_months(today, min(months, 12 * MAX_MONTHS))  # anything longer is refused anyway
    days = count * {"days": 1, "weeks": 7, "fortnights": 14}[unit]
    return today + timedelta(days=min(days, 366))


def _until(words: str, today: date, typed: str) -> date:
    word = words.lower()
    weekday = next((n for n, name in enumerate(DAY_NAMES) if len(word) >= 3 and name.startswith(word)), None)
    if weekday is not None:  # "until Monday": the next Monday, a week away if today is Monday
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if word == "tomorrow":
        return today + timedelta(days=1)
    back = today if word == "today" else _read_date(words, today)
    if back < today:
        raise PauseError(f"{_long(back)} has already passed. When will you be back? For example {_EXAMPLES}.")
    if back == today:
        raise PauseError(f"{_long(back)} is today, so there's nothing to pause. For example {_EXAMPLES}.")
    return back


def _read_date(words: str, today: date) -> date:
    if not any(c.isdigit() for c in words):  # "a while", "next month": no date was meant
        raise PauseError(f'Sorry, I couldn\'t read "{words}". Use whole numbers, for example {_EXAMPLES}.')
    try:
        return parse_date(words, today=today)
    except DateError as error:
        raise PauseError(f"{error} For a pause, say for example {_EXAMPLES}.") from None


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):  # the same day, or the end of a shorter month
        try:
            return date(year, month, last_day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def _long(day: date) -> str:
    return f"{DAY_NAMES[day.weekday()].title()} {day.day} {day:%B %Y}"
