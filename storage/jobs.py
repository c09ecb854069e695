"""The outbox of work handed on after Slack was answered. Query functions: `verb_noun(session, *, ...)`; they add
and flush, never commit, never call Slack.

Claims are conditional updates (`... WHERE status = 'queued'`), so correctness never depends on row locks or
SKIP LOCKED, which SQLite does not have: whoever's update changes the row does the job.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import QueuedJob

MAX_ERROR_CHARS = 500
KEY_CHARS = 200  # QueuedJob.key's length


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # gave up after its tries; logged, and its payload emptied


@dataclass(frozen=True)
class JobRecord:
    id: int
    team_id: str
    name: str
    key: str
    args: list[Any]
    state: dict[str, Any]
    status: JobStatus
    attempts: int
    created_at: dt.datetime


def add_job(session: Session, *, team_id: str, name: str, key: str, args: list[Any], now: dt.datetime) -> int | None:
    """Queue a job; its id, or None when a job with this key is already queued (the same request again).

    One INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLite and PostgreSQL both), not the ORM's unit of work and a
    savepoint: this runs before every acknowledgement, and was most of its cost (BENCHMARKS.md)."""
    return session.scalar(_ADD[session.get_bind().dialect.name], _row(team_id, name, key, args, now))


@dataclass(frozen=True)
class NewJob:
    team_id: str
    name: str
    key: str
    args: list[Any]
    now: dt.datetime


def add_jobs(connection: Connection, jobs: list[NewJob]) -> list[int | None]:
    """Queue jobs in one statement (storage.group_commit, on a connection that commits each statement as it ends):
    each one's id, or None when a job with its key was queued already (by an earlier request, or earlier in
    `jobs`)."""
    rows = [_row(job.team_id, job.name, job.key, job.args, job.now) for job in jobs]
    dialect = connection.dialect.name
    if len(rows) == 1:
        return [connection.scalar(_ADD[dialect], rows[0])]
    added = connection.execute(_ADD_MANY[dialect].values(rows)).all()
    ids = {(team_id, key): job_id for job_id, team_id, key in added}
    return [ids.pop((row["team_id"], row["key"]), None) for row in rows]  # pop: a key twice is queued once


def _row(team_id: str, name: str, key: str, args: list[Any], now: dt.datetime) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "name": name,
        "key": key[:KEY_CHARS],
        "payload": json.dumps(args, separators=(",", ":")),
        "state": "{}",
        "status": JobStatus.QUEUED.value,
        "attempts": 0,
        "run_after": now,
        "created_at": now,
    }


_JOBS = cast(Table, QueuedJob.__table__)


def _insert_once(*returning: Any) -> dict[str, Any]:
    """INSERT ... ON CONFLICT (team_id, key) DO NOTHING RETURNING, for each database."""
    return {
        name: dialect_insert(_JOBS).on_conflict_do_nothing(index_elements=["team_id", "key"]).returning(*returning)
        for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
    }


# Built once, with bound parameters, so SQLAlchemy's statement cache serves every call.
_ADD = _insert_once(_JOBS.c.id)
_ADD_MANY = _insert_once(_JOBS.c.id, _JOBS.c.team_id, _JOBS.c.key)  # given each batch's rows with .values()


def claim_job(
    session: Session, *, job_id: int, worker: str, now: dt.datetime, stale_before: dt.datetime
) -> JobRecord | None:
    """Take a job to do now: one queued and due, or one whose worker's claim went stale (it died). None if
    another worker has it, it is done, or it is not due yet."""
    claimed = count_changed(
        session,
        update(QueuedJob)
        .where(
            QueuedJob.id == job_id,
            or_(
                (QueuedJob.status == JobStatus.QUEUED) & (QueuedJob.run_after <= now),
                (QueuedJob.status == JobStatus.RUNNING) & (QueuedJob.claimed_at < stale_before),
            ),
        )
        .values(status=JobStatus.RUNNING, claimed_by=worker, claimed_at=now, attempts=QueuedJob.attempts + 1),
    )
    if not claimed:
        return None
    row = session.get(QueuedJob, job_id, populate_existing=True)
    return _record(row) if row is not None else None


def claim_waiting_jobs(
    session: Session, *, worker: str, now: dt.datetime, stale_before: dt.datetime, limit: int
) -> list[JobRecord]:
    """Take up to `limit` waiting jobs (queued and due, or under a stale claim), oldest first, in one statement.

    The update repeats the waiting condition, so a job another worker claims at the same moment is skipped,
    never done twice; on PostgreSQL, SKIP LOCKED only spares the two workers from queueing behind each other.
    """
    waiting = or_(
        (QueuedJob.status == JobStatus.QUEUED) & (QueuedJob.run_after <= now),
        (QueuedJob.status == JobStatus.RUNNING) & (QueuedJob.claimed_at < stale_before),
    )
    oldest = select(QueuedJob.id).where(waiting).order_by(QueuedJob.run_after, QueuedJob.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    # The oldest chosen once, in a CTE, then updated: with the SELECT inside the UPDATE's WHERE instead, a row
    # another worker changed meanwhile made PostgreSQL recheck it by running the whole plan again, the locking
    # SELECT included, and with two busy workers one claim ran for over two seconds while the other's jobs waited
    # for its locks (BENCHMARKS.md, the outbox's job throughput). A CTE that locks rows is run once.
    picked = oldest.cte("picked")
    claimed = session.scalars(
        update(QueuedJob)
        .where(QueuedJob.id == picked.c.id, waiting)
        .values(status=JobStatus.RUNNING, claimed_by=worker, claimed_at=now, attempts=QueuedJob.attempts + 1)
        .returning(QueuedJob.id)
    ).all()
    if not claimed:
        return []
    rows = session.scalars(
        select(QueuedJob)
        .where(QueuedJob.id.in_(claimed))
        .order_by(QueuedJob.id)
        .execution_options(populate_existing=True)
    )
    return [_record(row) for row in rows]


def waiting_jobs(session: Session, *, now: dt.datetime, stale_before: dt.datetime, limit: int = 100) -> list[int]:
    """Ids of jobs to do: queued and due, or running under a stale claim; oldest first."""
    return list(
        session.scalars(
            select(QueuedJob.id)
            .where(
                QueuedJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
                or_(
                    (QueuedJob.status == JobStatus.QUEUED) & (QueuedJob.run_after <= now),
                    (QueuedJob.status == JobStatus.RUNNING) & (QueuedJob.claimed_at < stale_before),
                ),
            )
            .order_by(QueuedJob.run_after, QueuedJob.id)
            .limit(limit)
        )
    )


def next_due(session: Session) -> dt.datetime | None:
    """When the soonest queued job may run (for a worker deciding how long to wait)."""
    return session.scalar(select(func.min(QueuedJob.run_after)).where(QueuedJob.status == JobStatus.QUEUED))


def record_step(session: Session, *, job_id: int, worker: str, step: str, value: Any) -> bool:
    """Note that a step of a job is done (with what it made), in the caller's transaction, while this worker
    still holds the job; False if it no longer does (another worker took it over)."""
    row = session.get(QueuedJob, job_id, populate_existing=True, with_for_update=True)
    if row is None or row.status != JobStatus.RUNNING or row.claimed_by != worker:
        return False
    state = json.loads(row.state)
    state[step] = value
    row.state = json.dumps(state, separators=(",", ":"))
    session.flush()
    return True


def renew_claims(session: Session, *, job_ids: list[int], worker: str, now: dt.datetime) -> None:
    """Keep this worker's claims fresh while it works, so nobody takes its jobs over."""
    if job_ids:
        session.execute(
            update(QueuedJob)
            .where(QueuedJob.id.in_(job_ids), QueuedJob.claimed_by == worker, QueuedJob.status == JobStatus.RUNNING)
            .values(claimed_at=now)
        )


def finish_job(session: Session, *, job_id: int, worker: str, now: dt.datetime) -> None:
    """Done: forget what it carried (it may hold someone's words); the row remains to recognise a repeat."""
    session.execute(
        update(QueuedJob)
        .where(QueuedJob.id == job_id, QueuedJob.claimed_by == worker)
        .values(status=JobStatus.DONE, finished_at=now, payload="[]", state="{}", error=None)
    )


def retry_job(session: Session, *, job_id: int, worker: str, after: dt.datetime, error: str) -> None:
    """Failed this time: queue it again from `after`, keeping the steps it finished."""
    session.execute(
        update(QueuedJob)
        .where(QueuedJob.id == job_id, QueuedJob.claimed_by == worker)
        .values(status=JobStatus.QUEUED, run_after=after, claimed_by=None, error=error[:MAX_ERROR_CHARS])
    )


def fail_job(session: Session, *, job_id: int, worker: str, now: dt.datetime, error: str) -> None:
    """Given up: recorded as failed, its payload emptied."""
    session.execute(
        update(QueuedJob)
        .where(QueuedJob.id == job_id, QueuedJob.claimed_by == worker)
        .values(status=JobStatus.FAILED, finished_at=now, payload="[]", state="{}", error=error[:MAX_ERROR_CHARS])
    )


def forget_finished_jobs(session: Session, *, finished_before: dt.datetime) -> int:
    """Delete jobs done or failed before a moment; how many."""
    return count_changed(
        session,
        delete(QueuedJob).where(
            QueuedJob.status.in_((JobStatus.DONE, JobStatus.FAILED)), QueuedJob.finished_at < finished_before
        ),
    )


def count_jobs(session: Session) -> dict[str, int]:
    """How many jobs are in each status (for metrics and health)."""
    rows = session.execute(select(QueuedJob.status, func.count()).group_by(QueuedJob.status))
    return {status: number for status, number in rows}


def _record(row: QueuedJob) -> JobRecord:
    return JobRecord(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        key=row.key,
        args=json.loads(row.payload),
        state=json.loads(row.state),
        status=JobStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
    )
