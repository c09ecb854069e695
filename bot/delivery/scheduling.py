"""APScheduler's part: wake the runner every minute, on one replica at a time.

APScheduler only wakes us up. Its single job (stable id "run-due", replace_existing, coalesced, one instance
at a time) is kept in memory: APScheduler 3 cannot share a job store between processes safely, and the
database's ledger, not APScheduler, decides what has been done.

Several replicas may each start a scheduler (`programme-talks scheduler`, or `serve` without --no-scheduler);
only the one holding the "scheduler" lease (storage.leases, a row in the database) runs what is due. It holds
it for LEASE_TTL, renews it every RENEW_LEASE from a thread of its own (while a run goes on, too) and before
each run, and gives it up when shut down. The others try again when it would expire: if its holder dies, one
of them takes over within LEASE_TTL, and runs at once. A replica that loses the lease mid-run (its database
unreachable for a minute, say) finishes that run: the ledger still guards every post, and a hand-run
(`programme-talks run-due`) needs no lease at all for the same reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, system_clock
from bot.delivery.runner import Runner
from storage import leases
from storage.db import Sessions

log = logging.getLogger(__name__)

JOB_ID = "run-due"
LEASE = "scheduler"
LEASE_TTL = dt.timedelta(seconds=60)
RENEW_LEASE = dt.timedelta(seconds=20)


class SchedulerLease:
    """The "scheduler" lease, kept by a thread of its own: renewed while held, taken when free."""

    def __init__(
        self,
        sessions: Sessions,
        *,
        name: str = LEASE,
        ttl: dt.timedelta = LEASE_TTL,
        renew_every: dt.timedelta = RENEW_LEASE,
        real_clock: Clock = system_clock,
        holder: str | None = None,
        on_taken: Callable[[], None] | None = None,
    ):
        """`holder` names this scheduler in the lease (default: its machine and process); `on_taken` is called (on
        the lease's thread) when this scheduler takes the lease over from another holder."""
        self.sessions, self.name, self.ttl, self.renew_every = sessions, name, ttl, renew_every
        self.real_clock, self.on_taken = real_clock, on_taken
        self.holder = holder or leases.holder_name()
        self.held = False
        self._free_at: dt.datetime | None = None  # when the other holder's lease runs out, as last read
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"lease-{name}", daemon=True)

    def hold(self) -> bool:
        """Take or renew the lease now; whether this scheduler holds it (False too if the database is down)."""
        with self._lock:
            was_held, now = self.held, self.real_clock()
            try:
                with self.sessions.begin() as session:
                    self.held = leases.acquire_lease(session, name=self.name, holder=self.holder, now=now, ttl=self.ttl)
                    current = None if self.held else leases.get_lease(session, name=self.name)
            except SQLAlchemyError:
                log.warning("could not renew the %s lease: the database did not answer", self.name, exc_info=True)
                self.held = False
                return False
            self._free_at = current.expires_at if current else None
            if was_held and not self.held:
                log.warning("the %s lease was taken over by %s", self.name, current.holder if current else "?")
            elif self.held and not was_held:
                log.info("holding the %s lease as %s", self.name, self.holder)
            return self.held

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing, and give the lease up so another scheduler may take it at once."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            try:
                with self.sessions.begin() as session:
                    leases.release_lease(session, name=self.name, holder=self.holder)
            except SQLAlchemyError:
                log.warning("could not give up the %s lease; it runs out by itself", self.name, exc_info=True)
            self.held = False

    def _keep(self) -> None:
        while not self._stop.is_set():
            taking_over = not self.held and self._free_at is not None  # another held it when last looked
            if self.hold() and taking_over and self.on_taken:
                self.on_taken()
            if self._stop.wait(self._until_next()):
                return

    def _until_next(self) -> float:
        """Seconds until the next try: the renewal interval while held, else until the holder's lease runs out."""
        wait = self.renew_every.total_seconds()
        if not self.held and self._free_at is not None:
            wait = min(wait, (self._free_at - self.real_clock()).total_seconds() + 0.05)
        return max(0.05, wait)


def start_scheduler(
    runner: Runner,
    *,
    every_seconds: int = 60,
    lease_ttl: dt.timedelta = LEASE_TTL,
    renew_every: dt.timedelta = RENEW_LEASE,
    holder: str | None = None,
) -> BackgroundScheduler:
    """Start a background scheduler that runs `runner` now and every `every_seconds` while it holds the
    scheduler lease; shut it down to stop (with wait, a run going on finishes first, still holding the lease,
    which is then given up)."""
    lease = SchedulerLease(runner.sessions, ttl=lease_ttl, renew_every=renew_every, holder=holder)
    scheduler = BackgroundScheduler(timezone=dt.UTC)

    def run_if_held() -> None:
        if lease.hold():  # renewed just before the run, as well as every renew_every while it goes on
            runner.run_due_and_log()

    def run_now() -> None:  # taken over from a scheduler that stopped: do what it left at once
        if scheduler.running:
            scheduler.modify_job(JOB_ID, next_run_time=dt.datetime.now(dt.UTC))

    lease.on_taken = run_now
    scheduler.add_job(
        run_if_held,
        IntervalTrigger(seconds=every_seconds),
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=every_seconds,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    scheduler.add_listener(lambda _event: lease.stop(), EVENT_SCHEDULER_SHUTDOWN)
    scheduler.start()
    lease.start()
    return scheduler
