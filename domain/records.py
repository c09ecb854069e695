"""Small frozen records that Block Kit builders and the digest take: plain values, no database."""

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
