"""People's quiet: their pauses (`/talks pause 2 weeks`), the kinds of direct message they turned off
(`/talks dms follow off`), and the notices held for them while they were away, until one message sums them up.

Query functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack, and hand out
frozen records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from domain.quiet import Choice, Notice
from storage.db import count_changed
from storage.models import DmChoice, HeldNotice, PersonPause

_CHOICES = frozenset(choice.value for choice in Choice)
_NOTICES = frozenset(notice.value for notice in Notice)


@dataclass(frozen=True)
class Pause:
    id: int
    team_id: str
    user_id: str
    back_on: dt.date
    ends_at: dt.datetime
    started_at: dt.datetime
    resumed_at: dt.datetime | None

    @property
    def ended_at(self) -> dt.datetime:
        """When the person came back: when they resumed, or when the pause ran out."""
        return self.resumed_at or self.ends_at


@dataclass(frozen=True)
class Quiet:
    """What decides whether the app may message someone now: their pause, and what they turned off."""

    paused: Pause | None = None
    turned_off: frozenset[Choice] = field(default_factory=frozenset)


# ---- pauses ---------------------------------------------------------------------------------------------------


def pause_person(
    session: Session, *, team_id: str, user_id: str, back_on: dt.date, ends_at: dt.datetime, now: dt.datetime
) -> Pause:
    """Start someone's pause, or move the end of the one they are on."""
    row = _active_row(session, team_id, user_id, now)
    if row is None:
        row = PersonPause(team_id=team_id, user_id=user_id, started_at=now)
        session.add(row)
    row.back_on, row.ends_at = back_on, ends_at
    session.flush()
    return _pause(row)


def resume_person(session: Session, *, team_id: str, user_id: str, now: dt.datetime) -> Pause | None:
    """End someone's pause now; the pause as it ended, or None when they were not paused."""
    row = _active_row(session, team_id, user_id, now)
    if row is None:
        return None
    row.resumed_at = now
    session.flush()
    return _pause(row)


def get_pause(session: Session, *, team_id: str, user_id: str, now: dt.datetime) -> Pause | None:
    """Someone's pause while it lasts."""
    row = _active_row(session, team_id, user_id, now)
    return _pause(row) if row else None


def ended_pauses(session: Session, *, now: dt.datetime) -> list[Pause]:
    """Every workspace's pauses that have ended (resumed, or run out by `now`) and are still kept: each is owed one
    message saying what was held, and is deleted once that is settled (delete_pause)."""
    rows = session.scalars(
        select(PersonPause)
        .where(or_(PersonPause.resumed_at.is_not(None), PersonPause.ends_at <= now))
        .order_by(PersonPause.id)
    )
    return [_pause(row) for row in rows]


def delete_pause(session: Session, *, pause_id: int) -> None:
    session.execute(delete(PersonPause).where(PersonPause.id == pause_id))


def _active_row(session: Session, team_id: str, user_id: str, now: dt.datetime) -> PersonPause | None:
    return session.scalar(
        select(PersonPause)
        .where(
            PersonPause.team_id == team_id,
            PersonPause.user_id == user_id,
            PersonPause.resumed_at.is_(None),
            PersonPause.ends_at > now,
        )
        .order_by(PersonPause.id.desc())
        .limit(1)
    )


def _pause(row: PersonPause) -> Pause:
    return Pause(
        id=row.id,
        team_id=row.team_id,
        user_id=row.user_id,
        back_on=row.back_on,
        ends_at=row.ends_at,
        started_at=row.started_at,
        resumed_at=row.resumed_at,
    )


# ---- choices of direct messages -------------------------------------------------------------------------------


def turned_off(session: Session, *, team_id: str, user_id: str) -> frozenset[Choice]:
    """The kinds of direct message someone turned off."""
    rows = session.scalars(select(DmChoice.choice).where(DmChoice.team_id == team_id, DmChoice.user_id == user_id))
    return frozenset(Choice(choice) for choice in rows if choice in _CHOICES)


def set_choice(session: Session, *, team_id: str, user_id: str, choice: Choice, on: bool, now: dt.datetime) -> bool:
    """Turn one kind of direct message on or off for someone; False when it already was."""
    row = session.get(DmChoice, (team_id, user_id, str(choice)))
    if on:
        if row is None:
            return False
        session.delete(row)
    else:
        if row is not None:
            return False
        session.add(DmChoice(team_id=team_id, user_id=user_id, choice=str(choice), changed_at=now))
    session.flush()
    return True


def quiet_of(session: Session, *, people: Iterable[tuple[str, str]], now: dt.datetime) -> dict[tuple[str, str], Quiet]:
    """For these (team, person) pairs, who is paused now or has turned something off: two queries, however many
    people. Someone missing from the answer gets everything."""
    wanted = set(people)
    teams = sorted({team_id for team_id, _ in wanted})
    if not teams:
        return {}
    paused: dict[tuple[str, str], Pause] = {}
    for row in session.scalars(
        select(PersonPause).where(
            PersonPause.team_id.in_(teams), PersonPause.resumed_at.is_(None), PersonPause.ends_at > now
        )
    ):
        if (row.team_id, row.user_id) in wanted:
            paused[(row.team_id, row.user_id)] = _pause(row)
    off: dict[tuple[str, str], set[Choice]] = {}
    for choice in session.scalars(select(DmChoice).where(DmChoice.team_id.in_(teams))):
        if (choice.team_id, choice.user_id) in wanted and choice.choice in _CHOICES:
            off.setdefault((choice.team_id, choice.user_id), set()).add(Choice(choice.choice))
    return {key: Quiet(paused.get(key), frozenset(off.get(key, ()))) for key in wanted if key in paused or key in off}


# ---- what was held while someone was away -----------------------------------------------------------------------


def hold_notice(
    session: Session, *, team_id: str, user_id: str, notice: Notice, link: str | None, now: dt.datetime
) -> None:
    session.add(HeldNotice(team_id=team_id, user_id=user_id, notice=str(notice), link=link, held_at=now))
    session.flush()


def take_held(
    session: Session, *, team_id: str, user_id: str, key: str, before: dt.datetime
) -> list[tuple[Notice, str | None]]:
    """The notices held for someone before a moment, for the message with this key: marked with the key, so the
    same message tried again shows the same ones, and none is in two messages. Oldest first."""
    session.execute(
        update(HeldNotice)
        .where(
            HeldNotice.team_id == team_id,
            HeldNotice.user_id == user_id,
            HeldNotice.catch_up_key.is_(None),
            HeldNotice.held_at <= before,
        )
        .values(catch_up_key=key)
    )
    rows = session.execute(
        select(HeldNotice.notice, HeldNotice.link)
        .where(HeldNotice.team_id == team_id, HeldNotice.user_id == user_id, HeldNotice.catch_up_key == key)
        .order_by(HeldNotice.held_at, HeldNotice.id)
    )
    return [(Notice(notice), link) for notice, link in rows if notice in _NOTICES]


def forget_held(session: Session, *, team_id: str, user_id: str, key: str) -> int:
    """The notices a sent catch-up listed: they are told, and go."""
    return count_changed(
        session,
        delete(HeldNotice).where(
            HeldNotice.team_id == team_id, HeldNotice.user_id == user_id, HeldNotice.catch_up_key == key
        ),
    )


def forget_old_held(session: Session, *, before: dt.datetime) -> int:
    """Notices held longer than any pause lasts (a catch-up that could never be sent): nobody is told them now."""
    return count_changed(session, delete(HeldNotice).where(HeldNotice.held_at < before))
