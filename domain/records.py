"""Small frozen records that storage hands out and Block Kit builders and the digest take: plain values, no
database session behind them."""

from __future__ import annotations

import datetime as dt
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
