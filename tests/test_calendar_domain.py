"""domain.calendar: time zone names people type, and when a schedule's posts go out around closed days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import (
    Calendar,
    Closable,
    ZoneError,
    latest_due,
    make_calendar,
    parse_zone,
    posts_between,
    previous_post,
    zone_time,
)
from domain.closures import ClosedDays, Closure, Nation, Policy
from domain.schedule import parse_schedule

LONDON = ZoneInfo("Europe/London")
ENGLAND = Calendar(LONDON, ClosedDays(Nation.ENGLAND))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# ---- time zones -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("Europe/Dublin", "Europe/Dublin"), ("europe/london", "Europe/London"), ("America/New York", "America/New_York"),
     ("  Asia/Kolkata ", "Asia/Kolkata"), ("UTC", "UTC")],
)  # fmt: skip
def test_a_zone_name_in_any_capitals_is_read(typed, zone):
    assert parse_zone(typed) == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("London", 'Sorry, "London" isn\'t a time zone name I know. Did you mean Europe/London? Type '
                   "`/talks timezone Europe/London`."),
        ("new york", 'Sorry, "new york" isn\'t a time zone name I know. Did you mean America/New_York? Type '
                     "`/talks timezone America/New_York`."),
        ("Europe/Londn", 'Sorry, "Europe/Londn" isn\'t a time zone name I know. Did you mean Europe/London? Type '
                         "`/talks timezone Europe/London`."),
        ("GMT", 'Sorry, "GMT" isn\'t a time zone name I know. For UK time (which changes between GMT and BST by '
                "itself), type `/talks timezone Europe/London`."),
        ("Scotland", 'Sorry, "Scotland" isn\'t a time zone name I know. For UK time (which changes between GMT and '
                     "BST by itself), type `/talks timezone Europe/London`."),
        ("Mars/Olympus", 'Sorry, "Mars/Olympus" isn\'t a time zone name I know. Time zones are named by a region and '
                         "a city, for example `/talks timezone Europe/London` or `/talks timezone Europe/Dublin`."),
        ("", "Which time zone? Give its name, for example `/talks timezone Europe/London`."),
    ],
)  # fmt: skip
def test_a_wrong_zone_name_is_answered_kindly_with_a_near_match(typed, said):
    with pytest.raises(ZoneError) as refused:
        parse_zone(typed)
    assert str(refused.value) == said


def test_times_are_said_to_be_uk_time_in_london_and_the_zone_name_elsewhere():
    assert zone_time(LONDON) == "UK time"
    assert zone_time(ZoneInfo("Europe/Dublin")) == "Europe/Dublin time"
    assert zone_time(ZoneInfo("America/New_York")) == "America/New York time"


def test_a_stored_zone_or_choice_this_release_does_not_know_falls_back_to_the_default():
    calendar = make_calendar(LONDON, timezone="Atlantis/Capital", nation="cornwall", policies={"digests": "later"})
    assert calendar == Calendar(LONDON)
    assert calendar.policy(Closable.DIGESTS) is Policy.MOVE and calendar.policy(Closable.PROMPTS) is Policy.SKIP


# ---- posts around closed days -----------------------------------------------------------------------------------


def test_an_open_day_keeps_its_slots_moment_and_name():
    weekly = parse_schedule("weekly fri 09:00")
    [post] = posts_between(weekly, utc(2026, 12, 10), utc(2026, 12, 12), ENGLAND, Closable.DIGESTS)
    assert (post.at, post.key, post.slots) == (utc(2026, 12, 11, 9), "2026-12-11T09:00", (utc(2026, 12, 11, 9),))


def test_christmas_day_moves_past_boxing_day_observed_to_tuesday():
    weekly = parse_schedule("weekly fri 09:00")
    assert posts_between(weekly, utc(2026, 12, 24), utc(2026, 12, 29, 8, 59), ENGLAND, Closable.DIGESTS) == []
    [post] = posts_between(weekly, utc(2026, 12, 24), utc(2026, 12, 29, 9), ENGLAND, Closable.DIGESTS)
    assert (post.at, post.key, post.slots) == (utc(2026, 12, 29, 9), "2026-12-29T09:00", (utc(2026, 12, 25, 9),))
    assert previous_post(weekly, post.at, ENGLAND, Closable.DIGESTS) == utc(2026, 12, 18, 9)


def test_slots_moved_out_of_a_long_closure_make_one_post_found_from_well_after_it_started():
    closed = Calendar(LONDON, ClosedDays(closures=(Closure(dt.date(2026, 12, 21), dt.date(2027, 1, 4)),)))
    weekly = parse_schedule("weekly mon 09:00")
    [post] = posts_between(weekly, utc(2027, 1, 5, 8), utc(2027, 1, 5, 9), closed, Closable.DIGESTS)
    assert post.key == "2027-01-05T09:00"
    assert post.slots == (utc(2026, 12, 21, 9), utc(2026, 12, 28, 9), utc(2027, 1, 4, 9))
    assert previous_post(weekly, post.at, closed, Closable.DIGESTS) == utc(2026, 12, 14, 9)


def test_a_daily_slot_moved_onto_a_day_with_its_own_slot_posts_once_under_that_days_name():
    daily = parse_schedule("daily 08:30")
    posts = posts_between(daily, utc(2026, 12, 24, 9), utc(2026, 12, 29, 9), ENGLAND, Closable.DIGESTS)
    assert [(p.key, p.at, len(p.slots)) for p in posts] == [
        ("2026-12-27T08:30", utc(2026, 12, 27, 8, 30), 1),  # a Sunday: weekends are not closures
        ("2026-12-29T08:30", utc(2026, 12, 29, 8, 30), 4),  # 25 (Christmas), 26 (Boxing Day), 28 (observed), 29
    ]


def test_a_skipped_slot_makes_no_post_and_the_next_covers_from_the_post_before_it():
    weekly = parse_schedule("weekly fri 09:00")
    skipping = Calendar(LONDON, ClosedDays(Nation.ENGLAND), {Closable.DIGESTS: Policy.SKIP})
    posts = posts_between(weekly, utc(2026, 12, 20), utc(2027, 1, 8, 9), skipping, Closable.DIGESTS)
    assert [p.key for p in posts] == ["2027-01-08T09:00"]  # 25 December and 1 January are skipped
    assert previous_post(weekly, utc(2027, 1, 8, 9), skipping, Closable.DIGESTS) == utc(2026, 12, 18, 9)


def test_good_friday_moves_across_the_clock_change_to_nine_in_summer_time_after_easter_monday():
    weekly = parse_schedule("weekly fri 09:00")
    [post] = posts_between(weekly, utc(2027, 3, 26, 10), utc(2027, 3, 30, 8), ENGLAND, Closable.DIGESTS)
    assert (post.key, post.at) == ("2027-03-30T09:00", utc(2027, 3, 30, 8))  # 09:00 BST
    scotland = Calendar(LONDON, ClosedDays(Nation.SCOTLAND))  # Easter Monday is not a bank holiday there
    [post] = posts_between(weekly, utc(2027, 3, 26, 10), utc(2027, 3, 30, 8), scotland, Closable.DIGESTS)
    assert (post.key, post.at) == ("2027-03-29T09:00", utc(2027, 3, 29, 8))


def test_the_latest_nudge_due_waits_for_a_moved_one_and_never_sends_one_skipped():
    moments = [("d-3", utc(2026, 12, 22, 9)), ("d0", utc(2026, 12, 25, 9)), ("d+7", utc(2027, 1, 1, 9))]
    assert latest_due(moments, utc(2026, 12, 26), ENGLAND, Closable.REVIEWS) == ("d-3", utc(2026, 12, 22, 9))
    assert latest_due(moments, utc(2026, 12, 29, 9), ENGLAND, Closable.REVIEWS) == ("d0", utc(2026, 12, 29, 9))
    assert latest_due(moments, utc(2027, 1, 4, 9), ENGLAND, Closable.REVIEWS) == ("d+7", utc(2027, 1, 4, 9))
    skipping = Calendar(LONDON, ClosedDays(Nation.ENGLAND), {Closable.REVIEWS: Policy.SKIP})
    assert latest_due(moments, utc(2027, 1, 4, 9), skipping, Closable.REVIEWS) == ("d-3", utc(2026, 12, 22, 9))
    assert latest_due(moments, utc(2026, 12, 21), ENGLAND, Closable.REVIEWS) is None
