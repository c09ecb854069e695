"""Digests on schedule, each posted exactly once.

`DigestRunner.run_due(now)` does everything due by `now` that is not yet done: the CLI's `run-due`, and
APScheduler's one job, call it. The delivery ledger (storage.ledger) decides what is done, so a restart, a
second scheduler or a hand-run never posts a digest twice. APScheduler only wakes us up: its single job
("run-due", stable id, replace_existing) is kept in the app's own database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
import logging
import queue
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from domain.agreements import reviews_section
from domain.digest import UNANSWERED_AFTER, Attention, DigestInput, Undelivered, compose
from domain.events import events_section
from domain.schedule import Schedule, parse_schedule, period_key, previous_run, runs_between
from handlers import blocks
from handlers.context import Clock
from handlers.digest_blocks import digest_blocks, digest_text
from handlers.publish import NotPosted, Posted, post_message
from handlers.publish import reason as publish_reason
from storage import ledger, roles
from storage.agreements import reviews_due
from storage.db import Sessions
from storage.digests import digest_input, unanswered_requests
from storage.events import upcoming_events
from storage.roles import RoleName

log = logging.getLogger(__name__)

LATE_LIMIT = dt.timedelta(hours=6)  # a digest found later than this after its time is skipped, and champions told
LOOKBACK = dt.timedelta(days=8)  # how far back a run looks for missed digests
STALE_CLAIM = dt.timedelta(minutes=15)  # a claim older than this belongs to a run that stopped
EVENT_MEMORY = dt.timedelta(days=1)  # Slack retries an event for about an hour; remember event ids for a day
CHANNEL_GONE = {"channel_not_found", "not_in_channel", "is_archived"}  # pause that channel's digest
PASSING = {"ratelimited", "connection_error", "internal_error", "service_unavailable", "request_timeout", "fatal_error"}


def passing(error: str) -> bool:
    """A fault worth trying again later (Slack busy or unreachable); anything else Slack says is final."""
    return error in PASSING or error.startswith("http_5")


CHANNEL, CHAMPION = "digest", "champion_digest"
DEFAULT_SCHEDULE = "weekly mon 09:00"  # the window of a digest asked for in a channel with no schedule
DUTY_WORKERS = 16  # threads for duties and notices, which touch the database from each thread
RATE_LIMITED_TRIES = 3  # times a run puts back a digest Slack answered 429; after that the next run tries it


@dataclass(frozen=True)
class Job:
    kind: str  # CHANNEL or CHAMPION
    team_id: str
    target: str  # channel or champion user id
    subscription_id: int | None
    channel_id: str
    schedule: Schedule
    slot: dt.datetime
    key: str
    retry_id: int | None = None
    manual: bool = False  # `/talks digest now`: always posted, and champions are not messaged


@dataclass(frozen=True)
class Post:
    """A claimed digest, composed and ready to post."""

    job: Job
    delivery_id: int
    blocks: list
    text: str
    rate_limited: int = 0  # how many times Slack has answered 429 to it in this run


@dataclass(frozen=True)
class Later:
    """A post Slack answered 429: its ledger row is "retry" until it is reclaimed, after `after` seconds."""

    post: Post
    after: float


@dataclass(frozen=True)
class Outcome:
    """What became of a post: its ledger row's new status, and the line run_due reports (None while it waits)."""

    post: Post
    status: str
    line: str | None
    error: str | None = None
    message_ts: str | None = None
    later: Later | None = None  # rate-limited: go again after Retry-After
    gone: bool = False  # the channel is gone: pause its digest and tell the champions


class Duty(Protocol):
    """Something else the scheduler does at its moments, through the same ledger (review nudges, reminders)."""

    def due(self, now: dt.datetime) -> Sequence[object]:
        """Tasks due by `now` that the ledger does not hold yet."""
        ...

    def perform(self, task: object, now: dt.datetime) -> list[str]:
        """Do one task once (claim, post, finish; see post_once) and say what was done."""
        ...


class DigestRunner:
    def __init__(
        self,
        sessions: Sessions,
        client: WebClient,
        tz: ZoneInfo,
        *,
        clock: Clock,
        workers: int = 64,
        duties: Sequence[Duty] = (),
    ):
        self.sessions, self.client, self.tz, self.clock, self.workers = sessions, client, tz, clock, workers
        self.duties = tuple(duties)
        # Digests are posted with a client that hands a 429 back instead of sleeping in a worker thread, so
        # run_due can wait out Retry-After on a timer while the workers post to other channels.
        self.poster = _answering_429(client)

    def run_due(self, now: dt.datetime | None = None) -> list[str]:
        """Do, once, everything due by `now` that has not been done; return a line for each thing done."""
        now = now or self.clock()
        lines: list[str] = []
        try:
            jobs = self._plan(now, lines)
        except SQLAlchemyError as error:
            log.exception("could not read what is due")
            return [f"could not read what is due ({type(error).__name__}); the next run will catch up"]
        inputs: dict[tuple, object] = {}  # each workspace's digest, read and rendered once in this run
        notices: list[tuple[Job, str, str]] = []  # (channel's job, Slack's error, champion) for paused channels
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="digest") as pool:
            lines += self._deliver_all(pool, jobs, now, inputs, notices)
        # Notices and duties claim, post and finish in their own transactions on the pool's threads, so they get
        # a pool no larger than before the digests' pool grew: a database takes only so many writers at once.
        with ThreadPoolExecutor(max_workers=min(self.workers, DUTY_WORKERS), thread_name_prefix="duty") as pool:
            for notice, future in [(notice, pool.submit(self._tell, *notice, now)) for notice in notices]:
                lines.extend(_outcome(f"notice of a paused digest to {notice[2]}", future))
            for duty in self.duties:
                try:
                    tasks = duty.due(now)
                except SQLAlchemyError as error:
                    log.exception("could not read what %s has due", type(duty).__name__)
                    lines.append(f"could not read what {type(duty).__name__} has due ({type(error).__name__})")
                    continue
                for task, future in [(task, pool.submit(duty.perform, task, now)) for task in tasks]:
                    lines.extend(_outcome(f"{type(duty).__name__} {task}", future))
        return lines

    # ---- planning: what is due ------------------------------------------------------------------------------

    def _plan(self, now: dt.datetime, lines: list[str]) -> list[Job]:
        with self.sessions.begin() as session:
            if stale := ledger.abandon_stale_claims(session, claimed_before=now - STALE_CLAIM, now=now):
                lines.append(f"marked {stale} interrupted deliveries as unconfirmed (they are not posted again)")
            roles.forget_events(session, received_before=now - EVENT_MEMORY)
            subscriptions = ledger.list_active_subscriptions(session)
            done = ledger.claimed_keys(session, kinds=[CHANNEL, CHAMPION], since=now - LOOKBACK)
            retries = ledger.retryable(session, not_before=now - LATE_LIMIT)
            champions = roles.champions_by_team(session)
            by_id = {s.id: s for s in subscriptions}
            jobs = [
                Job(
                    r.kind,
                    r.team_id,
                    r.target,
                    s.id,
                    s.channel_id,
                    parse_schedule(s.schedule),
                    r.scheduled_for,
                    r.period_key,
                    retry_id=r.id,
                )
                for r in retries
                if (s := by_id.get(r.subscription_id)) is not None
            ]
            for subscription in subscriptions:
                schedule = parse_schedule(subscription.schedule)
                # From when this schedule took effect: changing or resuming it never fills in the past.
                start = max(subscription.updated_at, now - LOOKBACK)
                for slot in runs_between(schedule, start, now, self.tz):
                    key = period_key(schedule, slot, self.tz)
                    if now - slot <= LATE_LIMIT:  # champions' copies: planned on their own, once per workspace
                        for champion in champions.get(subscription.team_id, ()):
                            if (CHAMPION, champion, key) not in done:
                                done.add((CHAMPION, champion, key))
                                jobs.append(
                                    Job(
                                        CHAMPION,
                                        subscription.team_id,
                                        champion,
                                        subscription.id,
                                        subscription.channel_id,
                                        schedule,
                                        slot,
                                        key,
                                    )
                                )
                    if (CHANNEL, subscription.channel_id, key) in done:
                        continue
                    if now - slot > LATE_LIMIT:
                        ledger.claim(
                            session,
                            team_id=subscription.team_id,
                            kind=CHANNEL,
                            target=subscription.channel_id,
                            period_key=key,
                            scheduled_for=slot,
                            now=now,
                            subscription_id=subscription.id,
                            status=ledger.SKIPPED,
                        )
                        lines.append(f"skipped {subscription.channel_id} {key}: {_hours(now - slot)} late")
                        continue
                    jobs.append(
                        Job(
                            CHANNEL,
                            subscription.team_id,
                            subscription.channel_id,
                            subscription.id,
                            subscription.channel_id,
                            schedule,
                            slot,
                            key,
                        )
                    )
        return jobs

    # ---- delivering ----------------------------------------------------------------------------------------

    def _deliver_all(
        self, pool: ThreadPoolExecutor, jobs: list[Job], now: dt.datetime, inputs: dict, notices: list
    ) -> list[str]:
        """Deliver every job: this thread claims, composes and records outcomes; the pool's threads only post.

        Each step is one short transaction here: record the outcomes of the posts that have finished, then
        claim and compose the next chunk, only as many as keep fewer than `workers` claimed digests waiting for
        their outcome. So a run that dies leaves at most `workers` digests it may or may not have posted
        ("unconfirmed"), and the database has one writer however large the pool. A digest Slack rate-limits is
        recorded "retry" and waits on a timer here, not in a worker, then is reclaimed and goes again. One
        failing delivery is logged and the others carry on: its ledger row says what the next run should do.
        """
        lines: list[str] = []
        pending = deque(jobs)
        finished: queue.SimpleQueue[tuple[Post, Future]] = queue.SimpleQueue()
        order = itertools.count()
        waiting: list[tuple[float, int, Post]] = []  # (monotonic time it may go again, tie-break, post)
        outstanding = 0  # claimed ("posting") and not yet recorded: what a crash now would leave unconfirmed

        def due() -> bool:
            return bool(waiting) and waiting[0][0] <= time.monotonic()

        while pending or waiting or outstanding:
            done: list[tuple[Post, Future]] = []
            if outstanding and (outstanding >= self.workers or not (pending or due())):
                # Nothing to claim now: wait for a post to finish, or, if there is room, for a rate-limited one.
                timeout = None
                if outstanding < self.workers and waiting:
                    timeout = max(0.0, waiting[0][0] - time.monotonic())
                with contextlib.suppress(queue.Empty):
                    done.append(finished.get(timeout=timeout))
            elif not outstanding and not pending and not due():
                time.sleep(max(0.0, waiting[0][0] - time.monotonic()))  # only rate-limited posts are left
                continue
            while True:
                try:
                    done.append(finished.get_nowait())
                except queue.Empty:
                    break
            outstanding -= len(done)
            outcomes = []
            for post, future in done:
                job = post.job
                try:
                    outcomes.append(_judge(post, future.result()))
                except Exception:
                    log.exception("could not deliver %s to %s %s", job.kind, job.target, job.key)
                    lines.append(f"could not deliver {job.kind} to {job.target} {job.key}: error; see the log")
            room = self.workers - outstanding
            again = []
            while due() and len(again) < room:
                again.append(heapq.heappop(waiting)[2])
            fresh = [pending.popleft() for _ in range(min(room - len(again), len(pending)))]
            posts, step_lines, recorded, gone = self._step(outcomes, fresh, again, now, inputs)
            lines += step_lines
            for post in posts:
                pool.submit(self._send, post).add_done_callback(lambda future, post=post: finished.put((post, future)))
            outstanding += len(posts)
            for outcome in recorded:
                if outcome.later is not None:
                    heapq.heappush(waiting, (time.monotonic() + outcome.later.after, next(order), outcome.later.post))
            notices += [(job, error, champion) for job, error, champions in gone for champion in champions]
        return lines

    def _step(
        self, outcomes: list[Outcome], fresh: list[Job], again: list[Post], now: dt.datetime, inputs: dict
    ) -> tuple[list[Post], list[str], list[Outcome], list[tuple[Job, str, list[str]]]]:
        """One transaction: record outcomes (see _write), then claim and compose a chunk (see _hold).

        Returns the posts to make, lines, the outcomes recorded, and the paused channels with their champions.
        If the database refuses, the outcomes are tried again on their own and nothing in the chunk is claimed:
        the next run tries it.
        """
        if not (outcomes or fresh or again):
            return [], [], [], []
        try:
            with self.sessions.begin() as session:
                gone = self._write(session, outcomes, now)
                posts, lines = self._hold(session, fresh, again, now, inputs)
            return posts, [o.line for o in outcomes if o.line] + lines, outcomes, gone
        except SQLAlchemyError:
            log.exception("could not record %d outcomes and claim %d more", len(outcomes), len(fresh) + len(again))
        lines = [
            f"could not deliver {job.kind} to {job.target} {job.key}: error; see the log"
            for job in [*fresh, *(post.job for post in again)]
        ]
        try:
            with self.sessions.begin() as session:
                gone = self._write(session, outcomes, now) if outcomes else []
        except SQLAlchemyError:
            # Their rows stay "posting": a later run marks them unconfirmed and never posts them again.
            log.exception("could not record the outcome of %d deliveries", len(outcomes))
            for outcome in outcomes:
                job = outcome.post.job
                lines.append(f"could not record {job.kind} to {job.target} {job.key}: error; see the log")
            return [], lines, [], []
        return [], [o.line for o in outcomes if o.line] + lines, outcomes, gone

    def _hold(
        self, session, fresh: list[Job], again: list[Post], now: dt.datetime, inputs: dict
    ) -> tuple[list[Post], list[str]]:
        """Claim new jobs, reclaim retries and rate-limited posts, and compose what this run now holds.

        Returns the posts this run may now make (each claimed here, in "posting"), and lines for digests
        finished here: quiet weeks, recorded at once.
        """
        reclaimed = ledger.reclaim_many(
            session,
            delivery_ids=[job.retry_id for job in fresh if job.retry_id is not None]
            + [post.delivery_id for post in again],
            now=now,
        )
        claimed = ledger.claim_many(
            session,
            [
                {
                    "team_id": job.team_id,
                    "kind": job.kind,
                    "target": job.target,
                    "period_key": job.key,
                    "scheduled_for": job.slot,
                    "subscription_id": job.subscription_id,
                }
                for job in fresh
                if job.retry_id is None
            ],
            now=now,
        )
        held = []
        for job in fresh:
            if job.retry_id is not None:
                delivery_id = job.retry_id if job.retry_id in reclaimed else None
            else:
                delivery_id = claimed.get((job.team_id, job.kind, job.target, job.key))
            if delivery_id is not None:  # None: another run has it
                held.append((job, delivery_id))
        posts, quiet, lines = self._compose_all(session, held, now, inputs)
        ledger.finish_many(session, quiet, now=now)
        return [post for post in again if post.delivery_id in reclaimed] + posts, lines

    def _compose_all(
        self, session, held: list[tuple[Job, int]], now: dt.datetime, inputs: dict
    ) -> tuple[list[Post], list[dict], list[str]]:
        """Compose claimed digests: the posts to make, the quiet ones' outcomes, and lines for what happened."""
        posts: list[Post] = []
        quiet: list[dict] = []
        lines: list[str] = []
        moments: dict[tuple[int, dt.datetime], dt.datetime] = {}  # by (subscription, slot)
        for slot in {job.slot for job, _ in held}:
            ids = [job.subscription_id for job, _ in held if job.slot == slot and job.subscription_id is not None]
            moments.update(
                {
                    (i, slot): m
                    for i, m in ledger.last_digest_moments(session, subscription_ids=ids, before=slot).items()
                }
            )
        for job, delivery_id in held:
            since = moments.get((job.subscription_id, job.slot)) or previous_run(job.schedule, job.slot, self.tz)
            try:
                post = self._compose(session, job, delivery_id, since, now, inputs)
            except SQLAlchemyError:
                raise
            except Exception:  # a digest that cannot be composed is given back; the others carry on
                log.exception("could not compose %s for %s %s", job.kind, job.target, job.key)
                ledger.release(session, delivery_id=delivery_id)
                lines.append(f"could not deliver {job.kind} to {job.target} {job.key}: error; see the log")
                continue
            if post is None:
                quiet.append({"delivery_id": delivery_id, "status": ledger.QUIET, "error": None, "message_ts": None})
                lines.append(f"nothing new for {job.channel_id} {job.key}: quiet, not posted")
            else:
                posts.append(post)
        return posts, quiet, lines

    def _compose(
        self, session, job: Job, delivery_id: int, since: dt.datetime, now: dt.datetime, inputs: dict
    ) -> Post | None:
        """The post for a claimed digest; None when the week was quiet and the channel chose "quiet skip"."""
        data = self._digest_input(session, job.team_id, since, job.slot, inputs)
        if job.kind == CHAMPION:
            digest = compose(data, now=job.slot)
            attention = self._attention(session, job, now)
            return Post(
                job, delivery_id, _as_dicts(digest_blocks(digest, tz=self.tz, attention=attention)), digest_text(digest)
            )
        key = ("rendered", job.team_id, since, job.slot)  # every channel with this window gets the same message
        if (rendered := inputs.get(key)) is None:
            digest = compose(data, now=job.slot)
            inputs[key] = rendered = (
                digest.is_empty,
                _as_dicts(digest_blocks(digest, tz=self.tz)),
                digest_text(digest),
            )
        is_empty, blocks_, text = rendered
        if is_empty and job.schedule.quiet == "skip" and not job.manual:
            return None
        return Post(job, delivery_id, blocks_, text)

    def _send(self, post: Post) -> Posted | NotPosted:
        """On a pool thread: post, and nothing else (no database)."""
        client = self.client if post.job.manual else self.poster  # someone is waiting on `digest now`: wait in line
        return post_message(client, post.job.target, post.blocks, post.text, permalink=False)

    def _write(self, session, outcomes: list[Outcome], now: dt.datetime) -> list[tuple[Job, str, list[str]]]:
        """Record outcomes and pause channels that are gone; those channels, with the champions to tell."""
        ledger.finish_many(
            session,
            [
                {"delivery_id": o.post.delivery_id, "status": o.status, "error": o.error, "message_ts": o.message_ts}
                for o in outcomes
            ],
            now=now,
        )
        return [(o.post.job, o.error, self._pause(session, o.post.job, o.error, now)) for o in outcomes if o.gone]

    # ---- asked for in Slack ---------------------------------------------------------------------------------

    def preview(self, team_id: str, channel_id: str, now: dt.datetime) -> list:
        """The digest this channel would get now, for the asker's eyes only; nothing is posted or recorded."""
        with self.sessions.begin() as session:
            subscription = ledger.get_subscription(session, team_id=team_id, channel_id=channel_id)
            schedule = parse_schedule(subscription.schedule if subscription else DEFAULT_SCHEDULE)
            since = self._window_start(session, subscription and subscription.id, schedule, now)
            data = self._digest_input(session, team_id, since, now, {})
        shown = digest_blocks(compose(data, now=now), tz=self.tz)
        note = blocks.section("_Preview: only you can see this, and nothing was posted._")
        return [note, *shown] if len(shown) < 50 else shown

    def post_now(self, team_id: str, channel_id: str, now: dt.datetime) -> str:
        """Post this channel's digest now (once, even if asked twice in the same minute)."""
        with self.sessions.begin() as session:
            subscription = ledger.get_subscription(session, team_id=team_id, channel_id=channel_id)
            schedule = parse_schedule(subscription.schedule if subscription else DEFAULT_SCHEDULE)
            subscription_id = subscription.id if subscription else None
        key = f"now-{now.astimezone(self.tz):%Y-%m-%dT%H:%M}"
        job = Job(CHANNEL, team_id, channel_id, subscription_id, channel_id, schedule, now, key, manual=True)
        with self.sessions.begin() as session:
            posts, _ = self._hold(session, [job], [], now, {})
        for post in posts:  # at most one: none when the same minute's digest is already claimed
            outcome = _judge(post, self._send(post))
            with self.sessions.begin() as session:
                self._write(session, [outcome], now)
        with self.sessions.begin() as session:
            delivery = ledger.get_delivery(session, team_id=team_id, kind=CHANNEL, target=channel_id, period_key=key)
            status, error = (delivery.status, delivery.error) if delivery else (None, None)
        if status == ledger.DELIVERED:
            return "✅ Posted the digest here."
        if status == ledger.POSTING:
            return "I'm posting a digest here already: it should appear in a moment."
        return f"I couldn't post the digest here: {publish_reason(error)}. Please try again in a minute."

    def _window_start(self, session, subscription_id: int | None, schedule: Schedule, until: dt.datetime):
        """A digest covers what came since the channel's previous digest, or one period before the first."""
        previous = subscription_id and ledger.last_digest_moment(session, subscription_id=subscription_id, before=until)
        return previous or previous_run(schedule, until, self.tz)

    def _digest_input(self, session, team_id: str, since: dt.datetime, until: dt.datetime, inputs: dict) -> DigestInput:
        """A workspace's digest for a window, read once per run: channels on one schedule share a window."""
        key = (team_id, since, until)
        if (data := inputs.get(key)) is None:
            data = digest_input(session, team_id=team_id, since=since, until=until)
            inputs[key] = data = self._with_sections(session, data, team_id)
        return data

    def _with_sections(self, session, data: DigestInput, team_id: str) -> DigestInput:
        """Add the sections later features contribute: agreement reviews due, upcoming events."""
        moment = data.until
        reviews = reviews_section(
            reviews_due(session, team_id=team_id, now=moment, tz=self.tz), moment.astimezone(self.tz).date()
        )
        events = events_section(upcoming_events(session, team_id=team_id, now=moment), self.tz)
        return replace(data, extra_sections=(*data.extra_sections, reviews, events))

    def _attention(self, session, job: Job, now: dt.datetime) -> Attention:
        unanswered, more = unanswered_requests(session, team_id=job.team_id, older_than=now - UNANSWERED_AFTER)
        missed = ledger.undelivered(session, team_id=job.team_id, since=now - LOOKBACK)
        return Attention(
            unanswered=unanswered,
            more_unanswered=more,
            undelivered=tuple(
                Undelivered(d.target, _reason(d.status, d.error), d.scheduled_for, skipped=d.status == ledger.SKIPPED)
                for d in missed
            ),
        )

    def _pause(self, session, job: Job, error: str, now: dt.datetime) -> list[str]:
        """Pause a channel's digest that cannot be delivered; the champions to tell."""
        subscription = ledger.get_subscription(session, team_id=job.team_id, channel_id=job.channel_id)
        if subscription is not None:
            ledger.pause_subscription(session, subscription, reason=_reason(ledger.FAILED, error), now=now)
        return list(roles.list_roles(session, team_id=job.team_id, role=RoleName.CHAMPION))

    def _tell(self, job: Job, error: str, champion: str, now: dt.datetime) -> list[str]:
        """Tell a champion a channel's digest is paused: once, whatever else this run or the next tries there."""
        notice = blocks.section(
            f"⚠️ I couldn't post the digest in <#{job.channel_id}>: {_reason(ledger.FAILED, error)}. I've paused that "
            f"channel's digest. To start it again, invite me there and type "
            f"`/talks digest here {job.schedule.to_text()}`."
        )
        post_once(
            self.sessions,
            self.client,
            team_id=job.team_id,
            kind="digest_paused",
            target=champion,
            key=f"{job.channel_id}:{job.key}",
            scheduled_for=job.slot,
            now=now,
            blocks=[notice],
            text="A channel's digest could not be delivered",
        )
        return []  # the line that matters is the channel's: "paused and champions told"


def post_once(
    sessions: Sessions,
    client: WebClient,
    *,
    team_id: str,
    kind: str,
    target: str,
    key: str,
    scheduled_for: dt.datetime,
    now: dt.datetime,
    blocks: list,
    text: str,
) -> str | None:
    """Post a message once ever for (team, kind, target, key); None if the ledger says it is done or being done.

    A passing fault (rate limit or 5xx after the client's retries, no connection) gives the claim back so the
    next run tries again; Slack refusing for good is recorded as failed.
    """
    with sessions.begin() as session:
        delivery = ledger.claim(
            session, team_id=team_id, kind=kind, target=target, period_key=key, scheduled_for=scheduled_for, now=now
        )
        delivery_id = delivery.id if delivery else None
    if delivery_id is None:
        return None
    result = post_message(client, target, blocks, text, permalink=False)
    with sessions.begin() as session:
        if not isinstance(result, NotPosted):
            ledger.finish(session, delivery_id=delivery_id, status=ledger.DELIVERED, now=now, message_ts=result.ts)
            return f"posted {kind} to {target} {key}"
        if not passing(result.error):  # Slack said no for good: trying again every minute would not help
            ledger.finish(session, delivery_id=delivery_id, status=ledger.FAILED, now=now, error=result.error)
            return f"could not post {kind} to {target} {key}: {result.error}"
        ledger.release(session, delivery_id=delivery_id)
    return f"could not post {kind} to {target} {key}: {result.error}; will try again"


def make_runner(sessions: Sessions, client: WebClient, tz: ZoneInfo, *, clock: Clock) -> DigestRunner:
    """The runner with every duty the app has: digests, agreement review nudges, event reminders."""
    from bot.reminders import EventReminders
    from bot.reviews import ReviewNudges

    duties = (ReviewNudges(sessions, client, tz), EventReminders(sessions, client, tz))
    return DigestRunner(sessions, client, tz, clock=clock, duties=duties)


def _outcome(what: str, future: Future) -> list:
    """What a finished delivery returned; a line saying it failed (and a logged traceback) if it raised.

    One delivery failing (say SQLite's "database is locked") never stops the others.
    """
    try:
        return future.result()
    except Exception:
        log.exception("could not deliver %s", what)
        return [f"could not deliver {what}: error; see the log"]


def _judge(post: Post, result: Posted | NotPosted) -> Outcome:
    """What Slack's answer to a post means for its ledger row, and what the run does next."""
    job = post.job
    if isinstance(result, Posted):
        kind = "digest to" if job.kind == CHANNEL else "champion digest to"
        return Outcome(post, ledger.DELIVERED, f"posted {kind} {job.target} {job.key}", message_ts=result.ts)
    if result.retry_after and not job.manual and post.rate_limited < RATE_LIMITED_TRIES:
        # Slack did not post it: the row is "retry" while it waits, and this run reclaims it after Retry-After.
        later = Later(replace(post, rate_limited=post.rate_limited + 1), result.retry_after)
        return Outcome(post, ledger.RETRY, None, error=result.error, later=later)
    if result.error in CHANNEL_GONE and job.kind == CHANNEL and not job.manual:
        line = f"could not post to {job.channel_id} {job.key}: {result.error}; paused and champions told"
        return Outcome(post, ledger.FAILED, line, error=result.error, gone=True)
    # A manual digest is never retried later: the person who asked is told now, and can ask again.
    status = ledger.RETRY if passing(result.error) and not job.manual else ledger.FAILED
    return Outcome(
        post, status, f"could not post to {job.target} {job.key}: {result.error}; {status}", error=result.error
    )


def _as_dicts(built: list) -> list[dict]:
    """Blocks as Slack's JSON, built once: every channel of a workspace posts the same digest."""
    return [block.to_dict() if hasattr(block, "to_dict") else block for block in built]


def _answering_429(client: WebClient) -> WebClient:
    """The same client without its rate-limit retry handler (5xx and connection retries stay)."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        retry_handlers=[h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)],
    )


def _reason(status: str, error: str | None) -> str:
    if status == ledger.SKIPPED:
        return "the app was down for more than 6 hours around that time, so it was skipped"
    if status == ledger.UNCONFIRMED:
        return "the app stopped while posting it, so it may not have arrived"
    return publish_reason(error)


def _hours(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} hours"


# ---- APScheduler ---------------------------------------------------------------------------------------------

# APScheduler keeps jobs in the database by reference ("module:function" plus plain arguments), so the live
# runner a job needs is looked up here, in the process that runs the scheduler.
_RUNNERS: dict[str, DigestRunner] = {}
JOB_ID = "run-due"


def run_due_job(name: str) -> None:
    runner = _RUNNERS.get(name)
    if runner is None:
        log.warning("no digest runner registered as %s in this process", name)
        return
    for line in runner.run_due():
        log.info("%s", line)


def start_scheduler(
    runner: DigestRunner, engine: Engine, *, every_seconds: int = 60, name: str = "default"
) -> BackgroundScheduler:
    """Start the one background scheduler of this process; its job lives in the app's database."""
    _RUNNERS[name] = runner
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        timezone=dt.UTC,
    )
    scheduler.start(paused=True)
    scheduler.add_job(
        "bot.scheduler:run_due_job",
        IntervalTrigger(seconds=every_seconds),
        args=[name],
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=every_seconds,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    scheduler.resume()
    return scheduler
