"""Leases: a named piece of work that one holder at a time may do, until its lease expires unless renewed.

A lease is a row (team_id, name, holder, expires_at). Taking one is a conditional UPDATE (`... WHERE holder = me
OR expires_at <= now`), or an INSERT under the primary key when there is no row yet, so two processes racing
for it never both succeed, on SQLite or PostgreSQL, without row locks or advisory locks (which belong to a
connection, and a pool hands out and recycles connections as it likes).

Two uses:
- Work that one process runs at a time: the scheduler holds "scheduler" for a minute and renews it every 20 s
  while it runs; if it dies, another takes it once it has expired (bot.delivery.scheduling).
- "Do this once, now": acquire a lease named after the thing (team_id "T1", name "agreement-summary:3") with a
  short ttl before doing it; whoever gets it does it, and releases it (or lets it expire) after recording that
  it is done. A lease says who is doing something now, not what has been done: record that elsewhere.

`now` is the real clock of the processes sharing the database (never a test's or a demo's moved clock), so
the hosts' clocks must agree to within a small part of the ttl. Query functions never commit: the caller's
transaction decides, and should be short (`with sessions.begin() as session: acquire_lease(...)`).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import Lease

EVERYWHERE = ""  # the team_id of a lease for the whole installation (the scheduler's)


@dataclass(frozen=True)
class LeaseRecord:
    team_id: str
    name: str
    holder: str
    expires_at: dt.datetime


def holder_name() -> str:
    """A holder's name that people reading the table can place (this machine and process), made unique."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(
    session: Session, *, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta, team_id: str = EVERYWHERE
) -> bool:
    """Take the lease for `ttl` from `now` if nobody holds it, its holder's time is up, or `holder` holds it
    already (then it is renewed). False while another holder's lease runs."""
    taken = count_changed(
        session,
        update(Lease)
        .where(Lease.team_id == team_id, Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=now + ttl),
    )
    if taken:
        return True
    try:
        with session.begin_nested():
            session.add(Lease(team_id=team_id, name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:  # the row exists: another holder's lease runs (or one took it just now)
        return False
    return True


def renew_lease(
    session: Session, *, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta, team_id: str = EVERYWHERE
) -> bool:
    """Extend the lease `holder` holds to `ttl` from `now`; False if it is not theirs (any more)."""
    return bool(
        count_changed(
            session,
            update(Lease)
            .where(Lease.team_id == team_id, Lease.name == name, Lease.holder == holder)
            .values(expires_at=now + ttl),
        )
    )


def release_lease(session: Session, *, name: str, holder: str, team_id: str = EVERYWHERE) -> bool:
    """Give the lease up at once, so another may take it without waiting for it to expire; False if it was not
    `holder`'s."""
    return bool(
        count_changed(
            session, delete(Lease).where(Lease.team_id == team_id, Lease.name == name, Lease.holder == holder)
        )
    )


def get_lease(session: Session, *, name: str, team_id: str = EVERYWHERE) -> LeaseRecord | None:
    """The lease as it stands (perhaps expired); None if nobody has taken it or it was released."""
    row = session.scalar(select(Lease).where(Lease.team_id == team_id, Lease.name == name))
    return LeaseRecord(row.team_id, row.name, row.holder, row.expires_at) if row else None


def forget_leases(session: Session, *, expired_before: dt.datetime) -> int:
    """Delete leases that ran out before a moment (short "do this once" leases that were never released)."""
    return count_changed(session, delete(Lease).where(Lease.expires_at < expired_before))
