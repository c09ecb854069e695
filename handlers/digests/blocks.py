"""Block Kit for a composed digest: the channel post, and the champion's direct message with what needs them.

Pure builders over domain.digest records, using slack_sdk's models so Slack's limits are checked when built.
Each part of a digest is a header, one section block holding its items (each cut so that together they fit
Slack's 3000 characters) and a line saying how many more there are. However busy the week, a digest stays
well under Slack's 50 blocks, and under the text Slack takes in one message: the items share ITEMS_CHARS
between them, and extra sections stop (counted, not shown) before the digest's text passes MESSAGE_TEXT_CHARS.
People's text is cut after escaping (domain.text.escaped_within), so an "&" can never push an item over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)

from domain import text as t
from domain.digest import (
    Attention,
    Digest,
    DigestRequest,
    DigestShare,
    ExtraItem,
    ExtraSection,
    OpenRequest,
    Undelivered,
)
from domain.words import TWO_QUESTIONS, mentions, plural
from handlers.blocks import MESSAGE_TEXT_CHARS, context, section, text_size
from handlers.ids import Action

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
MAX_ITEMS = 10  # items shown in one part, whatever compose was asked for; the rest are counted
ITEM_CHARS = 560  # an item's share of a section block when there are few of them
ITEMS_CHARS = 7000  # all the items of a digest together, so that extra sections still have room
EXTRA_MIN_CHARS = 200  # an extra section is not started with less room than this
MAX_NAMES = 3  # leaders named on a highlight before "and N others"
SEARCH_HINT = "search with `/talks search`"
TITLE = "📰 Programme Talks digest"
QUIET_PROMPT = "What's one thing that worked? Share it, or ask for the help you need."

Item = TypeVar("Item")


def digest_blocks(digest: Digest, *, tz: ZoneInfo, attention: Attention | None = None) -> list[Block]:
    """The digest as blocks; with `attention`, the champion's version, which starts with what needs them."""
    items = [digest.highlights, digest.shares, digest.requests]
    if attention is not None:
        items.append(attention.unanswered)
    shown = sum(min(len(records), MAX_ITEMS) for records in items) + len(attention.undelivered if attention else ())
    item_chars = min(ITEM_CHARS, ITEMS_CHARS // max(1, shown))
    blocks: list[Block] = [_header(TITLE), context(_period(digest, tz))]
    if attention is not None:
        blocks += attention_blocks(attention, now=digest.now, tz=tz, item_chars=item_chars)
    if digest.is_empty:
        blocks.append(section(f"*{_quiet(digest)}* {QUIET_PROMPT}"))
    else:
        blocks += _part(
            "⭐ Leaders' highlights",
            digest.highlights,
            lambda item, room: _share_item(item, tz, room),
            more=digest.more_highlights,
            noun="highlight",
            item_chars=item_chars,
        )
        blocks += _part(
            "💡 New practice shares",
            digest.shares,
            lambda item, room: _share_item(item, tz, room),
            more=digest.more_shares,
            noun="share",
            hint=SEARCH_HINT,
            item_chars=item_chars,
        )
        blocks += _part(
            "🤝 Open collaboration requests",
            digest.requests,
            lambda item, room: _request_item(item, tz, room),
            more=digest.more_requests,
            noun="open request",
            hint=SEARCH_HINT,
            item_chars=item_chars,
        )
        blocks += _extra_parts(
            digest.extra_sections,
            room=MAX_BLOCKS - len(blocks) - len(_questions()),
            chars=MESSAGE_TEXT_CHARS - text_size(blocks) - text_size(_questions()),
        )
    return blocks + _questions()


def digest_text(digest: Digest) -> str:
    """The notification text (escaped mrkdwn): what the digest holds, in a line."""
    if digest.is_empty:
        return f"Programme Talks digest: {_quiet(digest).lower()} What's one thing that worked?"
    counts = [
        plural(digest.highlight_count, "highlight") if digest.highlight_count else "",
        plural(digest.share_count, "new share") if digest.share_count else "",
        plural(digest.request_count, "open request") if digest.request_count else "",
        *(t.escaped_within(extra.title, 60) for extra in digest.extra_sections),
    ]
    return "Programme Talks digest: " + ", ".join(part for part in counts if part)


def attention_blocks(
    attention: Attention, *, now: dt.datetime, tz: ZoneInfo, item_chars: int = ITEM_CHARS
) -> list[Block]:
    """The champion's "Needs your attention" part: unanswered requests and digests that did not go out."""
    blocks: list[Block] = [_header("🔔 Needs your attention")]
    if not (attention.unanswered or attention.more_unanswered or attention.undelivered):
        blocks.append(section("✅ Nothing needs you: every request has had an offer and every digest went out."))
        return blocks
    if attention.unanswered or attention.more_unanswered:
        blocks += _items(
            "*Requests with no offers after a week*: could you put someone in touch?",
            attention.unanswered,
            lambda item, room: _unanswered_item(item, now, room),
            more=attention.more_unanswered,
            noun="unanswered request",
            item_chars=item_chars,
        )
    if attention.undelivered:
        blocks += _items(
            "*Digests that didn't go out*",
            attention.undelivered,
            lambda item, room: _undelivered_item(item, tz, room),
            more=0,
            noun="channel",
            item_chars=item_chars,
        )
    return blocks


# ---- parts ---------------------------------------------------------------------------------------------


def _part(
    title: str,
    records: Sequence[Item],
    render: Callable[[Item, int], str],
    *,
    more: int,
    noun: str,
    hint: str = "",
    item_chars: int = ITEM_CHARS,
) -> list[Block]:
    if not records and not more:
        return []
    return [_header(title), *_items("", records, render, more=more, noun=noun, hint=hint, item_chars=item_chars)]


def _items(
    heading: str,
    records: Sequence[Item],
    render: Callable[[Item, int], str],
    *,
    more: int,
    noun: str,
    hint: str = "",
    item_chars: int = ITEM_CHARS,
) -> list[Block]:
    """A section block of at most MAX_ITEMS items, each given an equal share of the room (at most `item_chars`),
    and a "more" line."""
    shown = records[:MAX_ITEMS]
    more += len(records) - len(shown)
    blocks: list[Block] = []
    if shown:
        room = min(item_chars, (SECTION_CHARS - len(heading) - 2 * len(shown)) // len(shown))
        items = [render(record, room) for record in shown]
        blocks.append(section("\n\n".join([heading, *items] if heading else items)))
    elif heading:
        blocks.append(section(heading))
    if more > 0:
        what = f"…and {plural(more, f'more {noun}')}"
        blocks.append(context(f"{what}: {hint}" if hint else what))
    return blocks


def _extra_parts(extras: Sequence[ExtraSection], *, room: int, chars: int) -> list[Block]:
    """Extra sections in the order given, within `room` blocks and `chars` characters of text; when there are
    too many, a line counting those left out."""
    blocks: list[Block] = []
    for index, extra in enumerate(extras):
        left = chars - text_size(blocks) - HEADER_CHARS - 100  # the header, and the lines saying what is left out
        buttons = sum(len(item.button_text) for item in extra.items)
        lines, left_out = _fitting_lines(extra.lines, min(SECTION_CHARS, left - buttons))
        part: list[Block] = [_header(extra.title)]
        if lines and extra.items:  # each line a block of its own, found again by its block_id
            kept = len(extra.lines) - left_out
            part += [_item_block(line, item) for line, item in zip(extra.lines[:kept], extra.items, strict=False)]
        elif lines:
            part.append(section(lines))
        if extra.more + left_out:
            part.append(context(f"…and {extra.more + left_out} more"))
        is_last = index == len(extras) - 1
        if len(blocks) + len(part) + (0 if is_last else 1) > room or left < EXTRA_MIN_CHARS:
            blocks.append(context(f"…and {plural(len(extras) - index, 'more section')} not shown here"))
            break
        blocks += part
    return blocks


def _item_block(line: str, item: ExtraItem) -> SectionBlock:
    """A line of an extra section as a section of its own, with its block_id and its button, if it has one."""
    block = section(line)
    block.block_id = item.block_id
    if item.button_text:
        block.accessory = ButtonElement(text=item.button_text, action_id=item.button_action, value=item.button_value)
    return block


def _questions() -> list[Block]:
    return [
        DividerBlock(),
        section(f"*Two questions for every team*\n• {TWO_QUESTIONS[0]}\n• {TWO_QUESTIONS[1]}"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Share practice", action_id=Action.OPEN_SHARE_MODAL, style="primary"),
                ButtonElement(text="Ask for collaboration", action_id=Action.OPEN_COLLAB_MODAL),
            ]
        ),
    ]


# ---- items: each renders into at most `room` characters --------------------------------------------------


def _share_item(item: DigestShare, tz: ZoneInfo, room: int) -> str:
    card = item.card
    lines = [f"⭐ Highlighted by {mentions(item.highlighted_by, limit=MAX_NAMES)}"] if item.highlighted_by else []
    appreciated = f"👏 {item.appreciation}" if item.appreciation else ""
    facts = [f"Shared by <@{card.author_id}>", _day(card.created_at, tz), appreciated]
    lines.append(_facts(facts, card.permalink, room // 2))
    space = room - sum(len(line) + 1 for line in lines)
    if card.title:
        title = _clip(card.title, min(150, space // 3))
        body = _clip(card.body, space - len(title) - 5)
        return "\n".join([f"*{title}*", *([body] if body else []), *lines])
    return "\n".join([_clip(card.body, space), *lines])


def _request_item(item: OpenRequest, tz: ZoneInfo, room: int) -> str:
    card, offers = item.request.card, item.request.offers
    lines = [f"⏳ no offers yet after {plural(item.waiting_days, 'day')}"] if item.waiting_days is not None else []
    facts = [
        f"Asked by <@{card.requester_id}>",
        _day(card.created_at, tz),
        f"needed by {card.needed_by.day} {card.needed_by:%b}" if card.needed_by else "",
        plural(offers, "offer") if offers else "" if item.waiting_days is not None else "no offers yet",
    ]
    lines.append(_facts(facts, card.permalink, room // 2))
    return "\n".join([_clip(card.body, room - sum(len(line) + 1 for line in lines)), *lines])


def _unanswered_item(item: DigestRequest, now: dt.datetime, room: int) -> str:
    card = item.card
    waited = f"waiting {plural((now - card.created_at).days, 'day')}" if card.created_at else ""
    facts = _facts([f"asked by <@{card.requester_id}>", waited], card.permalink, room // 2)
    return f"• {_clip(card.body, min(300, room - len(facts) - 3))}\n{facts}"


def _undelivered_item(item: Undelivered, tz: ZoneInfo, room: int) -> str:
    due = _moment(item.scheduled_for, tz)
    if item.skipped:
        lead = f"• <#{item.channel_id}>: the digest due {due} was skipped, too late after the app was down"
    else:
        lead = f"• <#{item.channel_id}>: the digest due {due} could not be posted"
    return f"{lead} ({_clip(item.reason, min(200, room - len(lead) - 3))})"


# ---- text ----------------------------------------------------------------------------------------------


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=t.shorten(text, HEADER_CHARS), emoji=True))


def _fitting_lines(lines: Sequence[str], room: int = SECTION_CHARS) -> tuple[str, int]:
    """Already-escaped lines, as many as fit in `room` characters (cutting a line could break its markup), and
    how many did not fit."""
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > room:
            break
        kept.append(line)
    return "\n".join(kept), len(lines) - len(kept)


def _clip(text: str, limit: int) -> str:
    """User text shortened at a word and escaped, so that the escaped text fits in `limit` characters."""
    return t.escaped_within(text, limit) if limit > 1 else ""


def _facts(parts: Sequence[str], permalink: str | None, room: int) -> str:
    """An item's italic line of facts, with a link to it when that fits."""
    shown = [part for part in parts if part]
    if permalink and len(" · ".join(shown)) + len(permalink) + 16 <= room:
        shown.append(t.link(permalink, "open"))
    return "_" + " · ".join(shown) + "_"


def _day(moment: dt.datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b}"


def _moment(moment: dt.datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


def _period(digest: Digest, tz: ZoneInfo) -> str:
    since, until = digest.since.astimezone(tz), digest.until.astimezone(tz)
    return f"What's new from {since:%a} {since.day} {since:%b} to {until:%a} {until.day} {until:%b %Y}"


def _quiet(digest: Digest) -> str:
    span = digest.until - digest.since
    if span <= dt.timedelta(days=1, hours=12):
        return "A quiet day…"
    if span <= dt.timedelta(days=8):
        return "A quiet week…"
    return "A quiet spell…"
