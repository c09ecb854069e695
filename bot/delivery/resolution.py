"""Claims left by a run that stopped mid-post: resolved from Slack's history, not guessed.

A run renews the claims of its posts in flight (bot.delivery.fanout); a claim it has not renewed for CLAIM_TTL
belongs to a run that stopped (killed, or its machine gone), which may or may not have posted it. Every post
carries its ledger key in its message metadata (plan.delivery_mark), so at the start of each run the claims
gone stale are looked up in their channel's recent history (a person's: their direct messages with the app):

- found: it arrived. Recorded "delivered", with the message's ts; nothing is posted.
- not found: it did not. Recorded "retry" (error "interrupted"), so its duty posts it in this same run, through
  the same pipeline, while it is still due (a digest within 6 hours, a meetup reminder before the meetup).
- Slack can't answer now (5xx, 429, no connection): the claim is left as it is, for the next run.
- Slack refuses for good (the channel is gone, the app lacks a scope): recorded "failed", and its duty does
  what follows, as for a refused post (a channel's digest is paused and champions are told).
- more than HISTORY_PAGES pages of messages since the claim: "unconfirmed" (champions see it; never posted).

The search is bounded by the claim's own moment on the real clock (claimed_at, less SEARCH_BACK for clocks
and in-flight time), never by the moment the app runs as, which tests and the demo move. One run at a time
resolves (the "stale-claims" lease); the others leave the stale claims to it. Recording is conditional on the
claim being unchanged, so a run that was slow rather than stopped, and renews its claim, keeps it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot.clients import Clients, NotInstalled, as_clients
from bot.clock import Clock, system_clock
from bot.delivery.plan import CLAIM_TTL, DELIVERY_EVENT, INTERRUPTED, UNINSTALLED, Duty, Planned, delivery_mark
from handlers.publish import passing
from storage import leases, ledger
from storage.db import Sessions
from storage.ledger import Entry, Kind, Status

log = logging.getLogger(__name__)

LEASE = "stale-claims"  # held by the one run resolving stale claims
LEASE_TTL = dt.timedelta(seconds=60)
RENEW_LEASE = 20.0  # seconds
SEARCH_BACK = dt.timedelta(minutes=10)  # how far before a claim's last renewal its message may be (and clock skew)
PAGE = 200  # messages a page of history (Slack suggests no more than 200)
HISTORY_PAGES = 5  # at most 1,000 messages since the claim are read; beyond that the post is "unconfirmed"
LOOKUPS_AT_ONCE = 8  # conversations.history is Tier 3 (about 50 a minute, with bursts): a few at a time


class Verdict(Enum):
    FOUND = "found"  # the message is in Slack: it arrived
    MISSING = "missing"  # the whole history since the claim was read, and it is not there
    TOO_MUCH = "too much"  # more than HISTORY_PAGES pages since the claim: not read to the end
    LATER = "later"  # Slack could not answer now (busy, failing, unreachable)
    REFUSED = "refused"  # Slack refused for good (the channel is gone, a scope is missing)


@dataclass(frozen=True)
class Lookup:
    verdict: Verdict
    ts: str | None = None  # FOUND: the message's ts
    error: str | None = None  # LATER and REFUSED: Slack's error code


def find_delivery(client: WebClient, target: str, mark: dict, *, since: dt.datetime) -> Lookup:
    """Look for the app's message carrying `mark` (plan.delivery_mark) in `target`'s history since `since`.

    `target` is a channel, or a person (their direct messages with the app). A public channel the app is not in
    is joined first, as posting would.
    """
    try:
        channel = target
        if target.startswith(("U", "W")):
            channel = client.conversations_open(users=target)["channel"]["id"]
        cursor, joined, pages = "", False, 0
        while pages < HISTORY_PAGES:
            try:
                page = client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    limit=PAGE,
                    include_all_metadata=True,
                    cursor=cursor or None,
                )
            except SlackApiError as error:
                if _code(error) != "not_in_channel" or joined:
                    raise
                client.conversations_join(channel=channel)
                joined = True
                continue
            pages += 1
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == DELIVERY_EVENT
                    and metadata.get("event_payload") == mark["event_payload"]
                ):
                    return Lookup(Verdict.FOUND, ts=message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
            if not (page.get("has_more") and cursor):
                return Lookup(Verdict.MISSING)
        return Lookup(Verdict.TOO_MUCH)
    except SlackApiError as error:
        code = _code(error)
        if code == "method_not_supported_for_channel_type":  # joining a private channel: as posting says it
            code = "not_in_channel"
        return Lookup(Verdict.LATER if passing(code) else Verdict.REFUSED, error=code)
    except (SlackClientError, OSError):
        return Lookup(Verdict.LATER, error="connection_error")


def _verdict(future: Future[Lookup], claim: Entry) -> Lookup:
    try:
        return future.result()
    except Exception:  # a bug, or an answer Slack never gives: logged, and the claim left for the next run
        log.exception("could not look up %s to %s %s", claim.kind, claim.target, claim.period_key)
        return Lookup(Verdict.LATER, error="error; see the log")


def _code(error: SlackApiError) -> str:
    if error.response.status_code == 429:
        return "ratelimited"
    return str(error.response.get("error") or f"http_{error.response.status_code}")


class Resolver:
    """Resolves the claims stopped runs left, at the start of each run (see the module's note)."""

    def __init__(
        self,
        sessions: Sessions,
        clients: WebClient | Clients,
        duties: Mapping[Kind, Duty],
        *,
        claim_ttl: dt.timedelta = CLAIM_TTL,
        real_clock: Clock = system_clock,
    ):
        self.sessions, self.clients, self.duties = sessions, as_clients(clients), duties
        self.claim_ttl, self.real_clock = claim_ttl, real_clock
        self.holder = leases.holder_name()

    def resolve(self, now: dt.datetime) -> tuple[list[str], list[Planned]]:
        """Look up every stale claim and record what became of it; lines for run-due, and the posts that tell
        people of a refusal (to deliver now). Costs one indexed query when there is none."""
        moment = self.real_clock()
        with self.sessions.begin() as session:
            stale = ledger.stale_claims(session, claimed_before=moment - self.claim_ttl)
            if not stale:
                return [], []
            if not leases.acquire_lease(session, name=LEASE, holder=self.holder, now=moment, ttl=LEASE_TTL):
                return [f"left {len(stale)} interrupted deliveries to the run looking them up in Slack now"], []
        try:
            found = self._look_up(stale)
            with self.sessions.begin() as session:
                return self._record(session, found, now)
        finally:
            with self.sessions.begin() as session:
                leases.release_lease(session, name=LEASE, holder=self.holder)

    def _look_up(self, stale: list[Entry]) -> list[tuple[Entry, Lookup]]:
        """Each claim's lookup, many at once; the lease is renewed while Slack is slow."""
        with ThreadPoolExecutor(max_workers=min(LOOKUPS_AT_ONCE, len(stale)), thread_name_prefix="look-up") as pool:
            futures: dict[Future[Lookup], Entry] = {pool.submit(self._find, claim): claim for claim in stale}
            waiting = set(futures)
            while waiting:
                _, waiting = wait(waiting, timeout=RENEW_LEASE, return_when=FIRST_COMPLETED)
                if waiting:
                    with self.sessions.begin() as session:
                        leases.renew_lease(
                            session, name=LEASE, holder=self.holder, now=self.real_clock(), ttl=LEASE_TTL
                        )
        return [(claim, _verdict(future, claim)) for future, claim in futures.items()]

    def _find(self, claim: Entry) -> Lookup:
        """On a pool thread: look the claim up with its own workspace's client."""
        try:
            client = self.clients.client_for(claim.team_id)
        except NotInstalled:
            return Lookup(Verdict.REFUSED, error=UNINSTALLED)
        mark = delivery_mark(claim.team_id, claim.kind, claim.target, claim.period_key)
        return find_delivery(client, claim.target, mark, since=claim.claimed_at - SEARCH_BACK)

    def _record(
        self, session: Session, found: list[tuple[Entry, Lookup]], now: dt.datetime
    ) -> tuple[list[str], list[Planned]]:
        arrived = missing = 0
        lines: list[str] = []
        follow_ups: list[Planned] = []
        for claim, lookup in found:
            what = f"{claim.kind} to {claim.target} {claim.period_key}"
            if lookup.verdict is Verdict.LATER:
                lines.append(f"could not check whether {what} arrived: {lookup.error}; the next run looks again")
                continue
            status, error = {
                Verdict.FOUND: (Status.DELIVERED, None),
                Verdict.MISSING: (Status.RETRY, INTERRUPTED),
                Verdict.TOO_MUCH: (Status.UNCONFIRMED, f"more than {HISTORY_PAGES * PAGE} messages since: not found"),
                Verdict.REFUSED: (Status.FAILED, lookup.error),
            }[lookup.verdict]
            if not ledger.settle_claim(session, claim=claim, status=status, now=now, error=error, message_ts=lookup.ts):
                continue  # its run renewed it (slow, not stopped), or another run settled it
            if lookup.verdict is Verdict.FOUND:
                arrived += 1
            elif lookup.verdict is Verdict.MISSING:
                missing += 1
            elif lookup.verdict is Verdict.TOO_MUCH:
                lines.append(f"could not tell whether {what} arrived (too many messages since); unconfirmed")
            else:
                planned = Planned(
                    claim.kind,
                    claim.team_id,
                    claim.target,
                    claim.period_key,
                    claim.scheduled_for,
                    subscription_id=claim.subscription_id,
                )
                duty = self.duties.get(claim.kind) if lookup.error != UNINSTALLED else None  # nobody there to tell
                more, done = duty.failed(session, planned, lookup.error or "", now) if duty else ([], None)
                follow_ups += more
                lines.append(f"could not check whether {what} arrived: {lookup.error}; {done or Status.FAILED}")
        if arrived or missing:
            lines.insert(
                0,
                f"looked up {arrived + missing} interrupted deliveries in Slack: {arrived} had arrived (recorded), "
                f"{missing} had not (posted again while still due)",
            )
        return lines, follow_ups
