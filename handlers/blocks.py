"""Block Kit pieces every feature uses: verbatim mrkdwn, sections, context lines, inputs and a notice modal.

Pure functions using slack_sdk's models (which check Slack's limits when built). All user text goes through
domain.text's escaping and into text objects marked verbatim, so nothing a user typed can ping a channel,
mention a person or forge a link.

Slack's limits are on the text as sent, so they are checked after escaping, which can make a text five times
longer ("&" is "&amp;"): `user_sections` spreads someone's words over as many sections as they need, and
`fair_shares` divides a message's room between several people's texts.

Slack's limits (Block Kit reference, docs.slack.dev/reference/block-kit): a section's text 3,000 characters and
any text object's 3,000; a header's plain text 150; a context block 10 elements; a button's text 75; 50 blocks
in a message and 100 in a modal or Home tab. Messages also have an undocumented limit on all their blocks'
text together (Slack answers `msg_blocks_too_long` at about 12,000 to 13,000 characters; slackapi/bolt-js
issues 2509 and 2867), so a message shows at most MESSAGE_TEXT_CHARS of people's text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from domain import text as t
from handlers.ids import Block as B
from handlers.ids import input_id

SECTION_CHARS = 3000  # a section's text (and any text object's)
HEADER_CHARS = 150
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT_CHARS = 10_000  # people's escaped text in one message, well under Slack's ~12,000 for all its text
SHORTENED = "✂️ Shortened to fit in Slack"


def mrkdwn(text: str) -> MarkdownTextObject:
    """A mrkdwn text object that Slack will not auto-link or auto-mention (the text must be escaped)."""
    return MarkdownTextObject(text=text, verbatim=True)


def section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def user_sections(text: str, *, heading: str = "", room: int | None = None) -> list[SectionBlock]:
    """Someone's `text`, escaped, in as many sections as it needs, the first starting with `heading` (mrkdwn of
    ours, e.g. "*What we did*\n").

    With `room`, the escaped text is first shortened at a word (with an ellipsis) to fit in `room` characters;
    without, every word is shown. A piece that is only spaces or line breaks gets no section of its own.
    """
    if room is not None and t.escaped_length(text) > room:
        text = t.unescape(t.escaped_within(text, room))
    pieces = t.escaped_pieces(text, SECTION_CHARS, first=SECTION_CHARS - len(heading))
    if not pieces:
        return [section(heading)] if heading.strip() else []
    pieces[0] = heading + pieces[0]
    return [section(piece) for piece in pieces if piece.strip()]


def fair_shares(sizes: Sequence[int], room: int) -> list[int]:
    """How much of `room` each of several texts of these (escaped) sizes may use: all of it when they fit
    together, else equal shares, with what a short text does not need given to the longer ones."""
    shares = [0] * len(sizes)
    waiting = sorted(range(len(sizes)), key=lambda index: sizes[index])
    left = max(0, room)
    while waiting:
        each = left // len(waiting)
        index = waiting.pop(0)
        shares[index] = min(sizes[index], each)
        left -= shares[index]
    return shares


def text_size(blocks: Sequence[Block]) -> int:
    """All the text in these blocks (every "text" string), for keeping a message under Slack's overall limit."""
    return sum(len(obj) for obj in _texts([block.to_dict() for block in blocks]))


def _texts(value: object) -> list[str]:
    """Every "text" string in a block's JSON, however deep (text objects, button labels, options)."""
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if not isinstance(value, dict):
        return []
    found: list[str] = []
    for key, item in value.items():
        found += [item] if key == "text" and isinstance(item, str) else _texts(item)
    return found


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(" · ".join(p for p in parts if p))])


def date_label(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def tags_mrkdwn(tags: Sequence[str]) -> str:
    return " ".join(f"#{t.escape(tag)}" for tag in tags)


def channel_input() -> InputBlock:
    """Where to post, for forms opened outside a channel (the App Home)."""
    return InputBlock(
        block_id=B.CHANNEL,
        label="Post in",
        element=ConversationSelectElement(
            action_id=input_id(B.CHANNEL),
            default_to_current_conversation=True,
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        ),
    )


def text_input(
    block: B | str,
    label: str,
    max_length: int,
    initial: str | None,
    placeholder: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=input_id(block),
            multiline=multiline,
            max_length=max_length,
            initial_value=initial or None,
            placeholder=placeholder,
        ),
    )


def notice_view(title: str, text: str) -> View:
    """A modal that only says something (text is ours, mrkdwn-safe), with a Close button."""
    return View(type="modal", title=title, close="Close", blocks=[section(text)])
