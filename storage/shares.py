"""Shares of practice. Query functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never
call Slack, and hand out ShareCards (domain.records), never ORM rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.records import ShareCard
from domain.shares import ShareFields
from storage.models import Share
from storage.partnerships import partner_state


def add_share(
    session: Session,
    *,
    team_id: str,
    author_id: str,
    channel_id: str,
    body: str,
    now: dt.datetime,
    title: str | None = None,
    impact: str | None = None,
    tags: Sequence[str] = (),
    link: str | None = None,
) -> ShareCard:
    share = Share(
        team_id=team_id,
        author_id=author_id,
        channel_id=channel_id,
        title=title,
        body=body,
        impact=impact,
        tags=" ".join(tags),
        link=link,
        created_at=now,
        updated_at=now,
    )
    session.add(share)
    session.flush()
    return share_card(share)


def add_form_share(
    session: Session, fields: ShareFields, *, team_id: str, author_id: str, channel_id: str, now: dt.datetime
) -> ShareCard:
    """A share from the share form (or the one a message shortcut opens), every field as the form read it."""
    return add_share(
        session,
        team_id=team_id,
        author_id=author_id,
        channel_id=channel_id,
        now=now,
        title=fields.title,
        body=fields.body,
        impact=fields.impact,
        tags=fields.tags,
        link=fields.link,
    )


def get_share(session: Session, *, team_id: str, share_id: int) -> ShareCard | None:
    """A share, with whether it is shared with its workspace's partnership (for its message)."""
    share = _row(session, team_id, share_id)
    if share is None:
        return None
    return replace(share_card(share), partners=partner_state(session, team_id=team_id, share_id=share_id))


def update_share(
    session: Session,
    *,
    team_id: str,
    share_id: int,
    now: dt.datetime,
    body: str,
    title: str | None,
    impact: str | None,
    tags: Sequence[str],
    link: str | None,
) -> ShareCard | None:
    """Change a share's words; None when it is not there (deleted)."""
    share = _row(session, team_id, share_id)
    if share is None:
        return None
    share.body, share.title, share.impact, share.tags, share.link = body, title, impact, " ".join(tags), link
    share.updated_at = now
    session.flush()
    return share_card(share)


def delete_share(session: Session, *, team_id: str, share_id: int) -> ShareCard | None:
    """Delete a share (its reactions and highlights go with it); what it was, or None if it was not there."""
    share = _row(session, team_id, share_id)
    if share is None:
        return None
    card = share_card(share)
    session.delete(share)
    session.flush()
    return card


def record_share_posted(
    session: Session, *, team_id: str, share_id: int, channel_id: str, ts: str, permalink: str | None
) -> bool:
    """Remember where a share was posted, so reactions and edits can find it; False if it was deleted meanwhile."""
    share = _row(session, team_id, share_id)
    if share is None:
        return False
    share.channel_id, share.message_ts, share.permalink = channel_id, ts, permalink
    session.flush()
    return True


def find_posted_share_id(session: Session, *, team_id: str, channel_id: str, ts: str) -> int | None:
    """The share the app posted as this message, or None for any other message."""
    return session.scalar(
        select(Share.id).where(Share.team_id == team_id, Share.channel_id == channel_id, Share.message_ts == ts)
    )


def set_share_hidden(session: Session, *, team_id: str, share_id: int, hidden_at: dt.datetime | None) -> bool:
    """Hide a share while a concern about it is reviewed (a moment), or show it again (None); False if it is gone."""
    share = _row(session, team_id, share_id)
    if share is None:
        return False
    share.hidden_at = hidden_at
    session.flush()
    return True


def share_card(share: Share) -> ShareCard:
    return ShareCard(
        id=share.id,
        author_id=share.author_id,
        body=share.body,
        title=share.title,
        impact=share.impact,
        tags=share.tag_list,
        link=share.link,
        permalink=share.permalink,
        created_at=share.created_at,
        channel_id=share.channel_id,
        message_ts=share.message_ts,
        team_id=share.team_id,
        hidden=share.hidden_at is not None,
        name_outside_slack=share.name_outside_slack,
    )


def _row(session: Session, team_id: str, share_id: int) -> Share | None:
    return session.scalar(select(Share).where(Share.team_id == team_id, Share.id == share_id))
