"""Retention, a duty of the scheduler: once a day, from 02:00 in the workspace's time zone, each workspace's records
past their time (domain.retention, with the periods it chose) are deleted, exactly once per workspace per day.

It posts nothing, so it plans no posts: it does its work in `due`. For each workspace, one transaction claims the
day's ledger row (kind RETENTION, target the workspace, key the date), already settled as delivered, deletes what is
past its time, adds an audit entry with the counts (RETENTION_RUN), and hands the deletion of the app's messages
about those records to the outbox (handlers.privacy.erasure.delete_posted_messages): all or nothing. A second
scheduler, a restart or a hand-run finds the day's row and does nothing; a run that fails leaves no row, so the
next run (a minute later) tries again. Messages are deleted in Slack by the job runner, after the records, with
retries; a message already gone is fine.

A workspace with nothing past its time is not touched: no ledger row, no audit entry.

Concerns about what was deleted keep saying what was reported and decided; the direct messages that told champions
and admins about them are shown again without the words, by a job of the outbox (handlers.concerns.notices).

Housekeeping, for every workspace at once (storage.retention.tidy): words held after the personal-data check are
deleted by the first run after their 12 hours; outbox rows, install links' states, follow notices and Home tab
visits past their time once a day, from RUN_AT in the app's time zone. It records no ledger row and no audit entry
(nothing a workspace chose, and nothing anyone did): deleting what is already gone changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.clock import Clock, system_clock
from bot.delivery.calendar import CalendarBook
from bot.delivery.follows import FORGET_AFTER
from bot.delivery.plan import Due, Message, Planned
from domain import retention as rt
from domain.words import plural
from handlers.concerns.notices import refresh_notices
from handlers.context import job_name
from handlers.privacy.erasure import delete_posted_messages
from storage import audit, held_posts, ledger
from storage import installations as installs
from storage import jobs as outbox
from storage import retention as store
from storage import workspaces as ws
from storage.db import Sessions
from storage.ledger import Kind, Status

log = logging.getLogger(__name__)

RUN_AT = dt.time(2)  # in the small hours, when nobody is reading: messages disappear while people sleep


class Retention:
    kinds = (Kind.RETENTION,)

    def __init__(
        self,
        sessions: Sessions,
        tz: ZoneInfo,
        *,
        real_clock: Clock = system_clock,
        calendars: CalendarBook | None = None,
    ):
        """`real_clock` dates the outbox's job (the job runner works on the real clock, whatever moment a run is
        for). Each workspace's day runs from RUN_AT in its own time zone (`calendars`; `tz` for those with none)."""
        self.sessions, self.tz, self.real_clock = sessions, tz, real_clock
        self.calendars = calendars or CalendarBook(tz)
        # The day, in each time zone, for which this process last found every workspace's records done.
        self.looked_on: dict[str, dt.date] = {}
        self.tidied_on: dt.date | None = None  # the day, in the app's zone, this process last did the housekeeping

    def due(self, now: dt.datetime) -> Due:
        """Delete, once today, each workspace's records past their time; a line for each workspace that had any.

        Which workspaces have something past its time is read in a few grouped queries, once a day for each time zone
        in use, in each process (a run every minute then costs nothing); only those workspaces are touched, and get
        their day's ledger row. A workspace's day is its own zone's, from RUN_AT.
        """
        lines = self._tidy(now)
        with self.sessions.begin() as session:
            calendars = self.calendars.for_run(session, now)
        days = {}  # by zone: the day that has reached RUN_AT there and is not yet known to be done
        for zone in calendars.zones():
            local = now.astimezone(zone)
            if local.time() >= RUN_AT and self.looked_on.get(zone.key) != local.date():
                days[zone.key] = local.date()
        if not days:
            return Due([], lines)
        earliest = min(dt.datetime.combine(day, RUN_AT, tzinfo=ZoneInfo(key)) for key, day in days.items())
        with self.sessions.begin() as session:
            oldest = store.oldest_records(session)
            chosen = ws.retention_periods_by_team(session)
            entries = ledger.claimed_keys(session, kinds=self.kinds, since=earliest - dt.timedelta(seconds=1))
        done = {(team_id, key) for (team_id, _, _, key) in entries}
        failed = False
        for team_id, records in oldest.items():
            tz = calendars.of(team_id).tz
            day = days.get(tz.key)
            if day is None or (team_id, day.isoformat()) in done:
                continue
            before = rt.cutoffs(rt.periods(chosen.get(team_id, {})), now)
            if not records.anything_past(before):
                continue
            slot = dt.datetime.combine(day, RUN_AT, tzinfo=tz)
            try:
                with self.sessions.begin() as session:
                    line = self._clear(session, team_id, day, slot, now, before)
            except SQLAlchemyError as error:
                log.exception("could not delete what is past its time in %s", team_id)
                line, failed = (
                    f"could not record retention for {team_id} ({type(error).__name__}); the next run tries again",
                    True,
                )
            if line:
                lines.append(line)
        if not failed:
            self.looked_on.update(days)
        return Due([], lines)

    def _clear(
        self,
        session: Session,
        team_id: str,
        day: dt.date,
        slot: dt.datetime,
        now: dt.datetime,
        before: Mapping[rt.Record, dt.datetime],
    ) -> str | None:
        """One workspace's day, in the caller's transaction; None when another run did it, or nothing was due."""
        key = day.isoformat()
        claimed = ledger.claim(
            session,
            team_id=team_id,
            kind=Kind.RETENTION,
            target=team_id,
            period_key=key,
            scheduled_for=slot,
            now=now,
            status=Status.DELIVERED,
        )
        if claimed is None:
            return None  # another run has done it today
        expired = store.remove_expired(session, team_id=team_id, before=before, now=now)
        if not expired.anything:
            return None
        if expired.messages:
            outbox.add_job(
                session,
                team_id=team_id,
                name=job_name(delete_posted_messages),
                key=f"retention:{team_id}:{key}",
                args=[[list(message) for message in expired.messages]],
                now=self.real_clock(),
            )
        if expired.concerns:
            outbox.add_job(
                session,
                team_id=team_id,
                name=job_name(refresh_notices),
                key=f"retention:concerns:{team_id}:{key}",
                args=[team_id, list(expired.concerns)],
                now=self.real_clock(),
            )
        audit.add_entry(
            session,
            team_id=team_id,
            actor_id=audit.APP,
            action=audit.Action.RETENTION_RUN,
            now=now,
            subject="retention",
            details={**expired.deleted, "slack_messages": len(expired.messages)},
        )
        tables = ", ".join(f"{name} {number}" for name, number in expired.deleted.items())
        rows, messages = plural(sum(expired.deleted.values()), "row"), plural(len(expired.messages), "message")
        return f"retention in {team_id}: deleted {rows} ({tables}); {messages} to delete in Slack"

    def _tidy(self, now: dt.datetime) -> list[str]:
        """The housekeeping (see the module's note): held words at every run, the rest once a day from RUN_AT."""
        local = now.astimezone(self.tz)
        nightly = local.time() >= RUN_AT and self.tidied_on != local.date()
        try:
            with self.sessions.begin() as session:
                gone = {"held_posts": held_posts.forget_expired_posts(session, now=now)}
                if nightly:
                    gone |= store.tidy(session, now=now, real_now=self.real_clock(), follow_notices_kept=FORGET_AFTER)
        except SQLAlchemyError as error:
            log.exception("could not delete the app's short-lived records past their time")
            return [f"could not record housekeeping ({type(error).__name__}); the next run tries again"]
        if nightly:
            self.tidied_on = local.date()
        gone = {name: number for name, number in gone.items() if number}
        if not gone:
            return []
        tables = ", ".join(f"{name} {number}" for name, number in sorted(gone.items()))
        return [f"housekeeping: deleted {plural(sum(gone.values()), 'row')} past their time ({tables})"]

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        return [None for _ in claimed]  # plans no posts: never asked

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None


def erase_uninstalled_workspaces(
    sessions: Sessions, *, now: dt.datetime, keep: dt.timedelta
) -> list[tuple[str, dict[str, int]]]:
    """Erase every workspace that uninstalled the app more than `keep` ago (Settings.keep_uninstalled_days): every
    row with its team_id. For a daily duty. Returns each workspace erased, with the rows erased from each table."""
    with sessions.begin() as session:
        due = installs.list_uninstalled_team_ids(session, before=now - keep)
    erased = []
    for team_id in due:
        with sessions.begin() as session:
            record = installs.get_installation(session, team_id=team_id)
            if record is None or record.uninstalled_at is None or record.uninstalled_at >= now - keep:
                continue  # installed again since it was listed
            counts = installs.erase_workspace(session, team_id=team_id)
        log.info("erased workspace %s, %s days after it uninstalled the app: %s", team_id, keep.days, counts)
        erased.append((team_id, counts))
    return erased
