"""Block Kit for meetups (`/event`): the form, the meetup's message (in channels and invitations), answers, reminders.

Pure functions of plain records (domain.events), using slack_sdk's models so Slack's limits are checked when
built. User text is escaped and shown in verbatim mrkdwn (handlers.blocks.mrkdwn / section), cut after
escaping (domain.text.escaped_within) so an "&" can never push a text past Slack's limits: what an event is
about is shown in one section, cut at a word if it needs more.

Every copy of an event's message has **Report a concern** in a ⋯ menu (handlers.report_menu); while a concern is
reviewed (the card's `hidden`) each says only that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConversationFilter,
    ConversationMultiSelectElement,
    ConversationSelectElement,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    PlainTextObject,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from domain import calendar
from domain import meetups as mt
from domain import text as t
from domain.meetups import GOING, INTERESTED, MeetupCard, RsvpChange
from domain.words import mention, mentions, plural
from handlers.blocks import context, section, text_input
from handlers.ids import Action, input_id
from handlers.ids import Block as B
from handlers.ids import View as V
from handlers.report_menu import hidden_blocks, hidden_text, report_menu
from storage.concerns import Kind

MAX_NAMES = 10  # people named as going before "and N others"
MAX_INVITED_PEOPLE = 50
MAX_INVITED_CHANNELS = 10
ABOUT_CHARS = 2800  # of a section's 3000
TITLE_CHARS = 100  # a title in a sentence


def zone_name(tz: ZoneInfo) -> str:
    """ "UK" for Europe/London: how the form and help say which time zone times are in (domain.calendar)."""
    return calendar.zone_name(tz)


# ---- the form --------------------------------------------------------------------------------------------


def meetup_modal(metadata: str, *, tz: ZoneInfo, title: str | None = None, about: str | None = None) -> View:
    """The /event form; `title` is what was typed after /event, if anything, and `about` any more to keep."""
    everyone = ConversationFilter(include=["public", "private"], exclude_bot_users=True)
    return View(
        type="modal",
        callback_id=V.MEETUP,
        title="Invite to an event",
        submit="Post event",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            text_input(B.MEETUP_TITLE, "Title", mt.MAX_TITLE_CHARS, title or None, "e.g. Youth forum open evening"),
            InputBlock(
                block_id=B.MEETUP_DATE,
                label="Date",
                element=DatePickerElement(action_id=input_id(B.MEETUP_DATE), placeholder="Choose a date"),
            ),
            InputBlock(
                block_id=B.MEETUP_TIME,
                label="Start time",
                hint=f"{zone_name(tz)} time.",
                element=TimePickerElement(
                    action_id=input_id(B.MEETUP_TIME), placeholder="Choose a time", timezone=str(tz)
                ),
            ),
            text_input(B.PLACE, "Where", mt.MAX_PLACE_CHARS, None, "e.g. Riverside Hall, or a Teams link"),
            text_input(
                B.ABOUT,
                "What it is, and who would benefit",
                mt.MAX_ABOUT_CHARS,
                about,
                "e.g. Young people show their projects; partners in youth work and schools are welcome",
                multiline=True,
                optional=True,
            ),
            InputBlock(
                block_id=B.CHANNEL,
                label="Post it in",
                element=ConversationSelectElement(
                    action_id=input_id(B.CHANNEL), default_to_current_conversation=True, filter=everyone
                ),
            ),
            InputBlock(
                block_id=B.INVITE_PEOPLE,
                label="Invite people",
                optional=True,
                hint="They get a direct message with the event.",
                element=UserMultiSelectElement(
                    action_id=input_id(B.INVITE_PEOPLE),
                    placeholder="Choose people",
                    max_selected_items=MAX_INVITED_PEOPLE,
                ),
            ),
            InputBlock(
                block_id=B.INVITE_CHANNELS,
                label="Also post it in",
                optional=True,
                hint="Other channels that might like to come.",
                element=ConversationMultiSelectElement(
                    action_id=input_id(B.INVITE_CHANNELS),
                    placeholder="Choose channels",
                    max_selected_items=MAX_INVITED_CHANNELS,
                    filter=everyone,
                ),
            ),
        ],
    )


def meetup_help_blocks(tz: ZoneInfo) -> list[Block]:
    return [
        section(
            "*Invite people to an event*\n"
            "`/event` opens a form: the title, the date and time, where it is (a place or a link), what it is and "
            "who would benefit, and who to invite. It is posted in the channel you choose with *Going* and "
            "*Interested* buttons; people you invite get it by direct message, and channels you add get it too.\n"
            "`/event Youth forum open evening` opens the form with the title filled in.\n\n"
            "*Answering*\n"
            "Press *Going* or *Interested*. Changed your mind? Press the other one, or press yours again to take "
            "it back. Everyone sees how many are going and interested.\n"
            "People going get a reminder at 9am the day before.\n\n"
            f"Dates and times are {zone_name(tz)} time. `/event help` shows this message."
        )
    ]


# ---- the event message -----------------------------------------------------------------------------------


def meetup_text(card: MeetupCard, tz: ZoneInfo) -> str:
    """The notification text of an event message (escaped mrkdwn)."""
    if card.hidden:
        return hidden_text(Kind.EVENT)
    return f"Event: {t.escaped_within(card.title, TITLE_CHARS)}, {mt.short_when(card.starts_at, tz)}"


def meetup_message(card: MeetupCard, tz: ZoneInfo, *, invited: bool = False) -> list[Block]:
    """The event as everyone sees it, with the answers so far and the buttons; `invited` for an invitation."""
    if card.hidden:
        return hidden_blocks(Kind.EVENT)
    blocks: list[Block] = []
    if invited:
        inviter = mention(card.created_by, first=True)
        blocks.append(section(f"👋 {inviter} invited you to an event. Would you like to come?"))
    where = mt.place_mrkdwn(card.place)
    blocks += [
        HeaderBlock(text=PlainTextObject(text=f"📅 {t.shorten(card.title, 140)}", emoji=True)),
        section(f"*When:* {mt.when_text(card.starts_at, tz)}\n*Where:* {where}"),
    ]
    if card.about:
        blocks.append(section(t.escaped_within(card.about, ABOUT_CHARS)))
    blocks += [
        section(answers_text(card)),
        ActionsBlock(
            elements=[
                ButtonElement(text="✅ Going", action_id=Action.MEETUP_GOING, value=str(card.id), style="primary"),
                ButtonElement(text="👀 Interested", action_id=Action.MEETUP_INTERESTED, value=str(card.id)),
                report_menu(Kind.EVENT, card.id),
            ]
        ),
        context(f"Posted by {mention(card.created_by)}", "Press your answer again to take it back"),
    ]
    return blocks


def answers_text(card: MeetupCard) -> str:
    """ "✅ *Going: 3* (<@A>, <@B> and <@C>)" and "👀 *Interested: 2*", or an invitation to answer."""
    if not card.going and not card.interested:
        return "No answers yet. Are you going?"
    going = f"✅ *Going: {len(card.going)}*"
    if card.going:
        going += f" ({mentions(card.going, limit=MAX_NAMES)})"
    return f"{going}\n👀 *Interested: {len(card.interested)}*"


# ---- answers, reminders and what happened --------------------------------------------------------------


def answer_note(card: MeetupCard, change: RsvpChange, tz: ZoneInfo, *, reminder_coming: bool) -> str:
    """What the person who pressed Going or Interested is told, only them (escaped mrkdwn)."""
    title, when = t.escaped_within(card.title, TITLE_CHARS), mt.when_text(card.starts_at, tz)
    if change.after == GOING:
        first = "✅ Changed to going" if change.before else "✅ You're going"
        reminder = " I'll send you a reminder the day before." if reminder_coming else " See you there!"
        return f"{first}: *{title}*, {when}.{reminder} Changed your mind? Press *Going* again to take it back."
    if change.after == INTERESTED:
        if change.before == GOING:
            return (
                f"👀 Changed to interested: I've taken you off the list of people going to *{title}*. "
                "Press *Going* if you decide to go after all."
            )
        return (
            f"👀 Thanks, I've noted you're interested in *{title}*, {when}. Press *Going* if you decide to go, "
            "or *Interested* again to take it back."
        )
    return f"No problem: I've taken back your answer to *{title}*. You can answer again any time before it starts."


def started_note(title: str) -> str:
    return f"*{t.escaped_within(title, TITLE_CHARS)}* has already started, so answers are closed. Thank you!"


GONE_NOTE = "Sorry, that event is no longer here."


def reminder_text(title: str) -> str:
    return f"Reminder: {t.escaped_within(title, TITLE_CHARS)}"


def reminder_blocks(
    *, title: str, starts_at: dt.datetime, place: str, channel_id: str, now: dt.datetime, tz: ZoneInfo
) -> list[Block]:
    """The direct message reminding someone going (the day before, at 9am)."""
    local = starts_at.astimezone(tz)
    return [
        section(
            f"⏰ *Reminder:* {t.escaped_within(title, 150)} is {mt.day_word(starts_at, now, tz)} "
            f"at {local:%H:%M}.\n*Where:* {mt.place_mrkdwn(place)}\n\nYou said you're going. See you there!"
        ),
        context(f"Can't make it now? Press *Going* again on the event in <#{channel_id}> to take your answer back."),
    ]


def posted_note(
    card: MeetupCard, *, posted: Sequence[str], not_posted: Sequence[tuple[str, str]], invited: int, not_invited: int
) -> list[Block]:
    """What the person who made the event is told once it has gone out: where, and anything that went wrong.

    `posted`: channel ids it is in; `not_posted`: (channel id, reason); `invited`: direct messages sent.
    """
    title = t.escaped_within(card.title, TITLE_CHARS)
    if posted:
        lines = [f"✅ *{title}* is posted in {_channels(posted)}."]
    else:
        lines = [f"Your event *{title}* is saved, but I couldn't post it in a channel."]
    if invited:
        lines.append(f"I've sent an invitation to {plural(invited, 'person')}.")
    for channel, reason in not_posted:
        lines.append(f"⚠️ I couldn't post it in <#{channel}>: {reason}")
    if not_invited:
        lines.append(
            f"⚠️ I couldn't send the invitation to {plural(not_invited, 'person')}. Please let them know another way."
        )
    return [section("\n".join(lines))]


def _channels(channels: Sequence[str]) -> str:
    shown = [f"<#{channel}>" for channel in channels]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
