"""Block Kit for the newsletter: the champion's draft (shown only to them), the newsletter as published in a channel,
and the two forms (the introduction, and where to publish).

Pure builders over domain.newsletter's Newsletter. Everything in it that people wrote (titles, shares, requests,
agreements, names) is escaped into verbatim mrkdwn (handlers.blocks). A published newsletter is as many messages
as it needs, each within Slack's 50 blocks and MESSAGE_TEXT_CHARS of text: it is cut between items, never inside
one, a section's heading always travels with its first item, and every message after the first says which part it
is. An item's words are cut only when they would not fit in a message at all (ITEM_CHARS, after escaping), with a
line saying so; the download has every word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConversationFilter,
    ConversationSelectElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextObject,
)
from slack_sdk.models.views import View

from domain import newsletter as nl
from domain import text as t
from domain.charts import month_label
from domain.words import mention, plural
from handlers.blocks import (
    MESSAGE_BLOCKS,
    MESSAGE_TEXT_CHARS,
    SHORTENED,
    context,
    date_label,
    fair_shares,
    section,
    text_input,
    text_size,
    user_sections,
)
from handlers.ids import Action, input_id
from handlers.ids import Block as B
from handlers.ids import View as V
from storage.newsletters import Draft

HEADER_CHARS = 150
ITEM_CHARS = 3500  # an item's escaped words in a published message, at most
INTRO_CHARS = 4000  # the introduction's, escaped
MAX_INTRO_CHARS = 3000  # what the introduction form takes
CONTENTS_ITEMS = 5  # items named under each heading of a draft's contents
CONTENTS_ITEM_CHARS = 100
PART_ROOM = 100  # text kept free in each message for the line saying which part it is
SHORTENED_HERE = f"{SHORTENED}: the download has every word."
EMPTY_INTRO = (
    "*Introduction:* none yet. Press *Edit introduction* to open the newsletter in your own words: a welcome, "
    "a thank-you, what's coming up."
)
NAMED_BY_CONSENT = (
    "Authors are named only where they ticked “You may name me in newsletters outside Slack” on their share; "
    "everyone else appears as “a colleague”, with their team or organisation where their Slack profile's title "
    "gives one. `/talks newsletter names on` names everyone."
)
NAMED_EVERYONE = (
    "Everyone is named: your workspace chose to (`/talks newsletter names off` names only those who agreed)."
)
CHARTS_NOTE = "Two charts go with it when it's published and in the download: activity, and days to find help."


@dataclass(frozen=True)
class Part:
    """One message of a published newsletter."""

    blocks: list[Block]
    text: str


@dataclass(frozen=True)
class NewsletterContext:
    """What the newsletter's forms carry: its month, and the draft message they were opened from."""

    month: str = ""  # ISO date of its first day
    channel_id: str | None = None
    ts: str | None = None
    full: bool = True  # every item of the draft is shown below it (else it has a Show it all button)


# ---- the champion's draft ---------------------------------------------------------------------------------------


def draft_text(n: nl.Newsletter) -> str:
    return f"Draft newsletter for {month_label(n.month)}: only you can see it"


def draft_head(
    n: nl.Newsletter, draft: Draft | None, *, name_everyone: bool, every_item_below: bool, tz: ZoneInfo
) -> list[Block]:
    """The draft's first message: its introduction, what it holds, and the buttons to change, publish or download it.
    With `every_item_below`, the newsletter's items follow in messages of their own; else a button shows them."""
    blocks: list[Block] = [
        _header(f"📝 Draft: {nl.title(n)}"),
        context("Only you can see this draft. Nothing is published until you press *Publish*."),
    ]
    if draft is not None and draft.published_at is not None:
        when = date_label(draft.published_at.astimezone(tz).date())
        by = mention(draft.published_by)
        blocks.append(section(f"✅ Published in <#{draft.published_channel}> by {by} on {when}."))
    introduction = draft.introduction if draft else None
    if introduction and introduction.strip():
        blocks += user_sections(introduction, heading="*Introduction*\n", room=INTRO_CHARS)
    else:
        blocks.append(section(EMPTY_INTRO))
    blocks.append(section(f"*At a glance:* {t.escape(nl.at_a_glance(n))}"))
    blocks.append(section(_contents(n)))
    blocks.append(context(NAMED_EVERYONE if name_everyone else NAMED_BY_CONSENT))
    buttons = [
        ButtonElement(text="Edit introduction", action_id=Action.NEWSLETTER_EDIT_INTRO, value=n.month.isoformat()),
        ButtonElement(text="Publish", action_id=Action.NEWSLETTER_PUBLISH, value=n.month.isoformat(), style="primary"),
        ButtonElement(text="Download", action_id=Action.NEWSLETTER_DOWNLOAD, value=n.month.isoformat()),
    ]
    if every_item_below:
        blocks.append(context(f"Every item follows below. {CHARTS_NOTE}"))
    else:
        buttons.append(ButtonElement(text="Show it all", action_id=Action.NEWSLETTER_SHOW, value=n.month.isoformat()))
        blocks.append(context(f"Press *Show it all* to read every item here. {CHARTS_NOTE}"))
    blocks.append(ActionsBlock(elements=buttons))
    return blocks


def _contents(n: nl.Newsletter) -> str:
    """Each section's heading, how many items it has and the first few of them (escaped mrkdwn)."""
    lines = []
    for key, items in sections(n):
        heading, empty = nl.SECTIONS[key]
        lines.append(f"*{heading}* ({len(items)})" if items else f"*{heading}*: {empty}")
        lines += [f"• {t.escaped_within(nl.headline(item), CONTENTS_ITEM_CHARS)}" for item in items[:CONTENTS_ITEMS]]
        if len(items) > CONTENTS_ITEMS:
            lines.append(f"• …and {plural(len(items) - CONTENTS_ITEMS, 'more')}")
    return "\n".join(lines)


def sections(n: nl.Newsletter) -> list[tuple[str, Sequence[object]]]:
    """(key of nl.SECTIONS, items) in the newsletter's order; shares most appreciated first, as it shows them."""
    shares = sorted(n.shares, key=lambda share: -share.appreciation)
    items = (n.highlights, shares, n.collaborations, n.agreements, n.reviews, n.meetups)
    return list(zip(nl.SECTIONS, items, strict=True))


# ---- the newsletter as published --------------------------------------------------------------------------------


def newsletter_parts(n: nl.Newsletter) -> list[Part]:
    """The newsletter as the messages that publish it, in order."""
    units: list[list[Block]] = [_opening(n)]
    for key, items in sections(n):
        heading, empty = nl.SECTIONS[key]
        lead: list[Block] = [_header(heading)]
        if key == "meetups" and n.meetups:
            total = n.attendance
            lead.append(section(f"{plural(len(n.meetups), 'event')}, {plural(total, 'person')} went in all."))
        if not items:
            units.append([*lead, section(empty)])
            continue
        item_units = [_item(item) for item in items]
        units.append(lead + item_units[0])
        units += item_units[1:]
    units.append([DividerBlock(), section(f"*{nl.CLOSING_HEADING}*\n• {nl.QUESTIONS[0]}\n• {nl.QUESTIONS[1]}")])
    packed = _pack(units)
    name = nl.title(n)
    parts = [Part(packed[0], name)]
    for number, blocks in enumerate(packed[1:], start=2):
        said = f"📰 {name}, continued ({number} of {len(packed)})"
        parts.append(Part([context(said), *blocks], f"{name} ({number} of {len(packed)})"))
    return parts


def _opening(n: nl.Newsletter) -> list[Block]:
    blocks: list[Block] = [_header(f"📰 {nl.title(n)}")]
    if n.organisation.strip():
        blocks.append(context(t.escaped_within(" ".join(n.organisation.split()), 300)))
    if n.introduction and n.introduction.strip():
        blocks += user_sections(n.introduction, room=INTRO_CHARS)
        if t.escaped_length(n.introduction) > INTRO_CHARS:
            blocks.append(context(SHORTENED_HERE))
    blocks.append(section(f"*At a glance:* {t.escape(nl.at_a_glance(n))}"))
    return blocks


def _item(item: object) -> list[Block]:
    """An item: its heading in bold, a line of who and what, and its words (each at most their share of
    ITEM_CHARS once escaped)."""
    details = nl.details(item)
    words = [(kind, text) for kind, text in details if kind != "meta"]
    rooms = iter(fair_shares([t.escaped_length(text) for _, text in words], ITEM_CHARS))
    blocks: list[Block] = [section(f"*{t.escaped_within(nl.headline(item), 600)}*")]
    cut = False
    for kind, text in details:
        if kind == "meta":
            blocks.append(context(t.escaped_within(text, 2000)))
            continue
        room = next(rooms)
        cut = cut or t.escaped_length(text) > room
        blocks += user_sections(text, heading="" if kind == "text" else f"*{kind}*\n", room=room)
    if cut:
        blocks.append(context(SHORTENED_HERE))
    return blocks


def _pack(units: list[list[Block]]) -> list[list[Block]]:
    """Units (blocks that belong together) into as few messages as hold them, in order."""
    most_blocks, most_text = MESSAGE_BLOCKS - 1, MESSAGE_TEXT_CHARS - PART_ROOM
    messages: list[list[Block]] = [[]]
    size = 0
    for unit in units:
        unit_size = text_size(unit)
        if messages[-1] and (len(messages[-1]) + len(unit) > most_blocks or size + unit_size > most_text):
            messages.append([])
            size = 0
        messages[-1] += unit
        size += unit_size
    return messages


# ---- forms ----------------------------------------------------------------------------------------------------


def intro_modal(month: dt.date, introduction: str | None, metadata: str) -> View:
    return View(
        type="modal",
        callback_id=V.NEWSLETTER_INTRO,
        title="Newsletter introduction",
        submit="Save",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            section(
                f"Open *{month_label(month)}*'s newsletter in your own words: a welcome, a thank-you, what's coming "
                "up. It comes first, above the month's highlights. Please name no child or young person."
            ),
            text_input(
                B.NEWSLETTER_INTRO,
                "Introduction",
                MAX_INTRO_CHARS,
                introduction,
                "Welcome to this month's round-up…",
                multiline=True,
                optional=True,
                hint="Leave it empty for no introduction.",
            ),
        ],
    )


def publish_modal(month: dt.date, channel_id: str | None, metadata: str) -> View:
    return View(
        type="modal",
        callback_id=V.NEWSLETTER_PUBLISH,
        title="Publish the newsletter",
        submit="Publish",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            section(
                f"Everyone in the channel you choose will see *{month_label(month)}*'s newsletter, with its charts. "
                "Where your workspace allows canvases, it becomes a canvas in that channel too."
            ),
            InputBlock(
                block_id=B.CHANNEL,
                label="Publish in",
                element=ConversationSelectElement(
                    action_id=input_id(B.CHANNEL),
                    initial_conversation=channel_id,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            ),
        ],
    )


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=t.shorten(text, HEADER_CHARS), emoji=True))
