"""Quiet when people need it: `/talks pause 2 weeks` and `/talks resume` (no direct messages from the app while away,
except asking them to confirm an agreement they are party to, then one message with what they missed), `/talks dms`
to turn one kind of direct message off, and champions pausing a channel's digest for a while."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.devkit.local_slack import Call
from handlers.ids import Action, Block, View
from storage.models import ChannelPause, Delivery, DmChoice, FollowNotice, HeldNotice, PersonPause, QueuedJob
from tests.helpers import all_text, assert_safe_mrkdwn, printed, requests, response_to, run_due, wait_until
from tests.helpers.agreements import asked_to_confirm, confirm, write_agreement

ADMIN, CHAMPION, STAFF = "U_ADMIN", "U_CHAMP", "U_STAFF"
AMIRA, BEN, CHLOE = "U_AMIRA", "U_BEN", "U_CHLOE"
CHANNEL = "C_PRACTICE"
PAUSED = (
    "⏸️ You're paused until Friday 11 December. Until then I won't send you direct messages, except ones that need "
    "your answer (an agreement waiting for you to confirm, or someone asking whether they may share your words). "
    "At 09:00 that day I'll send you one message with what you missed. `/talks resume` ends it sooner."
)
NOT_PAUSED = (
    "You're not paused. To have a break from my direct messages, type `/talks pause 2 weeks` or "
    "`/talks pause until 2027-01-04`: when you're back you get one message with what you missed."
)
DMS_HINT = "Choose which direct messages you get with `/talks dms`."


@pytest.fixture
def env(env, sandbox):
    """The shared environment, with a workspace admin who may appoint champions and set up digests."""
    sandbox.slack.add_user(ADMIN, is_admin=True)
    return env


def talks(sandbox, words: str, *, user: str = BEN, channel: str = CHANNEL) -> str:
    """Type `/talks <words>`; what the app answered, only to them (at once, or through the response_url)."""
    reply, url = sandbox.sim.command("/talks", words, user=user, channel=channel)
    assert reply.status == 200
    answer = reply.json() if reply.body else response_to(sandbox.slack, url).args
    return answer.get("text") or all_text(answer.get("blocks") or [])


def dms_to(sandbox, user: str) -> list[Call]:
    """Every chat.postMessage the app made to this person's direct messages, oldest first."""
    return [call for call in sandbox.slack.calls_to("chat.postMessage") if call.args["channel"] == user]


def champion(sandbox, user: str) -> None:
    sandbox.sim.command("/talks", f"champion <@{user}>", user=ADMIN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == user)  # the welcome


def share(sandbox, text: str, user: str = CHLOE) -> None:
    sandbox.sim.command("/share", text, user=user, channel=CHANNEL)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: text[:20] in str(c.args.get("blocks")))


def noticed(sandbox, user: str = BEN) -> None:
    """Wait until a share is noticed for this follower's daily message (just after it is posted)."""
    wait_until(lambda: count_where(sandbox, FollowNotice, FollowNotice.user_id == user))


def settled(sandbox) -> None:
    """Wait until the work after every answer so far is done (nothing more will be sent for it)."""
    wait_until(lambda: not count_where(sandbox, QueuedJob, QueuedJob.status.in_(("queued", "running"))), timeout=10)


def count_where(sandbox, model, *where) -> int:
    with sandbox.sessions() as session:
        return len(session.scalars(select(model).where(*where)).all())


def post_event(sandbox, **changes) -> dict:
    """Amira posts an event on Thursday 3 December in the channel; its message there, once she is told."""
    told = len(sandbox.slack.calls_to("chat.postEphemeral"))
    sandbox.sim.command("/event", "", user=AMIRA, channel=CHANNEL)
    [form] = sandbox.slack.wait_for("views.open", where=lambda c: c.args["view"]["callback_id"] == View.MEETUP)
    values = {
        Block.MEETUP_TITLE: "Youth forum open evening",
        Block.MEETUP_DATE: "2026-12-03",
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "Riverside Hall",
        Block.ABOUT: "Young people show their projects",
        Block.CHANNEL: CHANNEL,
    }
    assert sandbox.sim.submit(form.args["view"], values | changes, user=AMIRA).body == ""
    sandbox.slack.wait_for("chat.postEphemeral", count=told + 1)
    return [m for m in sandbox.slack.messages(CHANNEL) if m["text"].startswith("Event:")][-1]


def event_going(sandbox, user: str) -> None:
    _, url = sandbox.sim.click(post_event(sandbox), Action.MEETUP_GOING, user=user, channel=CHANNEL)
    response_to(sandbox.slack, url)


def lines_of(out: str) -> list[str]:
    return printed(out)[1]


def catch_up(*held: str, since: str = "Friday 27 November") -> str:
    return (
        f"👋 *Welcome back.* While you were away (since {since}), I held back these direct messages so as not to "
        "disturb you:\n" + "\n".join(f"• {line}" for line in held) + f"\n{DMS_HINT}"
    )


def pauses(sandbox) -> list[tuple[str, str, bool]]:
    with sandbox.sessions() as session:
        rows = session.scalars(select(PersonPause).order_by(PersonPause.id))
        return [(p.user_id, p.back_on.isoformat(), p.resumed_at is not None) for p in rows]


# ---- pausing and resuming -------------------------------------------------------------------------------------


def test_pause_for_two_weeks_says_the_day_back_and_pause_alone_shows_it(sandbox, env):
    assert talks(sandbox, "pause") == NOT_PAUSED
    assert talks(sandbox, "pause 2 weeks") == PAUSED
    assert talks(sandbox, "pause") == "You're paused until Friday 11 December. `/talks resume` ends it now."
    assert talks(sandbox, "pause", user=AMIRA) == NOT_PAUSED  # only Ben is paused
    assert talks(sandbox, "pause until 2027-01-04") == PAUSED.replace("Friday 11 December", "Monday 4 January")
    assert pauses(sandbox) == [(BEN, "2027-01-04", False)]  # moved, not a second pause


def test_bad_pauses_are_answered_kindly_and_nothing_changes(sandbox, env):
    assert talks(sandbox, "pause for ages") == (
        'Sorry, I couldn\'t read "ages". Use whole numbers, for example "2 weeks", "10 days", "1 month" or '
        '"until 4 January".'
    )
    assert talks(sandbox, "pause 7 months") == (
        "A pause can be at most 6 months, so until Thursday 27 May 2027 at the latest. For a shorter pause, try for "
        'example "3 months".'
    )
    assert talks(sandbox, "pause until 2026-11-20") == (
        'Friday 20 November 2026 has already passed. When will you be back? For example "2 weeks", "10 days", '
        '"1 month" or "until 4 January".'
    )
    assert talks(sandbox, "resume") == (
        "You're not paused, so there's nothing to resume. To have a break from my direct messages, type "
        "`/talks pause 2 weeks` or `/talks pause until 2027-01-04`: when you're back you get one message with what "
        "you missed."
    )
    assert pauses(sandbox) == []
    assert dms_to(sandbox, BEN) == []
    talks(sandbox, "pause 2 weeks", user=AMIRA)
    assert talks(sandbox, "pause 7 months", user=AMIRA).startswith("A pause can be at most 6 months")
    assert pauses(sandbox) == [(AMIRA, "2026-12-11", False)]  # her pause stands as it was


def test_while_paused_no_scheduled_dm_reaches_them_and_resume_sends_what_they_missed_once(sandbox, env, capsys, clock):
    champion(sandbox, BEN)
    talks(sandbox, "digest here weekly mon 09:00", user=ADMIN)
    talks(sandbox, "follow #transition")
    number = write_agreement(sandbox)  # Amira and Ben, first review Monday 7 December
    confirm(sandbox, BEN)
    event_going(sandbox, BEN)
    settled(sandbox)
    before = len(dms_to(sandbox, BEN))
    assert talks(sandbox, "pause 2 weeks") == PAUSED
    share(sandbox, "Year 6 visit days before they move up #transition")
    noticed(sandbox)

    held = "held {} for U_BEN {}: they are paused"
    assert lines_of(run_due("2026-11-30T09:00", capsys)) == [
        held.format("champion_digest", "2026-11-30T09:00"),
        held.format("follow_bundle", "2026-11-30"),
        "posted digest to C_PRACTICE 2026-11-30T09:00",
    ]
    assert lines_of(run_due("2026-12-02T09:00", capsys)) == [
        held.format("event_reminder", "event-1"),
        held.format("follow_bundle", "2026-12-02"),
    ]
    assert lines_of(run_due("2026-12-04T09:00", capsys)) == [
        held.format("follow_bundle", "2026-12-04"),
        held.format("review_nudge", f"{number}:2026-12-07:d-3"),
        f"posted review_nudge to {CHANNEL} {number}:2026-12-07:d-3",
        f"posted review_nudge to {AMIRA} {number}:2026-12-07:d-3",
    ]
    assert dms_to(sandbox, BEN)[before:] == []  # nothing of any kind reached Ben while he was away

    clock.set(clock().replace(year=2026, month=12, day=5, hour=10))
    assert talks(sandbox, "resume") == "👋 Welcome back! I've sent you a message with what you missed."
    [missed] = dms_to(sandbox, BEN)[before:]
    assert all_text(missed.args["blocks"]) == catch_up(
        "1 event reminder (your Home tab shows your upcoming events)",
        "1 agreement review reminder (your Home tab shows your agreements and their reviews)",
        "1 champion's copy of a digest (`/talks digest preview` in a channel shows its digest now)",
        "New posts with tags you follow: they come in your next 09:00 message",
    )
    assert missed.args["text"] == "Welcome back: what I held back while you were away"
    assert_safe_mrkdwn(missed)

    # Once: the next run sends no second catch-up, only the follow message that waited, and nothing is kept.
    assert lines_of(run_due("2026-12-05T10:05", capsys)) == ["posted follow_bundle to U_BEN 2026-12-05"]
    assert len(dms_to(sandbox, BEN)[before:]) == 2
    assert "Year 6 visit days" in all_text(dms_to(sandbox, BEN)[-1].args["blocks"])
    assert talks(sandbox, "resume").startswith("You're not paused, so there's nothing to resume.")
    assert pauses(sandbox) == []
    assert count_where(sandbox, HeldNotice) == 0


def test_asking_them_to_confirm_an_agreement_still_reaches_them_but_offers_and_invitations_wait(sandbox, env, capsys):
    sandbox.sim.command("/collab", "A partner with a minibus for Saturday trips", user=BEN)
    wait_until(lambda: requests(sandbox.sessions) and requests(sandbox.sessions)[0].permalink)
    [request] = requests(sandbox.sessions)
    talks(sandbox, "pause 2 weeks")

    [asked] = [m for m in sandbox.slack.messages(CHANNEL) if "minibus" in all_text(m.get("blocks") or [])]
    _, url = sandbox.sim.click(asked, Action.OFFER_HELP, user=CHLOE, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"] == (
        f"Thank you! Your offer is recorded on the request. <@{BEN}> will see it there."
    )
    event = post_event(sandbox, **{Block.INVITE_PEOPLE: [BEN, CHLOE]})
    assert [m["text"] for m in sandbox.slack.messages(CHLOE)] == [event["text"]]  # invited, and not paused
    write_agreement(sandbox, user=AMIRA)  # Amira names Ben as a party: he is asked to confirm, paused or not
    [ask] = asked_to_confirm(sandbox, BEN)
    assert ask["text"] == "Please confirm agreement #1"
    assert [m["text"] for m in sandbox.slack.messages(BEN)] == ["Please confirm agreement #1"]

    assert lines_of(run_due("2026-12-11T08:59", capsys)) == []
    assert lines_of(run_due("2026-12-11T09:00", capsys)) == ["posted catch-up to U_BEN since-2026-11-27T10:00:00"]
    [missed] = sandbox.slack.messages(BEN)[1:]
    link = f"https://example.slack.com/archives/{CHANNEL}/p{event['ts'].replace('.', '')}"
    assert all_text(missed["blocks"]) == catch_up(
        f"1 offer of help on your requests: <{request.permalink}|open>", f"1 event invitation: <{link}|open>"
    )
    assert lines_of(run_due("2026-12-11T09:05", capsys)) == []
    assert len(sandbox.slack.messages(BEN)) == 2
    assert talks(sandbox, "pause") == NOT_PAUSED


# ---- choosing which direct messages -----------------------------------------------------------------------------


def test_dms_lists_each_kind_and_how_to_turn_one_off(sandbox, env):
    listed = (
        "*Your direct messages from Programme Talks*\n"
        "• `digest-copy`: {}, champions' copy of each digest, with what needs their attention\n"
        "• `follow`: {}, your 09:00 message of new posts with tags you follow\n"
        "• `offers`: on, someone offering to help with your request\n"
        "• `matches`: on, practice that may help with your request\n"
        "• `events`: on, invitations to events, and reminders the day before\n"
        "• `newsletter`: on, monthly newsletter drafts for champions to review\n"
        "Agreement review reminders and news of your agreements stay on: your partners rely on reviews happening. "
        "While you're paused they wait too.{}\n"
        "Turn one off with `/talks dms follow off`, and on again with `/talks dms follow on`. To have a break from "
        "all of them for a while, type `/talks pause 2 weeks` or `/talks pause until 2027-01-04`."
    )
    assert talks(sandbox, "dms") == listed.format("on", "on", "")
    assert talks(sandbox, "dms follow off") == (
        "🔕 Off: your 09:00 message of new posts with tags you follow. `/talks dms follow on` turns it back on."
    )
    assert talks(sandbox, "dms follow off") == (
        "`follow` is already off: your 09:00 message of new posts with tags you follow. Nothing has changed."
    )
    talks(sandbox, "pause 2 weeks")
    assert talks(sandbox, "dms") == listed.format("on", "*off*", "\n⏸️ You're paused until Friday 11 December.")
    assert talks(sandbox, "dms reviews off") == (
        "Agreement review reminders and news of your agreements stay on: your partners rely on reviews happening. "
        "While you're paused they wait too. To have a break from everything, try `/talks pause 2 weeks`."
    )
    assert talks(sandbox, "dms gossip off") == (
        "I don't know the direct messages called “gossip”. You can turn off: `digest-copy`, `follow`, `offers`, "
        "`matches`, `events`, `newsletter`. `/talks dms` lists them."
    )
    with sandbox.sessions() as session:
        assert [(c.user_id, c.choice) for c in session.scalars(select(DmChoice))] == [(BEN, "follow")]


def test_digest_copy_off_stops_champion_copies_to_that_person_only_and_on_restores_them(sandbox, env, capsys):
    champion(sandbox, BEN)
    champion(sandbox, CHAMPION)
    talks(sandbox, "digest here weekly mon 09:00", user=ADMIN)
    assert talks(sandbox, "dms digest-copy off") == (
        "🔕 Off: champions' copy of each digest, with what needs their attention. `/talks dms digest-copy on` turns "
        "it back on."
    )
    before = len(dms_to(sandbox, BEN))
    assert lines_of(run_due("2026-11-30T09:00", capsys)) == [
        f"not sent champion_digest to {BEN} 2026-11-30T09:00: they turned it off",
        f"posted champion digest to {CHAMPION} 2026-11-30T09:00",
        "posted digest to C_PRACTICE 2026-11-30T09:00",
    ]
    assert dms_to(sandbox, BEN)[before:] == []
    assert (
        talks(sandbox, "dms digest-copy on")
        == "🔔 On again: champions' copy of each digest, with what needs their attention."
    )
    assert lines_of(run_due("2026-12-07T09:00", capsys)) == [
        f"posted champion digest to {BEN} 2026-12-07T09:00",
        f"posted champion digest to {CHAMPION} 2026-12-07T09:00",
        "posted digest to C_PRACTICE 2026-12-07T09:00",
    ]
    [copy] = dms_to(sandbox, BEN)[before:]
    assert copy.args["text"].startswith("Programme Talks digest")


def test_follow_off_stops_the_daily_bundle(sandbox, env, capsys):
    talks(sandbox, "follow #transition")
    talks(sandbox, "dms follow off")
    share(sandbox, "Year 6 visit days before they move up #transition")
    noticed(sandbox)
    assert lines_of(run_due("2026-11-28T09:00", capsys)) == [
        f"not sent follow_bundle to {BEN} 2026-11-28: they turned it off"
    ]
    assert dms_to(sandbox, BEN) == []
    assert count_where(sandbox, HeldNotice) == 0  # turned off is not held: there is nothing to catch up on


# ---- a channel's digest paused by a champion --------------------------------------------------------------------


def digest_ledger(sandbox) -> list[tuple[str, str]]:
    with sandbox.sessions() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == "digest").order_by(Delivery.scheduled_for))
        return [(row.period_key, row.status) for row in rows]


def test_a_champion_pauses_a_channels_digest_and_the_next_covers_everything_since_the_last(sandbox, env, capsys, clock):
    champion(sandbox, CHAMPION)
    talks(sandbox, "digest here weekly mon 09:00", user=ADMIN)
    share(sandbox, "Walking bus to school #attendance")
    run_due("2026-11-30T09:00", capsys)
    clock.set(clock().replace(year=2026, month=12, day=1, hour=10))
    share(sandbox, "Breakfast club cut lateness #attendance")
    assert talks(sandbox, "digest pause 2 weeks", user=CHAMPION) == (
        "⏸️ This channel's digest is paused until Tuesday 15 December: any due before then won't be posted. It "
        "starts again by itself; `/talks digest resume` starts it sooner."
    )
    assert talks(sandbox, "digest", user=STAFF) == (
        "This channel gets a digest every Monday at 09:00 (UK time), but it's paused until Tuesday 15 December: "
        "the first after that covers everything since the last one. `/talks digest resume` starts it sooner."
    )
    for day in ("07", "14"):
        assert lines_of(run_due(f"2026-12-{day}T09:00", capsys)) == [
            f"paused digest to C_PRACTICE 2026-12-{day}T09:00: paused until 2026-12-15",
            f"posted champion digest to {CHAMPION} 2026-12-{day}T09:00",
        ]
    assert lines_of(run_due("2026-12-21T09:00", capsys)) == [
        f"posted champion digest to {CHAMPION} 2026-12-21T09:00",
        "posted digest to C_PRACTICE 2026-12-21T09:00",
    ]
    assert digest_ledger(sandbox) == [
        ("2026-11-30T09:00", "delivered"),
        ("2026-12-07T09:00", "paused"),
        ("2026-12-14T09:00", "paused"),
        ("2026-12-21T09:00", "delivered"),
    ]
    digests = [m for m in sandbox.slack.messages(CHANNEL) if m["text"].startswith("Programme Talks digest:")]
    assert len(digests) == 2
    shown = all_text(digests[-1]["blocks"])
    assert "What's new from Mon 30 Nov to Mon 21 Dec 2026" in shown
    assert "Breakfast club cut lateness" in shown and "Walking bus" not in shown


def test_staff_cannot_pause_a_channels_digest_and_nothing_changes(sandbox, env, capsys):
    talks(sandbox, "digest here weekly mon 09:00", user=ADMIN)
    for words in ("digest pause 2 weeks", "digest resume"):
        assert talks(sandbox, words, user=STAFF) == (
            "Sorry, only workspace owners, admins and Programme Talks champions can change a channel's digest. "
            "Nothing has changed."
        )
    assert count_where(sandbox, ChannelPause) == 0
    assert lines_of(run_due("2026-11-30T09:00", capsys)) == ["posted digest to C_PRACTICE 2026-11-30T09:00"]


def test_a_champion_resumes_a_channels_digest_sooner_and_nothing_to_pause_or_resume_is_said(sandbox, env, capsys):
    talks(sandbox, "digest here weekly mon 09:00", user=ADMIN)
    assert talks(sandbox, "digest pause 2 weeks", user=ADMIN, channel="C_NONE") == (
        "This channel doesn't get the digest, so there's nothing to pause."
    )
    talks(sandbox, "digest pause until 2027-01-04", user=ADMIN)
    assert talks(sandbox, "digest resume", user=ADMIN) == (
        "▶️ This channel's digest is back on: the next covers everything since its last one."
    )
    assert (
        talks(sandbox, "digest resume", user=ADMIN)
        == "This channel's digest isn't paused, so there's nothing to resume."
    )
    assert count_where(sandbox, ChannelPause) == 0
    assert lines_of(run_due("2026-11-30T09:00", capsys)) == ["posted digest to C_PRACTICE 2026-11-30T09:00"]
