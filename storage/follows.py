"""Followed tags, and the notices waiting for each follower's daily bundle.

When a share or request is posted, `add_notices` records one notice per follower of any of its tags (never its
author); the daily duty (bot.delivery.follows) finds who has notices waiting (`waiting_followers`) and takes them
into that day's bundle (`take_bundle`), marking them with the bundle's key in the transaction that claims it, so
the same notice is never in two bundles and a bundle tried again shows the same notices. Query functions: they
never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.records import shown_words
from storage.db import count_changed
from storage.models import CollabRequest, FollowNotice, Share, TagFollow
from storage.requests import OPEN

MAX_FOLLOWS = 50  # tags one person may follow
BUNDLE_ITEMS = 20  # items shown in one bundle; the rest are counted


@dataclass(frozen=True)
class BundleItem:
    """A share or request in someone's bundle, with the followed tags it carries."""

    kind: str  # "share" | "request"
    id: int
    author_id: str
    words: str  # a share's title (or its words when it has none), a request's words
    tags: tuple[str, ...]
    permalink: str | None


@dataclass(frozen=True)
class Bundle:
    items: tuple[BundleItem, ...]
    more: int = 0


def list_follows(session: Session, *, team_id: str, user_id: str) -> list[str]:
    """The tags someone follows, in alphabetical order."""
    return list(
        session.scalars(
            select(TagFollow.tag)
            .where(TagFollow.team_id == team_id, TagFollow.user_id == user_id)
            .order_by(TagFollow.tag)
        )
    )


def followed_tags(session: Session, *, team_id: str) -> list[str]:
    """Every tag anyone in the workspace follows (the index on (team_id, tag) answers it)."""
    return list(
        session.scalars(select(TagFollow.tag).where(TagFollow.team_id == team_id).distinct().order_by(TagFollow.tag))
    )


def follow_tags(session: Session, *, team_id: str, user_id: str, tags: Sequence[str], now: dt.datetime) -> list[str]:
    """Follow these tags; those newly followed (not those already followed, nor any past MAX_FOLLOWS)."""
    have = set(list_follows(session, team_id=team_id, user_id=user_id))
    added = []
    for tag in dict.fromkeys(tags):
        if tag in have or len(have) >= MAX_FOLLOWS:
            continue
        try:
            with session.begin_nested():
                session.add(TagFollow(team_id=team_id, user_id=user_id, tag=tag, created_at=now))
        except IntegrityError:  # the same command twice at once
            continue
        have.add(tag)
        added.append(tag)
    return added


def unfollow_tags(session: Session, *, team_id: str, user_id: str, tags: Sequence[str]) -> list[str]:
    """Stop following these tags; those that were followed."""
    followed = set(list_follows(session, team_id=team_id, user_id=user_id))
    gone = [tag for tag in dict.fromkeys(tags) if tag in followed]
    if gone:
        count_changed(
            session,
            delete(TagFollow).where(
                TagFollow.team_id == team_id, TagFollow.user_id == user_id, TagFollow.tag.in_(gone)
            ),
        )
    return gone


def add_notices(
    session: Session,
    *,
    team_id: str,
    author_id: str,
    tags: Sequence[str],
    now: dt.datetime,
    share_id: int | None = None,
    request_id: int | None = None,
) -> list[str]:
    """A notice for each follower of any of these tags except the author, for a new share or request; the people
    given one now (one query to find them, one insert each)."""
    if not tags:
        return []
    followed: dict[str, list[str]] = {}
    rows = session.execute(
        select(TagFollow.user_id, TagFollow.tag)
        .where(TagFollow.team_id == team_id, TagFollow.tag.in_(list(tags)), TagFollow.user_id != author_id)
        .order_by(TagFollow.user_id, TagFollow.tag)
    )
    for user_id, tag in rows:
        followed.setdefault(user_id, []).append(tag)
    told = []
    for user_id, theirs in followed.items():
        notice = FollowNotice(
            team_id=team_id,
            user_id=user_id,
            share_id=share_id,
            request_id=request_id,
            tags=" ".join(theirs),
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(notice)
        except IntegrityError:  # already noticed
            continue
        told.append(user_id)
    return told


def waiting_followers(session: Session, *, before: dt.datetime) -> list[tuple[str, str]]:
    """(team_id, user_id) of everyone, in every workspace, with notices made before `before` waiting for a bundle."""
    rows = session.execute(
        select(FollowNotice.team_id, FollowNotice.user_id)
        .where(FollowNotice.bundle_key.is_(None), FollowNotice.created_at < before)
        .distinct()
        .order_by(FollowNotice.team_id, FollowNotice.user_id)
    )
    return [(team_id, user_id) for team_id, user_id in rows]


def take_bundle(session: Session, *, team_id: str, user_id: str, key: str, before: dt.datetime) -> Bundle:
    """The bundle with this key: notices made before `before` and waiting are marked as its own, then all of its
    notices are read (so a bundle composed again shows the same), newest first. Shares or requests since hidden,
    and requests since resolved, are left out."""
    session.execute(
        update(FollowNotice)
        .where(
            FollowNotice.team_id == team_id,
            FollowNotice.user_id == user_id,
            FollowNotice.bundle_key.is_(None),
            FollowNotice.created_at < before,
        )
        .values(bundle_key=key)
    )
    mine = (FollowNotice.team_id == team_id, FollowNotice.user_id == user_id, FollowNotice.bundle_key == key)
    shares = session.execute(
        select(FollowNotice, Share)
        .join(Share, Share.id == FollowNotice.share_id)
        .where(*mine, Share.hidden_at.is_(None))
    ).all()
    requests = session.execute(
        select(FollowNotice, CollabRequest)
        .join(CollabRequest, CollabRequest.id == FollowNotice.request_id)
        .where(*mine, CollabRequest.hidden_at.is_(None), CollabRequest.status == OPEN)
    ).all()
    found = [
        (
            notice.created_at,
            notice.id,
            BundleItem("share", s.id, s.author_id, s.title or _words(s), _tags(notice), s.permalink),
        )
        for notice, s in shares
    ] + [
        (notice.created_at, notice.id, BundleItem("request", r.id, r.requester_id, r.body, _tags(notice), r.permalink))
        for notice, r in requests
    ]
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    items = tuple(item for _, _, item in found)
    return Bundle(items[:BUNDLE_ITEMS], max(0, len(items) - BUNDLE_ITEMS))


def forget_notices(session: Session, *, before: dt.datetime) -> int:
    """Delete notices made before `before` (bundled long ago, or never wanted: nobody is sent a month-old notice)."""
    return count_changed(session, delete(FollowNotice).where(FollowNotice.created_at < before))


def _tags(notice: FollowNotice) -> tuple[str, ...]:
    return tuple(notice.tags.split())


def _words(share: Share) -> str:
    """A one-line share's words without the tags and link it ends with: the bundle shows its tags below it."""
    return shown_words(share.body, title=share.title, tags=share.tag_list, link=share.link)
