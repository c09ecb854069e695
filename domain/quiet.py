"""Quiet when people need it: which direct messages someone may turn off, what the app holds back while they are
away, and how that is summed up when they come back. Pure: no Slack client, no database.

A *notice* is one kind of direct message the app sends on its own (not an answer to something the person just did,
and not a question waiting for their answer, like confirming an agreement they are party to or agreeing that their
words may be shared: those always go). Each notice belongs to a *choice* someone may turn off with
`/talks dms <choice> off`, except agreement reviews and news of their agreements, which stay on: partners rely on
reviews happening. While someone is paused every notice is held back and counted; when they are back they get one
message listing what was held, with links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain import text as t
from domain.dates import DAY_NAMES

BACK_AT = dt.time(9, 0)  # a pause ends, and the catch-up comes, at this time on the first day back
LINKS_SHOWN = 3  # links listed for one kind of notice in the catch-up; the rest are counted


class Choice(StrEnum):
    """A kind of direct message someone may turn off: the word they type after `/talks dms`."""

    DIGEST_COPY = "digest-copy"
    FOLLOW = "follow"
    OFFERS = "offers"
    MATCHES = "matches"
    EVENTS = "events"
    NEWSLETTER = "newsletter"


CHOICES: dict[Choice, str] = {  # what each is, as `/talks dms` lists it
    Choice.DIGEST_COPY: "champions' copy of each digest, with what needs their attention",
    Choice.FOLLOW: "your 09:00 message of new posts with tags you follow",
    Choice.OFFERS: "someone offering to help with your request",
    Choice.MATCHES: "practice that may help with your request",
    Choice.EVENTS: "invitations to events, and reminders the day before",
    Choice.NEWSLETTER: "monthly newsletter drafts for champions to review",
}
ALWAYS_ON = (
    "Agreement review reminders and news of your agreements stay on: your partners rely on reviews happening. "
    "While you're paused they wait too."
)


class Notice(StrEnum):
    """One kind of direct message the app sends on its own, held back while its person is paused."""

    CHAMPION_DIGEST = "champion_digest"
    FOLLOW_BUNDLE = "follow_bundle"
    OFFER = "offer"
    MATCH = "match"
    INVITATION = "invitation"
    EVENT_REMINDER = "event_reminder"
    NEWSLETTER_DRAFT = "newsletter_draft"
    REVIEW_NUDGE = "review_nudge"
    REVIEW_ESCALATION = "review_escalation"
    AGREEMENT_NEWS = "agreement_news"
    CHANNEL_PROBLEM = "channel_problem"


@dataclass(frozen=True)
class NoticeKind:
    choice: Choice | None  # None: always on
    noun: str  # one of them, for "2 offers of help"
    nouns: str
    hint: str = ""  # where to find what it was about, when there are no links (escaped mrkdwn)
    counted: bool = True  # False: say it without a number (each day's follow message repeats what waits)


NOTICES: dict[Notice, NoticeKind] = {
    Notice.OFFER: NoticeKind(Choice.OFFERS, "offer of help on your requests", "offers of help on your requests"),
    Notice.MATCH: NoticeKind(Choice.MATCHES, "share that may help with your requests", "shares that may help with "
                             "your requests"),
    Notice.INVITATION: NoticeKind(Choice.EVENTS, "event invitation", "event invitations"),
    Notice.EVENT_REMINDER: NoticeKind(Choice.EVENTS, "event reminder", "event reminders",
                                      "your Home tab shows your upcoming events"),
    Notice.AGREEMENT_NEWS: NoticeKind(None, "agreement agreed by everyone", "agreements agreed by everyone"),
    Notice.REVIEW_NUDGE: NoticeKind(None, "agreement review reminder", "agreement review reminders",
                                    "your Home tab shows your agreements and their reviews"),
    Notice.REVIEW_ESCALATION: NoticeKind(None, "overdue agreement review", "overdue agreement reviews",
                                         "`/agreement list` shows them"),
    Notice.CHAMPION_DIGEST: NoticeKind(Choice.DIGEST_COPY, "champion's copy of a digest", "champion's copies of "
                                       "digests", "`/talks digest preview` in a channel shows its digest now"),
    Notice.CHANNEL_PROBLEM: NoticeKind(None, "channel whose digest or prompt could not be posted", "channels whose "
                                       "digest or prompt could not be posted", "`/talks digest` or `/talks prompt` "
                                       "in a channel says how it stands"),
    Notice.NEWSLETTER_DRAFT: NoticeKind(Choice.NEWSLETTER, "newsletter draft to review", "newsletter drafts to "
                                        "review", "`/talks newsletter` shows this month's"),
    Notice.FOLLOW_BUNDLE: NoticeKind(Choice.FOLLOW, "", "new posts with tags you follow: they come in your next "
                                     "09:00 message", counted=False),
}  # fmt: skip


class QuietError(ValueError):
    """Words we could not read; str(error) is a kind message to show as it is (escaped mrkdwn)."""


def read_choice(words: str) -> tuple[Choice, bool]:
    """`/talks dms follow off` -> (Choice.FOLLOW, False): which kind of direct message, and on or off."""
    parts = words.lower().split()
    if len(parts) != 2 or parts[1] not in ("on", "off"):
        raise QuietError(f"Say which, then `on` or `off`: for example `/talks dms follow off`. {_choices()}")
    word, state = parts
    if word in ("review", "reviews", "agreement", "agreements", "nudges", "reminders"):
        raise QuietError(f"{ALWAYS_ON} To have a break from everything, try `/talks pause 2 weeks`.")
    choice = next((c for c in Choice if c.value == word or c.value.rstrip("s") == word.rstrip("s")), None)
    if choice is None:
        raise QuietError(f"I don't know the direct messages called “{_shown(word)}”. {_choices()}")
    return choice, state == "on"


def notice_allowed(notice: Notice, turned_off: frozenset[Choice]) -> bool:
    """Whether someone who turned these choices off still gets this notice."""
    return NOTICES[notice].choice not in turned_off


@dataclass(frozen=True)
class Held:
    """Notices held while someone was away, of one kind: how many, and the links of the first few."""

    notice: Notice
    count: int
    links: tuple[str, ...]


def summarise(notices: Sequence[tuple[Notice, str | None]]) -> list[Held]:
    """What was held, one line's worth per kind, in NOTICES' order; links kept in the order held, once each."""
    held = []
    for notice in NOTICES:
        mine = [link for kind, link in notices if kind is notice]
        if mine:
            links = tuple(dict.fromkeys(link for link in mine if link))
            held.append(Held(notice, len(mine), links))
    return held


def held_line(held: Held, link: Callable[[str], str]) -> str:
    """One line of the catch-up: "2 offers of help on your requests: open, open" (each address shown by `link`)."""
    kind = NOTICES[held.notice]
    what = (kind.noun if held.count == 1 else kind.nouns) if kind.counted else kind.nouns
    said = f"{held.count} {what}" if kind.counted else what[0].upper() + what[1:]
    if held.links and kind.counted:
        shown = [link(url) for url in held.links[:LINKS_SHOWN]]
        more = len(held.links) - len(shown)
        return f"{said}: {', '.join(shown)}" + (f" and {more} more" if more else "")
    return f"{said} ({kind.hint})" if kind.hint else said


def back_words(back: dt.date) -> str:
    """ "Monday 21 December": the first day back."""
    return f"{DAY_NAMES[back.weekday()].title()} {back.day} {back:%B}"


def _choices() -> str:
    return "You can turn off: " + ", ".join(f"`{c.value}`" for c in Choice) + ". `/talks dms` lists them."


def _shown(word: str) -> str:
    return t.escape(t.shorten(word, 30))
