"""What Slack would receive of blocks built from people's words, checked against Slack's limits; words that grow
when escaped, to test them."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.devkit.slack_state import MESSAGE_BLOCKS, blocks_problem
from handlers.blocks import text_size

# Slack refuses a message whose blocks hold more text than this (msg_blocks_too_long, undocumented: measured
# at 12,000 to 13,300 characters in slackapi/bolt-js issues 2509 and 2867).
SLACK_MESSAGE_TEXT = 12_000


def typed(kind: str, size: int) -> str:
    """`size` characters of what someone might type: all "&", all "<" and ">", or words mixed with them."""
    if kind == "ampersands":
        return "&" * size
    if kind == "angles":
        return ("<>" * size)[:size]
    words = "parents & carers, Q&A <3 with a >50% turnout & more "
    text = (words * (size // len(words) + 1))[:size]
    return text[:-1] + "." if text[-1] == " " else text


def sent(blocks: Sequence[Block], *, most: int = MESSAGE_BLOCKS) -> list[dict]:
    """The blocks as Slack receives them: slack_sdk validates them, then the stand-in checks Slack's rules."""
    dicts = [block.to_dict() for block in blocks]
    assert blocks_problem(dicts, most) is None, blocks_problem(dicts, most)
    return dicts


def posted(blocks: Sequence[Block]) -> list[dict]:
    """A message posted to a channel: also within the text Slack takes in one message."""
    dicts = sent(blocks)
    assert text_size(blocks) <= SLACK_MESSAGE_TEXT
    return dicts
