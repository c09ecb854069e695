"""/event: the form, posting and invitations, Going and Interested kept current everywhere, and reminders."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from domain.meetups import meetups_section
from handlers.ids import Action, Block, Command
from storage import meetups as ms
from storage.models import Meetup, MeetupPost, MeetupRsvp
from tests.helpers import all_text, assert_safe_mrkdwn, count, response_to, run_due, wait_until
from tests.helpers.meetups import FORM, answer, create_event, latest, open_form, submit

CHANNEL, OTHER_CHANNEL = "C_PRACTICE", "C_YOUTH"
AMIRA, BEN, CHLOE, DAN = "U_AMIRA", "U_BEN", "U_CHLOE", "U_DAN"


WHEN = "Thursday 3 December 2026 at 16:00"
NO_ANSWERS = "No answers yet. Are you going?"


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def event_shown(answers: str = NO_ANSWERS, *, invited: bool = False, when: str = WHEN) -> str:
    """What a person reads in the message of an event made from FORM (all_text of its blocks)."""
    return (
        ("👋 <@U_AMIRA> invited you to an event. Would you like to come?\n" if invited else "")
        + f"📅 Youth forum open evening\n*When:* {when}\n*Where:* Riverside Hall\n"
        "Young people show their projects &amp; partners find out how to get involved\n"
        f"{answers}\n✅ Going\n👀 Interested\nPosted by <@U_AMIRA> · Press your answer again to take it back"
    )


def going_note(when: str = WHEN, *, reminder: bool = True) -> str:
    after = "I'll send you a reminder the day before." if reminder else "See you there!"
    return (
        f"✅ You're going: *Youth forum open evening*, {when}. {after} "
        "Changed your mind? Press *Going* again to take it back."
    )


def shown_everywhere(sandbox, channels: list[str], *expected: str) -> None:
    """Wait until the event message in each of these channels shows all the expected text."""
    wait_until(lambda: all(all(e in all_text(latest(sandbox, c)["blocks"]) for e in expected) for c in channels))


def answers(sandbox) -> dict[str, str]:
    with sandbox.sessions() as session:
        return dict(session.execute(select(MeetupRsvp.user_id, MeetupRsvp.answer)).all())


# ---- the form and posting -------------------------------------------------------------------------------


def test_event_with_invitations_is_posted_in_the_channel_and_sent_to_invited_people_and_channels(sandbox):
    event_id = create_event(
        sandbox, **{Block.INVITE_PEOPLE: [BEN, CHLOE, AMIRA], Block.INVITE_CHANNELS: [OTHER_CHANNEL, CHANNEL]}
    )
    posted = sandbox.slack.calls_to("chat.postMessage")
    assert sorted(call.args["channel"] for call in posted) == sorted([CHANNEL, OTHER_CHANNEL, BEN, CHLOE])
    for call in posted:
        assert_safe_mrkdwn(call)
    for channel in (CHANNEL, OTHER_CHANNEL, BEN, CHLOE):
        [message] = sandbox.slack.messages(channel)
        shown = all_text(message["blocks"])
        assert shown == event_shown(invited=channel in (BEN, CHLOE))
        buttons = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert buttons == [Action.MEETUP_GOING, Action.MEETUP_INTERESTED, Action.REPORT_CONCERN]  # and the ⋯ menu
        assert message["text"] == "Event: Youth forum open evening, Thu 3 Dec, 16:00"
    assert f"<@{AMIRA}> invited you" in all_text(latest(sandbox, BEN)["blocks"])
    assert "invited you" not in all_text(latest(sandbox, CHANNEL)["blocks"])
    assert sandbox.slack.messages(AMIRA) == []  # inviting yourself sends you nothing
    note = sandbox.slack.calls_to("chat.postEphemeral")[-1].args
    assert note["user"] == AMIRA and note["channel"] == CHANNEL
    assert all_text(note["blocks"]) == (
        f"✅ *Youth forum open evening* is posted in <#{CHANNEL}> and <#{OTHER_CHANNEL}>.\n"
        "I've sent an invitation to 2 people."
    )
    with sandbox.sessions() as session:
        event = session.get(Meetup, event_id)
        assert (event.title, event.place, event.channel_id, event.created_by) == (
            "Youth forum open evening",
            "Riverside Hall",
            CHANNEL,
            AMIRA,
        )
        assert event.starts_at == utc(2026, 12, 3, 16)
        copies = session.scalars(select(MeetupPost).order_by(MeetupPost.id)).all()
        assert [(c.channel_id, c.invited_user) for c in copies] == [
            (CHANNEL, None),
            (OTHER_CHANNEL, None),
            (BEN, BEN),
            (CHLOE, CHLOE),
        ]
        assert [c.message_ts for c in copies] == [latest(sandbox, c.channel_id)["ts"] for c in copies]


def test_event_command_help_explains_and_text_after_it_fills_in_the_title(sandbox):
    reply, _ = sandbox.sim.command(Command.EVENT, "help")
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert all_text(answer["blocks"]) == (
        "*Invite people to an event*\n"
        "`/event` opens a form: the title, the date and time, where it is (a place or a link), what it is and who "
        "would benefit, and who to invite. It is posted in the channel you choose with *Going* and *Interested* "
        "buttons; people you invite get it by direct message, and channels you add get it too.\n"
        "`/event Youth forum open evening` opens the form with the title filled in.\n\n"
        "*Answering*\n"
        "Press *Going* or *Interested*. Changed your mind? Press the other one, or press yours again to take it "
        "back. Everyone sees how many are going and interested.\n"
        "People going get a reminder at 9am the day before.\n\n"
        "Dates and times are UK time. `/event help` shows this message."
    )
    view = open_form(sandbox, "Youth forum open evening")
    title = next(b for b in view["blocks"] if b["block_id"] == Block.MEETUP_TITLE)
    assert title["element"]["initial_value"] == "Youth forum open evening"
    channel = next(b for b in view["blocks"] if b["block_id"] == Block.CHANNEL)
    assert channel["element"]["default_to_current_conversation"] is True


def test_event_text_too_long_for_a_title_is_kept_whole_in_what_it_is(sandbox):
    text = "Youth forum open evening " + "with projects to see " * 10
    view = open_form(sandbox, text)
    title = next(b for b in view["blocks"] if b["block_id"] == Block.MEETUP_TITLE)["element"]["initial_value"]
    about = next(b for b in view["blocks"] if b["block_id"] == Block.ABOUT)["element"]["initial_value"]
    assert len(title) <= 150 and title.startswith("Youth forum open evening")
    # Cut at the last whole word that fits 150 characters with its "…": five repeats and "with projects to".
    assert title == "Youth forum open evening " + "with projects to see " * 5 + "with projects to…"
    assert about == text.strip()


def test_user_text_in_an_event_cannot_ping_anyone_and_links_show_their_own_address(sandbox):
    create_event(
        sandbox,
        **{
            Block.PLACE: "Online <!here> https://meet.example.org/forum?a=1&b=2",
            Block.ABOUT: "Hi <@U_MALLORY> <!channel> see <https://evil.example|this>",
        },
    )
    [post] = sandbox.slack.calls_to("chat.postMessage")
    assert_safe_mrkdwn(post)
    shown = all_text(post.args["blocks"])
    assert "&lt;!here&gt;" in shown and "<https://meet.example.org/forum?a=1&amp;b=2>" in shown
    assert shown == (
        f"📅 Youth forum open evening\n*When:* {WHEN}\n"
        "*Where:* Online &lt;!here&gt; <https://meet.example.org/forum?a=1&amp;b=2>\n"
        "Hi &lt;@U_MALLORY&gt; &lt;!channel&gt; see &lt;https://evil.example|this&gt;\n"
        f"{NO_ANSWERS}\n✅ Going\n👀 Interested\nPosted by <@U_AMIRA> · Press your answer again to take it back"
    )


@pytest.mark.parametrize(
    ("changes", "block", "says"),
    [
        ({Block.MEETUP_TITLE: ""}, Block.MEETUP_TITLE, "Please give your event a title."),
        ({Block.MEETUP_DATE: None}, Block.MEETUP_DATE, "Please choose the date."),
        (
            {Block.MEETUP_DATE: "2026-11-26"},
            Block.MEETUP_DATE,
            "That date has passed. Please choose today or a later date.",
        ),
        ({Block.MEETUP_TIME: None}, Block.MEETUP_TIME, "Please choose the start time."),
        (
            {Block.MEETUP_DATE: "2026-11-27", Block.MEETUP_TIME: "09:30"},
            Block.MEETUP_TIME,
            "That time has already passed today. Please choose a later time.",
        ),
        ({Block.PLACE: "  "}, Block.PLACE, "Please say where it is: a place, or a link for an online event."),
        (
            {Block.INVITE_PEOPLE: [f"U{n:03d}" for n in range(51)]},
            Block.INVITE_PEOPLE,
            "Please invite up to 50 people; add their channel instead.",
        ),
    ],
    ids=["no title", "no date", "past date", "no time", "earlier today", "no place", "too many"],
)
def test_each_mistake_in_the_form_is_shown_on_its_field_and_nothing_is_saved(sandbox, changes, block, says):
    reply = submit(sandbox, {**FORM, **changes})
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block]
    assert answer["errors"] == {block: says}
    assert count(sandbox.sessions, Meetup) == 0 and count(sandbox.sessions, MeetupPost) == 0
    sandbox.slack.assert_no_call("chat.postMessage")


def test_an_empty_form_shows_every_missing_field_at_once(sandbox):
    answer = submit(sandbox, {}).json()
    assert set(answer["errors"]) == {Block.MEETUP_TITLE, Block.MEETUP_DATE, Block.MEETUP_TIME, Block.PLACE}
    assert answer["errors"] == {
        Block.MEETUP_TITLE: "Please give your event a title.",
        Block.MEETUP_DATE: "Please choose the date.",
        Block.MEETUP_TIME: "Please choose the start time.",
        Block.PLACE: "Please say where it is: a place, or a link for an online event.",
    }
    assert count(sandbox.sessions, Meetup) == 0


def test_an_event_later_today_is_accepted(sandbox):
    event_id = create_event(sandbox, **{Block.MEETUP_DATE: "2026-11-27", Block.MEETUP_TIME: "18:30"})
    with sandbox.sessions() as session:
        assert session.get(Meetup, event_id).starts_at == utc(2026, 11, 27, 18, 30)


def test_the_start_keeps_its_london_time_across_the_change_to_summer_time(sandbox, clock):
    clock.set(utc(2026, 3, 20, 10))
    event_id = create_event(sandbox, **{Block.MEETUP_DATE: "2026-03-30", Block.MEETUP_TIME: "10:00"})
    with sandbox.sessions() as session:
        assert session.get(Meetup, event_id).starts_at == utc(2026, 3, 30, 9)
    assert all_text(latest(sandbox, CHANNEL)["blocks"]) == event_shown(when="Monday 30 March 2026 at 10:00")


# ---- answers --------------------------------------------------------------------------------------------


def test_going_switching_and_taking_back_keep_every_copy_current(sandbox):
    create_event(sandbox, **{Block.INVITE_PEOPLE: [BEN], Block.INVITE_CHANNELS: [OTHER_CHANNEL]})
    everywhere = [CHANNEL, OTHER_CHANNEL, BEN]
    shown_everywhere(sandbox, everywhere, "No answers yet")

    told = answer(sandbox, BEN, Action.MEETUP_GOING, BEN)
    assert told == going_note()
    shown_everywhere(sandbox, everywhere, "Going: 1*", f"<@{BEN}>", "Interested: 0*")
    assert answers(sandbox) == {BEN: "going"}

    assert answer(sandbox, CHANNEL, Action.MEETUP_GOING, CHLOE) == going_note()
    shown_everywhere(sandbox, everywhere, "Going: 2*", f"<@{BEN}> and <@{CHLOE}>")

    assert answer(sandbox, CHANNEL, Action.MEETUP_INTERESTED, BEN) == (
        "👀 Changed to interested: I've taken you off the list of people going to *Youth forum open evening*. "
        "Press *Going* if you decide to go after all."
    )
    shown_everywhere(sandbox, everywhere, f"Going: 1* (<@{CHLOE}>)", "Interested: 1*")
    assert answers(sandbox) == {BEN: "interested", CHLOE: "going"}

    assert answer(sandbox, OTHER_CHANNEL, Action.MEETUP_INTERESTED, BEN) == (
        "No problem: I've taken back your answer to *Youth forum open evening*. "
        "You can answer again any time before it starts."
    )
    shown_everywhere(sandbox, everywhere, f"Going: 1* (<@{CHLOE}>)", "Interested: 0*")
    assert answers(sandbox) == {CHLOE: "going"}
    final = f"✅ *Going: 1* (<@{CHLOE}>)\n👀 *Interested: 0*"
    assert [all_text(latest(sandbox, c)["blocks"]) for c in everywhere] == [
        event_shown(final),
        event_shown(final),
        event_shown(final, invited=True),
    ]
    for call in sandbox.slack.calls_to("chat.update"):
        assert_safe_mrkdwn(call)


def test_a_long_going_list_names_ten_and_counts_the_rest(sandbox):
    create_event(sandbox)
    people = [f"U_P{n:02d}" for n in range(12)]
    for person in people:
        answer(sandbox, CHANNEL, Action.MEETUP_GOING, person)
    shown_everywhere(sandbox, [CHANNEL], "Going: 12*", "and 2 others")
    assert f"<@{people[10]}>" not in all_text(latest(sandbox, CHANNEL)["blocks"])
    ten = ", ".join(f"<@{person}>" for person in people[:10])  # in the order they answered, one at a time
    assert all_text(latest(sandbox, CHANNEL)["blocks"]) == event_shown(
        f"✅ *Going: 12* ({ten} and 2 others)\n👀 *Interested: 0*"
    )


def test_answers_given_at_the_same_moment_all_end_up_on_every_copy(sandbox):
    create_event(sandbox, **{Block.INVITE_CHANNELS: [OTHER_CHANNEL]})
    message = latest(sandbox, CHANNEL)
    people = [f"U_P{n:02d}" for n in range(8)]

    def going(person: str) -> None:
        sandbox.sim.click(message, Action.MEETUP_GOING, user=person, channel=CHANNEL)

    threads = [threading.Thread(target=going, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shown_everywhere(sandbox, [CHANNEL, OTHER_CHANNEL], "Going: 8*")
    assert sorted(answers(sandbox)) == people


def test_answers_are_closed_once_the_event_has_started(sandbox, clock):
    create_event(sandbox, **{Block.MEETUP_DATE: "2026-11-27", Block.MEETUP_TIME: "11:00"})
    clock.set(utc(2026, 11, 27, 11, 5))
    assert answer(sandbox, CHANNEL, Action.MEETUP_GOING, BEN) == (
        "*Youth forum open evening* has already started, so answers are closed. Thank you!"
    )
    assert answers(sandbox) == {}


def test_a_button_for_an_event_that_is_gone_says_so_kindly(sandbox):
    message = {
        "ts": "1.0",
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": Action.MEETUP_GOING,
                        "value": "999",
                        "text": {"type": "plain_text", "text": "Going"},
                    }
                ],
            }
        ],
    }
    _, url = sandbox.sim.click(message, Action.MEETUP_GOING, user=BEN, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"] == "Sorry, that event is no longer here."


# ---- reminders ------------------------------------------------------------------------------------------


def reminders_to(sandbox, user: str) -> list[dict]:
    return [m for m in sandbox.slack.messages(user) if "Reminder" in all_text(m["blocks"])]


def test_people_going_are_reminded_once_at_nine_the_day_before_and_nobody_else(sandbox, env, capsys):
    event_id = create_event(sandbox, **{Block.INVITE_PEOPLE: [BEN, CHLOE, DAN]})
    answer(sandbox, BEN, Action.MEETUP_GOING, BEN)
    answer(sandbox, CHLOE, Action.MEETUP_INTERESTED, CHLOE)
    answer(sandbox, DAN, Action.MEETUP_GOING, DAN)
    answer(sandbox, DAN, Action.MEETUP_GOING, DAN)  # changed his mind: taken back
    assert run_due("2026-12-02T08:59", capsys) == "run-due at 2026-12-02 08:59 GMT: nothing to do\n"
    out = run_due("2026-12-02T09:00", capsys)
    assert out == f"run-due at 2026-12-02 09:00 GMT: 1 thing done\n  posted event_reminder to {BEN} event-{event_id}\n"
    assert CHLOE not in out and DAN not in out
    assert run_due("2026-12-02T09:00", capsys) == "run-due at 2026-12-02 09:00 GMT: nothing to do\n"
    assert run_due("2026-12-03T09:00", capsys) == "run-due at 2026-12-03 09:00 GMT: nothing to do\n"
    [reminder] = reminders_to(sandbox, BEN)
    shown = all_text(reminder["blocks"])
    assert shown == (
        "⏰ *Reminder:* Youth forum open evening is tomorrow at 16:00.\n*Where:* Riverside Hall\n\n"
        "You said you're going. See you there!\n"
        f"Can't make it now? Press *Going* again on the event in <#{CHANNEL}> to take your answer back."
    )
    assert reminders_to(sandbox, CHLOE) == [] and reminders_to(sandbox, DAN) == []


def test_the_reminder_keeps_nine_london_time_on_the_day_the_clocks_change(sandbox, env, capsys, clock):
    clock.set(utc(2026, 3, 20, 10))
    event_id = create_event(sandbox, **{Block.MEETUP_DATE: "2026-03-30", Block.MEETUP_TIME: "10:00"})
    answer(sandbox, CHANNEL, Action.MEETUP_GOING, BEN)
    assert run_due("2026-03-29T07:59+00:00", capsys) == "run-due at 2026-03-29 08:59 BST: nothing to do\n"
    assert run_due("2026-03-29T08:00+00:00", capsys) == (
        f"run-due at 2026-03-29 09:00 BST: 1 thing done\n  posted event_reminder to {BEN} event-{event_id}\n"
    )


def test_someone_going_to_an_event_less_than_a_day_ahead_is_told_there_is_no_reminder(sandbox, env, capsys):
    create_event(sandbox, **{Block.MEETUP_DATE: "2026-11-28", Block.MEETUP_TIME: "12:00"})
    told = answer(sandbox, CHANNEL, Action.MEETUP_GOING, BEN)
    assert "See you there" in told and "reminder" not in told
    assert told == going_note("Saturday 28 November 2026 at 12:00", reminder=False)
    assert run_due("2026-11-27T11:00", capsys) == "run-due at 2026-11-27 11:00 GMT: nothing to do\n"
    assert reminders_to(sandbox, BEN) == []


def test_an_event_already_over_gets_no_reminders(sandbox, env, capsys):
    create_event(sandbox)
    answer(sandbox, CHANNEL, Action.MEETUP_GOING, BEN)
    assert run_due("2026-12-04T09:00", capsys) == "run-due at 2026-12-04 09:00 GMT: nothing to do\n"
    assert reminders_to(sandbox, BEN) == []


# ---- for the digest ----------------------------------------------------------------------------------------


def test_upcoming_meetups_come_with_their_counts_and_the_link_to_their_channel_post(sandbox):
    now = utc(2026, 11, 27, 10)
    with sandbox.sessions.begin() as session:
        made = []
        for title, starts in (("Later", utc(2026, 12, 10, 18)), ("Soon", utc(2026, 12, 3, 16))):
            card, [copy, _] = ms.add_meetup(
                session,
                team_id="T0001",
                created_by=AMIRA,
                channel_id=CHANNEL,
                title=title,
                starts_at=starts,
                place="Riverside Hall",
                about="",
                channels=[CHANNEL],
                invited_users=[BEN],
                now=now,
            )
            link = f"https://example.slack.com/archives/{CHANNEL}/p{card.id}" if title == "Soon" else None
            ms.record_meetup_copy(
                session, team_id="T0001", copy_id=copy.id, channel_id=CHANNEL, ts=f"17000.{card.id}", permalink=link
            )
            made.append(card)
        for starts in (utc(2026, 11, 27, 9), utc(2026, 12, 12, 10)):  # already started; beyond 14 days
            ms.add_meetup(
                session,
                team_id="T0001",
                created_by=AMIRA,
                channel_id=CHANNEL,
                title="Not shown",
                starts_at=starts,
                place="x",
                about="",
                channels=[CHANNEL],
                invited_users=[],
                now=now,
            )
        for user, answer_ in ((BEN, "going"), (CHLOE, "going"), (DAN, "interested")):
            ms.save_answer(session, team_id="T0001", meetup_id=made[1].id, user_id=user, answer=answer_, now=now)
    with sandbox.sessions() as session:
        found = ms.upcoming_meetups(session, team_id="T0001", now=now)
    assert [(e.title, e.going, e.interested) for e in found] == [("Soon", 2, 1), ("Later", 0, 0)]
    assert found[0].permalink == f"https://example.slack.com/archives/{CHANNEL}/p{made[1].id}"
    section = meetups_section(found, sandbox.settings.tz)
    assert section.title == "📅 Upcoming events"
    assert section.lines[0] == (
        f"Thu 3 Dec, 16:00 · Soon · Riverside Hall · 2 going, 1 interested · <{found[0].permalink}|open>"
    )
    assert section.lines[1].endswith(f"· in <#{CHANNEL}>")  # not posted with a link: name the channel
    assert section.lines[1] == f"Thu 10 Dec, 18:00 · Later · Riverside Hall · 0 going, 0 interested · in <#{CHANNEL}>"


def test_saving_an_answer_returns_the_answer_it_replaced_so_a_second_click_takes_it_back(sandbox):
    toggle_going = lambda current: None if current == "going" else "going"  # noqa: E731
    now = utc(2026, 11, 27, 9)
    with sandbox.sessions.begin() as session:
        card, _ = ms.add_meetup(
            session,
            team_id="T0001",
            created_by=AMIRA,
            channel_id=CHANNEL,
            title="Youth forum",
            starts_at=utc(2026, 12, 3, 16),
            place="Riverside Hall",
            about="",
            channels=[CHANNEL],
            invited_users=[],
            now=now,
        )
        answer = dict(team_id="T0001", meetup_id=card.id, user_id=BEN, now=now)
        assert ms.save_answer(session, answer="interested", **answer) is None
        assert ms.get_meetup(session, team_id="T0001", meetup_id=card.id).interested == (BEN,)
        assert ms.save_answer(session, answer=toggle_going, **answer) == "interested"
        assert ms.get_meetup(session, team_id="T0001", meetup_id=card.id).going == (BEN,)
        assert ms.save_answer(session, answer=toggle_going, **answer) == "going"
        shown = ms.get_meetup(session, team_id="T0001", meetup_id=card.id)
        assert (shown.going, shown.interested) == ((), ())
