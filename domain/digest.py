"""What goes into a channel's digest, in what order, and what is left out: no Slack, no database.

A digest covers the window since < t <= until: leaders' highlights first, then new practice shares (most
appreciated first), then open collaboration requests (those nobody has offered on first, oldest first), then
any extra sections (events, agreement reviews...), in the order given. `compose` orders and cuts each section
to `per_section` items and counts what it left out; handlers.digest_blocks turns the result into Block Kit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from domain.records import RequestCard, ShareCard

UNANSWERED_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True)
class DigestShare:
    card: ShareCard
    appreciation: int = 0  # reactions on the share by people other than its author
    highlighted_by: tuple[str, ...] = ()  # leaders' user ids, in the order they highlighted it


@dataclass(frozen=True)
class DigestRequest:
    card: RequestCard  # card.created_at is set
    offers: int = 0


@dataclass(frozen=True)
class ExtraItem:
    """A line of an extra section shown as a block of its own, found again by its block_id (to change it once
    posted), with a button when `button_text` is set."""

    block_id: str
    button_text: str = ""
    button_action: str = ""
    button_value: str = ""


@dataclass(frozen=True)
class ExtraSection:
    """A section later features add (upcoming events, agreement reviews due): a plain-text title and
    already-escaped mrkdwn lines, shown one per line; `more` counts lines left out. With `items` (one per line),
    each line is a block of its own (partners' shares and requests)."""

    title: str
    lines: tuple[str, ...]
    more: int = 0
    items: tuple[ExtraItem, ...] = ()


@dataclass(frozen=True)
class Undelivered:
    """A channel whose digest could not be posted; `skipped` when it was too late to post after downtime."""

    channel_id: str
    reason: str
    scheduled_for: dt.datetime
    skipped: bool = False


@dataclass(frozen=True)
class Attention:
    """What a champion should act on: requests nobody has offered on, and digests that did not go out."""

    unanswered: tuple[DigestRequest, ...] = ()
    undelivered: tuple[Undelivered, ...] = ()
    more_unanswered: int = 0


@dataclass(frozen=True)
class DigestInput:
    since: dt.datetime
    until: dt.datetime
    highlights: tuple[DigestShare, ...]
    shares: tuple[DigestShare, ...]
    requests: tuple[DigestRequest, ...]
    more_highlights: int = 0  # counts beyond what was fetched
    more_shares: int = 0
    more_requests: int = 0
    extra_sections: tuple[ExtraSection, ...] = ()


@dataclass(frozen=True)
class OpenRequest:
    request: DigestRequest
    waiting_days: int | None = None  # set when nobody has offered after UNANSWERED_AFTER


@dataclass(frozen=True)
class Digest:
    """A composed digest: each section ordered and cut to size, with how many items were left out of each."""

    since: dt.datetime
    until: dt.datetime
    now: dt.datetime  # when it was composed: the "waiting for N days" flags count from here
    highlights: tuple[DigestShare, ...] = ()
    shares: tuple[DigestShare, ...] = ()
    requests: tuple[OpenRequest, ...] = ()
    extra_sections: tuple[ExtraSection, ...] = ()
    more_highlights: int = 0
    more_shares: int = 0
    more_requests: int = 0

    @property
    def is_empty(self) -> bool:
        """Nothing new in the window: no highlights, shares, open requests or extra sections."""
        return not (
            self.highlights
            or self.shares
            or self.requests
            or self.extra_sections
            or self.more_highlights
            or self.more_shares
            or self.more_requests
        )

    @property
    def highlight_count(self) -> int:
        return len(self.highlights) + self.more_highlights

    @property
    def share_count(self) -> int:
        return len(self.shares) + self.more_shares

    @property
    def request_count(self) -> int:
        return len(self.requests) + self.more_requests


def compose(data: DigestInput, *, now: dt.datetime, per_section: int = 5) -> Digest:
    """Order each section, keep its top `per_section` items and count the rest; flag long-unanswered requests.

    Highlights: most leaders first (ties keep the order given). Shares: most appreciated first, ties newest
    first, leaving out shares already listed as highlights. Requests: no offers yet first, then with offers,
    oldest first within each. Extra sections keep their order; one with no lines and nothing more is dropped.
    """
    highlighted = {item.card.id for item in data.highlights}
    highlights = sorted(data.highlights, key=lambda item: -len(item.highlighted_by))
    shares = sorted(
        (item for item in data.shares if item.card.id not in highlighted),
        key=lambda item: (-item.appreciation, *_newest_first(item.card.created_at, item.card.id)),
    )
    requests = sorted(data.requests, key=lambda item: (item.offers > 0, *_oldest_first(item.card)))
    extras = tuple(_cut(extra, per_section) for extra in data.extra_sections if extra.lines or extra.more)
    return Digest(
        since=data.since,
        until=data.until,
        now=now,
        highlights=tuple(highlights[:per_section]),
        shares=tuple(shares[:per_section]),
        requests=tuple(
            OpenRequest(request=item, waiting_days=unanswered_days(item, now)) for item in requests[:per_section]
        ),
        extra_sections=extras,
        more_highlights=data.more_highlights + _beyond(highlights, per_section),
        more_shares=data.more_shares + _beyond(shares, per_section),
        more_requests=data.more_requests + _beyond(requests, per_section),
    )


def unanswered_days(request: DigestRequest, now: dt.datetime) -> int | None:
    """Whole days a request has waited, when nobody has offered after UNANSWERED_AFTER; else None."""
    created = request.card.created_at
    if request.offers or created is None or now - created < UNANSWERED_AFTER:
        return None
    return (now - created).days


def _cut(extra: ExtraSection, limit: int) -> ExtraSection:
    return ExtraSection(
        title=extra.title,
        lines=extra.lines[:limit],
        more=extra.more + _beyond(extra.lines, limit),
        items=extra.items[:limit],
    )


def _beyond(items: Sequence[object], limit: int) -> int:
    return max(0, len(items) - limit)


def _newest_first(created: dt.datetime | None, ident: int) -> tuple[float, int]:
    return (-created.timestamp() if created else float("inf"), -ident)


def _oldest_first(card: RequestCard) -> tuple[float, int]:
    return (card.created_at.timestamp() if card.created_at else float("-inf"), card.id)
