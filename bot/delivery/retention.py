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
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.clock import Clock, system_clock
from bot.delivery.plan import Due, Message, Planned
from domain import retention as rt
from domain.words import plural
from handlers.context import job_name
from handlers.privacy.erasure import delete_posted_messages
from storage import audit, ledger
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

    def __init__(self, sessions: Sessions, tz: ZoneInfo, *, real_clock: Clock = system_clock):
        """`real_clock` dates the outbox's job (the job runner works on the real clock, whatever moment a run is
        for)."""
        self.sessions, self.tz, self.real_clock = sessions, tz, real_clock
        self.looked_on: dt.date | None = None  # the day this process last found every workspace's records done

    def due(self, now: dt.datetime) -> Due:
        """Delete, once today, each workspace's records past their time; a line for each workspace that had any.

        Which workspaces have something past its time is read in a few grouped queries, once a day in each process
        (a run every minute then costs nothing); only those workspaces are touched, and get the day's ledger row.
        """
        local = now.astimezone(self.tz)
        day = local.date()
        if local.time() < RUN_AT or self.looked_on == day:
            return Due([])
        slot = dt.datetime.combine(day, RUN_AT, tzinfo=self.tz)
        with self.sessions.begin() as session:
            oldest = store.oldest_records(session)
            chosen = ws.retention_periods_by_team(session)
            entries = ledger.claimed_keys(session, kinds=self.kinds, since=slot - dt.timedelta(seconds=1))
        done = {target for (_, target, key) in entries if key == day.isoformat()}
        lines: list[str] = []
        failed = False
        for team_id, records in oldest.items():
            before = rt.cutoffs(rt.periods(chosen.get(team_id, {})), now)
            if team_id in done or not records.anything_past(before):
                continue
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
            self.looked_on = day
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
        expired = store.remove_expired(session, team_id=team_id, before=before)
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
