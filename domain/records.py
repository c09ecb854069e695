"""Small frozen records that storage hands out and Block Kit builders and the digest take: plain values, no
database session behind them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ShareCard:
    id: int
    author_id: str
    body: str
    title: str | None = None
    impact: str | None = None
    tags: tuple[str, ...] = ()
    link: str | None = None
    permalink: str | None = None
    created_at: dt.datetime | None = None
    channel_id: str = ""
    message_ts: str | None = None  # set once the app has posted it
    team_id: str = ""
    hidden: bool = False  # while a concern someone reported is reviewed: its messages say so instead
    name_outside_slack: bool = False  # its author agreed to be named in newsletters outside Slack
    partners: bool | None = None  # shared with its workspace's partnership (None: the workspace is in none)

    @property
    def posted(self) -> bool:
        return self.message_ts is not None

    @property
    def words(self) -> str:
        """Its words as shown beside its tags and link (`shown_words`)."""
        return shown_words(self.body, title=self.title, tags=self.tags, link=self.link)


def shown_words(body: str, *, title: str | None, tags: tuple[str, ...], link: str | None) -> str:
    """A share's words as shown beside its tags and link: a one-line share ("Texting parents doubled attendance
    #attendance https://x.org") without the #tags and link it ends with, which are shown with it; a share from the
    form (with a title) keeps every word."""
    words = body
    while not title and (last := _LAST_WORD.search(words)):
        tag, address = last[1].removeprefix("#").lower(), last[1].rstrip(".,;:!?)")
        if not ((last[1].startswith("#") and tag in tags) or address == link):
            break
        words = words[: last.start()]
    return words or body


_LAST_WORD = re.compile(r"\s+(\S+)\s*$")


@dataclass(frozen=True)
class RequestCard:
    id: int
    requester_id: str
    body: str
    needed_by: dt.date | None = None
    resolved: bool = False
    offerers: tuple[str, ...] = ()
    permalink: str | None = None
    created_at: dt.datetime | None = None
    channel_id: str = ""
    message_ts: str | None = None
    team_id: str = ""
    hidden: bool = False  # while a concern someone reported is reviewed: its messages say so instead
    partners: bool | None = None  # shared with its workspace's partnership (None: the workspace is in none)

    @property
    def posted(self) -> bool:
        return self.message_ts is not None
