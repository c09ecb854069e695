"""The one pipeline every scheduled post goes through: claim in the ledger, compose, post, record.

This thread does all the database work, a chunk at a time; a pool of threads only posts, so a slow Slack is
waited on in parallel while the database has one writer. Each step is one short transaction: record the
outcomes of the posts that have finished, then claim and compose the next chunk, only as many as keep fewer
than `workers` claimed posts waiting for their outcome; four times every claim_ttl it also renews the claims of
the posts in flight. So a run that dies leaves at most `workers` posts it may or may not have made, claims that
go stale once no longer renewed; every post carries its ledger key in its message metadata, so a later run
looks each one up in Slack's history (bot.delivery.resolution) and posts only those that did not arrive.
Each post goes with its own workspace's client (bot.clients.Clients), asked for once a run; a workspace
that has removed the app gets nothing, and its row is "failed" (app_uninstalled) with nobody told.
A post Slack rate-limits is recorded "retry" and waits on a timer here, not in a worker, then is reclaimed and
goes again. One failing post is logged and the others carry on: its ledger row says what the next run should do.
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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.clients import Clients, NotInstalled, as_clients
from bot.clock import Clock, system_clock
from bot.delivery.plan import CLAIM_TTL, RENEWALS_PER_TTL, UNINSTALLED, Duty, Message, Planned
from bot.delivery.quiet import QuietFilter
from handlers.publish import NotPosted, Posted, passing, post_message, reason
from storage import ledger
from storage.db import Sessions
from storage.ledger import Kind, Status

log = logging.getLogger(__name__)

RATE_LIMITED_TRIES = 3  # times a run puts back a post Slack answered 429; after that the next run tries it
# How run-due names each kind in what it prints; None: not reported on a line of its own.
LABELS: Mapping[Kind, str | None] = {
    Kind.DIGEST: "digest",
    Kind.CHAMPION_DIGEST: "champion digest",
    Kind.DIGEST_PAUSED: None,  # the line that matters is the channel's: "paused and champions told"
    Kind.REVIEW_NUDGE: "review_nudge",
    Kind.REVIEW_ESCALATION: "review_escalation",
    Kind.MEETUP_REMINDER: "event_reminder",
    Kind.RETENTION: "retention",
    Kind.FOLLOW_BUNDLE: "follow_bundle",
    Kind.NEWSLETTER_DRAFT: "newsletter draft",
    Kind.PROMPT: "prompt",
    Kind.PROMPT_PAUSED: None,  # the line that matters is the channel's: "prompt stopped and champions told"
    Kind.CATCH_UP: "catch-up",
}


@dataclass(frozen=True)
class Post:
    """A claimed post, composed and ready to send."""

    planned: Planned
    delivery_id: int
    message: Message
    rate_limited: int = 0  # how many times Slack has answered 429 to it in this run


@dataclass(frozen=True)
class Outcome:
    """What became of a post: its ledger row's new status, and the line run_due reports (None while it waits)."""

    post: Post
    status: Status
    line: str | None
    error: str | None = None
    message_ts: str | None = None
    again_after: float | None = None  # rate-limited: seconds until it may go again in this run


class Fanout:
    def __init__(
        self,
        sessions: Sessions,
        clients: WebClient | Clients,
        duties: Sequence[Duty],
        *,
        workers: int = 64,
        claim_ttl: dt.timedelta = CLAIM_TTL,
        real_clock: Clock = system_clock,
    ):
        """`real_clock` stamps claims (bookkeeping between processes), whatever moment a run is for; they are
        renewed often enough that none in flight goes unrenewed for `claim_ttl`."""
        self.sessions, self.clients, self.workers, self.real_clock = sessions, as_clients(clients), workers, real_clock
        self.renew_every = claim_ttl.total_seconds() / RENEWALS_PER_TTL
        self.duties = {kind: duty for duty in duties for kind in duty.kinds}
        self.quiet = QuietFilter(sessions)

    def deliver(self, planned: Sequence[Planned], now: dt.datetime) -> list[str]:
        """Post each planned item once (as the ledger decides); a line for each thing done. Direct messages to people
        who paused or turned that kind off are held back first (bot.delivery.quiet)."""
        kept, lines = self.quiet.sift(planned, now)
        pending = deque(kept)
        finished: queue.SimpleQueue[tuple[Post, Future]] = queue.SimpleQueue()
        order = itertools.count()
        waiting: list[tuple[float, int, Post]] = []  # (monotonic time it may go again, tie-break, post)
        in_flight: set[int] = set()  # claims ("posting") not yet recorded: renewed while so; a crash leaves them
        renewed = time.monotonic()  # when they last were
        cache: dict = {}  # for duties: what this run's posts share, composed once
        clients: dict[tuple[str, bool], WebClient | NotPosted] = {}  # each workspace's, asked for once a run

        def ready() -> bool:
            return bool(waiting) and waiting[0][0] <= time.monotonic()

        def when_done(post: Post) -> Callable[[Future[Posted | NotPosted]], None]:
            return lambda future: finished.put((post, future))

        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="post") as pool:
            while pending or waiting or in_flight:
                done: list[tuple[Post, Future]] = []
                if in_flight and (len(in_flight) >= self.workers or not (pending or ready())):
                    # Nothing to claim now: wait for a post to finish, or, if there is room, a rate-limited one,
                    # or until the claims in flight are to be renewed.
                    timeout = renewed + self.renew_every - time.monotonic()
                    if len(in_flight) < self.workers and waiting:
                        timeout = min(timeout, waiting[0][0] - time.monotonic())
                    with contextlib.suppress(queue.Empty):
                        done.append(finished.get(timeout=max(0.0, timeout)))
                elif not in_flight and not pending and not ready():
                    time.sleep(max(0.0, waiting[0][0] - time.monotonic()))  # only rate-limited posts are left
                    continue
                while True:
                    try:
                        done.append(finished.get_nowait())
                    except queue.Empty:
                        break
                in_flight.difference_update(post.delivery_id for post, _ in done)
                outcomes = []
                for post, future in done:
                    try:
                        outcomes.append(_judge(post, future.result()))
                    except Exception:
                        log.exception("could not deliver %s", _what(post.planned))
                        lines.append(f"could not deliver {_what(post.planned)}: error; see the log")
                renew: list[int] = []
                if in_flight and time.monotonic() - renewed >= self.renew_every:
                    renew, renewed = sorted(in_flight), time.monotonic()
                room = self.workers - len(in_flight)
                again: list[Post] = []
                while ready() and len(again) < room:
                    again.append(heapq.heappop(waiting)[2])
                fresh = [pending.popleft() for _ in range(min(room - len(again), len(pending)))]
                posts, step_lines, recorded, follow_ups = self._step(outcomes, fresh, again, renew, now, cache)
                lines += step_lines
                kept, held_lines = self.quiet.sift(follow_ups, now) if follow_ups else ([], [])
                lines += held_lines
                pending.extend(kept)
                for post in posts:
                    client = self._client(post.planned, clients)
                    if isinstance(client, NotPosted):  # not sent: recorded with the next outcomes
                        refused: Future[Posted | NotPosted] = Future()
                        refused.set_result(client)
                        finished.put((post, refused))
                        continue
                    future = pool.submit(self._send, post, client)
                    future.add_done_callback(when_done(post))
                in_flight.update(post.delivery_id for post in posts)
                for outcome in recorded:
                    if outcome.again_after is not None:
                        again_post = replace(outcome.post, rate_limited=outcome.post.rate_limited + 1)
                        heapq.heappush(waiting, (time.monotonic() + outcome.again_after, next(order), again_post))
        return lines

    def _step(
        self,
        outcomes: list[Outcome],
        fresh: list[Planned],
        again: list[Post],
        renew: list[int],
        now: dt.datetime,
        cache: dict,
    ) -> tuple[list[Post], list[str], list[Outcome], list[Planned]]:
        """One transaction: record outcomes (see _record), renew the claims in flight, then claim and compose a
        chunk (see _hold).

        Returns the posts to make, lines, the outcomes recorded, and follow-up posts (people to tell of a
        failure). If the database refuses, the outcomes are tried again on their own and nothing in the chunk
        is claimed: the next run tries it.
        """
        if not (outcomes or fresh or again or renew):
            return [], [], [], []
        try:
            with self.sessions.begin() as session:
                follow_ups, said = self._record(session, outcomes, now)
                ledger.renew_claims(session, delivery_ids=renew, now=self.real_clock())
                posts, lines = self._hold(session, fresh, again, now, cache)
            return posts, said + lines, outcomes, follow_ups
        except SQLAlchemyError:
            log.exception("could not record %d outcomes and claim %d more", len(outcomes), len(fresh) + len(again))
        lines = [
            f"could not deliver {_what(item)}: error; see the log" for item in [*fresh, *(p.planned for p in again)]
        ]
        try:
            with self.sessions.begin() as session:
                follow_ups, said = self._record(session, outcomes, now)
        except SQLAlchemyError:
            # Their rows stay "posting" and are renewed no more: a later run looks them up in Slack.
            log.exception("could not record the outcome of %d deliveries", len(outcomes))
            lines += [f"could not record {_what(o.post.planned)}: error; see the log" for o in outcomes]
            return [], lines, [], []
        return [], said + lines, outcomes, follow_ups

    def _record(self, session: Session, outcomes: list[Outcome], now: dt.datetime) -> tuple[list[Planned], list[str]]:
        """Record outcomes. For posts Slack refused for good, their duty does what follows (pausing a channel's
        digest, say) and may hand back posts telling people. Returns those posts, and a line per outcome."""
        ledger.finish_many(
            session,
            [
                {"delivery_id": o.post.delivery_id, "status": o.status, "error": o.error, "message_ts": o.message_ts}
                for o in outcomes
            ],
            now=now,
        )
        follow_ups: list[Planned] = []
        lines: list[str] = []
        for outcome in outcomes:
            planned, line = outcome.post.planned, outcome.line
            if outcome.status is Status.FAILED and not planned.manual and outcome.error != UNINSTALLED:
                more, done = self.duties[planned.kind].failed(session, planned, outcome.error or "", now)
                follow_ups += more
                if done:
                    line = f"could not post to {planned.target} {planned.key}: {outcome.error}; {done}"
            if line:
                lines.append(line)
        return follow_ups, lines

    def _hold(
        self, session: Session, fresh: list[Planned], again: list[Post], now: dt.datetime, cache: dict
    ) -> tuple[list[Post], list[str]]:
        """Claim new posts, reclaim retries and rate-limited posts, and compose what this run now holds.

        Returns the posts this run may now make (each claimed here, "posting"), and lines for posts finished
        here: quiet digests, recorded at once.
        """
        claimed_at = self.real_clock()
        reclaimed = ledger.reclaim_many(
            session,
            delivery_ids=[p.retry_id for p in fresh if p.retry_id is not None] + [post.delivery_id for post in again],
            now=claimed_at,
        )
        claimed = ledger.claim_many(
            session,
            [
                {
                    "team_id": p.team_id,
                    "kind": p.kind,
                    "target": p.target,
                    "period_key": p.key,
                    "scheduled_for": p.slot,
                    "subscription_id": p.subscription_id,
                }
                for p in fresh
                if p.retry_id is None
            ],
            now=claimed_at,
        )
        held: list[tuple[Planned, int]] = []
        for p in fresh:
            if p.retry_id is not None:
                delivery_id = p.retry_id if p.retry_id in reclaimed else None
            else:
                delivery_id = claimed.get((p.team_id, p.kind, p.target, p.key))
            if delivery_id is not None:  # None: another run has it
                held.append((p, delivery_id))
        posts, lines = self._compose(session, held, now, cache)
        return [post for post in again if post.delivery_id in reclaimed] + posts, lines

    def _compose(
        self, session: Session, held: list[tuple[Planned, int]], now: dt.datetime, cache: dict
    ) -> tuple[list[Post], list[str]]:
        """Compose claimed posts, each kind by its duty: the posts to make, and lines for the quiet ones."""
        posts: list[Post] = []
        quiet: list[dict] = []
        lines: list[str] = []
        for duty in dict.fromkeys(self.duties[p.kind] for p, _ in held):
            mine = [(p, delivery_id) for p, delivery_id in held if self.duties[p.kind] is duty]
            try:
                messages = duty.compose(session, [p for p, _ in mine], now, cache)
            except SQLAlchemyError:
                raise
            except Exception:  # posts that cannot be composed are given back; the others carry on
                log.exception("could not compose %d posts of %s", len(mine), type(duty).__name__)
                for p, delivery_id in mine:
                    ledger.release(session, delivery_id=delivery_id)
                    lines.append(f"could not deliver {_what(p)}: error; see the log")
                continue
            for (p, delivery_id), message in zip(mine, messages, strict=True):
                if message is None:
                    quiet.append(
                        {"delivery_id": delivery_id, "status": Status.QUIET, "error": None, "message_ts": None}
                    )
                    lines.append(f"nothing new for {p.target} {p.key}: quiet, not posted")
                else:
                    posts.append(Post(p, delivery_id, message))
        ledger.finish_many(session, quiet, now=now)
        return posts, lines

    def _client(self, planned: Planned, known: dict[tuple[str, bool], WebClient | NotPosted]) -> WebClient | NotPosted:
        """The client to post `planned` with, or why there is none (asked once a run for each workspace).

        Scheduled posts use a client that hands a 429 back instead of sleeping in a worker thread, so the run
        waits out Retry-After on a timer while the workers post elsewhere. Someone waiting on a manual post waits
        in line instead.
        """
        key = (planned.team_id, planned.manual)
        if key not in known:
            try:
                client = self.clients.client_for(planned.team_id)
                known[key] = client if planned.manual else _answering_429(client)
            except NotInstalled:
                known[key] = NotPosted(reason(UNINSTALLED), UNINSTALLED)
            except Exception:  # its token could not be read or refreshed now: tried again by the next run
                log.exception("could not get workspace %s's client", planned.team_id)
                known[key] = NotPosted(reason("token_unavailable"), "token_unavailable")
        return known[key]

    def _send(self, post: Post, client: WebClient) -> Posted | NotPosted:
        """On a pool thread: post, and nothing else (no database). The message carries its ledger key."""
        message = post.message
        return post_message(
            client, post.planned.target, message.blocks, message.text, permalink=False, metadata=post.planned.mark
        )


def _judge(post: Post, result: Posted | NotPosted) -> Outcome:
    """What Slack's answer to a post means for its ledger row, and what the run does next."""
    planned = post.planned
    if isinstance(result, Posted):
        label = LABELS[planned.kind]
        line = f"posted {label} to {planned.target} {planned.key}" if label else None
        return Outcome(post, Status.DELIVERED, line, message_ts=result.ts)
    if result.retry_after and not planned.manual and post.rate_limited < RATE_LIMITED_TRIES:
        # Slack did not post it: the row is "retry" while it waits, and this run reclaims it after Retry-After.
        return Outcome(post, Status.RETRY, None, error=result.error, again_after=result.retry_after)
    # A manual post is never retried later: the person who asked is told now, and can ask again.
    status = Status.RETRY if passing(result.error) and not planned.manual else Status.FAILED
    line = f"could not post to {planned.target} {planned.key}: {result.error}; {status}"
    return Outcome(post, status, line, error=result.error)


def _what(planned: Planned) -> str:
    return f"{planned.kind} to {planned.target} {planned.key}"


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
