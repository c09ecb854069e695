"""Block Kit pieces every feature uses: verbatim mrkdwn, sections, context lines, inputs and a notice modal.

Pure functions using slack_sdk's models (which check Slack's limits when built). All user text goes through
domain.text.escape and into text objects marked verbatim, so nothing a user typed can ping a channel, mention
a person or forge a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from slack_sdk.models.blocks import (
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


def mrkdwn(text: str) -> MarkdownTextObject:
    """A mrkdwn text object that Slack will not auto-link or auto-mention (the text must be escaped)."""
    return MarkdownTextObject(text=text, verbatim=True)


def section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


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
