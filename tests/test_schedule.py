import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.schedule import (
    WEEKDAYS,
    Schedule,
    ScheduleError,
    next_run,
    parse_schedule,
    period_key,
    previous_run,
    runs_between,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def weekly(day: str, hour: int, minute: int = 0) -> Schedule:
    return Schedule("weekly", time(hour, minute), weekday=WEEKDAYS.index(day))


def daily(hour: int, minute: int = 0) -> Schedule:
    return Schedule("daily", time(hour, minute))


# Reading what people type


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("weekly mon 09:00", Schedule("weekly", time(9), weekday=0)),
        ("Weekly Monday 9:00", Schedule("weekly", time(9), weekday=0)),
        ("weekly fri 2pm", Schedule("weekly", time(14), weekday=4)),
        ("weekly tuesday 14:30 quiet skip", Schedule("weekly", time(14, 30), weekday=1, quiet="skip")),
        ("daily 08:30", Schedule("daily", time(8, 30))),
        ("daily 8am", Schedule("daily", time(8))),
        ("daily 17:05 quiet skip", Schedule("daily", time(17, 5), quiet="skip")),
        ("daily 8:30 quiet prompt", Schedule("daily", time(8, 30), quiet="prompt")),
        ("  DAILY    8:30   QUIET   SKIP ", Schedule("daily", time(8, 30), quiet="skip")),
    ],
)
def test_schedules_in_the_documented_forms_are_read(words: str, expected: Schedule) -> None:
    assert parse_schedule(words) == expected


@pytest.mark.parametrize(
    ("day", "number"),
    [
        *((name, number) for number, name in enumerate(WEEKDAYS)),
        ("monday", 0),
        ("tuesday", 1),
        ("tues", 1),
        ("wednesday", 2),
        ("thursday", 3),
        ("thurs", 3),
        ("friday", 4),
        ("saturday", 5),
        ("sunday", 6),
        ("SUNDAY", 6),
    ],
)
def test_full_day_names_and_short_forms_are_read(day: str, number: int) -> None:
    assert parse_schedule(f"weekly {day} 09:00").weekday == number


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("9", time(9)),
        ("9:00", time(9)),
        ("09:00", time(9)),
        ("9am", time(9)),
        ("9.30am", time(9, 30)),
        ("2:15pm", time(14, 15)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("9 am", time(9)),
        ("9 p.m.", time(21)),
        ("0830", time(8, 30)),
        ("noon", time(12)),
        ("midnight", time(0)),
    ],
)
def test_times_are_read_in_the_ways_people_write_them(typed: str, expected: time) -> None:
    assert parse_schedule(f"daily {typed}").at == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("every monday at 9am", Schedule("weekly", time(9), weekday=0)),
        ("weekly on thursday at 2pm", Schedule("weekly", time(14), weekday=3)),
        ("monday 9am", Schedule("weekly", time(9), weekday=0)),
        ("every day at 8:30", Schedule("daily", time(8, 30))),
        ("daily at 8:30, quiet skip", Schedule("daily", time(8, 30), quiet="skip")),
        ("daily 8:30 skip", Schedule("daily", time(8, 30), quiet="skip")),
    ],
)
def test_everyday_phrasings_are_also_accepted(words: str, expected: Schedule) -> None:
    assert parse_schedule(words) == expected


# Kind, specific error messages


def assert_kind_error(words: str, fragment: str) -> str:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(words)
    message = str(caught.value)
    assert fragment in message
    examples = re.findall(r'"([^"]+)"', message)
    working = [example for example in examples if _parses(example)]
    assert working, f"no working example in: {message}"
    return message


def _parses(words: str) -> bool:
    try:
        parse_schedule(words)
    except ScheduleError:
        return False
    return True


def test_an_empty_schedule_asks_when_to_post() -> None:
    assert assert_kind_error("   ", "Tell me when to post the digest") == (
        'Tell me when to post the digest, for example "weekly mon 09:00" for every Monday at 9am, '
        'or "daily 08:30" for every day at 8:30am.'
    )


def test_an_unknown_cadence_is_named_and_weekly_or_daily_suggested() -> None:
    message = assert_kind_error("fortnightly mon 09:00", '"fortnightly"')
    assert 'Start with "weekly" or "daily"' in message
    assert message == (
        'A "fortnightly" digest needs the date of its first run, for example "fortnightly mon 09:00 from '
        '2027-01-04". Start with "weekly" or "daily" instead for a digest every week or every day.'
    )


@pytest.mark.parametrize("words", ["weekly", "weekly 09:00", "weekly 9am quiet skip"])
def test_a_weekly_schedule_without_a_day_asks_which_day(words: str) -> None:
    assert assert_kind_error(words, "Which day should the weekly digest go out?") == (
        'Which day should the weekly digest go out? Put the day before the time, for example "weekly mon 09:00".'
    )


def test_an_unknown_day_is_named_and_real_days_suggested() -> None:
    message = assert_kind_error("weekly moon 09:00", '"moon" isn\'t a day I recognise')
    assert "mon or monday" in message
    assert message == (
        'Sorry, "moon" isn\'t a day I recognise. Use a day such as mon or monday, for example "weekly mon 09:00".'
    )


def test_a_daily_schedule_with_a_day_explains_it_needs_none_and_offers_weekly() -> None:
    message = assert_kind_error("daily fri 09:00", "doesn't need a day")
    assert '"weekly fri 09:00"' in message
    assert message == (
        "A daily digest goes out every day, so it doesn't need a day. "
        'For example "daily 09:00", or "weekly fri 09:00" for once a week.'
    )


@pytest.mark.parametrize("words", ["daily", "weekly mon", "weekly mon quiet skip"])
def test_a_missing_time_asks_what_time(words: str) -> None:
    example = "daily 09:00" if words == "daily" else "weekly mon 09:00"
    assert assert_kind_error(words, "What time should the digest go out?") == (
        f'What time should the digest go out? Add a time, for example "{example}".'
    )


def test_a_missing_time_example_keeps_the_day_that_was_typed() -> None:
    assert assert_kind_error("weekly friday", '"weekly fri 09:00"') == (
        'What time should the digest go out? Add a time, for example "weekly fri 09:00".'
    )


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("25:00", "hours go from 0 to 23"),
        ("24:00", "hours go from 0 to 23"),
        ("9:75", "minutes go from 00 to 59"),
        ("13pm", "with am or pm, hours go from 1 to 12"),
        ("0am", "with am or pm, hours go from 1 to 12"),
        ("nine", "Write the time like 09:00, 9am or 2:30pm"),
        ("9:5", "Write the time like 09:00, 9am or 2:30pm"),
    ],
)
def test_an_invalid_time_is_named_with_what_is_wrong(typed: str, problem: str) -> None:
    message = assert_kind_error(f"daily {typed}", f'"{typed}" isn\'t a time I can use')
    assert problem in message
    why = "." if problem.startswith("Write the time") else f": {problem}."  # a time it can't read at all: no why
    assert message == (
        f'Sorry, "{typed}" isn\'t a time I can use{why} Write the time like 09:00, 9am or 2:30pm, '
        'for example "daily 09:00".'
    )


@pytest.mark.parametrize("words", ["daily 08:30 quiet", "daily 08:30 quiet loudly"])
def test_an_unfinished_or_unknown_quiet_option_lists_the_choices(words: str) -> None:
    message = assert_kind_error(words, '"quiet skip"')
    assert '"quiet prompt"' in message
    assert message == (
        f'Sorry, I didn\'t understand "{words.removeprefix("daily 08:30 ")}". Use "quiet skip" to skip the digest '
        'when there is nothing new, or "quiet prompt" to post a short note instead, '
        'for example "daily 09:00 quiet skip".'
    )


def test_unknown_words_at_the_end_are_named() -> None:
    message = assert_kind_error("weekly mon 09:00 please thanks", '"please thanks" at the end')
    assert '"weekly mon 09:00 quiet skip"' in message
    assert message == (
        'Sorry, I didn\'t understand "please thanks" at the end. After the time you can add "quiet skip" '
        'to skip the digest when there is nothing new, for example "weekly mon 09:00 quiet skip".'
    )


def test_schedule_errors_are_value_errors() -> None:
    assert issubclass(ScheduleError, ValueError)


# Describing and writing schedules back


@pytest.mark.parametrize(
    ("schedule", "description"),
    [
        (weekly("mon", 9), "every Monday at 09:00"),
        (daily(8, 30), "every day at 08:30"),
        (
            Schedule("weekly", time(14, 30), weekday=6, quiet="skip"),
            "every Sunday at 14:30, skipped when there is nothing new",
        ),
        (Schedule("daily", time(8, 30), quiet="skip"), "every day at 08:30, skipped when there is nothing new"),
    ],
)
def test_describe_says_when_in_plain_words(schedule: Schedule, description: str) -> None:
    assert schedule.describe() == description


def test_to_text_uses_canonical_words() -> None:
    assert weekly("mon", 9).to_text() == "weekly mon 09:00"
    assert Schedule("daily", time(8, 30), quiet="skip").to_text() == "daily 08:30 quiet skip"


@pytest.mark.parametrize(
    "schedule",
    [
        *(Schedule("weekly", time(7, 5), weekday=day, quiet=quiet) for day in range(7) for quiet in ("prompt", "skip")),
        Schedule("daily", time(0, 0)),
        Schedule("daily", time(23, 59), quiet="skip"),
    ],
)
def test_to_text_parses_back_to_an_equal_schedule(schedule: Schedule) -> None:
    assert parse_schedule(schedule.to_text()) == schedule


@pytest.mark.parametrize(
    "fields",
    [
        {"cadence": "weekly", "at": time(9)},
        {"cadence": "weekly", "at": time(9), "weekday": 7},
        {"cadence": "daily", "at": time(9), "weekday": 0},
        {"cadence": "monthly", "at": time(9)},
        {"cadence": "daily", "at": time(9, 0, 30)},
        {"cadence": "daily", "at": time(9), "quiet": "loud"},
    ],
)
def test_a_schedule_that_makes_no_sense_cannot_be_built(fields: dict) -> None:
    with pytest.raises(ValueError):
        Schedule(**fields)


# Next run


def test_weekly_next_run_is_the_coming_scheduled_day() -> None:
    wednesday = utc(2026, 1, 7, 12)
    assert next_run(weekly("mon", 9), wednesday, LONDON) == utc(2026, 1, 12, 9)


def test_next_run_is_strictly_after_the_given_moment() -> None:
    monday_slot = utc(2026, 1, 12, 9)
    assert next_run(weekly("mon", 9), monday_slot - timedelta(microseconds=1), LONDON) == monday_slot
    assert next_run(weekly("mon", 9), monday_slot, LONDON) == utc(2026, 1, 19, 9)


def test_daily_next_run_is_later_today_or_tomorrow() -> None:
    assert next_run(daily(8, 30), utc(2026, 1, 7, 8, 29), LONDON) == utc(2026, 1, 7, 8, 30)
    assert next_run(daily(8, 30), utc(2026, 1, 7, 8, 30), LONDON) == utc(2026, 1, 8, 8, 30)


def test_next_run_is_in_utc_whatever_zone_the_moment_is_in() -> None:
    tokyo_evening = datetime(2026, 1, 7, 21, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 12:00 UTC
    run = next_run(daily(8, 30), tokyo_evening, LONDON)
    assert run == utc(2026, 1, 8, 8, 30)
    assert run.utcoffset() == timedelta(0)


# Daylight saving in Europe/London


def test_weekly_sunday_stays_at_nine_local_when_the_clocks_go_forward() -> None:
    schedule = weekly("sun", 9)
    assert next_run(schedule, utc(2026, 3, 22, 9), LONDON) == utc(2026, 3, 29, 8)
    assert next_run(schedule, utc(2026, 3, 29, 8), LONDON).astimezone(LONDON).hour == 9


def test_weekly_sunday_stays_at_nine_local_when_the_clocks_go_back() -> None:
    schedule = weekly("sun", 9)
    assert next_run(schedule, utc(2026, 10, 18, 8), LONDON) == utc(2026, 10, 25, 9)


def test_a_time_skipped_by_the_clocks_going_forward_runs_shifted_by_the_gap() -> None:
    run = next_run(daily(1, 30), utc(2026, 3, 28, 12), LONDON)
    assert run == utc(2026, 3, 29, 1, 30)
    assert run.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"


def test_a_time_repeated_by_the_clocks_going_back_runs_once_at_the_first_occurrence() -> None:
    runs = runs_between(daily(1, 30), utc(2026, 10, 24, 12), utc(2026, 10, 26, 12), LONDON)
    assert runs == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    assert next_run(daily(1, 30), utc(2026, 10, 25, 0, 30), LONDON) == utc(2026, 10, 26, 1, 30)


# Runs between two moments


def test_a_year_of_weekly_runs_has_one_run_a_week_at_nine_local() -> None:
    runs = runs_between(weekly("mon", 9), utc(2026, 1, 1), utc(2027, 1, 1), LONDON)
    assert len(runs) == 52
    assert {run.astimezone(LONDON).strftime("%a %H:%M") for run in runs} == {"Mon 09:00"}
    assert {run.hour for run in runs} == {8, 9}  # UTC hour moves with summer time


def test_a_year_with_fifty_three_of_a_weekday_has_fifty_three_runs() -> None:
    runs = runs_between(weekly("thu", 9), utc(2026, 1, 1), utc(2027, 1, 1), LONDON)
    assert len(runs) == 53


def test_a_year_of_daily_runs_has_one_run_a_day_at_nine_local() -> None:
    runs = runs_between(daily(9), utc(2026, 1, 1), utc(2027, 1, 1), LONDON)
    local = [run.astimezone(LONDON) for run in runs]
    assert len(runs) == 365
    assert {moment.strftime("%H:%M") for moment in local} == {"09:00"}
    assert len({moment.date() for moment in local}) == 365
    assert runs == sorted(runs)


def test_runs_between_leaves_out_the_start_and_includes_the_end() -> None:
    first, second, third = utc(2026, 1, 5, 9), utc(2026, 1, 12, 9), utc(2026, 1, 19, 9)
    assert runs_between(weekly("mon", 9), first, third, LONDON) == [second, third]


def test_runs_between_is_empty_when_the_end_is_not_after_the_start() -> None:
    assert runs_between(daily(9), utc(2026, 1, 5, 9), utc(2026, 1, 5, 9), LONDON) == []
    assert runs_between(daily(9), utc(2026, 2, 1), utc(2026, 1, 1), LONDON) == []


def test_runs_between_handles_a_century_quickly() -> None:
    runs = runs_between(daily(9), utc(2000, 1, 1), utc(2100, 1, 1), LONDON)
    assert len(runs) == (date(2100, 1, 1) - date(2000, 1, 1)).days


# Period keys


def test_period_key_names_the_local_date_and_time_of_the_slot() -> None:
    run = next_run(weekly("sun", 9), utc(2026, 3, 22, 9), LONDON)
    assert period_key(weekly("sun", 9), run, LONDON) == "2026-03-29T09:00"


def test_period_key_is_the_same_however_the_moment_is_written() -> None:
    run = utc(2026, 3, 29, 8)
    in_new_york = run.astimezone(NEW_YORK)
    assert period_key(weekly("sun", 9), run, LONDON) == period_key(weekly("sun", 9), in_new_york, LONDON)


def test_period_key_is_unique_for_every_slot_in_a_year() -> None:
    schedule = daily(1, 30)  # includes the skipped and the repeated 01:30
    runs = runs_between(schedule, utc(2026, 1, 1), utc(2027, 1, 1), LONDON)
    assert len({period_key(schedule, run, LONDON) for run in runs}) == len(runs) == 365


def test_period_key_of_a_slot_moved_by_the_gap_keeps_its_scheduled_time() -> None:
    assert period_key(daily(1, 30), utc(2026, 3, 29, 1, 30), LONDON) == "2026-03-29T01:30"


def test_a_late_moment_belongs_to_the_slot_before_it() -> None:
    late = utc(2026, 1, 14, 16)
    assert period_key(weekly("mon", 9), late, LONDON) == "2026-01-12T09:00"


# Previous run


def test_previous_run_is_the_last_slot_strictly_before() -> None:
    schedule = weekly("mon", 9)
    assert previous_run(schedule, utc(2026, 1, 14, 16), LONDON) == utc(2026, 1, 12, 9)
    assert previous_run(schedule, utc(2026, 1, 12, 9), LONDON) == utc(2026, 1, 5, 9)


def test_previous_run_steps_back_across_the_clocks_changing() -> None:
    assert previous_run(weekly("sun", 9), utc(2026, 3, 30), LONDON) == utc(2026, 3, 29, 8)
    assert previous_run(weekly("sun", 9), utc(2026, 3, 29, 8), LONDON) == utc(2026, 3, 22, 9)


def test_previous_run_reads_a_repeated_hour_correctly() -> None:
    second_one_thirty = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON)  # 01:30 UTC
    assert previous_run(daily(1, 30), second_one_thirty, LONDON) == utc(2026, 10, 25, 0, 30)


def test_previous_and_next_run_agree() -> None:
    schedule = daily(1, 30)
    moment = utc(2026, 1, 1)
    for _ in range(400):
        following = next_run(schedule, moment, LONDON)
        assert previous_run(schedule, following + timedelta(microseconds=1), LONDON) == following
        moment = following


# Other zones


def test_new_york_runs_stay_at_local_wall_time_on_its_own_change_dates() -> None:
    schedule = weekly("sun", 9)
    runs = runs_between(schedule, utc(2026, 2, 28), utc(2026, 3, 16), NEW_YORK)
    assert runs == [utc(2026, 3, 1, 14), utc(2026, 3, 8, 13), utc(2026, 3, 15, 13)]
    assert next_run(schedule, utc(2026, 10, 26), NEW_YORK) == utc(2026, 11, 1, 14)


def test_a_year_in_new_york_is_always_at_nine_local() -> None:
    runs = runs_between(daily(9), utc(2026, 1, 1, 5), utc(2027, 1, 1, 5), NEW_YORK)
    assert len(runs) == 365
    assert {run.astimezone(NEW_YORK).strftime("%H:%M") for run in runs} == {"09:00"}


def test_a_calendar_day_skipped_by_a_zone_does_not_run_twice() -> None:
    apia = ZoneInfo("Pacific/Apia")  # Samoa skipped 30 December 2011
    runs = runs_between(daily(9), utc(2011, 12, 28), utc(2012, 1, 2), apia)
    assert len(runs) == len(set(runs)) == 5
    assert len({period_key(daily(9), run, apia) for run in runs}) == 5


# Naive datetimes


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: next_run(daily(9), naive, LONDON),
        lambda naive: previous_run(daily(9), naive, LONDON),
        lambda naive: runs_between(daily(9), naive, utc(2026, 2, 1), LONDON),
        lambda naive: runs_between(daily(9), utc(2026, 1, 1), naive, LONDON),
        lambda naive: period_key(daily(9), naive, LONDON),
    ],
)
def test_a_naive_datetime_is_refused(call) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 1, 1, 9))


# Fortnightly schedules

MONDAY = date(2026, 12, 7)  # today, for the fortnightly schedules typed without a start date


def fortnightly(day: str, hour: int, minute: int = 0, anchor: date = date(2026, 12, 8), **extra) -> Schedule:
    return Schedule("fortnightly", time(hour, minute), weekday=WEEKDAYS.index(day), anchor=anchor, **extra)


@pytest.mark.parametrize(
    "words",
    [
        "fortnightly tue 09:45",
        "Fortnightly Tuesday 9:45am",
        "fortnight tue 09:45",
        "every other tuesday 09:45",
        "every other Tuesday at 9.45am",
        "every second tuesday 09:45",
        "every 2 weeks on tue at 09:45",
        "every two weeks on tuesday at 09:45",
        "every other week on tuesday at 09:45",
        "alternate tuesdays 09:45",
    ],
)
def test_fortnightly_schedules_are_read_in_the_ways_people_write_them(words: str) -> None:
    assert parse_schedule(words, today=MONDAY) == fortnightly("tue", 9, 45)


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (date(2026, 12, 7), date(2026, 12, 8)),  # Monday: tomorrow
        (date(2026, 12, 8), date(2026, 12, 15)),  # Tuesday: a week on, so today's time cannot have passed
        (date(2026, 12, 9), date(2026, 12, 15)),
        (date(2026, 12, 31), date(2027, 1, 5)),
    ],
)
def test_without_a_start_date_the_first_run_is_the_next_such_day_after_today(today: date, first: date) -> None:
    assert parse_schedule("fortnightly tue 09:45", today=today).anchor == first


@pytest.mark.parametrize(
    "words",
    [
        "fortnightly tue 09:45 from 2026-12-08",
        "fortnightly tue 09:45 from 8 December 2026",
        "fortnightly tue 09:45 starting Tuesday 8th Dec 2026",
        "every other tuesday at 9:45am, from 8/12/2026",
        "fortnightly tue 09:45 from 2026-12-02",  # a Wednesday: the first Tuesday on or after it
    ],
)
def test_a_typed_start_date_chooses_the_weeks_whatever_today_is(words: str) -> None:
    assert parse_schedule(words) == fortnightly("tue", 9, 45)
    assert parse_schedule(words, today=date(2027, 3, 1)) == fortnightly("tue", 9, 45)


def test_a_start_date_without_a_year_is_the_next_such_date() -> None:
    assert parse_schedule("fortnightly tue 09:45 from 8 dec", today=MONDAY) == fortnightly("tue", 9, 45)


def test_quiet_skip_and_the_start_date_come_in_either_order() -> None:
    expected = fortnightly("tue", 9, 45, quiet="skip")
    assert parse_schedule("fortnightly tue 09:45 from 2026-12-08 quiet skip") == expected
    assert parse_schedule("fortnightly tue 09:45 quiet skip from 2026-12-08") == expected
    assert parse_schedule("every other tuesday 09:45 skip", today=MONDAY) == expected


def test_fortnightly_to_text_names_its_anchor() -> None:
    assert fortnightly("tue", 9, 45).to_text() == "fortnightly tue 09:45 from 2026-12-08"
    assert fortnightly("tue", 9, 45, quiet="skip").to_text() == "fortnightly tue 09:45 from 2026-12-08 quiet skip"


@pytest.mark.parametrize(
    "schedule",
    [
        fortnightly(day, 7, 5, anchor=date(2026, 12, 7) + timedelta(days=number), quiet=quiet)
        for number, day in enumerate(WEEKDAYS)
        for quiet in ("prompt", "skip")
    ],
)
def test_fortnightly_to_text_parses_back_to_an_equal_schedule_without_today(schedule: Schedule) -> None:
    assert parse_schedule(schedule.to_text()) == schedule
    assert parse_schedule(schedule.to_text(), today=date(2030, 1, 1)) == schedule


def test_fortnightly_describe_says_every_other_day_and_from_when() -> None:
    assert fortnightly("tue", 9, 45).describe() == "every other Tuesday at 09:45 from 8 December 2026"
    assert fortnightly("fri", 14, 0, anchor=date(2027, 1, 8), quiet="skip").describe() == (
        "every other Friday at 14:00 from 8 January 2027, skipped when there is nothing new"
    )


def test_weekly_and_daily_schedules_ignore_today() -> None:
    assert parse_schedule("weekly mon 09:00", today=MONDAY) == weekly("mon", 9)
    assert parse_schedule("daily 08:30", today=MONDAY) == daily(8, 30)


@pytest.mark.parametrize(
    "fields",
    [
        {"cadence": "fortnightly", "at": time(9), "weekday": 1},
        {"cadence": "fortnightly", "at": time(9), "weekday": 1, "anchor": date(2026, 12, 9)},
        {"cadence": "fortnightly", "at": time(9), "weekday": 1, "anchor": datetime(2026, 12, 8, 9)},
        {"cadence": "fortnightly", "at": time(9), "anchor": date(2026, 12, 8)},
        {"cadence": "weekly", "at": time(9), "weekday": 1, "anchor": date(2026, 12, 8)},
        {"cadence": "daily", "at": time(9), "anchor": date(2026, 12, 8)},
    ],
)
def test_a_fortnightly_schedule_that_makes_no_sense_cannot_be_built(fields: dict) -> None:
    with pytest.raises(ValueError):
        Schedule(**fields)


def test_fortnightly_without_a_start_date_or_today_asks_for_the_first_date() -> None:
    message = assert_kind_error("fortnightly tue 09:45", 'A "fortnightly" digest needs the date of its first run')
    assert '"fortnightly tue 09:45 from 2027-01-05"' in message
    assert message == (
        'A "fortnightly" digest needs the date of its first run, for example "fortnightly tue 09:45 from '
        '2027-01-05". Start with "weekly" or "daily" instead for a digest every week or every day.'
    )


def assert_kind_fortnightly_error(words: str, fragment: str) -> str:
    """Like assert_kind_error, for callers that give today: one example in the message must then work."""
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(words, today=MONDAY)
    message = str(caught.value)
    assert fragment in message
    examples = re.findall(r'"([^"]+)"', message)
    assert any(_parses_today(example) for example in examples), f"no working example in: {message}"
    return message


def _parses_today(words: str) -> bool:
    try:
        parse_schedule(words, today=MONDAY)
    except ScheduleError:
        return False
    return True


@pytest.mark.parametrize("words", ["fortnightly", "fortnightly 09:00", "every other week at 9am"])
def test_a_fortnightly_schedule_without_a_day_asks_which_day(words: str) -> None:
    assert assert_kind_fortnightly_error(words, "Which day should the fortnightly digest go out?") == (
        "Which day should the fortnightly digest go out? Put the day before the time, "
        'for example "fortnightly mon 09:00".'
    )


def test_a_fortnightly_schedule_without_a_time_asks_what_time() -> None:
    assert assert_kind_fortnightly_error("fortnightly tue", '"fortnightly tue 09:00"') == (
        'What time should the digest go out? Add a time, for example "fortnightly tue 09:00".'
    )


def test_every_other_day_is_explained_and_daily_offered() -> None:
    message = assert_kind_fortnightly_error("every other day at 9am", "not every other day")
    assert '"daily 09:00"' in message
    assert message == (
        "I can post a digest every day, every week or every other week, but not every other day. "
        'For example "daily 09:00" or "weekly mon 09:00".'
    )


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        ("fortnightly tue 09:45 from someday", 'couldn\'t read "someday" as a date'),
        ("fortnightly tue 09:45 from", "Which date?"),
        ("fortnightly tue 09:45 from 31 feb 2027", "no such date"),
        ("fortnightly tue 09:45 from monday 8 dec 2026", "8 December 2026 is a Tuesday, not a Monday"),
    ],
)
def test_an_unreadable_start_date_is_named_with_an_example(words: str, fragment: str) -> None:
    message = assert_kind_fortnightly_error(words, fragment)
    assert '"fortnightly tue 09:45 from 2026-12-08"' in message


def test_a_start_date_without_a_year_needs_today() -> None:
    assert_kind_error("fortnightly tue 09:45 from 8 dec", 'Which year is "8 dec"?')


@pytest.mark.parametrize("words", ["weekly mon 09:00 from 2026-12-07", "daily 09:00 starting 2026-12-07"])
def test_a_start_date_on_a_weekly_or_daily_schedule_explains_only_fortnightly_needs_one(words: str) -> None:
    assert_kind_error(words, "Only a fortnightly digest needs a start date")


def test_an_unknown_cadence_now_also_suggests_fortnightly() -> None:
    assert_kind_error("monthly mon 09:00", 'Start with "weekly", "fortnightly" or "daily"')


# Fortnightly runs


def test_fortnightly_next_run_skips_the_week_off() -> None:
    schedule = fortnightly("tue", 9, 45)
    assert next_run(schedule, utc(2026, 12, 7, 12), LONDON) == utc(2026, 12, 8, 9, 45)
    assert next_run(schedule, utc(2026, 12, 8, 9, 45), LONDON) == utc(2026, 12, 22, 9, 45)
    assert next_run(schedule, utc(2026, 12, 15, 9, 45), LONDON) == utc(2026, 12, 22, 9, 45)


def test_fortnightly_previous_run_steps_back_a_fortnight_even_before_the_anchor() -> None:
    schedule = fortnightly("tue", 9, 45)
    assert previous_run(schedule, utc(2026, 12, 21), LONDON) == utc(2026, 12, 8, 9, 45)
    assert previous_run(schedule, utc(2026, 12, 8, 9, 45), LONDON) == utc(2026, 11, 24, 9, 45)


def test_a_year_of_fortnightly_runs_has_one_run_every_other_week_at_the_local_time() -> None:
    schedule = fortnightly("tue", 9, 45)
    runs = runs_between(schedule, utc(2027, 1, 1), utc(2028, 1, 1), LONDON)
    local = [run.astimezone(LONDON) for run in runs]
    assert len(runs) == 26
    assert {moment.strftime("%a %H:%M") for moment in local} == {"Tue 09:45"}
    assert {(local[n + 1].date() - local[n].date()).days for n in range(len(local) - 1)} == {14}
    assert {(moment.date() - date(2026, 12, 8)).days % 14 for moment in local} == {0}
    assert {run.hour for run in runs} == {8, 9}  # UTC hour moves with summer time


def test_fortnightly_runs_keep_local_time_across_the_clocks_going_forward() -> None:
    runs = runs_between(fortnightly("tue", 9, 45), utc(2027, 3, 10), utc(2027, 4, 6), LONDON)
    assert runs == [utc(2027, 3, 16, 9, 45), utc(2027, 3, 30, 8, 45)]


def test_a_fortnightly_time_skipped_by_the_clocks_runs_shifted_by_the_gap() -> None:
    schedule = fortnightly("sun", 1, 30, anchor=date(2027, 3, 28))  # the clocks go forward that night
    run = next_run(schedule, utc(2027, 3, 20), LONDON)
    assert run == utc(2027, 3, 28, 1, 30)
    assert run.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"
    assert period_key(schedule, run, LONDON) == "2027-03-28T01:30"


def test_a_fortnightly_time_repeated_by_the_clocks_runs_once_at_the_first() -> None:
    schedule = fortnightly("sun", 1, 30, anchor=date(2026, 10, 25))  # the clocks go back that night
    runs = runs_between(schedule, utc(2026, 10, 20), utc(2026, 11, 9), LONDON)
    assert runs == [utc(2026, 10, 25, 0, 30), utc(2026, 11, 8, 1, 30)]


def test_fortnightly_period_keys_are_unique_and_name_the_run_day() -> None:
    schedule = fortnightly("tue", 9, 45)
    runs = runs_between(schedule, utc(2027, 1, 1), utc(2028, 1, 1), LONDON)
    keys = [period_key(schedule, run, LONDON) for run in runs]
    assert len(set(keys)) == len(runs) == 26
    assert keys[0] == "2027-01-05T09:45"


def test_a_moment_in_the_week_off_belongs_to_the_run_before_it() -> None:
    schedule = fortnightly("tue", 9, 45)
    assert period_key(schedule, utc(2026, 12, 15, 12), LONDON) == "2026-12-08T09:45"
    assert period_key(schedule, utc(2026, 12, 22, 9, 44), LONDON) == "2026-12-08T09:45"
    assert period_key(schedule, utc(2026, 12, 22, 9, 45), LONDON) == "2026-12-22T09:45"


def test_fortnightly_previous_and_next_run_agree() -> None:
    schedule = fortnightly("sun", 1, 30, anchor=date(2026, 10, 25))
    moment = utc(2026, 1, 1)
    for _ in range(60):
        following = next_run(schedule, moment, LONDON)
        assert previous_run(schedule, following + timedelta(microseconds=1), LONDON) == following
        # A bound: runs are a fortnight apart in London time, so an hour more or less in UTC across a clock change
        # (the exact runs around the changes are the gap and repeated-hour tests above).
        assert following - moment <= timedelta(days=14, hours=1)
        moment = following


def test_the_anchor_only_chooses_the_weeks() -> None:
    start, end = utc(2027, 1, 1), utc(2028, 1, 1)
    same_weeks = runs_between(fortnightly("tue", 9, 45, anchor=date(2027, 12, 7)), start, end, LONDON)
    assert same_weeks == runs_between(fortnightly("tue", 9, 45), start, end, LONDON)
    other_weeks = runs_between(fortnightly("tue", 9, 45, anchor=date(2026, 12, 15)), start, end, LONDON)
    assert not set(other_weeks) & set(same_weeks)
    assert sorted(other_weeks + same_weeks) == runs_between(weekly("tue", 9, 45), start, end, LONDON)
