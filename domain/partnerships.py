"""Partnerships across organisations, in plain terms: invite codes, the quick path's `--partners`, how something
shared with a partnership is credited, and the digest's "From our partners" section. No Slack, no database.

What crosses, and when (README, Data protection): only a share or request its author chose to share with their
partnership, and only to workspaces that were in the partnership when it was shared. It is credited to the
author's organisation by name, and to the author by name only if they agreed. Nothing shows another workspace's
Slack user ids: a mention would not resolve there, and it is personal data.

A partner's item shows in a digest only if it was shared within PARTNER_WINDOW before the digest's moment, so the
digests that can show an item are known exactly when it is withdrawn (and each item is a block of its own,
`item_block_id`, so those digests can be changed to say it was withdrawn).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain import text as t
from domain.digest import ExtraItem, ExtraSection
from domain.records import shown_words
from domain.words import plural

INVITE_FOR = dt.timedelta(days=7)  # an invite code works this long, once
PARTNER_WINDOW = dt.timedelta(days=35)  # a digest shows partners' items shared this long before it, at most
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0 or 1: nothing to misread when it is read out
CODE_LENGTH = 10
CODE_EXAMPLE = "PT-7KQ4M-2XWAB"
SECTION_TITLE = "🌍 From our partners"
SHARE, REQUEST = "share", "request"
ITEM_CHARS = 420  # a partner's item in a digest, escaped, facts included
_FLAG = re.compile(r"^\s*(?:--|[—–])partners?\b\s*", re.IGNORECASE)  # Slack may turn "--" into a dash


def new_code() -> str:
    """A fresh invite code, e.g. PT-7KQ4M-2XWAB (ten characters from CODE_ALPHABET: 31¹⁰ codes)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"PT-{raw[:5]}-{raw[5:]}"


def normalise_code(typed: str) -> str | None:
    """The code's ten characters as typed in any case, with or without "PT", spaces and dashes; None when it
    can't be a code."""
    raw = re.sub(r"[\s\-–—]", "", typed).upper()
    raw = raw.removeprefix("PT") if len(raw) == CODE_LENGTH + 2 else raw
    if len(raw) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in raw):
        return None
    return raw


def code_hash(code: str) -> str:
    """What is stored of a code: its SHA-256 (a code is random and used once, so no salt is needed)."""
    return hashlib.sha256(code.encode()).hexdigest()


def partners_flag(text: str) -> tuple[bool, str]:
    """Whether a quick `/share` or `/collab` starts with `--partners` (or a dash Slack made of it), and the rest."""
    found = _FLAG.match(text)
    return (True, text[found.end() :]) if found else (False, text)


@dataclass(frozen=True)
class PartnerCard:
    """A share or request shared with a partnership, as a partner workspace sees it: its words, its organisation's
    name, and whether its author may be named."""

    kind: str  # SHARE | REQUEST
    id: int
    team_id: str  # the author's workspace
    organisation: str
    author_id: str  # to read their name with their own workspace's token, only when name_author
    name_author: bool
    body: str
    shared_at: dt.datetime
    title: str | None = None
    tags: tuple[str, ...] = ()
    needed_by: dt.date | None = None
    resolved: bool = False
    created_at: dt.datetime | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)


def item_block_id(kind: str, item_id: int) -> str:
    """The block a partner's item is shown in, in a digest: found again by it when the item is withdrawn."""
    return f"partner_{kind}_{item_id}"


def credit(organisation: str, name: str | None) -> str:
    """Who a partner's item is from, escaped: "Beta Borough Council", or "Priya Shah at Beta Borough Council"."""
    org = t.escaped_within(organisation or "a partner organisation", 120)
    return f"{t.escaped_within(name, 80)} at {org}" if name else org


def item_line(card: PartnerCard, name: str | None, room: int = ITEM_CHARS) -> str:
    """A partner's share or request in one line of escaped mrkdwn, at most `room` characters."""
    who = ("Shared" if card.kind == SHARE else "Asked") + f" by {credit(card.organisation, name)}"
    facts = [who]
    if card.kind == REQUEST and card.needed_by:
        facts.append(f"needed by {card.needed_by.day} {card.needed_by:%b}")
    if card.tags:
        facts.append(" ".join(f"#{t.escape(tag)}" for tag in card.tags[:5]))
    tail = "\n_" + " · ".join(facts) + "_"
    icon = "💡" if card.kind == SHARE else "🤝"
    space = max(0, room - len(tail) - 4)
    if card.title:
        title = t.escaped_within(card.title, min(150, space // 3))
        return f"{icon} *{title}* {t.escaped_within(card.body, space - len(title) - 3)}{tail}"
    words = shown_words(card.body, title=None, tags=card.tags, link=None)  # its tags are shown below
    return f"{icon} {t.escaped_within(words, space)}{tail}"


def partners_section(
    cards: Sequence[PartnerCard], names: Mapping[tuple[str, str], str], *, offer: tuple[str, str], more: int = 0
) -> ExtraSection:
    """The digest's "From our partners": each item a block of its own (to change when it is withdrawn), an open
    request with an "I can help" button (`offer`: its text and action_id). `names` are authors' names by
    (workspace, user id), given only for those who agreed."""
    label, action_id = offer
    lines, items = [], []
    for card in cards:
        lines.append(item_line(card, names.get((card.team_id, card.author_id)) if card.name_author else None))
        button = card.kind == REQUEST and not card.resolved
        items.append(
            ExtraItem(
                block_id=item_block_id(card.kind, card.id),
                button_text=label if button else "",
                button_action=action_id if button else "",
                button_value=str(card.id) if button else "",
            )
        )
    return ExtraSection(title=SECTION_TITLE, lines=tuple(lines), more=more, items=tuple(items))


def connected_section(cards: Sequence[PartnerCard], more: int = 0) -> ExtraSection:
    """In a digest for a channel shared with other organisations (Slack Connect): what their people posted in
    it, credited to their organisation (never by a mention: their ids may not resolve here)."""
    organisations = sorted({card.organisation for card in cards})
    title = f"🔗 Posted here by {t.shorten(' and '.join(organisations), 100)}" if organisations else "🔗 Posted here"
    return ExtraSection(title=title, lines=tuple(item_line(card, None) for card in cards), more=more)


def withdrawn_text(kind: str, organisation: str) -> str:
    """What a partner's digest says in place of an item its organisation withdrew (escaped mrkdwn)."""
    noun = "share" if kind == SHARE else "request"
    return f"_This {noun} was withdrawn by {t.escaped_within(organisation, 120)}._"


def shared_count(shares: int, requests: int) -> str:
    """ "2 shares and 1 request", "no shares or requests"."""
    if not shares and not requests:
        return "no shares or requests"
    parts = [plural(shares, "share")] if shares else []
    parts += [plural(requests, "request")] if requests else []
    return " and ".join(parts)
