"""Text that users type, made safe and structured.

Pure functions: no Slack client, no database. Everything that puts user text into Slack's mrkdwn goes
through `escape`, so a share can never ping @here, mention someone or forge a link. Escaping makes text longer
("&" becomes "&amp;") and Slack's limits count the escaped text, so text is fitted after escaping:
`escaped_within` shortens it to a limit, `escaped_pieces` splits all of it into pieces that each fit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MAX_SHARE_CHARS = 2500
MAX_REQUEST_CHARS = 2000
MAX_TITLE_CHARS = 150
MAX_IMPACT_CHARS = 1500
MAX_LINK_CHARS = 500
MAX_TAGS = 10

_TAG = re.compile(r"(?<![\w&])#([A-Za-z0-9][\w-]{0,39})")
_URL = re.compile(r"https?://[^\s<>|\"']+", re.IGNORECASE)
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>", re.IGNORECASE)
# A user mention as Slack sends it in an escaped command: <@U123|name> or <@U123>.
_MENTION = re.compile(r"<@([UW][A-Z0-9_]{1,31})(?:\|[^<>]*)?>")
_BETWEEN_MENTIONS = re.compile(r"[\s,&]+|\band\b", re.IGNORECASE)
_EMOJI_NAME = re.compile(r"[a-z0-9_\-+']{1,100}")


def escape(text: str) -> str:
    """Escape text for Slack mrkdwn: &, < and > are the only characters Slack gives meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of a slash command's text (the reverse of `escape`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def link(url: str, label: str | None = None) -> str:
    """A mrkdwn link to a URL that `find_links` or `clean_link` accepted (no spaces, <, > or |)."""
    target = url.replace("&", "&amp;")
    return f"<{target}|{escape(label)}>" if label else f"<{target}>"


@dataclass(frozen=True)
class QuickShare:
    body: str
    tags: tuple[str, ...]
    links: tuple[str, ...]


def parse_quick_share(text: str) -> QuickShare:
    """Split `/share` text into the share itself, its #tags and its links.

    Slack may deliver links as <https://...|label>; they are turned back into plain URLs first.
    """
    body = _SLACK_LINK.sub(lambda m: m.group(1), text).strip()
    return QuickShare(body=body, tags=find_tags(body), links=find_links(body))


def find_tags(text: str) -> tuple[str, ...]:
    """The distinct #tags in text, lower-cased, in order of first appearance, at most MAX_TAGS."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return tuple(seen)[:MAX_TAGS]


def find_links(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in _URL.finditer(text):
        seen.setdefault(match.group(0).rstrip(".,;:!?)"), None)
    return tuple(seen)


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags typed into a form field: 'sen, Youth voice #mentoring' -> ('sen', 'youth-voice', 'mentoring')."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,#\n]", text or ""):
        tag = re.sub(r"[^\w-]+", "-", part.strip().lower()).strip("-")[:40]
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)[:MAX_TAGS]


def clean_link(text: str | None) -> str | None:
    """A single http(s) link typed into a form, or None when blank. Raises ValueError with a kind message."""
    value = (text or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"https?://[^\s<>|\"']+", value, re.IGNORECASE):
        raise ValueError("That doesn't look like a web link. It should start with https://")
    if len(value) > MAX_LINK_CHARS:
        raise ValueError(f"That link is too long: keep it under {MAX_LINK_CHARS} characters.")
    return value


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_BY_ISO = re.compile(r"\s+by\s+(\d{4})-(\d{1,2})-(\d{1,2})\s*\.?$", re.IGNORECASE)
_BY_WORDS = re.compile(r"\s+by\s+(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)(?:\s+(\d{4}))?\s*\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class QuickRequest:
    body: str
    needed_by: dt.date | None


def parse_quick_request(text: str, today: dt.date) -> QuickRequest:
    """`/collab` text, with an optional trailing 'by 2026-12-15' or 'by 15 December' naming the deadline.

    A day and month without a year means the next such date from today.
    """
    body = text.strip()
    if match := _BY_ISO.search(body):
        year, month, day = (int(g) for g in match.groups())
        when = _date_or_none(year, month, day)
        if when:
            return QuickRequest(body=body[: match.start()].strip(), needed_by=when)
    if match := _BY_WORDS.search(body):
        named_month = _MONTHS.get(match.group(2).lower())
        day = int(match.group(1))
        if named_month:
            year = int(match.group(3)) if match.group(3) else today.year
            when = _date_or_none(year, named_month, day)
            if when and not match.group(3) and when < today:
                when = _date_or_none(year + 1, named_month, day)
            if when:
                return QuickRequest(body=body[: match.start()].strip(), needed_by=when)
    return QuickRequest(body=body, needed_by=None)


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def shorten(text: str, limit: int) -> str:
    """Text cut to at most `limit` characters at a word boundary, with an ellipsis when cut."""
    text = _tidy(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip() + "…"


_ESCAPED_WIDTH = {"&": 5, "<": 4, ">": 4}  # len("&amp;"), len("&lt;"), len("&gt;")
_WIDEST = max(_ESCAPED_WIDTH.values())


def escaped_length(text: str) -> int:
    """len(escape(text)), without building it."""
    return len(text) + sum(text.count(char) * (width - 1) for char, width in _ESCAPED_WIDTH.items())


def escaped_within(text: str, limit: int) -> str:
    """`text` escaped for mrkdwn, shortened at a word boundary (with an ellipsis) so that the *escaped* text
    fits in `limit` characters; an entity such as `&amp;` is never cut in half.

    Whitespace is tidied as `shorten` tidies it, and text without &, < or > comes out as
    `escape(shorten(text, limit))` would.
    """
    if limit <= 0:
        return ""
    text = _tidy(text)
    if escaped_length(text) <= limit:
        return escape(text)
    fits = _fitting(text, 0, limit - 1)  # room for the ellipsis
    cut = text[:fits].rsplit(" ", 1)[0] or text[:fits]
    return escape(cut.rstrip()) + "…"


def escaped_pieces(text: str, limit: int, *, first: int | None = None) -> list[str]:
    """All of `text`, escaped for mrkdwn, in consecutive pieces whose escaped lengths fit in `limit` characters
    (the first piece in `first`, when it has less room, e.g. after a heading), each cut after a space or line
    break where there is one in the second half of the piece, never inside an entity.

    Nothing is dropped or added: `"".join(unescape(p) for p in pieces) == text`.
    """
    if min(limit, limit if first is None else first) < _WIDEST:
        raise ValueError(f"each piece needs room for at least {_WIDEST} characters, an escaped &")
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = _fitting(text, start, limit if first is None or pieces else first)
        if end < len(text):
            window = text[start:end]
            boundary = max(window.rfind(" "), window.rfind("\n"))
            if boundary >= len(window) // 2:
                end = start + boundary + 1  # the space stays with the words before it
        pieces.append(escape(text[start:end]))
        start = end
    return pieces


def _fitting(text: str, start: int, room: int) -> int:
    """The end of the longest run of text[start:] whose escaped length fits in `room`."""
    size, end = 0, start
    while end < len(text):
        size += _ESCAPED_WIDTH.get(text[end], 1)
        if size > room:
            break
        end += 1
    return end


def _tidy(text: str) -> str:
    """Text on one line has its runs of spaces made one; text on several keeps its lines, trimmed."""
    return " ".join(text.split()) if "\n" not in text else text.strip()


def parse_people(text: str) -> tuple[str, ...] | None:
    """The user ids mentioned in `text` ("<@U1|ann>, <@U2> and <@U3>"), or None if anything else is there."""
    ids = _MENTION.findall(text)
    if not ids or _BETWEEN_MENTIONS.sub("", _MENTION.sub(" ", text)):
        return None
    return tuple(dict.fromkeys(ids))


def base_emoji(name: str) -> str:
    """An emoji name without its skin tone: "+1::skin-tone-2" -> "+1"."""
    return name.split("::", 1)[0]


def emoji_name(text: str) -> str | None:
    """The emoji name in "star2", ":star2:" or ":+1::skin-tone-2:", or None if it can't be an emoji name."""
    name = base_emoji(text.strip().lower().strip(":"))
    return name if _EMOJI_NAME.fullmatch(name) else None
