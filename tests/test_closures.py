import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.closures import (
    ClosedDays,
    Closure,
    ClosureError,
    DateError,
    Listing,
    Nation,
    Policy,
    adjust,
    bank_holidays,
    closures_from_ics,
    parse_closure,
    parse_date,
    parse_nation,
)

LONDON = ZoneInfo("Europe/London")
ENGLAND = ClosedDays(Nation.ENGLAND)
SCOTLAND = ClosedDays(Nation.SCOTLAND)
ALL_NATIONS = list(Nation)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


# Which nation's bank holidays


@pytest.mark.parametrize(
    ("words", "nation"),
    [
        ("england", Nation.ENGLAND),
        (" England ", Nation.ENGLAND),
        ("ENG", Nation.ENGLAND),
        ("wales", Nation.WALES),
        ("Cymru", Nation.WALES),
        ("Scotland", Nation.SCOTLAND),
        ("northern-ireland", Nation.NORTHERN_IRELAND),
        ("Northern Ireland", Nation.NORTHERN_IRELAND),
        ("northern_ireland", Nation.NORTHERN_IRELAND),
        ("NI", Nation.NORTHERN_IRELAND),
        ("N. Ireland", Nation.NORTHERN_IRELAND),
    ],
)
def test_nations_are_read_as_people_write_them(words: str, nation: Nation) -> None:
    assert parse_nation(words) is nation


@pytest.mark.parametrize("words", ["none", "None", "no", "off"])
def test_none_means_no_bank_holidays(words: str) -> None:
    assert parse_nation(words) is None


def test_every_nation_reads_back_from_its_own_value() -> None:
    assert [parse_nation(nation.value) for nation in Nation] == ALL_NATIONS
    assert [nation.describe() for nation in Nation] == ["England", "Wales", "Scotland", "Northern Ireland"]


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        ("", "Which nation's bank holidays"),
        ("UK", "differ across the UK"),
        ("Great Britain", "differ across the UK"),
        ("Ireland", '"northern-ireland"'),
        ("France", '"France" isn\'t a UK nation I know'),
    ],
)
def test_anything_else_is_a_kind_error_that_lists_the_choices(words: str, fragment: str) -> None:
    with pytest.raises(ClosureError) as caught:
        parse_nation(words)
    assert fragment in str(caught.value)
    assert '"northern-ireland"' in str(caught.value)


# Bank holidays, Christmas 2026 to Easter 2027


def test_boxing_day_on_a_saturday_makes_monday_the_bank_holiday() -> None:
    assert date(2026, 12, 25).strftime("%A") == "Friday"
    for nation in Nation:
        closed = ClosedDays(nation)
        assert closed.why_closed(date(2026, 12, 25)) == "Christmas Day"
        assert closed.is_closed(date(2026, 12, 26))
        assert closed.why_closed(date(2026, 12, 28)) == "Boxing Day (observed)"
        assert not closed.is_closed(date(2026, 12, 24))
        assert not closed.is_closed(date(2026, 12, 29))


def test_scotland_also_closes_on_2_january_with_monday_4_january_as_substitute() -> None:
    assert date(2027, 1, 2).strftime("%A") == "Saturday"
    assert SCOTLAND.is_closed(date(2027, 1, 1)) and ENGLAND.is_closed(date(2027, 1, 1))
    assert SCOTLAND.is_closed(date(2027, 1, 2))
    assert SCOTLAND.is_closed(date(2027, 1, 4))
    assert not ENGLAND.is_closed(date(2027, 1, 4))


def test_easter_2027_closes_good_friday_everywhere_and_easter_monday_outside_scotland() -> None:
    good_friday, easter_monday = date(2027, 3, 26), date(2027, 3, 29)
    assert {nation: ClosedDays(nation).why_closed(good_friday) for nation in Nation} == dict.fromkeys(
        Nation, "Good Friday"
    )
    assert {nation: ClosedDays(nation).is_closed(easter_monday) for nation in Nation} == {
        Nation.ENGLAND: True,
        Nation.WALES: True,
        Nation.SCOTLAND: False,
        Nation.NORTHERN_IRELAND: True,
    }


def test_without_a_nation_bank_holidays_are_open() -> None:
    assert not ClosedDays().is_closed(date(2026, 12, 25))
    assert ClosedDays().next_working_day(date(2026, 12, 24)) == date(2026, 12, 25)


def test_bank_holidays_lists_a_nations_year() -> None:
    assert list(bank_holidays(Nation.ENGLAND, 2027).values())[:4] == [
        "New Year's Day",
        "Good Friday",
        "Easter Monday",
        "May Day",
    ]
    assert date(2027, 11, 30) in bank_holidays(Nation.SCOTLAND, 2027)  # St Andrew's Day
    assert date(2027, 7, 12) in bank_holidays(Nation.NORTHERN_IRELAND, 2027)  # Battle of the Boyne


def test_a_nation_can_be_given_as_its_value() -> None:
    assert ClosedDays("scotland").nation is Nation.SCOTLAND
    with pytest.raises(ValueError):
        ClosedDays("france")


# Working days


@pytest.mark.parametrize(
    ("closed", "day", "expected"),
    [
        (ENGLAND, date(2026, 12, 24), date(2026, 12, 29)),  # Christmas, the weekend, Boxing Day's substitute
        (ENGLAND, date(2026, 12, 31), date(2027, 1, 4)),
        (SCOTLAND, date(2026, 12, 31), date(2027, 1, 5)),
        (ENGLAND, date(2027, 3, 25), date(2027, 3, 30)),  # Good Friday, the weekend, Easter Monday
        (SCOTLAND, date(2027, 3, 25), date(2027, 3, 29)),
        (ENGLAND, date(2027, 1, 8), date(2027, 1, 11)),  # an ordinary Friday
        (ENGLAND, date(2027, 1, 11), date(2027, 1, 12)),  # strictly after the day given
    ],
)
def test_next_working_day_is_the_next_weekday_that_is_not_closed(closed: ClosedDays, day: date, expected: date) -> None:
    assert closed.next_working_day(day) == expected


def test_an_organisations_closure_joins_the_bank_holidays() -> None:
    closed = ClosedDays(Nation.ENGLAND, (parse_closure("2026-12-21 to 2027-01-04"),))
    assert closed.is_closed(date(2026, 12, 21)) and closed.is_closed(date(2027, 1, 4))
    assert not closed.is_closed(date(2026, 12, 18))
    assert closed.why_closed(date(2026, 12, 25)) == "Christmas Day"
    assert closed.why_closed(date(2026, 12, 22)) == "21 December 2026 to 4 January 2027"
    assert closed.next_working_day(date(2026, 12, 18)) == date(2027, 1, 5)


def test_a_weekend_is_not_a_closure() -> None:
    assert not ENGLAND.is_closed(date(2027, 1, 9))
    assert ENGLAND.why_closed(date(2027, 1, 9)) is None


def test_closures_are_kept_in_date_order() -> None:
    later, earlier = Closure(date(2027, 2, 15), date(2027, 2, 19)), Closure(date(2026, 10, 26), date(2026, 10, 30))
    assert ClosedDays(closures=(later, earlier)).closures == (earlier, later)
    assert ClosedDays(closures=[later, earlier]) == ClosedDays(closures=(earlier, later))


# Moving and skipping a scheduled moment


def test_a_christmas_day_post_is_skipped_or_moved_past_boxing_days_substitute() -> None:
    christmas = london(2026, 12, 25, 9)
    assert adjust(christmas, LONDON, ENGLAND, Policy.SKIP) is None
    assert adjust(christmas, LONDON, ENGLAND, Policy.MOVE) == utc(2026, 12, 29, 9)


def test_a_new_years_day_post_moves_a_day_further_in_scotland() -> None:
    new_year = london(2027, 1, 1, 9)
    assert adjust(new_year, LONDON, ENGLAND, Policy.MOVE) == utc(2027, 1, 4, 9)
    assert adjust(new_year, LONDON, SCOTLAND, Policy.MOVE) == utc(2027, 1, 5, 9)
    assert adjust(london(2027, 1, 4, 9), LONDON, SCOTLAND, Policy.SKIP) is None
    assert adjust(london(2027, 1, 4, 9), LONDON, ENGLAND, Policy.SKIP) == utc(2027, 1, 4, 9)


def test_a_good_friday_post_moves_across_the_clocks_going_forward_and_stays_at_nine() -> None:
    good_friday = london(2027, 3, 26, 9)
    assert good_friday.utcoffset() == timedelta(0)
    moved = adjust(good_friday, LONDON, ENGLAND, Policy.MOVE)
    assert moved == utc(2027, 3, 30, 8)
    assert moved.astimezone(LONDON).strftime("%A %H:%M %Z") == "Tuesday 09:00 BST"
    in_scotland = adjust(good_friday, LONDON, SCOTLAND, Policy.MOVE)
    assert in_scotland.astimezone(LONDON).strftime("%A %d %H:%M %Z") == "Monday 29 09:00 BST"
    assert adjust(good_friday, LONDON, ENGLAND, Policy.SKIP) is None
    assert adjust(good_friday, LONDON, SCOTLAND, Policy.SKIP) is None


def test_an_easter_monday_post_is_skipped_except_in_scotland() -> None:
    easter_monday = london(2027, 3, 29, 9)
    assert adjust(easter_monday, LONDON, ENGLAND, Policy.SKIP) is None
    assert adjust(easter_monday, LONDON, SCOTLAND, Policy.SKIP) == utc(2027, 3, 29, 8)


def test_a_moment_on_an_open_day_is_unchanged_and_in_utc() -> None:
    saturday = london(2027, 1, 9, 9)
    for policy in Policy:
        assert adjust(saturday, LONDON, ENGLAND, policy) == utc(2027, 1, 9, 9)
        assert adjust(saturday, LONDON, ENGLAND, policy).utcoffset() == timedelta(0)


def test_whether_a_day_is_closed_goes_by_its_local_date() -> None:
    just_after_midnight = utc(2027, 5, 2, 23, 30)  # 00:30 BST on Monday 3 May, the May Day bank holiday
    assert adjust(just_after_midnight, LONDON, ENGLAND, Policy.SKIP) is None
    assert adjust(just_after_midnight, LONDON, ENGLAND, Policy.MOVE) == utc(2027, 5, 3, 23, 30)


def test_moved_moments_can_share_a_day_with_its_own_post() -> None:
    daily = [london(2026, 12, day, 9) for day in (25, 28, 29)]
    assert [adjust(moment, LONDON, ENGLAND, Policy.MOVE) for moment in daily] == [utc(2026, 12, 29, 9)] * 3


def test_a_moved_time_that_does_not_exist_on_the_new_day_runs_shifted_by_the_gap() -> None:
    jerusalem = ZoneInfo("Asia/Jerusalem")  # clocks go forward at 02:00 on Friday 26 March 2027
    closed = ClosedDays(closures=(Closure(date(2027, 3, 25), date(2027, 3, 25)),))
    moved = adjust(datetime(2027, 3, 25, 2, 30, tzinfo=jerusalem), jerusalem, closed, Policy.MOVE)
    assert moved == utc(2027, 3, 26, 0, 30)
    assert moved.astimezone(jerusalem).strftime("%a %H:%M") == "Fri 03:30"


def test_a_moved_time_that_happens_twice_on_the_new_day_runs_at_the_first() -> None:
    cairo = ZoneInfo("Africa/Cairo")  # clocks go back at midnight at the end of Thursday 29 October 2026
    closed = ClosedDays(closures=(Closure(date(2026, 10, 28), date(2026, 10, 28)),))
    moved = adjust(datetime(2026, 10, 28, 23, 30, tzinfo=cairo), cairo, closed, Policy.MOVE)
    assert moved == utc(2026, 10, 29, 20, 30)
    assert moved.astimezone(cairo).strftime("%a %H:%M %Z") == "Thu 23:30 EEST"


def test_a_policy_can_be_given_as_its_value_and_nothing_else() -> None:
    assert adjust(london(2026, 12, 25, 9), LONDON, ENGLAND, "move") == utc(2026, 12, 29, 9)
    with pytest.raises(ValueError):
        adjust(london(2026, 12, 25, 9), LONDON, ENGLAND, "postpone")


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        adjust(datetime(2026, 12, 25, 9), LONDON, ENGLAND, Policy.SKIP)


# Closures people type


@pytest.mark.parametrize(
    ("words", "first", "last"),
    [
        ("2026-12-21 to 2027-01-04", date(2026, 12, 21), date(2027, 1, 4)),
        ("21 Dec 2026 to 4 Jan 2027", date(2026, 12, 21), date(2027, 1, 4)),
        ("21 December 2026 until 4 January 2027", date(2026, 12, 21), date(2027, 1, 4)),
        ("from Monday 21st December 2026 to Monday 4th January 2027", date(2026, 12, 21), date(2027, 1, 4)),
        ("21/12/2026 - 4/1/2027", date(2026, 12, 21), date(2027, 1, 4)),
        ("21 Dec to 4 Jan 2027", date(2026, 12, 21), date(2027, 1, 4)),
        ("21 Dec 2026 to 4 Jan", date(2026, 12, 21), date(2027, 1, 4)),
        ("21-24 Dec 2026", date(2026, 12, 21), date(2026, 12, 24)),
        ("21–24 December 2026", date(2026, 12, 21), date(2026, 12, 24)),
        ("between 26 Oct 2026 and 30 Oct 2026", date(2026, 10, 26), date(2026, 10, 30)),
        ("2026-12-24", date(2026, 12, 24), date(2026, 12, 24)),
        ("Thursday 24 December 2026", date(2026, 12, 24), date(2026, 12, 24)),
        ("2026-01-01 to 2026-12-31", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_closures_are_read_in_the_ways_people_write_them(words: str, first: date, last: date) -> None:
    assert parse_closure(words) == Closure(first, last)


def test_dates_without_a_year_are_the_next_such_dates_when_today_is_known() -> None:
    assert parse_closure("21 Dec to 4 Jan", today=date(2026, 11, 1)) == Closure(date(2026, 12, 21), date(2027, 1, 4))
    assert parse_closure("24 Dec", today=date(2026, 12, 24)) == Closure(date(2026, 12, 24), date(2026, 12, 24))
    assert parse_closure("24 Dec", today=date(2026, 12, 25)) == Closure(date(2027, 12, 24), date(2027, 12, 24))


@pytest.mark.parametrize(
    "closure",
    [
        Closure(date(2026, 12, 21), date(2027, 1, 4)),
        Closure(date(2026, 12, 24), date(2026, 12, 24)),
        Closure(date(2028, 2, 29), date(2029, 2, 28)),
    ],
)
def test_to_text_reads_back_to_the_same_days(closure: Closure) -> None:
    assert parse_closure(closure.to_text()) == closure


def test_a_closure_describes_itself_in_plain_words() -> None:
    assert Closure(date(2026, 12, 21), date(2027, 1, 4)).describe() == "21 December 2026 to 4 January 2027"
    assert Closure(date(2026, 12, 24), date(2026, 12, 24)).describe() == "24 December 2026"
    assert Closure(date(2026, 10, 26), date(2026, 10, 30), "Half term").describe() == (
        "Half term (26 October 2026 to 30 October 2026)"
    )


def assert_kind_closure_error(words: str, fragment: str) -> str:
    with pytest.raises(ClosureError) as caught:
        parse_closure(words)
    message = str(caught.value)
    assert fragment in message
    assert any(_reads_as_closure(example) for example in re.findall(r'"([^"]+)"', message)), message
    return message


def _reads_as_closure(words: str) -> bool:
    try:
        parse_closure(words)
    except ClosureError:
        return False
    return True


def test_an_empty_closure_asks_when() -> None:
    assert_kind_closure_error("  ", "When is the organisation closed?")


def test_a_closure_that_ends_before_it_starts_says_so_with_both_dates() -> None:
    assert_kind_closure_error("2027-01-04 to 2026-12-21", "ends (21 December 2026) before it starts (4 January 2027)")


def test_a_closure_longer_than_a_year_is_refused() -> None:
    assert_kind_closure_error("2026-01-01 to 2027-01-01", "longer than a year")
    assert_kind_closure_error("2026-12-21 to 2072-01-04", "longer than a year")


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        ("nonsense", 'couldn\'t read "nonsense" as a date'),
        ("next week sometime", 'couldn\'t read "next week sometime"'),
        ("31 Feb 2027", 'no such date as "31 Feb 2027"'),
        ("2026-13-01", "no month I can read"),
        ("21 to 24 2026", 'couldn\'t read "24 2026" as a date'),
        ("Tuesday 21 Dec 2026", "21 December 2026 is a Monday, not a Tuesday"),
        ("21 Dec to 4 Jan", 'Which year is "21 Dec"?'),
        ("2026-12-21 to 2027-01-04 to 2027-02-01", "couldn't read"),
        ("to 2027-01-04", "couldn't read"),
    ],
)
def test_unreadable_closures_are_kind_errors_with_an_example(words: str, fragment: str) -> None:
    assert_kind_closure_error(words, fragment)


def test_closure_errors_are_date_errors_and_value_errors() -> None:
    assert issubclass(ClosureError, DateError)
    assert issubclass(DateError, ValueError)


def test_a_closure_that_makes_no_sense_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        Closure(date(2027, 1, 4), date(2026, 12, 21))
    with pytest.raises(ValueError):
        Closure(datetime(2026, 12, 21, 9), date(2027, 1, 4))


# Single dates


@pytest.mark.parametrize(
    "words",
    [
        "2027-01-04",
        "4 January 2027",
        "4th Jan 2027",
        "Monday 4 January 2027",
        "January 4, 2027",
        "4/1/2027",
        "04/01/27",
    ],
)
def test_a_date_is_read_in_the_ways_people_write_it(words: str) -> None:
    assert parse_date(words) == date(2027, 1, 4)


def test_a_date_without_a_year_is_the_next_such_date_on_or_after_today() -> None:
    assert parse_date("4 January", today=date(2026, 12, 7)) == date(2027, 1, 4)
    assert parse_date("7 December", today=date(2026, 12, 7)) == date(2026, 12, 7)
    assert parse_date("29 Feb", today=date(2026, 12, 7)) == date(2028, 2, 29)
    assert parse_date("tomorrow", today=date(2026, 12, 31)) == date(2027, 1, 1)
    assert parse_date("Today", today=date(2026, 12, 31)) == date(2026, 12, 31)


def test_a_date_without_a_year_needs_today() -> None:
    with pytest.raises(DateError, match="Which year"):
        parse_date("4 January")


# Closures from an .ics calendar


def calendar(*events: str) -> str:
    body = "".join(
        f"BEGIN:VEVENT\nUID:{number}@school.example\nDTSTAMP:20260601T000000Z\n{event.strip()}\nEND:VEVENT\n"
        for number, event in enumerate(events)
    )
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test school//Term dates//EN\n{body}END:VCALENDAR\n"
    return text.replace("\n", "\r\n")


def holiday_closures(*events: str) -> tuple[Closure, ...]:
    return closures_from_ics(calendar(*events), lists=Listing.HOLIDAYS, tz=LONDON)


def test_an_all_day_event_ends_the_day_before_its_dtend() -> None:
    christmas = "SUMMARY:Christmas holidays\nDTSTART;VALUE=DATE:20261221\nDTEND;VALUE=DATE:20270105"
    assert holiday_closures(christmas) == (Closure(date(2026, 12, 21), date(2027, 1, 4), "Christmas holidays"),)


@pytest.mark.parametrize(
    "event",
    [
        "SUMMARY:INSET day\nDTSTART;VALUE=DATE:20270104",
        "SUMMARY:INSET day\nDTSTART;VALUE=DATE:20270104\nDTEND;VALUE=DATE:20270105",
        "SUMMARY:INSET day\nDTSTART;VALUE=DATE:20270104\nDTEND;VALUE=DATE:20270104",
        "SUMMARY:INSET day\nDTSTART;TZID=Europe/London:20270104T090000\nDTEND;TZID=Europe/London:20270104T153000",
        "SUMMARY:INSET day\nDTSTART;TZID=Europe/London:20270104T090000\nDTEND;TZID=Europe/London:20270105T000000",
        "SUMMARY:INSET day\nDTSTART;TZID=Europe/London:20270104T090000",
        "SUMMARY:INSET day\nDTSTART:20270104T090000\nDURATION:PT6H",
    ],
)
def test_a_one_day_event_closes_one_day_however_it_is_written(event: str) -> None:
    assert holiday_closures(event) == (Closure(date(2027, 1, 4), date(2027, 1, 4), "INSET day"),)


def test_a_timed_event_closes_every_local_day_it_touches() -> None:
    overnight = "SUMMARY:Residential\nDTSTART:20270211T220000Z\nDTEND:20270213T020000Z"
    assert holiday_closures(overnight) == (Closure(date(2027, 2, 11), date(2027, 2, 13), "Residential"),)


def test_a_utc_time_is_read_on_its_london_day() -> None:
    after_midnight_bst = "SUMMARY:Half term\nDTSTART:20261023T233000Z\nDTEND:20261030T230000Z"  # 00:30 BST on the 24th
    assert holiday_closures(after_midnight_bst) == (Closure(date(2026, 10, 24), date(2026, 10, 30), "Half term"),)


def test_an_all_day_event_with_a_duration_covers_that_many_days() -> None:
    half_term = "SUMMARY:Half term\nDTSTART;VALUE=DATE:20270215\nDURATION:P5D"
    assert holiday_closures(half_term) == (Closure(date(2027, 2, 15), date(2027, 2, 19), "Half term"),)


def test_every_event_is_a_closure_in_date_order_and_cancelled_ones_are_left_out() -> None:
    closures = holiday_closures(
        "SUMMARY:February half term\nDTSTART;VALUE=DATE:20270215\nDTEND;VALUE=DATE:20270220",
        "SUMMARY:October half term\nDTSTART;VALUE=DATE:20261026\nDTEND;VALUE=DATE:20261031",
        "SUMMARY:Snow day\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20270112",
    )
    assert [closure.label for closure in closures] == ["October half term", "February half term"]


def test_a_calendar_can_be_given_as_bytes() -> None:
    text = calendar("SUMMARY:INSET day\nDTSTART;VALUE=DATE:20270104")
    assert closures_from_ics(text.encode(), lists=Listing.HOLIDAYS, tz=LONDON) == holiday_closures(
        "SUMMARY:INSET day\nDTSTART;VALUE=DATE:20270104"
    )


def test_term_events_make_the_gaps_between_them_closed() -> None:
    terms = calendar(
        "SUMMARY:Autumn term 1\nDTSTART;VALUE=DATE:20260903\nDTEND;VALUE=DATE:20261024",
        "SUMMARY:Autumn term 2\nDTSTART;VALUE=DATE:20261102\nDTEND;VALUE=DATE:20261219",
        "SUMMARY:Sports day\nDTSTART;TZID=Europe/London:20261112T130000\nDTEND;TZID=Europe/London:20261112T160000",
        "SUMMARY:Spring term 1\nDTSTART;VALUE=DATE:20270105\nDTEND;VALUE=DATE:20270213",
    )
    assert closures_from_ics(terms, lists=Listing.TERMS, tz=LONDON) == (
        Closure(date(2026, 10, 24), date(2026, 11, 1), "school holiday"),
        Closure(date(2026, 12, 19), date(2027, 1, 4), "school holiday"),
    )


def test_a_weekend_between_term_events_is_not_a_closure() -> None:
    weeks = calendar(
        "SUMMARY:Week A\nDTSTART;VALUE=DATE:20270104\nDTEND;VALUE=DATE:20270109",
        "SUMMARY:Week B\nDTSTART;VALUE=DATE:20270111\nDTEND;VALUE=DATE:20270116",
        "SUMMARY:Week A\nDTSTART;VALUE=DATE:20270125\nDTEND;VALUE=DATE:20270130",
    )
    assert closures_from_ics(weeks, lists=Listing.TERMS, tz=LONDON) == (
        Closure(date(2027, 1, 16), date(2027, 1, 24), "school holiday"),
    )


def test_a_term_calendar_closes_half_term_for_a_scheduled_post() -> None:
    terms = calendar(
        "SUMMARY:Autumn term 1\nDTSTART;VALUE=DATE:20260903\nDTEND;VALUE=DATE:20261024",
        "SUMMARY:Autumn term 2\nDTSTART;VALUE=DATE:20261102\nDTEND;VALUE=DATE:20261219",
    )
    closed = ClosedDays(Nation.ENGLAND, closures_from_ics(terms, lists=Listing.TERMS, tz=LONDON))
    moved = adjust(london(2026, 10, 27, 9), LONDON, closed, Policy.MOVE)
    assert moved.astimezone(LONDON) == london(2026, 11, 2, 9)  # GMT again by then
    assert closed.why_closed(date(2026, 10, 27)) == "school holiday (24 October 2026 to 1 November 2026)"


def test_the_meaning_of_a_calendars_events_must_be_chosen() -> None:
    with pytest.raises(TypeError):
        closures_from_ics(calendar("DTSTART;VALUE=DATE:20270104"), tz=LONDON)  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        closures_from_ics(calendar("DTSTART;VALUE=DATE:20270104"), lists="weekends", tz=LONDON)


def test_a_repeating_event_is_refused_by_name() -> None:
    weekly = "SUMMARY:Staff training\nDTSTART;VALUE=DATE:20270104\nRRULE:FREQ=WEEKLY;COUNT=3"
    with pytest.raises(ClosureError, match='"Staff training" repeats'):
        holiday_closures(weekly)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "isn't a calendar I can read"),
        ("Term dates 2026-27: see the website", "isn't a calendar I can read"),
        ("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270104\r\nEND:VEVENT\r\n", "isn't a calendar I can read"),
        (calendar(), "no events"),
        (calendar("SUMMARY:Snow day\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20270112"), "no events"),
        (calendar("SUMMARY:Mystery"), '"Mystery" has no start date'),
        (calendar("SUMMARY:Broken\nDTSTART:someday"), '"Broken" has no start date'),
    ],
)
def test_an_unreadable_calendar_is_a_kind_error(text: str, fragment: str) -> None:
    for lists in Listing:
        with pytest.raises(ClosureError, match=re.escape(fragment)):
            closures_from_ics(text, lists=lists, tz=LONDON)
