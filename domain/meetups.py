"""Events in plain terms: checking the form, local dates and times, answers, reminders and the digest's lines.

No Slack, no database. Times are stored as aware UTC and shown in the workspace's time zone; a date and time
typed in the form mean that wall-clock time there, whether or not the clocks have changed in between.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from domain import text as t
from domain.digest import ExtraSection

GOING, INTERESTED = "going", "interested"
REMINDER_TIME = dt.time(9, 0)  # on the day before the event, in the workspace's time zone
MAX_TITLE_CHARS = 150
MAX_PLACE_CHARS = 500
MAX_ABOUT_CHARS = 2000
SECTION_TITLE = "📅 Upcoming events"

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# ---- records ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetupForm:
    """What was typed into the /event form, as Slack sent it (None when left empty)."""

    title: str = ""
    date: str | None = None  # "2026-12-03"
    time: str | None = None  # "16:00"
    place: str = ""
    about: str = ""


@dataclass(frozen=True)
class MeetupDraft:
    """A checked form, ready to save."""

    title: str
    starts_at: dt.datetime  # aware, UTC
    place: str
    about: str


@dataclass(frozen=True)
class MeetupCard:
    """An event as its messages show it: who is going (earliest answer first) and who is interested."""

    id: int
    title: str
    starts_at: dt.datetime
    place: str
    about: str
    channel_id: str
    created_by: str
    going: tuple[str, ...] = ()
    interested: tuple[str, ...] = ()
    hidden: bool = False  # while a concern someone reported is reviewed: its messages say so instead


@dataclass(frozen=True)
class UpcomingMeetup:
    """An event in the next few days, for the digest: counts only, and where it was posted."""

    id: int
    title: str
    starts_at: dt.datetime
    place: str
    channel_id: str
    going: int = 0
    interested: int = 0
    permalink: str | None = None


@dataclass(frozen=True)
class RsvpChange:
    """What a click on Going or Interested does: the new answer (None: taken back) and the one before."""

    before: str | None
    after: str | None


# ---- the form --------------------------------------------------------------------------------------------


def check_meetup_form(form: MeetupForm, *, now: dt.datetime, tz: ZoneInfo) -> tuple[MeetupDraft | None, dict[str, str]]:
    """The event to save, or None and a kind message for each field to fix ("title", "date", "time", "place",
    "about"). The date and time are in `tz`, and must be later than `now`."""
    errors: dict[str, str] = {}
    title, place, about = form.title.strip(), form.place.strip(), form.about.strip()
    if not title:
        errors["title"] = "Please give your event a title."
    elif len(title) > MAX_TITLE_CHARS:
        errors["title"] = f"Please keep the title under {MAX_TITLE_CHARS} characters."
    if not place:
        errors["place"] = "Please say where it is: a place, or a link for an online event."
    elif len(place) > MAX_PLACE_CHARS:
        errors["place"] = f"Please keep this under {MAX_PLACE_CHARS} characters."
    if len(about) > MAX_ABOUT_CHARS:
        errors["about"] = f"Please keep this under {MAX_ABOUT_CHARS:,} characters (it is {len(about):,})."
    starts_at = _start(form, now=now, tz=tz, errors=errors)
    if errors or starts_at is None:
        return None, errors
    return MeetupDraft(title=title, starts_at=starts_at, place=place, about=about), {}


def _start(form: MeetupForm, *, now: dt.datetime, tz: ZoneInfo, errors: dict[str, str]) -> dt.datetime | None:
    day = _date(form.date)
    time = parse_time(form.time)
    if day is None:
        errors["date"] = "Please choose the date." if not form.date else "Please choose the date from the calendar."
    elif day < now.astimezone(tz).date():
        errors["date"] = "That date has passed. Please choose today or a later date."
    if time is None:
        errors["time"] = "Please choose the start time."
    if day is None or time is None or "date" in errors:
        return None
    starts_at = local_start(day, time, tz)
    if starts_at is None:
        errors["time"] = "The clocks go forward at that time that day, so it doesn't exist. Please choose another."
    elif starts_at <= now:
        errors["time"] = "That time has already passed today. Please choose a later time."
    return starts_at if "time" not in errors else None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_time(text: str | None) -> dt.time | None:
    """A timepicker's "HH:MM" as a time, or None."""
    match = _TIME.match((text or "").strip())
    return dt.time(int(match.group(1)), int(match.group(2))) if match else None


def local_start(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime | None:
    """That wall-clock time on that day in `tz`, as aware UTC; None when the clocks skip it (spring forward).

    A time that happens twice (clocks going back) means the first of the two.
    """
    local = dt.datetime.combine(day, time, tzinfo=tz)
    moment = local.astimezone(dt.UTC)
    back = moment.astimezone(tz)
    return moment if (back.date(), back.time()) == (day, time) else None


# ---- answers and reminders ----------------------------------------------------------------------------------


def rsvp_change(current: str | None, clicked: str) -> RsvpChange:
    """One answer per person: clicking an answer gives it (or switches to it); clicking it again takes it back."""
    return RsvpChange(before=current, after=None if current == clicked else clicked)


def reminder_moment(starts_at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """When people going are reminded: 09:00 in `tz` on the day before the event (aware UTC)."""
    day_before = starts_at.astimezone(tz).date() - dt.timedelta(days=1)
    return dt.datetime.combine(day_before, REMINDER_TIME, tzinfo=tz).astimezone(dt.UTC)


def wants_reminder(starts_at: dt.datetime, answered_at: dt.datetime, *, now: dt.datetime, tz: ZoneInfo) -> bool:
    """Whether someone going should be reminded at `now`: the reminder moment has come, the event has not
    started, and they said Going by the moment (someone answering later, or an event made less than a day
    ahead, has the date fresh in mind and gets no reminder)."""
    moment = reminder_moment(starts_at, tz)
    return moment <= now < starts_at and answered_at <= moment


def has_started(starts_at: dt.datetime, now: dt.datetime) -> bool:
    return starts_at <= now


# ---- words -----------------------------------------------------------------------------------------------


def when_text(starts_at: dt.datetime, tz: ZoneInfo) -> str:
    """ "Thursday 3 December 2026 at 16:00", in `tz`."""
    local = starts_at.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def short_when(starts_at: dt.datetime, tz: ZoneInfo) -> str:
    """ "Thu 3 Dec, 16:00", in `tz`."""
    local = starts_at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def day_word(starts_at: dt.datetime, now: dt.datetime, tz: ZoneInfo) -> str:
    """ "today", "tomorrow" or "on Thursday 3 December", seen from `now` in `tz`."""
    day, today = starts_at.astimezone(tz).date(), now.astimezone(tz).date()
    if day == today:
        return "today"
    if day == today + dt.timedelta(days=1):
        return "tomorrow"
    return f"on {day:%A} {day.day} {day:%B}"


def place_mrkdwn(place: str) -> str:
    """The place as escaped mrkdwn, with any web links in it shown as links (to their own address)."""
    links = t.find_links(place)
    if not links:
        return t.escape(place)
    pattern = "|".join(re.escape(link) for link in sorted(links, key=len, reverse=True))
    parts = re.split(f"({pattern})", place)
    return "".join(t.link(part) if part in links else t.escape(part) for part in parts)


def meetups_section(items: Sequence[UpcomingMeetup], tz: ZoneInfo) -> ExtraSection:
    """The digest's "Upcoming events": a line each, soonest first, e.g.
    "Thu 3 Dec, 16:00 · Youth forum open evening · Riverside Hall · 4 going, 2 interested"."""
    lines = tuple(_event_line(item, tz) for item in sorted(items, key=lambda item: (item.starts_at, item.id)))
    return ExtraSection(title=SECTION_TITLE, lines=lines)


def _event_line(item: UpcomingMeetup, tz: ZoneInfo) -> str:
    title = t.escape(t.shorten(item.title, 100))
    place = place_mrkdwn(item.place) if t.find_links(item.place) else t.escape(t.shorten(item.place, 80))
    parts = [short_when(item.starts_at, tz), title, place, f"{item.going} going, {item.interested} interested"]
    parts.append(t.link(item.permalink, "open") if item.permalink else f"in <#{item.channel_id}>")
    return " · ".join(parts)
