"""Records past their time (domain.retention): found and deleted for one workspace, with the rows that depend on
them, once a day by the retention duty (bot.delivery.retention); and the app's own short-lived records, tidied for
every workspace at once.

When each kind's time starts (domain.retention's note): shares when posted; requests when resolved, or when posted
if never resolved; agreements at their end date, or when a review ended them if sooner; events when they start;
audit entries when recorded. Concerns are kept as long as the audit trail, from when they were reported; a concern
about something deleted here keeps saying what was reported and decided (storage.concerns.forget_subjects).

Short-lived records (`tidy`): outbox rows a day after their work finished (OUTBOX_KEPT), an install link's state a
day after it expired, follow notices after the period the follows duty gives, and Home tab visits a year after the
last (HOME_VISITS_KEPT). Words held after the personal-data check go when their 12 hours are up
(storage.held_posts.forget_expired_posts, every minute).

Query functions: `verb_noun(session, *, ...)`; they never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from domain.retention import Record
from storage import audit, follows, installations, jobs
from storage import concerns as cs
from storage.db import count_changed
from storage.models import (
    Agreement,
    AuditEntry,
    CollabRequest,
    Concern,
    HomeVisit,
    Meetup,
    MeetupPost,
    Share,
    UTCDateTime,
)
from storage.workspace_data import compact_search, delete_with_dependents, posted_messages

ENDED = "ended"  # domain.agreements.ENDED: an agreement a review ended
OUTBOX_KEPT = dt.timedelta(days=1)  # a finished job's row: long enough to recognise the same request again
HOME_VISITS_KEPT = dt.timedelta(days=365)  # after the last visit: who opens the Home tab, to refresh it for them


@dataclass(frozen=True)
class Expired:
    """What a workspace's retention run deleted, by table (dependent rows included), and the app's messages that
    showed it, to delete in Slack."""

    deleted: dict[str, int]
    messages: tuple[tuple[str, str], ...]
    concerns: tuple[int, ...] = ()  # concerns about what was deleted: their messages to show again, without words

    @property
    def anything(self) -> bool:
        return bool(self.deleted)


@dataclass(frozen=True)
class Oldest:
    """When the oldest record of each kind in a workspace started its time (None: it has none)."""

    shares: dt.datetime | None = None
    requests: dt.datetime | None = None
    agreements_end: dt.date | None = None  # the earliest end date
    agreements_ended: dt.datetime | None = None  # the earliest moment a review ended one
    events: dt.datetime | None = None
    audit: dt.datetime | None = None
    concerns: dt.datetime | None = None

    def anything_past(self, before: Mapping[Record, dt.datetime]) -> bool:
        """Whether any record is past its time, given each kind's moment (as remove_expired decides it)."""
        return (
            _before(self.shares, before[Record.SHARES])
            or _before(self.requests, before[Record.REQUESTS])
            or (self.agreements_end is not None and self.agreements_end < before[Record.AGREEMENTS].date())
            or _before(self.agreements_ended, before[Record.AGREEMENTS])
            or _before(self.events, before[Record.EVENTS])
            or _before(self.audit, before[Record.AUDIT])
            or _before(self.concerns, before[Record.AUDIT])
        )


def _before(moment: dt.datetime | None, cut: dt.datetime) -> bool:
    return moment is not None and moment < cut


def oldest_records(session: Session) -> dict[str, Oldest]:
    """Every workspace's oldest record of each kind, in seven grouped queries however many workspaces there are:
    the retention duty looks at these first, and only touches a workspace with something past its time."""
    moment = UTCDateTime()
    started = type_coerce(func.coalesce(CollabRequest.resolved_at, CollabRequest.created_at), moment)
    queries = {
        "shares": select(Share.team_id, func.min(Share.created_at)).group_by(Share.team_id),
        "requests": select(CollabRequest.team_id, type_coerce(func.min(started), moment)).group_by(
            CollabRequest.team_id
        ),
        "agreements_end": select(Agreement.team_id, func.min(Agreement.end_date)).group_by(Agreement.team_id),
        "agreements_ended": select(Agreement.team_id, func.min(Agreement.updated_at))
        .where(Agreement.status == ENDED)
        .group_by(Agreement.team_id),
        "events": select(Meetup.team_id, func.min(Meetup.starts_at)).group_by(Meetup.team_id),
        "audit": select(AuditEntry.team_id, func.min(AuditEntry.at)).group_by(AuditEntry.team_id),
        "concerns": select(Concern.team_id, func.min(Concern.reported_at)).group_by(Concern.team_id),
    }
    found: dict[str, dict[str, object]] = {}
    for kind, query in queries.items():
        for team_id, oldest in session.execute(query):
            found.setdefault(team_id, {})[kind] = oldest
    return {team_id: Oldest(**kinds) for team_id, kinds in sorted(found.items())}  # type: ignore[arg-type]


def remove_expired(
    session: Session, *, team_id: str, before: Mapping[Record, dt.datetime], now: dt.datetime
) -> Expired:
    """Delete a workspace's records past their time: each kind whose time started before `before[kind]`."""
    deleted: Counter[str] = Counter()
    messages: list[tuple[str, str]] = []
    concerns: list[int] = []

    def remove(table_name: str, ids: list[int], kind: cs.Kind, subjects: list[int] | None = None) -> None:
        nonlocal deleted
        messages.extend(posted_messages(session, table_name=table_name, ids=ids))
        deleted += delete_with_dependents(session, table_name=table_name, ids=ids)
        subject_ids = ids if subjects is None else subjects
        concerns.extend(cs.forget_subjects(session, team_id=team_id, kind=kind, subject_ids=subject_ids, now=now))

    remove(
        "shares",
        list(
            session.scalars(select(Share.id).where(Share.team_id == team_id, Share.created_at < before[Record.SHARES]))
        ),
        cs.Kind.SHARE,
    )
    cut = before[Record.REQUESTS]
    remove(
        "collab_requests",
        list(
            session.scalars(
                select(CollabRequest.id).where(
                    CollabRequest.team_id == team_id,
                    or_(
                        and_(CollabRequest.resolved_at.is_not(None), CollabRequest.resolved_at < cut),
                        and_(CollabRequest.resolved_at.is_(None), CollabRequest.created_at < cut),
                    ),
                )
            )
        ),
        cs.Kind.REQUEST,
    )
    cut = before[Record.AGREEMENTS]
    ended = session.execute(
        select(Agreement.id, Agreement.number).where(
            Agreement.team_id == team_id,
            or_(Agreement.end_date < cut.date(), and_(Agreement.status == ENDED, Agreement.updated_at < cut)),
        )
    ).all()
    remove("agreements", [row.id for row in ended], cs.Kind.AGREEMENT, [row.number for row in ended])
    meetups = list(
        session.scalars(select(Meetup.id).where(Meetup.team_id == team_id, Meetup.starts_at < before[Record.EVENTS]))
    )
    if meetups:
        copies = session.scalars(select(MeetupPost.id).where(MeetupPost.meetup_id.in_(meetups)))
        messages += posted_messages(session, table_name="event_posts", ids=list(copies))
    remove("events", meetups, cs.Kind.EVENT)
    if forgotten := audit.forget_entries(session, team_id=team_id, before=before[Record.AUDIT]):
        deleted["audit_entries"] += forgotten
    if forgotten := cs.forget_concerns(session, team_id=team_id, before=before[Record.AUDIT]):
        deleted["concerns"] += forgotten
    if deleted:
        compact_search(session)
    return Expired(
        deleted={name: number for name, number in sorted(deleted.items()) if number},
        messages=tuple(dict.fromkeys(messages)),
        concerns=tuple(sorted(set(concerns))),
    )


def tidy(
    session: Session, *, now: dt.datetime, real_now: dt.datetime, follow_notices_kept: dt.timedelta
) -> dict[str, int]:
    """Delete the app's short-lived records past their time, in every workspace (see the module's note); how many
    rows went from each table (those with none left out). Outbox rows and install links' states are dated by the
    real clock (`real_now`), the rest by the app's (`now`)."""
    gone = {
        "jobs": jobs.forget_finished_jobs(session, finished_before=real_now - OUTBOX_KEPT),
        "oauth_states": installations.forget_oauth_states(session, expired_before=real_now - installations.STATES_KEPT),
        "follow_notices": follows.forget_notices(session, before=now - follow_notices_kept),
        "home_visits": count_changed(
            session, delete(HomeVisit).where(HomeVisit.last_opened_at < now - HOME_VISITS_KEPT)
        ),
    }
    return {name: number for name, number in gone.items() if number}
