"""APScheduler's part: wake the runner every minute, in the one process that runs the scheduler.

APScheduler only wakes us up. Its single job (stable id "run-due", replace_existing, coalesced, one instance
at a time) is kept in memory: the database ledger, not APScheduler, decides what has been done, so two
schedulers at once still post everything once (APScheduler 3 cannot share a job store between processes
safely), and nothing creates tables outside the app's migrations.
"""

from __future__ import annotations

import datetime as dt

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.runner import Runner

JOB_ID = "run-due"


def start_scheduler(runner: Runner, *, every_seconds: int = 60) -> BackgroundScheduler:
    """Start a background scheduler that runs `runner` now and every `every_seconds`; shut it down to stop."""
    scheduler = BackgroundScheduler(timezone=dt.UTC)
    scheduler.add_job(
        runner.run_due_and_log,
        IntervalTrigger(seconds=every_seconds),
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=every_seconds,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    scheduler.start()
    return scheduler
