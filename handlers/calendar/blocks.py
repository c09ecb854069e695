"""What `/talks timezone`, `/talks holidays`, `/talks closed` and `/talks closed-days` say, and the form that imports
an .ics calendar. Pure: plain values in, words and Block Kit out. Words from a calendar file (its events' names, its
file name) are escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, InputBlock, Option, RadioButtonsElement
from slack_sdk.models.views import View

from domain import text as t
from domain.calendar import Calendar, Closable, zone_name, zone_time
from domain.closures import Listing, Nation, Policy, bank_holidays
from domain.words import join_and, plural
from handlers.blocks import section
from handlers.ids import Block as B
from handlers.ids import View as V
from handlers.ids import input_id
from storage.calendars import StoredClosure

ADMINS_EXAMPLE = "`/talks timezone Europe/Dublin`"
LISTED = 30  # closed days listed at most; then "and N more"
AHEAD = dt.timedelta(days=365)  # bank holidays listed this far ahead
KIND_WORDS = {Closable.DIGESTS: "digests", Closable.REVIEWS: "review reminders", Closable.PROMPTS: "meeting prompts"}
CLOSED_DAYS_EXAMPLE = "`/talks closed-days digests skip`"
CLOSED_EXAMPLE = "`/talks closed 2026-12-21 to 2027-01-04`"


def day_words(day: dt.date) -> str:
    """ "Friday 25 December 2026": how this feature writes a day."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def days_words(first: dt.date, last: dt.date) -> str:
    return day_words(first) if first == last else f"{day_words(first)} to {day_words(last)}"


def nation_words(nation: Nation) -> str:
    """ "England", "Northern Ireland"."""
    return Nation(nation).describe()


# ---- /talks timezone ------------------------------------------------------------------------------------------


def zone_named(tz: ZoneInfo) -> str:
    """ "UK time (Europe/London)", or "Europe/Dublin time": a zone as people read it, and its name if different."""
    shown = zone_time(tz)
    return shown if zone_name(tz) == tz.key.replace("_", " ") else f"{shown} ({tz.key})"


def zone_text(tz: ZoneInfo, *, chosen: bool) -> str:
    said = (
        f"Times here are {zone_named(tz)}: digests, reminders and every date and time Programme Talks shows follow it."
    )
    if chosen:
        return said + (
            " Workspace owners and admins can change it, for example "
            f"{ADMINS_EXAMPLE}, or go back to the app's default with `/talks timezone default`."
        )
    return (
        said
        + f" It is the app's default: workspace owners and admins can choose another, for example {ADMINS_EXAMPLE}."
    )


def zone_changed(before: ZoneInfo, after: ZoneInfo) -> str:
    if before.key == after.key:
        return f"Times here are already {zone_named(after)}. Nothing has changed."
    return (
        f"✅ Done: times here are now {zone_named(after)} (they were {zone_time(before)}). Every digest, reminder and "
        f"date Programme Talks shows follows it: a digest set for 09:00 comes at 09:00 {zone_time(after)}."
    )


# ---- /talks holidays ------------------------------------------------------------------------------------------


def coming_bank_holidays(nation: Nation, today: dt.date, *, until: dt.date) -> list[tuple[dt.date, str]]:
    found = [*bank_holidays(nation, today.year).items(), *bank_holidays(nation, today.year + 1).items()]
    return [(day, name) for day, name in found if today <= day <= until]


def holidays_text(nation: Nation | None, today: dt.date) -> str:
    if nation is None:
        return (
            "Programme Talks keeps no bank holidays here. Workspace owners and admins can choose a nation's, for "
            "example `/talks holidays england` (or `wales`, `scotland` or `northern-ireland`)."
        )
    return (
        f"Programme Talks keeps the bank holidays in {nation_words(nation)} as closed days here. "
        f"{_next_holidays(nation, today)} Workspace owners and admins can change this, for example "
        "`/talks holidays scotland`, or `/talks holidays off`."
    )


def holidays_changed(before: Nation | None, after: Nation | None, today: dt.date, calendar: Calendar) -> str:
    if before == after:
        if after is None:
            return "Programme Talks already keeps no bank holidays here. Nothing has changed."
        return f"Programme Talks already keeps the bank holidays in {nation_words(after)} here. Nothing has changed."
    if after is None:
        was = f" (it kept those in {nation_words(before)})" if before else ""
        return (
            f"✅ Done: Programme Talks keeps no bank holidays here now{was}. Closures you added stay: "
            "`/talks closed` lists them."
        )
    return (
        f"✅ Done: Programme Talks now keeps the bank holidays in {nation_words(after)} as closed days here. "
        f"{_next_holidays(after, today)} {closed_days_sentence(calendar)}"
    )


def _next_holidays(nation: Nation, today: dt.date) -> str:
    coming = coming_bank_holidays(nation, today, until=today + AHEAD)[:2]
    named = [f"{name} ({day_words(day)})" for day, name in coming]
    return f"The next {'is' if len(named) == 1 else 'are'} {join_and(named)}." if named else ""


# ---- what closed days do --------------------------------------------------------------------------------------


def closed_days_sentence(calendar: Calendar, *, until: dt.date | None = None) -> str:
    """ "On closed days, digests and review reminders wait for the next working day, and meeting prompts are skipped."
    With `until` (a closure's last day): what happens to posts due before then, naming the next working day."""
    moved = [KIND_WORDS[kind] for kind in Closable if calendar.policy(kind) is Policy.MOVE]
    skipped = [KIND_WORDS[kind] for kind in Closable if calendar.policy(kind) is Policy.SKIP]
    then = "" if until is None else " due then"
    parts = []
    if moved:
        day = "" if until is None else f", {day_words(calendar.closed.next_working_day(until))}"
        parts.append(f"{join_and(moved)}{then} wait for the next working day{day}")
    if skipped:
        parts.append(f"{join_and(skipped)}{then} are skipped")
    said = ", and ".join(parts) + "."
    return f"On closed days, {said}" if until is None else said[0].upper() + said[1:]


def closed_days_text(calendar: Calendar) -> str:
    lines = [f"• {kind.describe()}: {_policy_words(calendar.policy(kind))}" for kind in Closable]
    return (
        "On closed days here (bank holidays and closures):\n"
        + "\n".join(lines)
        + "\nA digest that waits, or the next one after one skipped, still covers everything since the last. "
        f"Workspace owners and admins can change each, for example {CLOSED_DAYS_EXAMPLE}."
    )


def closed_days_changed(kind: Closable, before: Policy, after: Policy) -> str:
    name = KIND_WORDS[kind]
    if before is after:
        does = "already wait for the next working day" if after is Policy.MOVE else "are already skipped"
        return f"On closed days, {name} {does}. Nothing has changed."
    does = "now wait for the next working day" if after is Policy.MOVE else "are now skipped"
    said = f"✅ Done: on closed days, {name} {does}."
    if kind is Closable.DIGESTS and after is Policy.SKIP:
        said += " The next digest still covers everything since the last one."
    return said


def closed_days_usage(typed: str) -> str:
    heard = f'Sorry, I didn\'t understand "{t.escape(typed)}". ' if typed else ""
    return (
        f"{heard}Choose digests, reviews or prompts, then move or skip: for example {CLOSED_DAYS_EXAMPLE} or "
        "`/talks closed-days reviews move`. Nothing has changed."
    )


def _policy_words(policy: Policy) -> str:
    return "moved to the next working day" if policy is Policy.MOVE else "skipped"


# ---- /talks closed --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedItem:
    first: dt.date
    last: dt.date
    text: str  # mrkdwn, escaped


def closed_list(closures: Sequence[StoredClosure], nation: Nation | None, today: dt.date, tz: ZoneInfo) -> list[Block]:
    """The closed days coming up: closures not yet over, and the bank holidays of the coming year."""
    items = [ClosedItem(c.first, c.last, _closure_line(c)) for c in closures if c.last >= today]
    if nation is not None:
        items += [
            ClosedItem(day, day, f"{day_words(day)}: {name} (bank holiday in {nation_words(nation)})")
            for day, name in coming_bank_holidays(nation, today, until=today + AHEAD)
        ]
    if not items:
        kept = "" if nation else " no bank holidays are kept (`/talks holidays england` keeps England's) and"
        return [
            section(
                f"Nothing is closed here in the coming year:{kept} no closures have been added. Workspace owners and "
                f"admins can add one, for example {CLOSED_EXAMPLE}, or import a calendar with `/talks closed import`."
            )
        ]
    items.sort(key=lambda item: (item.first, item.last))
    shown = [f"• {item.text}" for item in items[:LISTED]]
    if len(items) > LISTED:
        shown.append(f"…and {plural(len(items) - LISTED, 'more')}.")
    blocks: list[Block] = [section(f"*Closed days coming up here* ({zone_time(tz)})")]
    for start in range(0, len(shown), 10):
        blocks.append(section("\n".join(shown[start : start + 10])))
    blocks.append(
        section(
            f"Workspace owners and admins can add a closure ({CLOSED_EXAMPLE}), import a calendar (`/talks closed "
            "import`) or remove one (`/talks closed remove 2026-12-21 to 2027-01-04`, or every closure from a "
            "calendar: `/talks closed remove terms.ics`)."
        )
    )
    return blocks


def _closure_line(closure: StoredClosure) -> str:
    line = days_words(closure.first, closure.last)
    if closure.label:
        line += f": {t.escaped_within(closure.label, 200)}"
    if closure.source:
        line += f" (from {t.escaped_within(closure.source, 200)})"
    return line


def closures_added(added: Sequence[StoredClosure], calendar: Calendar) -> str:
    if len(added) == 1:
        closure = added[0]
        return (
            f"✅ Done: {days_words(closure.first, closure.last)} is closed here. "
            f"{closed_days_sentence(calendar, until=closure.last)}"
        )
    return (
        f"✅ Done: {plural(len(added), 'closure')} added. {closed_days_sentence(calendar)} `/talks closed` lists them."
    )


def closure_already(first: dt.date, last: dt.date) -> str:
    return f"{days_words(first, last)} is already closed here. Nothing has changed."


def closure_over(first: dt.date, last: dt.date) -> str:
    return (
        f"{days_words(first, last)} is already over, so closing it would change nothing. Nothing has changed. "
        f"Closures are for days to come, for example {CLOSED_EXAMPLE}."
    )


def closures_removed(count: int, what: str) -> str:
    return f"✅ Done: {what} {'is' if count == 1 else 'are'} no longer closed here." if count else ""


def nothing_to_remove(what: str) -> str:
    return f"There's no closure {what} here, so nothing has changed. `/talks closed` lists them."


# ---- importing a calendar -------------------------------------------------------------------------------------


def import_modal(metadata: str) -> View:
    return View(
        type="modal",
        callback_id=V.CALENDAR_IMPORT,
        title="Import closed days",
        submit="Import",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            section(
                "Choose an .ics calendar file (exported from Outlook or Google Calendar, or from your school's or "
                "council's website). Its dates become closed days here: digests and review reminders wait for the "
                "next working day, as `/talks closed-days` says."
            ),
            # slack_sdk has no model for Slack's file_input element yet: Slack checks it when the form opens.
            InputBlock(
                block_id=B.CALENDAR_FILE,
                label="Calendar file (.ics)",
                element={
                    "type": "file_input",
                    "action_id": input_id(B.CALENDAR_FILE),
                    "filetypes": ["ics"],
                    "max_files": 1,
                },
            ),
            InputBlock(
                block_id=B.CALENDAR_LISTS,
                label="What are its events?",
                element=RadioButtonsElement(
                    action_id=input_id(B.CALENDAR_LISTS),
                    options=[HOLIDAYS_OPTION, TERMS_OPTION],
                    initial_option=HOLIDAYS_OPTION,
                ),
            ),
        ],
    )


HOLIDAYS_OPTION = Option(value=Listing.HOLIDAYS.value, label="Days we're closed (holidays, INSET days)")
TERMS_OPTION = Option(value=Listing.TERMS.value, label="Term dates: the days between terms are closed")


def imported(name: str, added: Sequence[StoredClosure], found: int, calendar: Calendar) -> str:
    file = t.escaped_within(name, 200)
    if not found:
        return f"I found no closed days in {file}, so nothing has changed."
    if not added:
        return f"Every closed day in {file} is already here. Nothing has changed."
    first, last = min(c.first for c in added), max(c.last for c in added)
    return (
        f"✅ Done: {plural(len(added), 'closure')} from {file} added, from {day_words(first)} to {day_words(last)}. "
        f"{closed_days_sentence(calendar)} `/talks closed` lists them; `/talks closed remove {file}` takes them away."
    )
