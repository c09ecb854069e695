import re
from datetime import date

import pytest

from domain.pauses import MAX_MONTHS, PauseError, parse_pause, paused_until

MONDAY = date(2026, 12, 7)  # Monday 7 December 2026


# How long a pause is


@pytest.mark.parametrize(
    ("words", "back"),
    [
        ("2 weeks", date(2026, 12, 21)),
        ("10 days", date(2026, 12, 17)),
        ("1 month", date(2027, 1, 7)),
        ("1 day", date(2026, 12, 8)),
        ("a week", date(2026, 12, 14)),
        ("two weeks", date(2026, 12, 21)),
        ("a fortnight", date(2026, 12, 21)),
        ("for 3 weeks", date(2026, 12, 28)),
        ("2wks", date(2026, 12, 21)),
        ("3 months", date(2027, 3, 7)),
        ("6 months", date(2027, 6, 7)),
        ("  2   WEEKS ", date(2026, 12, 21)),
    ],
)
def test_a_length_of_time_gives_the_first_day_back(words: str, back: date) -> None:
    assert parse_pause(words, MONDAY) == back


@pytest.mark.parametrize(
    ("words", "back"),
    [
        ("until 2027-01-04", date(2027, 1, 4)),
        ("until 4 January", date(2027, 1, 4)),
        ("until 4th Jan", date(2027, 1, 4)),
        ("Until Monday 4 January", date(2027, 1, 4)),
        ("back on 4 January 2027", date(2027, 1, 4)),
        ("till 4/1/2027", date(2027, 1, 4)),
        ("4 January", date(2027, 1, 4)),
        ("until 8 December", date(2026, 12, 8)),
        ("until tomorrow", date(2026, 12, 8)),
        ("until Friday", date(2026, 12, 11)),
        ("until monday", date(2026, 12, 14)),  # on a Monday, the next one
    ],
)
def test_until_a_day_gives_that_day_as_the_first_day_back(words: str, back: date) -> None:
    assert parse_pause(words, MONDAY) == back


def test_a_month_from_the_end_of_a_month_ends_with_the_shorter_month() -> None:
    assert parse_pause("1 month", date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_pause("1 month", date(2028, 1, 31)) == date(2028, 2, 29)
    assert parse_pause("1 month", date(2026, 8, 31)) == date(2026, 9, 30)
    assert parse_pause("2 months", date(2026, 12, 31)) == date(2027, 2, 28)


def test_a_date_without_a_year_is_the_next_such_date_even_across_the_new_year() -> None:
    assert parse_pause("until 4 January", date(2027, 1, 3)) == date(2027, 1, 4)
    assert parse_pause("until 2 January", date(2026, 12, 30)) == date(2027, 1, 2)


def test_six_months_is_the_longest_pause() -> None:
    assert MAX_MONTHS == 6
    assert parse_pause("until 7 June 2027", MONDAY) == date(2027, 6, 7)
    with pytest.raises(PauseError):
        parse_pause("until 8 June 2027", MONDAY)


# Kind, specific error messages


def assert_kind_error(words: str, fragment: str, today: date = MONDAY) -> str:
    with pytest.raises(PauseError) as caught:
        parse_pause(words, today)
    message = str(caught.value)
    assert fragment in message
    examples = re.findall(r'"([^"]+)"', message)
    assert any(_parses(example, today) for example in examples), f"no working example in: {message}"
    return message


def _parses(words: str, today: date) -> bool:
    try:
        parse_pause(words, today)
    except PauseError:
        return False
    return True


def test_an_empty_pause_asks_how_long() -> None:
    assert_kind_error("  ", "How long is the pause?")


@pytest.mark.parametrize("words", ["nonsense", "a while", "an hour", "until whenever"])
def test_nonsense_is_named(words: str) -> None:
    assert_kind_error(words, "couldn't read")


@pytest.mark.parametrize("words", ["-3 weeks", "- 3 weeks", "-10 days"])
def test_a_negative_pause_is_turned_round(words: str) -> None:
    message = assert_kind_error(words, "A pause can only go forwards")
    assert f'try "{words.lstrip("- ")}"' in message


@pytest.mark.parametrize("words", ["0 days", "0 weeks"])
def test_a_pause_of_nothing_is_refused(words: str) -> None:
    assert_kind_error(words, "is no pause at all")


def test_a_fraction_asks_for_whole_numbers() -> None:
    assert_kind_error("2.5 weeks", "Use whole numbers")


@pytest.mark.parametrize("words", ["until 2026-01-04", "until 6 December 2026", "until 4 January 2026"])
def test_a_date_in_the_past_is_refused(words: str) -> None:
    assert_kind_error(words, "has already passed")


@pytest.mark.parametrize("words", ["until today", "until 7 December", "until 2026-12-07"])
def test_today_is_no_pause(words: str) -> None:
    assert_kind_error(words, "Monday 7 December 2026 is today")


@pytest.mark.parametrize(
    "words", ["7 months", "27 weeks", "200 days", "1 year", "until 2027-07-01", "99999999999999999999 days"]
)
def test_longer_than_six_months_is_refused_with_the_latest_day(words: str) -> None:
    assert_kind_error(words, "at most 6 months, so until Monday 7 June 2027 at the latest")


def test_an_impossible_or_mismatched_date_is_named() -> None:
    assert_kind_error("until 31 Feb", 'no such date as "31 Feb"')
    assert_kind_error("until Tuesday 4 January", "4 January 2027 is a Monday, not a Tuesday")


def test_pause_errors_are_value_errors() -> None:
    assert issubclass(PauseError, ValueError)


# Saying when someone is back


@pytest.mark.parametrize(
    ("back", "words"),
    [
        (date(2027, 1, 4), "paused until Monday 4 January"),
        (date(2026, 12, 21), "paused until Monday 21 December"),
        (date(2027, 6, 7), "paused until Monday 7 June"),
        (date(2027, 2, 28), "paused until Sunday 28 February"),
    ],
)
def test_paused_until_names_the_day_back(back: date, words: str) -> None:
    assert paused_until(back) == words


def test_a_parsed_pause_reads_back_in_words() -> None:
    assert paused_until(parse_pause("until 4 January", MONDAY)) == "paused until Monday 4 January"
