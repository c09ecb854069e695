"""A Slack message turned into the words of a share or request form (the message shortcuts). Pure: no Slack, no
database.

The message's text is Slack's mrkdwn; `named_people` and `unnamed_channels` say which names to look up, and
domain.slack_text.to_plain reads it back as words with them. `share_words` then suggests a title (its first
sentence or line), keeps the #tags and the first link, and fits everything within the form's limits, cutting at a
word with an ellipsis: the person edits it all before anything is posted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain import text as t

MAX_LOOKUPS = 10  # people (and channels) named in one message looked up for their names; others read "@someone"

_PERSON = re.compile(r"<@([UW][A-Z0-9_]{1,31})(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9_]{1,31})(?:\|([^<>]*))?>")
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")
_ANGLED = re.compile(r"<[^<>]*>")  # mentions and links in Slack's text: a channel's "#name" is not a tag


@dataclass(frozen=True)
class ShareWords:
    title: str
    body: str
    tags: tuple[str, ...]
    link: str | None


def named_people(mrkdwn: str) -> list[str]:
    """The user ids mentioned in a message, first MAX_LOOKUPS of them, in order."""
    return list(dict.fromkeys(_PERSON.findall(mrkdwn)))[:MAX_LOOKUPS]


def unnamed_channels(mrkdwn: str) -> list[str]:
    """Channels mentioned without their name in the text (Slack often sends "<#C123|>"), first MAX_LOOKUPS."""
    return list(dict.fromkeys(channel for channel, label in _CHANNEL.findall(mrkdwn) if not label.strip()))[
        :MAX_LOOKUPS
    ]


def message_tags(mrkdwn: str) -> tuple[str, ...]:
    """The #tags someone typed in a message: not channels it mentions, nor #anchors in its links."""
    return t.find_tags(t.unescape(_ANGLED.sub(" ", mrkdwn)))


def share_words(plain: str, tags: tuple[str, ...] = ()) -> ShareWords:
    """A share's form, filled in from a message's plain words and its #tags (`message_tags`)."""
    body = fit(plain, t.MAX_SHARE_CHARS)
    first_line = next((line.strip() for line in plain.splitlines() if line.strip()), "")
    sentence = _FIRST_SENTENCE.match(first_line)
    title = t.shorten((sentence.group(1) if sentence else first_line).rstrip("."), t.MAX_TITLE_CHARS)
    links = [found for found in t.find_links(plain) if len(found) <= t.MAX_LINK_CHARS]
    return ShareWords(title=title, body=body, tags=tags, link=links[0] if links else None)


def request_words(plain: str) -> str:
    """A request's form, filled in from a message's plain words."""
    return fit(plain, t.MAX_REQUEST_CHARS)


def fit(text: str, limit: int) -> str:
    """`text` with its lines kept, cut at a word (with an ellipsis) to at most `limit` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"
