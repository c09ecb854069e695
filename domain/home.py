"""What someone's Home tab shows, as plain records, and the small decisions about it. No Slack, no database.

storage.home reads a HomeSnapshot in a fixed handful of queries (however much the workspace holds);
handlers.home.blocks draws it. Each list holds at most LIST_LIMIT items and counts the rest, so the tab stays
within Slack's 100 blocks and is quick to compose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from domain.agreements import AGREED, REMIND_BEFORE_DAYS

LIST_LIMIT = 5  # items in each list on the tab; the rest are counted
ATTENTION_LIMIT = 5
COUNT_UP_TO = 100  # unanswered requests are counted up to this many ("…and over 100 more" past it)
UNANSWERED_AFTER = dt.timedelta(days=7)  # as digests flag them
RECENT = dt.timedelta(weeks=4)  # "the last 4 weeks at a glance"
FAILED_DIGESTS_SINCE = dt.timedelta(days=8)  # as champions' digests look back

WELCOME = (
    "👋 *Welcome to Programme Talks.*\n"
    "• *Share practice* that worked with children and young people, so others can try it.\n"
    "• *Ask for collaboration* when you need a partner or help; anyone can offer with one click.\n"
    "• Everything you're part of shows here: your requests, offers, agreements and events."
)


@dataclass(frozen=True)
class MyRequest:
    """One of the person's open requests, and who has offered to help."""

    id: int
    body: str
    created_at: dt.datetime
    needed_by: dt.date | None = None
    permalink: str | None = None
    offerers: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferedRequest:
    """A request the person offered to help with."""

    id: int
    requester_id: str
    body: str
    resolved: bool = False
    permalink: str | None = None


@dataclass(frozen=True)
class MyAgreement:
    """An agreement the person is a party to (not ended)."""

    number: int
    title: str
    status: str  # draft | agreed
    next_review: dt.date | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class MyMeetup:
    """An event to come that the person was invited to, or said they are going to or interested in."""

    id: int
    title: str
    starts_at: dt.datetime
    place: str
    answer: str | None = None  # going | interested | None
    invited: bool = False
    permalink: str | None = None


@dataclass(frozen=True)
class Unanswered:
    """An open request nobody has offered on for UNANSWERED_AFTER."""

    id: int
    requester_id: str
    body: str
    created_at: dt.datetime
    permalink: str | None = None


@dataclass(frozen=True)
class OverdueReview:
    number: int
    title: str
    next_review: dt.date


@dataclass(frozen=True)
class FailedDigest:
    """A channel whose digest could not be delivered recently, or which the app paused because Slack refused it
    for good (the channel gone, say): paused, it stays here until someone starts it again, however long ago."""

    channel_id: str
    error: str | None  # Slack's error code; for a paused digest, why it was paused, in words (mrkdwn-safe)
    scheduled_for: dt.datetime  # when the digest was due; for a paused one, when it was paused
    paused_schedule: str | None = None  # a paused digest's schedule ("weekly mon 09:00"), to start it again


@dataclass(frozen=True)
class Attention:
    """What champions and leaders should act on, with how many more there are of each."""

    unanswered: tuple[Unanswered, ...] = ()
    more_unanswered: int = 0
    more_unanswered_past_count: bool = False  # there are more than `more_unanswered` (counted up to COUNT_UP_TO)
    overdue: tuple[OverdueReview, ...] = ()
    more_overdue: int = 0
    failed: tuple[FailedDigest, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.unanswered or self.overdue or self.failed)


@dataclass(frozen=True)
class RecentCounts:
    """The workspace's last four weeks at a glance."""

    shares: int = 0
    requests: int = 0
    offers: int = 0
    resolved: int = 0
    highlights: int = 0
    agreements: int = 0
    meetups: int = 0


T = TypeVar("T")


@dataclass(frozen=True)
class Counted(Generic[T]):
    """The first items of a list, and how many more there are."""

    items: tuple[T, ...] = ()
    more: int = 0


@dataclass(frozen=True)
class HomeSnapshot:
    """Everything one person's Home tab shows."""

    user_id: str
    first_visit: bool = False
    role: str | None = None  # "champion" | "leader" | None: champions and leaders see attention and counts
    requests: Counted[MyRequest] = field(default_factory=Counted)  # newest first
    offered: Counted[OfferedRequest] = field(default_factory=Counted)  # latest offer first
    agreements: Counted[MyAgreement] = field(default_factory=Counted)  # soonest review first
    meetups: Counted[MyMeetup] = field(default_factory=Counted)  # soonest first
    follows: tuple[str, ...] = ()
    attention: Attention | None = None
    recent: RecentCounts | None = None


def review_due(agreement: MyAgreement, today: dt.date) -> bool:
    """Whether a review can be recorded now: agreed, and its review date within the nudges' three days or past."""
    return (
        agreement.status == AGREED
        and agreement.next_review is not None
        and agreement.next_review <= today + dt.timedelta(days=REMIND_BEFORE_DAYS)
    )
