"""Events without Slack or a database: the form's checks, local times, answers, reminders, and what is shown."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import handlers.meetups.blocks as mb
from domain.meetups import (
    GOING,
    INTERESTED,
    MeetupCard,
    MeetupForm,
    RsvpChange,
    UpcomingMeetup,
    check_meetup_form,
    day_word,
    local_start,
    meetups_section,
    place_mrkdwn,
    reminder_moment,
    rsvp_change,
    wants_reminder,
)
from domain.words import mentions
from handlers.ids import Block
from handlers.publish import reason as publish_reason
from tests.helpers import all_text

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)  # Friday
GOOD = MeetupForm(title="Youth forum", date="2026-12-03", time="16:00", place="Riverside Hall", about="")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def card(**changes) -> MeetupCard:
    fields = dict(
        id=7,
        title="Youth forum open evening",
        starts_at=utc(2026, 12, 3, 16),
        place="Riverside Hall",
        about="Young people show their projects",
        channel_id="C_PRACTICE",
        created_by="U_AMIRA",
    )
    return MeetupCard(**{**fields, **changes})


def errors_for(**changes) -> dict[str, str]:
    draft, errors = check_meetup_form(MeetupForm(**{**GOOD.__dict__, **changes}), now=NOW, tz=LONDON)
    assert (draft is None) == bool(errors)
    return errors


# ---- the form ----------------------------------------------------------------------------------------------


def test_a_good_form_becomes_a_draft_starting_at_that_london_time_in_utc():
    draft, errors = check_meetup_form(GOOD, now=NOW, tz=LONDON)
    assert errors == {}
    assert draft.starts_at == utc(2026, 12, 3, 16)
    summer = MeetupForm(**{**GOOD.__dict__, "date": "2027-06-03"})
    assert check_meetup_form(summer, now=NOW, tz=LONDON)[0].starts_at == utc(2027, 6, 3, 15)


def test_personal_data_is_not_a_mistake_here_the_personal_data_check_asks_about_it():
    form = MeetupForm(**{**GOOD.__dict__, "about": "Email jo@example.com", "place": "Jo's house, jo@example.com"})
    draft, errors = check_meetup_form(form, now=NOW, tz=LONDON)
    assert errors == {} and (draft.place, draft.about) == ("Jo's house, jo@example.com", "Email jo@example.com")


def test_text_is_trimmed_and_an_empty_description_is_allowed():
    form = MeetupForm(title="  Youth forum ", date="2026-12-03", time="16:00", place=" Hall ", about="  ")
    draft, _ = check_meetup_form(form, now=NOW, tz=LONDON)
    assert (draft.title, draft.place, draft.about) == ("Youth forum", "Hall", "")


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"title": " "}, "title", "Please give your event a title."),
        ({"title": "x" * 151}, "title", "Please keep the title under 150 characters."),
        ({"date": None}, "date", "Please choose the date."),
        ({"date": "3rd December"}, "date", "Please choose the date from the calendar."),
        ({"date": "2026-11-26"}, "date", "That date has passed. Please choose today or a later date."),
        ({"time": None}, "time", "Please choose the start time."),
        ({"time": "4pm"}, "time", "Please choose the start time."),
        (
            {"date": "2026-11-27", "time": "10:00"},
            "time",
            "That time has already passed today. Please choose a later time.",
        ),
        ({"place": ""}, "place", "Please say where it is: a place, or a link for an online event."),
        ({"place": "x" * 501}, "place", "Please keep this under 500 characters."),
        ({"about": "x" * 2001}, "about", "Please keep this under 2,000 characters (it is 2,001)."),
    ],
)
def test_each_mistake_is_named_on_its_own_field(changes, field, says):
    errors = errors_for(**changes)
    assert list(errors) == [field]
    assert errors == {field: says}


def test_the_time_counts_in_the_workspace_zone_not_utc():
    late_evening = dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC)  # 23:30 in London
    form = MeetupForm(title="Late", date="2026-07-01", time="23:15", place="Hall")
    assert list(check_meetup_form(form, now=late_evening, tz=LONDON)[1]) == ["time"]
    tomorrow_already = MeetupForm(title="Late", date="2026-07-02", time="00:15", place="Hall")
    assert check_meetup_form(tomorrow_already, now=late_evening, tz=LONDON)[0].starts_at == utc(2026, 7, 1, 23, 15)


def test_a_time_the_clocks_skip_is_refused_kindly_and_a_repeated_one_means_the_first():
    assert local_start(dt.date(2026, 3, 29), dt.time(1, 30), LONDON) is None
    assert errors_for(date="2027-03-28", time="01:30") == {
        "time": "The clocks go forward at that time that day, so it doesn't exist. Please choose another."
    }
    assert local_start(dt.date(2026, 10, 25), dt.time(1, 30), LONDON) == utc(2026, 10, 25, 0, 30)
    assert local_start(dt.date(2026, 3, 30), dt.time(10, 0), LONDON) == utc(2026, 3, 30, 9)


# ---- answers and reminders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "clicked", "after"),
    [
        (None, GOING, GOING),
        (None, INTERESTED, INTERESTED),
        (INTERESTED, GOING, GOING),
        (GOING, INTERESTED, INTERESTED),
        (GOING, GOING, None),
        (INTERESTED, INTERESTED, None),
    ],
)
def test_one_answer_per_person_switching_allowed_and_the_same_again_takes_it_back(current, clicked, after):
    assert rsvp_change(current, clicked) == RsvpChange(before=current, after=after)


def test_the_reminder_is_at_nine_london_time_the_day_before_even_when_the_clocks_change():
    assert reminder_moment(utc(2026, 12, 3, 16), LONDON) == utc(2026, 12, 2, 9)
    assert reminder_moment(utc(2026, 3, 30, 9), LONDON) == utc(2026, 3, 29, 8)  # BST began that night
    assert reminder_moment(utc(2026, 7, 1, 23, 30), LONDON) == utc(2026, 7, 1, 8)  # 00:30 on 2 July in London


def test_who_is_reminded_and_when():
    starts, answered = utc(2026, 12, 3, 16), utc(2026, 11, 27, 10)
    moment = utc(2026, 12, 2, 9)

    def wants(now, answered_at=answered):
        return wants_reminder(starts, answered_at, now=now, tz=LONDON)

    assert not wants(moment - dt.timedelta(minutes=1))
    assert wants(moment)
    assert wants(utc(2026, 12, 3, 15, 59))  # late after downtime, but before it starts
    assert not wants(starts)  # never once it has started
    assert not wants(utc(2026, 12, 5, 9))  # over: no reminder
    assert not wants(utc(2026, 12, 2, 12), answered_at=utc(2026, 12, 2, 11))  # said Going after the moment
    made_late = utc(2026, 12, 2, 20)  # an event made less than a day ahead: everyone answers after the moment
    assert not wants(utc(2026, 12, 3, 9), answered_at=made_late)


def test_day_words_are_today_tomorrow_or_the_date():
    starts = utc(2026, 12, 3, 16)
    assert day_word(starts, utc(2026, 12, 3, 9), LONDON) == "today"
    assert day_word(starts, utc(2026, 12, 2, 9), LONDON) == "tomorrow"
    assert day_word(starts, utc(2026, 12, 1, 9), LONDON) == "on Thursday 3 December"


# ---- what is shown -----------------------------------------------------------------------------------------


def test_a_place_is_escaped_and_its_links_show_their_own_address():
    assert place_mrkdwn("Hall <!here> & more") == "Hall &lt;!here&gt; &amp; more"
    assert place_mrkdwn("Teams: https://t.example/j?a=1&b=2.") == "Teams: <https://t.example/j?a=1&amp;b=2>."


def test_the_digest_section_lists_events_soonest_first_in_one_line_each():
    items = [
        UpcomingMeetup(2, "Later <b>", utc(2026, 12, 10, 18), "Online https://m.example/x", "C1", 0, 0),
        UpcomingMeetup(1, "Youth forum open evening", utc(2026, 12, 3, 16), "Riverside Hall", "C1", 4, 2),
        UpcomingMeetup(3, "Linked", utc(2026, 12, 11, 9), "Hall", "C1", 1, 0, "https://x.slack.com/p1"),
    ]
    section = meetups_section(items, LONDON)
    assert section.title == "📅 Upcoming events" and section.more == 0
    assert section.lines == (
        "Thu 3 Dec, 16:00 · Youth forum open evening · Riverside Hall · 4 going, 2 interested · in <#C1>",
        "Thu 10 Dec, 18:00 · Later &lt;b&gt; · Online <https://m.example/x> · 0 going, 0 interested · in <#C1>",
        "Fri 11 Dec, 09:00 · Linked · Hall · 1 going, 0 interested · <https://x.slack.com/p1|open>",
    )
    assert meetups_section([], LONDON).lines == ()


def test_the_event_message_names_ten_people_going_and_counts_the_rest_within_slacks_limits():
    many = card(going=tuple(f"U{n:04d}" for n in range(500)), interested=("U_X", "U_Y"), about="x" * 5000)
    built = mb.meetup_message(many, LONDON, invited=True)
    blocks = [block.to_dict() for block in built]  # slack_sdk checks Slack's limits here
    shown = all_text(blocks)
    assert "*Going: 500* (<@U0000>" in shown and "and 490 others" in shown and "<@U0010>" not in shown
    ten = ", ".join(f"<@U{n:04d}>" for n in range(10))
    assert (
        shown
        == (  # what was written about it cut to fit a section: 2,799 characters and "…"
            "👋 <@U_AMIRA> invited you to an event. Would you like to come?\n📅 Youth forum open evening\n"
            "*When:* Thursday 3 December 2026 at 16:00\n*Where:* Riverside Hall\n"
            + "x"
            * 2799
            + f"…\n✅ *Going: 500* ({ten} and 490 others)\n👀 *Interested: 2*\n"
            "✅ Going\n👀 Interested\nPosted by <@U_AMIRA> · Press your answer again to take it back"
        )
    )
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")  # Slack's limit: a bound
    assert all(b["text"]["verbatim"] for b in blocks if b["type"] == "section")


def test_an_event_nobody_has_answered_invites_an_answer_and_names_read_naturally():
    assert mb.answers_text(card()) == "No answers yet. Are you going?"
    assert mentions(["U1"]) == "<@U1>"
    assert mentions(["U1", "U2"]) == "<@U1> and <@U2>"
    assert mentions(["U1", "U2", "U3"], limit=1) == "<@U1> and 2 others"


def test_the_form_has_every_field_in_the_workspace_zone():
    view = mb.meetup_modal('{"channel_id": "C1"}', tz=LONDON).to_dict()
    ids = [block["block_id"] for block in view["blocks"]]
    assert ids == [
        Block.MEETUP_TITLE,
        Block.MEETUP_DATE,
        Block.MEETUP_TIME,
        Block.PLACE,
        Block.ABOUT,
        Block.CHANNEL,
        Block.INVITE_PEOPLE,
        Block.INVITE_CHANNELS,
    ]
    kinds = {block["block_id"]: block["element"]["type"] for block in view["blocks"]}
    assert kinds[Block.INVITE_PEOPLE] == "multi_users_select"
    assert kinds[Block.INVITE_CHANNELS] == "multi_conversations_select"
    time = next(block for block in view["blocks"] if block["block_id"] == Block.MEETUP_TIME)
    assert time["hint"]["text"] == "UK time." and time["element"]["timezone"] == "Europe/London"


def test_what_people_are_told_after_answering_is_kind_and_says_how_to_undo():
    event = card()
    going = mb.answer_note(event, RsvpChange(None, GOING), LONDON, reminder_coming=True)
    assert going == (
        "✅ You're going: *Youth forum open evening*, Thursday 3 December 2026 at 16:00. I'll send you a reminder "
        "the day before. Changed your mind? Press *Going* again to take it back."
    )
    late = mb.answer_note(event, RsvpChange(INTERESTED, GOING), LONDON, reminder_coming=False)
    assert "reminder" not in late
    assert late == (
        "✅ Changed to going: *Youth forum open evening*, Thursday 3 December 2026 at 16:00. See you there! "
        "Changed your mind? Press *Going* again to take it back."
    )
    switched = mb.answer_note(event, RsvpChange(GOING, INTERESTED), LONDON, reminder_coming=False)
    assert switched == (
        "👀 Changed to interested: I've taken you off the list of people going to *Youth forum open evening*. "
        "Press *Going* if you decide to go after all."
    )
    assert mb.answer_note(event, RsvpChange(GOING, None), LONDON, reminder_coming=False) == (
        "No problem: I've taken back your answer to *Youth forum open evening*. "
        "You can answer again any time before it starts."
    )


def test_a_reminder_sent_on_the_day_says_today():
    blocks = mb.reminder_blocks(
        title="Forum <!here>",
        starts_at=utc(2026, 12, 3, 16),
        place="Hall",
        channel_id="C1",
        now=utc(2026, 12, 3, 9),
        tz=LONDON,
    )
    shown = all_text([block.to_dict() for block in blocks])
    assert shown == (
        "⏰ *Reminder:* Forum &lt;!here&gt; is today at 16:00.\n*Where:* Hall\n\nYou said you're going. "
        "See you there!\nCan't make it now? Press *Going* again on the event in <#C1> to take your answer back."
    )


def test_the_maker_is_told_where_it_went_and_what_did_not():
    note = mb.posted_note(
        card(),
        posted=["C_PRACTICE"],
        not_posted=[("G_PRIVATE", f"{publish_reason('channel_not_found')}.")],
        invited=2,
        not_invited=1,
    )
    shown = all_text([block.to_dict() for block in note])
    assert shown == (
        "✅ *Youth forum open evening* is posted in <#C_PRACTICE>.\n"
        "I've sent an invitation to 2 people.\n"
        "⚠️ I couldn't post it in <#G_PRIVATE>: I'm not a member of the channel, or it no longer exists. "
        "If it is private, type `/invite @Programme Talks` in it first.\n"
        "⚠️ I couldn't send the invitation to 1 person. Please let them know another way."
    )
