"""A workspace's time zone, bank holidays and closures, set over signed HTTP: `/talks timezone`, `/talks holidays`,
`/talks closed` (typed, listed, removed, and imported from an .ics calendar through a form) and `/talks closed-days`.
When the scheduler posts around them is in test_calendar_schedule.py."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from handlers.ids import Block, View
from storage.models import AuditEntry, WorkspaceCalendar, WorkspaceClosure
from tests.helpers import all_text, response_to

ADMIN, STAFF = "U_ADMIN", "U_STAFF"
NOTHING = "Nothing has changed."
TERMS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Riverside Academy//Term dates//EN
BEGIN:VEVENT
UID:autumn-2026@riverside.example
DTSTART;VALUE=DATE:20260902
DTEND;VALUE=DATE:20261219
SUMMARY:Autumn term
END:VEVENT
BEGIN:VEVENT
UID:spring-2027@riverside.example
DTSTART;VALUE=DATE:20270105
DTEND;VALUE=DATE:20270213
SUMMARY:Spring term 1
END:VEVENT
BEGIN:VEVENT
UID:spring2-2027@riverside.example
DTSTART;VALUE=DATE:20270222
DTEND;VALUE=DATE:20270327
SUMMARY:Spring term 2
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def admin(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)
    return ADMIN


def talks(sandbox, words: str, *, user: str = ADMIN) -> dict:
    """What the app answered `/talks <words>`, only to the person who typed it."""
    reply, url = sandbox.sim.command("/talks", words, user=user)
    assert reply.status == 200
    answer = reply.json() if reply.body else response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    return answer


def said(sandbox, words: str, *, user: str = ADMIN) -> str:
    answer = talks(sandbox, words, user=user)
    return answer.get("text") or all_text(answer["blocks"])


def stored(sandbox) -> tuple[list[tuple], list[tuple]]:
    """Every workspace's calendar choices and closures, as rows of plain values."""
    with sandbox.sessions() as session:
        calendars = [
            (c.team_id, c.timezone, c.nation, c.digests_on_closed_days, c.reviews_on_closed_days)
            for c in session.scalars(select(WorkspaceCalendar))
        ]
        closures = [
            (c.first_day.isoformat(), c.last_day.isoformat(), c.label, c.source)
            for c in session.scalars(select(WorkspaceClosure).order_by(WorkspaceClosure.first_day))
        ]
    return calendars, closures


def audited(sandbox) -> list[tuple]:
    with sandbox.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "setting_changed").order_by(AuditEntry.id))
        return [(r.actor_id, r.subject, json.loads(r.details)) for r in rows]


# ---- time zone ---------------------------------------------------------------------------------------------------


def test_an_admin_chooses_the_time_zone_and_the_times_people_see_follow_it(sandbox, admin):
    assert said(sandbox, "timezone", user=STAFF) == (
        "Times here are UK time (Europe/London): digests, reminders and every date and time Programme Talks shows "
        "follow it. It is the app's default: workspace owners and admins can choose another, for example "
        "`/talks timezone Europe/Dublin`."
    )
    assert said(sandbox, "timezone america/new_york") == (
        "✅ Done: times here are now America/New York time (they were UK time). Every digest, reminder and date "
        "Programme Talks shows follows it: a digest set for 09:00 comes at 09:00 America/New York time."
    )
    assert stored(sandbox) == ([("T0001", "America/New_York", None, None, None)], [])
    assert audited(sandbox) == [
        (ADMIN, "calendar:timezone", {"setting": "calendar.timezone", "from": "default", "to": "America/New_York"})
    ]
    # Friday 27 November 2026, 10:00 UTC: 05:00 in New York, so Monday 30 November is the first Monday there too.
    assert said(sandbox, "digest here weekly mon 09:00") == (
        "✅ Done: this channel will get a digest every Monday at 09:00 (America/New York time). "
        "The first is on Monday 30 November at 09:00."
    )
    assert said(sandbox, "timezone", user=STAFF).startswith("Times here are America/New York time: digests")
    assert "Dates and times are America/New York time." in all_text(talks_event_help(sandbox))
    assert said(sandbox, "timezone default") == (
        "✅ Done: times here are now UK time (Europe/London) (they were America/New York time). Every digest, "
        "reminder and date Programme Talks shows follows it: a digest set for 09:00 comes at 09:00 UK time."
    )
    assert (
        said(sandbox, "timezone Europe/London")
        == "Times here are already UK time (Europe/London). Nothing has changed."
    )


def talks_event_help(sandbox) -> list[dict]:
    reply, _ = sandbox.sim.command("/event", "help", user=STAFF)
    return reply.json()["blocks"]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("London", 'Sorry, "London" isn\'t a time zone name I know. Did you mean Europe/London? Type '
                   "`/talks timezone Europe/London`."),
        ("Europe/Londn", 'Sorry, "Europe/Londn" isn\'t a time zone name I know. Did you mean Europe/London? Type '
                         "`/talks timezone Europe/London`."),
        ("BST", 'Sorry, "BST" isn\'t a time zone name I know. For UK time (which changes between GMT and BST by '
                "itself), type `/talks timezone Europe/London`."),
    ],
)  # fmt: skip
def test_a_time_zone_name_it_does_not_know_is_answered_kindly_and_nothing_changes(sandbox, admin, typed, answer):
    assert said(sandbox, f"timezone {typed}") == f"{answer} {NOTHING}"
    assert stored(sandbox) == ([], []) and audited(sandbox) == []


def test_people_who_are_not_admins_are_told_kindly_who_can_and_nothing_changes(sandbox, admin):
    refusals = {
        "timezone Europe/Dublin": "change the workspace's time zone",
        "holidays scotland": "change which bank holidays are kept",
        "closed 2026-12-21 to 2027-01-04": "add closed days",
        "closed remove 2026-12-21 to 2027-01-04": "remove closed days",
        "closed-days digests skip": "change what happens on closed days",
        "closed import": "add closed days",
    }
    for words, what in refusals.items():
        assert said(sandbox, words, user=STAFF) == f"Sorry, only workspace owners and admins can {what}. {NOTHING}"
    sandbox.slack.assert_no_call("views.open")
    assert stored(sandbox) == ([], []) and audited(sandbox) == []


# ---- bank holidays -----------------------------------------------------------------------------------------------


def test_an_admin_chooses_a_nations_bank_holidays_and_they_are_listed_as_closed_days(sandbox, admin):
    assert said(sandbox, "holidays", user=STAFF) == (
        "Programme Talks keeps no bank holidays here. Workspace owners and admins can choose a nation's, for example "
        "`/talks holidays england` (or `wales`, `scotland` or `northern-ireland`)."
    )
    assert said(sandbox, "holidays Scotland") == (
        "✅ Done: Programme Talks now keeps the bank holidays in Scotland as closed days here. The next are Saint "
        "Andrew's Day (Monday 30 November 2026) and Christmas Day (Friday 25 December 2026). On closed days, digests "
        "and review reminders wait for the next working day, and meeting prompts are skipped."
    )
    listed = said(sandbox, "closed", user=STAFF)
    assert listed.startswith(
        "*Closed days coming up here* (UK time)\n"
        "• Monday 30 November 2026: Saint Andrew's Day (bank holiday in Scotland)\n"
        "• Friday 25 December 2026: Christmas Day (bank holiday in Scotland)\n"
        "• Saturday 26 December 2026: Boxing Day (bank holiday in Scotland)\n"
        "• Monday 28 December 2026: Boxing Day (observed) (bank holiday in Scotland)\n"
        "• Friday 1 January 2027: New Year's Day (bank holiday in Scotland)\n"
        "• Saturday 2 January 2027: New Year Holiday (bank holiday in Scotland)\n"
        "• Monday 4 January 2027: New Year Holiday (observed) (bank holiday in Scotland)\n"
    )
    assert said(sandbox, "holidays northern ireland").startswith(
        "✅ Done: Programme Talks now keeps the bank holidays in Northern Ireland as closed days here. The next are "
        "Christmas Day (Friday 25 December 2026) and Boxing Day (Saturday 26 December 2026)."
    )
    assert "• Wednesday 17 March 2027: Saint Patrick's Day (bank holiday in Northern Ireland)" in said(
        sandbox, "closed"
    )
    assert said(sandbox, "holidays uk") == (
        'Bank holidays differ across the UK, so choose one nation: "england", "wales", "scotland" or '
        f'"northern-ireland". {NOTHING}'
    )
    assert said(sandbox, "holidays off") == (
        "✅ Done: Programme Talks keeps no bank holidays here now (it kept those in Northern Ireland). Closures you "
        "added stay: `/talks closed` lists them."
    )
    assert stored(sandbox) == ([("T0001", None, None, None, None)], [])
    assert [details for _, _, details in audited(sandbox)] == [
        {"setting": "calendar.bank_holidays", "from": "none", "to": "scotland"},
        {"setting": "calendar.bank_holidays", "from": "scotland", "to": "northern-ireland"},
        {"setting": "calendar.bank_holidays", "from": "northern-ireland", "to": "none"},
    ]


# ---- closures ----------------------------------------------------------------------------------------------------


def test_an_admin_closes_the_christmas_fortnight_sees_it_listed_and_opens_it_again(sandbox, admin):
    talks(sandbox, "holidays england")
    assert said(sandbox, "closed 21 Dec 2026 to 4 Jan 2027") == (
        "✅ Done: Monday 21 December 2026 to Monday 4 January 2027 is closed here. Digests and review reminders due "
        "then wait for the next working day, Tuesday 5 January 2027, and meeting prompts due then are skipped."
    )
    assert said(sandbox, "closed 2026-12-21 to 2027-01-04") == (
        f"Monday 21 December 2026 to Monday 4 January 2027 is already closed here. {NOTHING}"
    )
    assert "• Monday 21 December 2026 to Monday 4 January 2027\n• Friday 25 December 2026: Christmas Day" in said(
        sandbox, "closed", user=STAFF
    )
    assert stored(sandbox)[1] == [("2026-12-21", "2027-01-04", "", "")]
    assert said(sandbox, "closed remove 2026-12-21 to 2027-01-04") == (
        "✅ Done: Monday 21 December 2026 to Monday 4 January 2027 is open again."
    )
    assert said(sandbox, "closed remove 2026-12-21 to 2027-01-04") == (
        "There's no closure Monday 21 December 2026 to Monday 4 January 2027 here, so nothing has changed. "
        "`/talks closed` lists them."
    )
    assert stored(sandbox)[1] == []
    closures = [details for _, subject, details in audited(sandbox) if subject == "calendar:closures"]
    assert [sorted(d) for d in closures] == [["added", "setting"], ["removed", "setting"]]
    assert closures[0]["added"] == closures[1]["removed"] and len(closures[0]["added"]) == 1


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("2027-01-04 to 2026-12-21", 'That closure ends (21 December 2026) before it starts (4 January 2027). Put the '
                                     'first day first, for example "21 Dec 2026 to 4 Jan 2027".'),
        ("2026-11-02 to 2026-11-06", "Monday 2 November 2026 to Friday 6 November 2026 is already over, so closing it "
                                     "would change nothing. Nothing has changed. Closures are for days to come, for "
                                     "example `/talks closed 2026-12-21 to 2027-01-04`."),
        ("next week", 'Sorry, I couldn\'t read "next week" as a date. Write dates like "2027-01-04" or "4 January '
                      '2027". A closure looks like "21 Dec 2026 to 4 Jan 2027".'),
    ],
)  # fmt: skip
def test_a_closure_that_cannot_be_is_answered_kindly_and_nothing_changes(sandbox, admin, typed, answer):
    expected = answer if answer.endswith("`.") else f"{answer} {NOTHING}"
    assert said(sandbox, f"closed {typed}") == expected
    assert stored(sandbox) == ([], []) and audited(sandbox) == []


# ---- an .ics calendar --------------------------------------------------------------------------------------------


def import_form(sandbox) -> dict:
    reply, _ = sandbox.sim.command("/talks", "closed import", user=ADMIN)
    assert reply.status == 200
    [opened] = sandbox.slack.wait_for("views.open")
    return opened.args["view"]


def test_an_ics_calendar_of_term_dates_becomes_closed_days_and_is_removed_by_its_name(sandbox, admin):
    form = import_form(sandbox)
    assert form["callback_id"] == View.CALENDAR_IMPORT
    file = sandbox.slack.share_file("riverside-terms.ics", TERMS, user=ADMIN)
    reply = sandbox.sim.submit(form, {Block.CALENDAR_FILE: [file], Block.CALENDAR_LISTS: "terms"}, user=ADMIN)
    assert reply.status == 200 and reply.body == ""  # the form closes: the file is read after Slack is answered
    [told] = sandbox.slack.wait_for("response_url")
    assert told.args["text"] == (
        "✅ Done: 2 closures from riverside-terms.ics added, from Saturday 19 December 2026 to Sunday 21 February "
        "2027. On closed days, digests and review reminders wait for the next working day, and meeting prompts are "
        "skipped. `/talks closed` lists them; `/talks closed remove riverside-terms.ics` takes them away."
    )
    assert [c.method for c in sandbox.slack.calls if c.method.startswith("file")] == ["files.info", "file_download"]
    assert stored(sandbox)[1] == [
        ("2026-12-19", "2027-01-04", "school holiday", "riverside-terms.ics"),
        ("2027-02-13", "2027-02-21", "school holiday", "riverside-terms.ics"),
    ]
    assert "• Saturday 19 December 2026 to Monday 4 January 2027: school holiday (from riverside-terms.ics)" in said(
        sandbox, "closed", user=STAFF
    )
    assert said(sandbox, "closed remove riverside-terms.ics") == (
        "✅ Done: the 2 closures from riverside-terms.ics are gone: those days are open again."
    )
    assert stored(sandbox)[1] == []


def test_a_file_that_is_not_a_calendar_is_answered_kindly_and_nothing_changes(sandbox, admin):
    form = import_form(sandbox)
    file = sandbox.slack.share_file("minutes.ics", b"Minutes of the team meeting, 3 December", user=ADMIN)
    sandbox.sim.submit(form, {Block.CALENDAR_FILE: [file], Block.CALENDAR_LISTS: "holidays"}, user=ADMIN)
    [told] = sandbox.slack.wait_for("response_url")
    assert told.args["text"] == (
        f"That isn't a calendar I can read. Export it as an .ics (iCalendar) file and try again. {NOTHING}"
    )
    assert stored(sandbox) == ([], []) and audited(sandbox) == []


# ---- what closed days do -----------------------------------------------------------------------------------------


def test_an_admin_chooses_whether_digests_wait_or_are_skipped_on_closed_days(sandbox, admin):
    assert said(sandbox, "closed-days", user=STAFF) == (
        "On closed days here (bank holidays and closures):\n"
        "• Digests: moved to the next working day\n"
        "• Review reminders: moved to the next working day\n"
        "• Meeting prompts: skipped\n"
        "A digest that waits, or the next one after one skipped, still covers everything since the last. Workspace "
        "owners and admins can change each, for example `/talks closed-days digests skip`."
    )
    assert said(sandbox, "closed-days digests skip") == (
        "✅ Done: on closed days, digests are now skipped. The next digest still covers everything since the last one."
    )
    assert said(sandbox, "closed-days digest skip") == f"On closed days, digests are already skipped. {NOTHING}"
    assert said(sandbox, "closed-days prompts maybe") == (
        'Sorry, I didn\'t understand "prompts maybe". Choose digests, reviews or prompts, then move or skip: for '
        f"example `/talks closed-days digests skip` or `/talks closed-days reviews move`. {NOTHING}"
    )
    assert stored(sandbox) == ([("T0001", None, None, "skip", None)], [])
    assert [details for _, _, details in audited(sandbox)] == [
        {"setting": "calendar.closed_days", "kind": "digests", "from": "move", "to": "skip"}
    ]
