"""Words held for their author after the personal-data check found something in a quick `/share` or `/collab`.

The author sees, only to them, what was found, with **Edit** (the form, filled in with their words) and **post it
anyway**. Those buttons carry only the held words' id: the words stay here, never in a button's value (Slack
keeps a value to 2,000 characters and shows it to nobody else anyway). Held words are deleted once their author
posts them or sends the form, and are never kept past HOLD_FOR: every new hold first deletes, in every workspace,
whatever has expired.

Query functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import HeldPost

HOLD_FOR = dt.timedelta(hours=12)  # a working day: Slack drops an ephemeral message sooner, when the app reloads


@dataclass(frozen=True)
class Held:
    id: int
    team_id: str
    author_id: str
    channel_id: str
    kind: str  # "share" | "request"
    text: str
    expires_at: dt.datetime


def hold_post(
    session: Session, *, team_id: str, author_id: str, channel_id: str, kind: str, text: str, now: dt.datetime
) -> Held:
    """Hold someone's words for HOLD_FOR (after deleting every hold that has expired)."""
    forget_expired_posts(session, now=now)
    held = HeldPost(
        team_id=team_id,
        author_id=author_id,
        channel_id=channel_id,
        kind=kind,
        text=text,
        created_at=now,
        expires_at=now + HOLD_FOR,
    )
    session.add(held)
    session.flush()
    return _held(held)


def get_held_post(session: Session, *, team_id: str, held_id: int, author_id: str, now: dt.datetime) -> Held | None:
    """The words this person's button points to, or None when they are gone (posted, sent or expired) or theirs
    they are not."""
    row = _row(session, team_id, held_id, author_id, now)
    return _held(row) if row else None


def take_held_post(session: Session, *, team_id: str, held_id: int, author_id: str, now: dt.datetime) -> Held | None:
    """The held words, deleted as they are handed out: two presses of the same button take them once."""
    row = _row(session, team_id, held_id, author_id, now)
    if row is None:
        return None
    held = _held(row)
    taken = count_changed(session, delete(HeldPost).where(HeldPost.id == row.id))
    return held if taken else None


def drop_held_post(session: Session, *, team_id: str, held_id: int, author_id: str) -> bool:
    """Forget held words (their author sent them from the form instead); False when they were already gone."""
    return bool(
        count_changed(
            session,
            delete(HeldPost).where(
                HeldPost.team_id == team_id, HeldPost.id == held_id, HeldPost.author_id == author_id
            ),
        )
    )


def forget_expired_posts(session: Session, *, now: dt.datetime) -> int:
    """Delete every hold past its time, in every workspace; how many."""
    return count_changed(session, delete(HeldPost).where(HeldPost.expires_at <= now))


def _row(session: Session, team_id: str, held_id: int, author_id: str, now: dt.datetime) -> HeldPost | None:
    return session.scalar(
        select(HeldPost).where(
            HeldPost.team_id == team_id,
            HeldPost.id == held_id,
            HeldPost.author_id == author_id,
            HeldPost.expires_at > now,
        )
    )


def _held(row: HeldPost) -> Held:
    return Held(row.id, row.team_id, row.author_id, row.channel_id, row.kind, row.text, row.expires_at)
