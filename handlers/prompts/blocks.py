"""Block Kit for meeting prompts: the two questions posted before a team meeting, and the direct message asking
someone whether their reply in its thread may be shared as practice. Pure functions over plain values.

A prompt is at most 8 blocks and about 3,000 characters whatever the channel holds: five open requests (each cut to
REQUEST_CHARS after escaping) and the agreement reviews that fit in one section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from domain import text as t
from domain.agreements import ReviewDue, reviews_section
from domain.records import RequestCard
from domain.words import TWO_QUESTIONS, plural
from handlers.blocks import SECTION_CHARS, context, section, user_sections
from handlers.ids import Action

REQUEST_CHARS = 300  # one open request's words in a prompt, escaped
REPLY_CHARS = 2500  # a reply's words shown in the direct message asking its author
PROMPT_TEXT = f"Two questions for your team meeting: {TWO_QUESTIONS[0]} {TWO_QUESTIONS[1]}"
THREAD_HINT = (
    "💬 Reply in this thread with what worked or what you need. Afterwards, *Capture replies* asks each person who "
    "replied whether their words may be shared as practice: nothing is shared unless they say yes."
)


@dataclass(frozen=True)
class PromptContent:
    """What a channel's prompt shows besides the two questions."""

    requests: tuple[RequestCard, ...] = ()  # open in this channel, oldest first
    more_requests: int = 0
    reviews: tuple[ReviewDue, ...] = ()  # this channel's agreements whose review is near or overdue
    today: dt.date | None = None


def prompt_blocks(content: PromptContent, *, tz: ZoneInfo) -> list[Block]:
    """The two questions, buttons to share and ask, what is open in the channel, and Capture replies."""
    blocks: list[Block] = [
        section(f"*🗓️ Two questions for your team meeting*\n• {TWO_QUESTIONS[0]}\n• {TWO_QUESTIONS[1]}"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Share practice", action_id=Action.OPEN_SHARE_MODAL, style="primary"),
                ButtonElement(text="Ask for collaboration", action_id=Action.OPEN_COLLAB_MODAL),
            ]
        ),
    ]
    if content.requests:
        items = "\n".join(_request_item(card, tz) for card in content.requests)
        blocks.append(section(f"*🤝 Still open in this channel*: could someone here help?\n{items}"))
    if content.more_requests:
        blocks.append(
            context(f"…and {plural(content.more_requests, 'more open request')}: search with `/talks search`")
        )
    if content.reviews and content.today is not None:
        lines = reviews_section(content.reviews, content.today).lines
        kept = _fitting(lines, SECTION_CHARS - 40)
        blocks.append(section("*🔁 Agreement reviews coming up*\n" + "\n".join(kept)))
        if len(kept) < len(lines):
            blocks.append(context(f"…and {len(lines) - len(kept)} more: `/agreement list` shows yours"))
    blocks += [
        context(THREAD_HINT),
        ActionsBlock(elements=[ButtonElement(text="Capture replies", action_id=Action.CAPTURE_REPLIES)]),
    ]
    return blocks


def paused_notice(channel_id: str, reason: str, schedule_words: str) -> list[Block]:
    """Telling a champion that a channel's prompt could not be posted, and is stopped (`reason` is ours, mrkdwn)."""
    return [
        section(
            f"⚠️ I couldn't post the two questions in <#{channel_id}>: {reason}. I've stopped that channel's meeting "
            f"prompt. To start it again, invite me there and type `/talks prompt here {schedule_words}`."
        )
    ]


def ask_blocks(
    ask_id: int, *, asked_by: str, author_id: str, channel_id: str, words: str, link: str | None
) -> list[Block]:
    """The direct message asking a reply's author whether it may be shared as practice, with their words."""
    where = f"<#{channel_id}>" + (f" ({t.link(link, 'open')})" if link else "")
    who = "You pressed" if asked_by == author_id else f"<@{asked_by}> pressed"
    intro = (
        f"👋 {who} *Capture replies* on the team meeting questions in {where}. Would you like your reply shared "
        "there as practice? You'll be its author, and can edit or delete it afterwards."
    )
    return [
        section(intro),
        *user_sections(words, heading="*Your reply*\n", room=REPLY_CHARS),
        ActionsBlock(
            elements=[
                ButtonElement(text="Share it", action_id=Action.SHARE_REPLY, value=str(ask_id), style="primary"),
                ButtonElement(text="No thanks", action_id=Action.DECLINE_REPLY, value=str(ask_id)),
            ]
        ),
    ]


def ask_text(channel_id: str) -> str:
    return f"Share your reply in <#{channel_id}> as practice?"


def _request_item(card: RequestCard, tz: ZoneInfo) -> str:
    facts = [f"asked by <@{card.requester_id}>"]
    if card.created_at is not None:
        local = card.created_at.astimezone(tz)
        facts.append(f"{local.day} {local:%b}")
    if card.needed_by is not None:
        facts.append(f"needed by {card.needed_by.day} {card.needed_by:%b}")
    facts.append(plural(len(card.offerers), "offer") if card.offerers else "no offers yet")
    if card.permalink:
        facts.append(t.link(card.permalink, "open"))
    return f"• {t.escaped_within(card.body, REQUEST_CHARS)}\n_{' · '.join(facts)}_"


def _fitting(lines: Sequence[str], room: int) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > room:
            break
        kept.append(line)
    return kept
