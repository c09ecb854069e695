"""When the scheduler posts around each workspace's calendar, played by `programme-talks run-due` at given moments:
every schedule keeps its workspace's own time zone across daylight-saving changes, and digests, review nudges and
meeting prompts due on closed days (bank holidays, closures typed or imported from an .ics calendar) are moved to
the next working day or skipped, as the workspace chose. The commands themselves are in test_calendar.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.devkit.sandbox import Sandbox
from bot.devkit.simulate import TEAM_ID
from handlers.ids import Action, Block, Command
from handlers.prompts.blocks import PROMPT_TEXT
from storage.models import Agreement, Delivery, Meetup
from tests.helpers import all_text, response_to, run_due, wait_until
from tests.helpers.agreements import AMIRA, BEN, confirm, write_agreement
from tests.helpers.workspaces import Workspace, run_env

ADMIN, STAFF = "U_ADMIN", "U_STAFF"
LONDON = ZoneInfo("Europe/London")
HUDSON = "THUDSON1"  # a workspace in New York
RIVERSIDE_CH, HUDSON_CH, TEAM_CH = "C_RIVERSIDE", "C_HUDSON", "C_PRACTICE"
CHRISTMAS_ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Riverside Trust//Closures//EN
BEGIN:VEVENT
UID:christmas-2026@riverside.example
DTSTART;VALUE=DATE:20261221
DTEND;VALUE=DATE:20270105
SUMMARY:Christmas closure
END:VEVENT
END:VCALENDAR
"""


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def said(place, words: str, *, channel: str = TEAM_CH) -> str:
    """What the app answered an admin's `/talks <words>` in `place` (a sandbox or a Workspace), only to them."""
    reply, url = place.sim.command("/talks", words, user=ADMIN, channel=channel)
    assert reply.status == 200
    answer = reply.json() if reply.body else response_to(place.slack, url).args
    assert answer["response_type"] == "ephemeral"
    return answer.get("text") or all_text(answer["blocks"])


def ran(at: str, capsys, shown: str, *done: str) -> None:
    """`run-due --at AT` did exactly `done` (in any order); `shown` is the moment it prints, in London time."""
    first, *lines = run_due(at, capsys).splitlines()
    things = f"{len(done)} thing{'s' if len(done) != 1 else ''} done" if done else "nothing to do"
    assert (first, sorted(line.strip() for line in lines)) == (f"run-due at {shown}: {things}", sorted(done))


def ledger(sessions, kind: str) -> list[tuple[str, str, str, dt.datetime, str]]:
    """The ledger's rows of a kind: workspace, target, key, when it was due (UTC) and what became of it."""
    with sessions() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        return [(r.team_id, r.target, r.period_key, r.scheduled_for.astimezone(dt.UTC), r.status) for r in rows]


def share(place, words: str, *, channel: str = TEAM_CH) -> None:
    place.sim.command("/share", words, user=STAFF, channel=channel)
    wait_until(lambda: any(words[:20] in str(m.get("blocks")) for m in place.slack.messages(channel)))


def digests_in(place, channel: str) -> list[str]:
    """Every digest posted in a channel, as the text people read in it."""
    shown = [all_text(m.get("blocks") or []) for m in place.slack.messages(channel)]
    return [text for text in shown if text.startswith("📰 Programme Talks digest\n")]


def nudged(key: str, channel: str) -> list[str]:
    return [f"posted review_nudge to {target} {key}" for target in (channel, AMIRA, BEN)]


def agreed(place, channel: str, first_review: str) -> int:
    """Amira and Ben agree to share a hall, in `channel`, with its first review on `first_review`."""
    number = write_agreement(
        place, step_one={Block.CHANNEL: channel}, **{Block.START_DATE: "2027-03-01", Block.FIRST_REVIEW: first_review}
    )
    confirm(place, BEN)
    with place.sessions() as session:
        query = select(Agreement).where(Agreement.team_id == place.sim.team_id, Agreement.number == number)
        wait_until(lambda: session.scalar(query.execution_options(populate_existing=True)).status == "agreed")
        return session.scalar(query).id


def going(place, channel: str, day: str) -> int:
    """Amira posts an event on `day` at 16:00 in the workspace's time zone, and Ben says he is going; its id."""
    opened = len(place.slack.calls_to("views.open"))
    place.sim.command(Command.EVENT, "", user=AMIRA, channel=channel)
    form = place.slack.wait_for("views.open", count=opened + 1)[-1].args["view"]
    values = {
        Block.MEETUP_TITLE: "Spring forum",
        Block.MEETUP_DATE: day,
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "The hall",
        Block.ABOUT: "What worked this term",
        Block.CHANNEL: channel,
    }
    assert place.sim.submit(form, values, user=AMIRA).status == 200
    event = wait_until(lambda: [m for m in place.slack.messages(channel) if "Spring forum" in str(m.get("blocks"))])
    _, url = place.sim.click(event[-1], Action.MEETUP_GOING, user=BEN, channel=channel)
    assert response_to(place.slack, url).args["text"].startswith("✅ You're going: *Spring forum*")
    with place.sessions() as session:
        return session.scalar(select(Meetup.id).where(Meetup.team_id == place.sim.team_id))


# ---- two workspaces, two time zones --------------------------------------------------------------------------


@pytest.fixture
def two(database_url, clock, monkeypatch):
    """One app serving two workspaces, each installed through OAuth with its own token: Riverside, on the app's
    default zone (PROGRAMME_TALKS_TZ, Europe/London), and Hudson, which chooses America/New_York. Set up on Tuesday
    2 March 2027: New York's clocks go forward on 14 March, London's on 28 March."""
    clock.set(utc(2027, 3, 2, 12))
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True) as sandbox:
        riverside = Workspace(sandbox, sandbox.install(TEAM_ID, "Riverside"))
        hudson = Workspace(sandbox, sandbox.install(HUDSON, "Hudson"))
        for place in (riverside, hudson):
            sandbox.slack.add_user(ADMIN, is_admin=True, team_id=place.team_id)
        run_env(monkeypatch, sandbox)
        assert said(hudson, "timezone America/New_York", channel=HUDSON_CH).startswith(
            "✅ Done: times here are now America/New York time (they were UK time)."
        )
        yield sandbox, riverside, hudson


def test_each_workspace_gets_its_weekly_digest_at_nine_its_own_time_before_and_after_its_clocks_change(
    two, clock, capsys
):
    sandbox, riverside, hudson = two
    assert said(riverside, "digest here weekly mon 09:00", channel=RIVERSIDE_CH) == (
        "✅ Done: this channel will get a digest every Monday at 09:00 (UK time). The first is on Monday 8 March at "
        "09:00."
    )
    assert said(hudson, "digest here weekly mon 09:00", channel=HUDSON_CH) == (
        "✅ Done: this channel will get a digest every Monday at 09:00 (America/New York time). The first is on "
        "Monday 8 March at 09:00."
    )
    london, new_york = f"posted digest to {RIVERSIDE_CH}", f"posted digest to {HUDSON_CH}"
    # Both on winter time: 09:00 is 09:00 UTC in London and 14:00 UTC in New York.
    ran("2027-03-08T08:59+00:00", capsys, "2027-03-08 08:59 GMT")
    ran("2027-03-08T09:00+00:00", capsys, "2027-03-08 09:00 GMT", f"{london} 2027-03-08T09:00")
    ran("2027-03-08T13:59+00:00", capsys, "2027-03-08 13:59 GMT")
    ran("2027-03-08T14:00+00:00", capsys, "2027-03-08 14:00 GMT", f"{new_york} 2027-03-08T09:00")
    # New York is on summer time from 14 March: its 09:00 is 13:00 UTC; London's is still 09:00 UTC.
    for day in ("15", "22"):
        ran(f"2027-03-{day}T09:00+00:00", capsys, f"2027-03-{day} 09:00 GMT", f"{london} 2027-03-{day}T09:00")
        ran(f"2027-03-{day}T12:59+00:00", capsys, f"2027-03-{day} 12:59 GMT")
        ran(f"2027-03-{day}T13:00+00:00", capsys, f"2027-03-{day} 13:00 GMT", f"{new_york} 2027-03-{day}T09:00")
        ran(f"2027-03-{day}T14:00+00:00", capsys, f"2027-03-{day} 14:00 GMT")
    # London is on summer time from 28 March: its 09:00 is 08:00 UTC.
    ran("2027-03-29T07:59+00:00", capsys, "2027-03-29 08:59 BST")
    ran("2027-03-29T08:00+00:00", capsys, "2027-03-29 09:00 BST", f"{london} 2027-03-29T09:00")
    ran("2027-03-29T09:00+00:00", capsys, "2027-03-29 10:00 BST")
    ran("2027-03-29T13:00+00:00", capsys, "2027-03-29 14:00 BST", f"{new_york} 2027-03-29T09:00")
    assert ledger(sandbox.sessions, "digest") == [
        (TEAM_ID, RIVERSIDE_CH, "2027-03-08T09:00", utc(2027, 3, 8, 9), "delivered"),
        (HUDSON, HUDSON_CH, "2027-03-08T09:00", utc(2027, 3, 8, 14), "delivered"),
        (TEAM_ID, RIVERSIDE_CH, "2027-03-15T09:00", utc(2027, 3, 15, 9), "delivered"),
        (HUDSON, HUDSON_CH, "2027-03-15T09:00", utc(2027, 3, 15, 13), "delivered"),
        (TEAM_ID, RIVERSIDE_CH, "2027-03-22T09:00", utc(2027, 3, 22, 9), "delivered"),
        (HUDSON, HUDSON_CH, "2027-03-22T09:00", utc(2027, 3, 22, 13), "delivered"),
        (TEAM_ID, RIVERSIDE_CH, "2027-03-29T09:00", utc(2027, 3, 29, 8), "delivered"),
        (HUDSON, HUDSON_CH, "2027-03-29T09:00", utc(2027, 3, 29, 13), "delivered"),
    ]
    assert [d.splitlines()[1] for d in digests_in(hudson, HUDSON_CH)] == [
        "What's new from Mon 1 Mar to Mon 8 Mar 2027",
        "What's new from Mon 8 Mar to Mon 15 Mar 2027",
        "What's new from Mon 15 Mar to Mon 22 Mar 2027",
        "What's new from Mon 22 Mar to Mon 29 Mar 2027",
    ]
    clock.set(utc(2027, 3, 16, 12))
    assert said(hudson, "digest", channel=HUDSON_CH) == (
        "This channel gets a digest every Monday at 09:00 (America/New York time). The next one is on Monday 22 "
        "March at 09:00."
    )


def test_each_workspace_gets_review_nudges_and_event_reminders_at_nine_its_own_time_across_its_clock_change(
    two, capsys
):
    sandbox, riverside, hudson = two
    in_new_york = agreed(hudson, HUDSON_CH, "2027-03-15")  # the Monday after New York's clocks change
    in_london = agreed(riverside, RIVERSIDE_CH, "2027-03-29")  # the Monday after London's
    hudson_event = going(hudson, HUDSON_CH, "2027-03-16")
    riverside_event = going(riverside, RIVERSIDE_CH, "2027-03-30")
    reminded = f"posted event_reminder to {BEN} event-"
    # Three days before Hudson's review: Friday 12 March, 09:00 in New York (still winter time) is 14:00 UTC.
    ran("2027-03-12T13:59+00:00", capsys, "2027-03-12 13:59 GMT")
    ran("2027-03-12T14:00+00:00", capsys, "2027-03-12 14:00 GMT", *nudged(f"{in_new_york}:2027-03-15:d-3", HUDSON_CH))
    # Its day, Monday 15 March, after the change: 09:00 is 13:00 UTC, as is the reminder of Tuesday's event.
    ran("2027-03-15T12:59+00:00", capsys, "2027-03-15 12:59 GMT")
    ran(
        "2027-03-15T13:00+00:00",
        capsys,
        "2027-03-15 13:00 GMT",
        *nudged(f"{in_new_york}:2027-03-15:d0", HUDSON_CH),
        f"{reminded}{hudson_event}",
    )
    ran("2027-03-22T13:00+00:00", capsys, "2027-03-22 13:00 GMT", *nudged(f"{in_new_york}:2027-03-15:d+7", HUDSON_CH))
    # Three days before Riverside's review: Friday 26 March, 09:00 in London (winter time) is 09:00 UTC.
    ran("2027-03-26T08:59+00:00", capsys, "2027-03-26 08:59 GMT")
    ran("2027-03-26T09:00+00:00", capsys, "2027-03-26 09:00 GMT", *nudged(f"{in_london}:2027-03-29:d-3", RIVERSIDE_CH))
    # Its day, Monday 29 March, after London's change: 09:00 BST is 08:00 UTC. (Easter Monday, but Riverside keeps no
    # bank holidays.)
    ran("2027-03-29T07:59+00:00", capsys, "2027-03-29 08:59 BST")
    ran(
        "2027-03-29T08:00+00:00",
        capsys,
        "2027-03-29 09:00 BST",
        *nudged(f"{in_london}:2027-03-29:d0", RIVERSIDE_CH),
        f"{reminded}{riverside_event}",
    )
    for place, day in ((hudson, "Mon 15 Mar"), (riverside, "Mon 29 Mar")):
        [reminder] = [m for m in place.slack.messages(BEN) if "Reminder" in all_text(m["blocks"])]
        assert all_text(reminder["blocks"]).splitlines()[0] == "⏰ *Reminder:* Spring forum is tomorrow at 16:00."
        [nudge] = [m for m in place.slack.messages(BEN) if "(today)" in all_text(m.get("blocks") or [])]
        assert all_text(nudge["blocks"]).splitlines()[0] == (
            f"⏰ Agreement *#1 Summer sports hall* is due for review on {day} (today)."
        )
    with sandbox.sessions() as session:  # each event starts at 16:00 in its workspace's zone
        starts = [
            (m.team_id, m.starts_at.astimezone(dt.UTC)) for m in session.scalars(select(Meetup).order_by(Meetup.id))
        ]
    assert starts == [(HUDSON, utc(2027, 3, 16, 20)), (TEAM_ID, utc(2027, 3, 30, 15))]
    assert [(team, at) for team, _, _, at, _ in ledger(sandbox.sessions, "event_reminder")] == [
        (HUDSON, utc(2027, 3, 15, 13)),
        (TEAM_ID, utc(2027, 3, 29, 8)),
    ]


# ---- Christmas: England's bank holidays and a closed fortnight -----------------------------------------------


@pytest.fixture
def admin(sandbox, env):
    sandbox.slack.add_user(ADMIN, is_admin=True)
    return ADMIN


def close_christmas(sandbox, how: str) -> None:
    """Close 21 December 2026 to 4 January 2027: typed, or imported from the organisation's .ics calendar."""
    if how == "typed":
        assert said(sandbox, "closed 2026-12-21 to 2027-01-04").startswith("✅ Done: Monday 21 December 2026 to")
        return
    sandbox.sim.command("/talks", "closed import", user=ADMIN, channel=TEAM_CH)
    [opened] = sandbox.slack.wait_for("views.open")
    file = sandbox.slack.share_file("riverside-closures.ics", CHRISTMAS_ICS, user=ADMIN)
    values = {Block.CALENDAR_FILE: [file], Block.CALENDAR_LISTS: "holidays"}
    assert sandbox.sim.submit(opened.args["view"], values, user=ADMIN).status == 200
    [told] = sandbox.slack.wait_for("response_url", where=lambda c: "riverside-closures.ics" in c.args["text"])
    assert told.args["text"].startswith("✅ Done: 1 closure from riverside-closures.ics added")


def christmas_digests(sandbox, clock, capsys, how: str) -> None:
    """A weekly Monday digest at 09:00, England's bank holidays kept, Christmas closed (`how`); posted on 14
    December, then shares on 16, 23 and 30 December (the last two while closed)."""
    clock.set(utc(2026, 12, 8, 10))
    said(sandbox, "holidays england")
    close_christmas(sandbox, how)
    said(sandbox, "digest here weekly mon 09:00")
    ran("2026-12-14T09:00", capsys, "2026-12-14 09:00 GMT", f"posted digest to {TEAM_CH} 2026-12-14T09:00")
    for day, words in ((16, "Walking bus to school"), (23, "Holiday lunch club"), (30, "New year reading club")):
        clock.set(utc(2026, 12, day, 11))
        share(sandbox, words)
    for closed in ("2026-12-21", "2026-12-28", "2027-01-04"):  # closed, and a bank holiday on the 28th
        ran(f"{closed}T09:00", capsys, f"{closed} 09:00 GMT")


SHARED = ("Walking bus to school", "Holiday lunch club", "New year reading club")


@pytest.mark.parametrize("how", ["typed", "ics"])
def test_monday_digests_in_the_christmas_closure_wait_for_tuesday_5_january_as_one_digest_of_everything(
    sandbox, admin, clock, capsys, how
):
    christmas_digests(sandbox, clock, capsys, how)
    ran("2027-01-05T08:59", capsys, "2027-01-05 08:59 GMT")
    ran("2027-01-05T09:00", capsys, "2027-01-05 09:00 GMT", f"posted digest to {TEAM_CH} 2027-01-05T09:00")
    ran("2027-01-05T09:30", capsys, "2027-01-05 09:30 GMT")
    ran("2027-01-11T09:00", capsys, "2027-01-11 09:00 GMT", f"posted digest to {TEAM_CH} 2027-01-11T09:00")
    _, moved, after = digests_in(sandbox, TEAM_CH)
    assert moved.splitlines()[1] == "What's new from Mon 14 Dec to Tue 5 Jan 2027"
    assert [words for words in SHARED if words in moved] == list(SHARED)
    assert after.splitlines()[1:3] == ["What's new from Tue 5 Jan to Mon 11 Jan 2027", "*A quiet week…* What's one "
                                       "thing that worked? Share it, or ask for the help you need."]  # fmt: skip
    assert [(key, at, status) for _, _, key, at, status in ledger(sandbox.sessions, "digest")] == [
        ("2026-12-14T09:00", utc(2026, 12, 14, 9), "delivered"),
        ("2027-01-05T09:00", utc(2027, 1, 5, 9), "delivered"),
        ("2027-01-11T09:00", utc(2027, 1, 11, 9), "delivered"),
    ]


def test_monday_digests_in_the_christmas_closure_are_skipped_when_chosen_and_the_next_covers_it_all(
    sandbox, admin, clock, capsys
):
    assert said(sandbox, "closed-days digests skip").startswith("✅ Done: on closed days, digests are now skipped.")
    christmas_digests(sandbox, clock, capsys, "typed")
    ran("2027-01-05T09:00", capsys, "2027-01-05 09:00 GMT")
    ran("2027-01-11T08:59", capsys, "2027-01-11 08:59 GMT")
    ran("2027-01-11T09:00", capsys, "2027-01-11 09:00 GMT", f"posted digest to {TEAM_CH} 2027-01-11T09:00")
    _, after = digests_in(sandbox, TEAM_CH)
    assert after.splitlines()[1] == "What's new from Mon 14 Dec to Mon 11 Jan 2027"
    assert [words for words in SHARED if words in after] == list(SHARED)
    assert [(key, at, status) for _, _, key, at, status in ledger(sandbox.sessions, "digest")] == [
        ("2026-12-14T09:00", utc(2026, 12, 14, 9), "delivered"),
        ("2027-01-11T09:00", utc(2027, 1, 11, 9), "delivered"),
    ]


# ---- Easter 2027: Easter Sunday is 28 March, the day the clocks go forward ---------------------------------------


def test_a_review_due_on_easter_monday_is_nudged_on_tuesday_at_nine_summer_time(sandbox, admin, clock, capsys):
    clock.set(utc(2027, 3, 15, 10))
    said(sandbox, "holidays england")
    review = agreed(sandbox, TEAM_CH, "2027-03-29")  # Easter Monday; three days before is Good Friday, 26 March
    ran("2027-03-26T09:00+00:00", capsys, "2027-03-26 09:00 GMT")  # Good Friday: moved to Tuesday
    ran("2027-03-29T08:00+00:00", capsys, "2027-03-29 09:00 BST")  # Easter Monday: moved to Tuesday
    ran("2027-03-30T07:59+00:00", capsys, "2027-03-30 08:59 BST")
    ran("2027-03-30T08:00+00:00", capsys, "2027-03-30 09:00 BST", *nudged(f"{review}:2027-03-29:d0", TEAM_CH))
    ran("2027-03-30T12:00+00:00", capsys, "2027-03-30 13:00 BST")
    ran("2027-04-05T08:00+00:00", capsys, "2027-04-05 09:00 BST", *nudged(f"{review}:2027-03-29:d+7", TEAM_CH))
    [tuesday, _] = [m for m in sandbox.slack.messages(BEN) if "review due" in (m.get("text") or "")]
    assert all_text(tuesday["blocks"]).splitlines()[0] == (
        "⏰ The review of agreement *#1 Summer sports hall* was due on Mon 29 Mar (yesterday) and hasn't been "
        "recorded yet."
    )
    assert [(target, key, at) for _, target, key, at, _ in ledger(sandbox.sessions, "review_nudge")] == [
        (target, f"{review}:2027-03-29:{stage}", moment)
        for stage, moment in (("d0", utc(2027, 3, 30, 8)), ("d+7", utc(2027, 4, 5, 8)))
        for target in (TEAM_CH, AMIRA, BEN)
    ]


@pytest.mark.parametrize("choice", ["default", "move"])
def test_a_meeting_prompt_on_good_friday_is_skipped_or_moved_past_easter_monday_to_tuesday_as_chosen(
    sandbox, admin, clock, capsys, choice
):
    clock.set(utc(2027, 3, 15, 10))
    said(sandbox, "holidays england")
    if choice == "move":
        assert said(sandbox, "closed-days prompts move") == (
            "✅ Done: on closed days, meeting prompts now wait for the next working day."
        )
    said(sandbox, "prompt here weekly fri 09:45")
    posted = f"posted prompt to {TEAM_CH}"
    ran("2027-03-19T09:45+00:00", capsys, "2027-03-19 09:45 GMT", f"{posted} 2027-03-19T09:45")
    ran("2027-03-26T09:45+00:00", capsys, "2027-03-26 09:45 GMT")  # Good Friday
    ran("2027-03-29T08:45+00:00", capsys, "2027-03-29 09:45 BST")  # Easter Monday
    # Moved, it keeps its wall time: 09:45 on Tuesday is in summer time, 08:45 UTC.
    ran("2027-03-30T08:44+00:00", capsys, "2027-03-30 09:44 BST")
    moved = [f"{posted} 2027-03-30T09:45"] if choice == "move" else []
    ran("2027-03-30T08:45+00:00", capsys, "2027-03-30 09:45 BST", *moved)
    ran("2027-03-30T09:45+00:00", capsys, "2027-03-30 10:45 BST")
    ran("2027-04-02T08:45+00:00", capsys, "2027-04-02 09:45 BST", f"{posted} 2027-04-02T09:45")
    local = [
        "2027-03-19T09:45:00+00:00",
        *(["2027-03-30T09:45:00+01:00"] if moved else []),
        "2027-04-02T09:45:00+01:00",
    ]
    assert [(key, at.astimezone(LONDON).isoformat()) for _, _, key, at, _ in ledger(sandbox.sessions, "prompt")] == [
        (f"{moment[:16]}", moment) for moment in local
    ]
    assert [m["text"] for m in sandbox.slack.messages(TEAM_CH) if m["text"].startswith("Two questions")] == [
        PROMPT_TEXT
    ] * len(local)
