"""Delivering one slot's digests to 1,000 channels against the rate-limited stand-in, each exactly once.

    python -m benchmarks.digest_delivery [--channels 1000] [--rate-limited-share 0.1] [--workers N]
                                         [--database-url URL | --postgres] [--latency 0]

The database is a fresh SQLite file in a temp dir. With --postgres it is a database `bench_delivery_<pid>`
that the benchmark creates on the server at --postgres-admin-url and drops afterwards (named after the
process, so two runs at once do not drop each other's); no other database is touched. With --database-url
it is that database, which must be empty: it is migrated and filled, and kept. It holds 20 workspaces' last
week (shares with reactions and a highlight, open requests with offers) and one subscription per channel
("weekly mon 09:00"), all due at the same slot.

Slack is bot.devkit.local_slack.LocalSlack on 127.0.0.1 with its per-channel limiter at 1 post per second. On top
of it, an evenly spread share of the channels answers its first chat.postMessage with 429 and Retry-After: 1,
through `fail(..., where=that channel)`. The app's own WebClient (bot.slack.make_client) and the scheduler's
Runner (bot.delivery) do the rest, with `workers` threads (default: the Runner's own).

What is timed is `runner.run_due(slot)` from call to return: planning, claims, composing, posting and
ledger writes. It is compared with the time the rate limits themselves require. A channel answered 429 with
Retry-After r cannot be posted to before r seconds after its first attempt; every other channel gets one
post, which the 1-post-per-second limit never delays. The first attempts cannot all be made at once: the
benchmark times the posts alone, as many bare chat.postMessage calls of one digest from as many threads with
the same client, to a fresh stand-in with no 429s and no database (the "posting floor"). So on this machine
the limits require the posting floor plus the largest Retry-After (1 s); the Retry-After alone is the bound
on a machine that could post everything at once, and is printed too.

Then it checks exactly once: one digest message per channel in the stand-in and one "delivered" ledger row
per channel holding that message's ts, no other posts, each 429 honoured for its whole Retry-After, and a
second run_due that posts nothing. Exits 2 if any of that fails, else 1 if the run takes more than 1.2 times
the posting floor plus the largest Retry-After. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, text

from benchmarks.databases import POSTGRES_ADMIN_URL, fresh_postgres
from benchmarks.digest_compose import ASKS, PHRASES
from bot.config import Settings
from bot.delivery import DEFAULT_WORKERS, Runner
from bot.delivery.digests import Digests
from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET
from bot.slack import make_client
from domain.digest import compose
from handlers.digests.blocks import digest_blocks, digest_text
from storage import reactions, requests, shares, subscriptions
from storage.db import make_engine, make_sessions, migrate
from storage.digests import digest_input
from storage.ledger import Status
from storage.models import Delivery

TZ = ZoneInfo("Europe/London")
SLOT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # Monday 09:00 in London: every subscription is due
SUBSCRIBED_AT = SLOT - dt.timedelta(days=3)
WEEK = dt.timedelta(days=7)
SCHEDULE = "weekly mon 09:00"
TEAMS = [f"T{n:03d}" for n in range(1, 21)]
RETRY_AFTER = 1
TARGET_RATIO = 1.2
BENCH_DATABASE = f"bench_delivery_{os.getpid()}"
PROJECT = Path(__file__).resolve().parent.parent


# ---- the data ----------------------------------------------------------------------------------------


def channel_ids(count: int) -> list[str]:
    return [f"C{n:05d}" for n in range(count)]


def rate_limited(channels: list[str], share: float) -> list[str]:
    """An evenly spread, deterministic share of the channels: the i-th is in when floor(i * share) steps."""
    return [c for i, c in enumerate(channels) if int((i + 1) * share) > int(i * share)]


def fill(sessions, channels: list[str], teams: list[str] = TEAMS) -> dict[str, int]:
    """Each workspace's last week, and one subscription per channel (channels dealt round the workspaces)."""
    counts: Counter[str] = Counter()
    with sessions.begin() as session:
        for t, team_id in enumerate(teams):
            for n in range(8):
                created = SLOT - dt.timedelta(days=6, hours=-n * 17 - t % 5)
                share = shares.add_share(
                    session,
                    team_id=team_id,
                    author_id=f"U{t:02d}{n:02d}",
                    channel_id=f"C_SHARES_{team_id}",
                    title=PHRASES[(t + n) % len(PHRASES)],
                    body=f"{PHRASES[(t + 2 * n) % len(PHRASES)]}. We tried it for {n + 2} weeks.",
                    impact="More children came, and stayed." if n % 3 == 0 else None,
                    tags=["attendance", "parents"] if n % 2 else ["youth-voice"],
                    now=created,
                )
                shares.record_share_posted(
                    session,
                    team_id=team_id,
                    share_id=share.id,
                    channel_id=share.channel_id,
                    ts=f"{created.timestamp():.6f}",
                    permalink=None,
                )
                for r in range(n % 4):
                    reactions.add_reaction(
                        session, team_id=team_id, share_id=share.id, user_id=f"U_FAN{r}", emoji="clap", now=created
                    )
                    counts["reactions"] += 1
                if n == 2:
                    reactions.add_highlight(
                        session, team_id=team_id, share_id=share.id, leader_id=f"U_LEAD_{team_id}", now=created
                    )
                    counts["highlights"] += 1
                counts["shares"] += 1
            for n in range(3):
                request = requests.add_request(
                    session,
                    team_id=team_id,
                    requester_id=f"U{t:02d}{n:02d}",
                    channel_id=f"C_SHARES_{team_id}",
                    body=ASKS[(t + n) % len(ASKS)],
                    now=SLOT - dt.timedelta(days=2 + 4 * n),
                )
                for o in range(n):
                    requests.add_offer(
                        session,
                        team_id=team_id,
                        request_id=request.id,
                        user_id=f"U_HELP{o}",
                        now=SLOT - dt.timedelta(days=1),
                    )
                    counts["offers"] += 1
                counts["requests"] += 1
        for i, channel in enumerate(channels):
            subscriptions.save_subscription(
                session,
                team_id=teams[i % len(teams)],
                channel_id=channel,
                schedule=SCHEDULE,
                user_id="U_ADMIN",
                now=SUBSCRIBED_AT,
            )
            counts["subscriptions"] += 1
    return dict(counts)


# ---- Slack: the stand-in, in a process of its own ----------------------------------------------------


def serve_slack() -> None:
    """The child process: a LocalSlack set up as the first line of stdin says; reports on each later line."""
    setup = json.loads(sys.stdin.readline())
    with LocalSlack(posts_per_second_per_channel=1, latency=setup["latency"]) as slack:
        for channel in setup["limited"]:
            slack.fail(
                "chat.postMessage",
                status=429,
                retry_after=RETRY_AFTER,
                where=lambda args, c=channel: args.get("channel") == c,
            )
        print(json.dumps({"url": slack.url}), flush=True)
        for _ in sys.stdin:
            print(json.dumps(snapshot(slack, setup["channels"])), flush=True)


def snapshot(slack: LocalSlack, channels: list[str]) -> dict:
    """What the stand-in saw: every chat.postMessage (channel, when, HTTP status), each channel's messages."""
    calls = slack.calls
    return {
        "posts": [(c.args.get("channel"), c.at, c.status) for c in calls if c.method == "chat.postMessage"],
        "methods": Counter(c.method for c in calls),
        "messages": {channel: [(m["ts"], len(m["blocks"])) for m in slack.messages(channel)] for channel in channels},
    }


class SlackProcess:
    """The stand-in in a child process, so its HTTP work does not share the app's interpreter (and GIL). Talks to it
    in lines of JSON on its stdin and stdout; `module` is the benchmark whose `--serve-slack` it runs."""

    def __init__(self, setup: dict, *, module: str = "benchmarks.digest_delivery") -> None:
        command = [sys.executable, "-m", module, "--serve-slack"]
        self._child = subprocess.Popen(command, cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._send(setup)
        self.url = self._receive()["url"]

    def snapshot(self) -> dict:
        self._send({})
        return self._receive()

    def stop(self) -> None:
        self._child.stdin.close()
        try:
            self._child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()

    def _send(self, message: dict) -> None:
        self._child.stdin.write(json.dumps(message) + "\n")
        self._child.stdin.flush()

    def _receive(self) -> dict:
        line = self._child.stdout.readline()
        if not line:
            raise SystemExit("the Slack stand-in process stopped: see its error above")
        return json.loads(line)


# ---- the run -----------------------------------------------------------------------------------------


class TimedDigests(Digests):
    """The real digest duty, noting how long planning took (the rest of run_due is the pipeline)."""

    plan_s = 0.0

    def due(self, now):
        started = time.monotonic()
        try:
            return super().due(now)
        finally:
            self.plan_s = time.monotonic() - started


def settings_for(database_url: str, slack_url: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        database_url=database_url,
        slack_api_url=slack_url,
    )


def posting_floor(database_url: str, count: int, workers: int, latency: float, digest) -> float:
    """Seconds for `count` bare chat.postMessage calls of one digest, from `workers` threads with the app's client.

    No database and no 429s, each to a channel of its own on a fresh stand-in: what this machine needs just to
    make the posts, which no change to the runner can go below.
    """
    channels = [f"F{n:05d}" for n in range(count)]
    blocks, words = digest_blocks(digest, tz=TZ), digest_text(digest)
    slack = SlackProcess({"channels": channels, "limited": [], "latency": latency})
    try:
        client = make_client(settings_for(database_url, slack.url))

        def post(channel: str) -> None:
            client.chat_postMessage(channel=channel, blocks=blocks, text=words, unfurl_links=False, unfurl_media=False)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(post, channels))
        return time.monotonic() - started
    finally:
        slack.stop()


def run_due(runner: Runner) -> tuple[list[str], str | None]:
    """The lines run_due returns, or none and what it raised (e.g. SQLite's "database is locked")."""
    try:
        return runner.run_due(SLOT), None
    except Exception as error:  # a finding to report with the rest, not a reason to stop checking
        return [], f"{type(error).__name__}: {str(error).splitlines()[0]}"


def measure(url: str, channel_count: int, share: float, workers: int | None, latency: float) -> dict:
    engine = make_engine(url, answer_in_time=False)
    migrate(engine)
    sessions = make_sessions(engine)
    channels = channel_ids(channel_count)
    limited = rate_limited(channels, share)
    counts = fill(sessions, channels)
    slack = SlackProcess({"channels": channels, "limited": limited, "latency": latency})
    try:
        options = {} if workers is None else {"workers": workers}
        timed = TimedDigests(sessions, TZ)
        client = make_client(settings_for(url, slack.url))
        runner = Runner(sessions, client, TZ, clock=lambda: SLOT, digests=timed, **options)

        started = time.monotonic()  # CLOCK_MONOTONIC: the same clock as the stand-in's, across processes
        lines, crash = run_due(runner)
        elapsed = time.monotonic() - started

        first = slack.snapshot()
        again, crash_again = run_due(runner)
        second = slack.snapshot()
    finally:
        slack.stop()
    with sessions() as session:
        rows = session.execute(select(Delivery.target, Delivery.kind, Delivery.status, Delivery.message_ts)).all()
        digest = compose(digest_input(session, team_id=TEAMS[0], since=SLOT - WEEK, until=SLOT), now=SLOT)
    floor = posting_floor(url, channel_count, workers or DEFAULT_WORKERS, latency, digest)
    version = server_version(engine)
    engine.dispose()

    posts = first["posts"]
    runs = (("run_due", crash), ("the second run_due", crash_again))
    problems = [f"{which} raised {error}" for which, error in runs if error]
    problems += check(channels, limited, lines, again, first, second, rows)
    first_429 = {}
    for channel, at, status in posts:
        if status == 429:
            first_429.setdefault(channel, at)
    accepted = [at for _, at, status in posts if status == 200]
    return {
        "version": version,
        "channels": channel_count,
        "limited": len(limited),
        "workers": workers or DEFAULT_WORKERS,
        "latency": latency,
        "counts": counts,
        "elapsed": elapsed,
        "plan": timed.plan_s,
        "first_post": min((at - started for _, at, _ in posts), default=0.0),
        "last_post": max((at - started for at in accepted), default=0.0),
        "last_429": max((at - started for at in first_429.values()), default=0.0),
        "refused": sum(status == 429 for _, _, status in posts),
        "bound": RETRY_AFTER if limited else 0.0,
        "forced": max((at + RETRY_AFTER - started for at in first_429.values()), default=0.0),
        "floor": floor,
        "methods": first["methods"],
        "blocks": sorted({blocks for m in first["messages"].values() for _, blocks in m}),
        "problems": problems,
    }


def check(channels, limited, lines, again, first, second, rows) -> list[str]:
    """Every way the run could have broken "exactly once", as sentences; empty when it held."""
    problems = []
    messages, posts = first["messages"], first["posts"]
    wrong = {c: len(m) for c, m in messages.items() if len(m) != 1}
    if wrong:
        problems.append(f"{len(wrong)} channels do not have exactly one digest, e.g. {list(wrong.items())[:5]}")
    stray = sorted({channel for channel, _, _ in posts} - set(channels))
    if stray:
        problems.append(f"posts to channels that are not subscribed: {stray[:5]}")
    ledger_rows = Counter((target, kind, status) for target, kind, status, _ in rows)
    missing = [c for c in channels if ledger_rows[(c, "digest", Status.DELIVERED)] != 1]
    if missing or len(rows) != len(channels):
        problems.append(f"{len(rows)} ledger rows; {len(missing)} channels without one 'delivered' row")
    ts = {target: message_ts for target, _, _, message_ts in rows}
    mismatched = [c for c, m in messages.items() if len(m) == 1 and ts.get(c) != m[0][0]]
    if mismatched:
        problems.append(f"{len(mismatched)} ledger rows do not hold their message's ts, e.g. {mismatched[:5]}")
    posted = [line for line in lines if line.startswith("posted digest to")]
    if len(posted) != len(channels) or len(lines) != len(channels):
        problems.append(f"run_due reported {len(posted)} digests posted of {len(channels)}, in {len(lines)} lines")
    refused = Counter(channel for channel, _, status in posts if status == 429)
    if set(refused) != set(limited) or any(n != 1 for n in refused.values()):
        extra = sorted(set(refused) - set(limited))[:5]
        problems.append(f"{sum(refused.values())} 429s, expected one for each of {len(limited)}; others: {extra}")
    attempts: dict[str, list[float]] = {}
    for channel, at, _ in posts:
        attempts.setdefault(channel, []).append(at)
    early = [(c, round(t[1] - t[0], 3)) for c, t in attempts.items() if len(t) > 1 and t[1] - t[0] < RETRY_AFTER]
    if early:
        problems.append(f"{len(early)} channels were retried before Retry-After, e.g. {early[:5]}")
    more = len(second["posts"]) - len(posts)
    if more or any(line.startswith("posted") for line in again):
        problems.append(f"the second run_due made {more} more chat.postMessage calls: {again[:5]}")
    return problems


# ---- the dedicated PostgreSQL database ---------------------------------------------------------------


def server_version(engine: Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "SQLite " + connection.execute(text("select sqlite_version()")).scalar()
        return "PostgreSQL " + connection.execute(text("show server_version")).scalar().split()[0]


# ---- reporting ---------------------------------------------------------------------------------------


def report(result: dict) -> None:
    counts = ", ".join(f"{n} {what}" for what, n in result["counts"].items())
    blocks = result["blocks"]
    print(f"{result['version']}: {counts}")
    print(
        f"{result['channels']} channels, {result['limited']} answered 429 (Retry-After {RETRY_AFTER} s) on their "
        f"first post; {result['workers']} workers; stand-in latency {result['latency'] * 1000:.0f} ms"
    )
    if blocks:
        print(f"digests: {blocks[0]} to {blocks[-1]} blocks")
    print(f"run_due: {result['elapsed']:.2f} s (planning {result['plan']:.2f} s)")
    print(
        f"first post at {result['first_post']:.2f} s, last 429 at {result['last_429']:.2f} s, "
        f"last accepted post at {result['last_post']:.2f} s; {result['refused']} posts answered 429"
    )
    print(
        f"bound: {result['bound']:.2f} s (the largest Retry-After; with this run's first attempts the limits "
        f"forced the end no earlier than {result['forced']:.2f} s)"
    )
    print("Slack calls: " + ", ".join(f"{n} {method}" for method, n in sorted(result["methods"].items())))
    print(
        f"posting floor: {result['floor']:.2f} s for {result['channels']} bare chat.postMessage calls of one digest "
        f"from {result['workers']} threads (no database, no 429s)"
    )
    ratio = result["elapsed"] / required(result)
    verdict = "within" if ratio <= TARGET_RATIO else "NOT within"
    print(f"measured / (posting floor + largest Retry-After) = {ratio:.2f}: {verdict} {TARGET_RATIO}x (the target)")
    if result["bound"]:
        print(f"measured / largest Retry-After alone = {result['elapsed'] / result['bound']:.2f}")
    for problem in result["problems"]:
        print(f"VIOLATION: {problem}")
    if not result["problems"]:
        print("exactly once: held (one message and one delivered ledger row per channel; a second run posted nothing)")


def delivery_options(parser: argparse.ArgumentParser) -> None:
    """The options this benchmark and benchmarks.many_workspaces share: where the database is, and how Slack
    behaves."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="an empty database to fill and use, and keep")
    where.add_argument(
        "--postgres", action="store_true", help="use a fresh bench_delivery_<pid> database, then drop it"
    )
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL, help="where to create that database")
    parser.add_argument("--rate-limited-share", type=float, default=0.1, help="channels answered 429 at first")
    parser.add_argument("--workers", type=int, help=f"the runner's thread pool (default {DEFAULT_WORKERS})")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the stand-in takes per call")
    parser.add_argument("--serve-slack", action="store_true", help=argparse.SUPPRESS)


def run_measured(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    *,
    measure_at: Callable[[str], dict],
    serve: Callable[[], None],
    report: Callable[[dict], None],
) -> int:
    """Serve the stand-in (the child's part), or measure on the chosen database (a fresh SQLite file by default),
    report, and say how it went: 2 if exactly once failed, 1 if the time missed the target."""
    if args.serve_slack:
        serve()
        return 0
    if not 0 <= args.rate_limited_share <= 1:
        parser.error("--rate-limited-share is a fraction from 0 to 1")
    logging.basicConfig(level=logging.ERROR)  # post_message warns about every 429 it is handed: not news here
    if args.database_url:
        result = measure_at(args.database_url)
    elif args.postgres:
        with fresh_postgres(args.postgres_admin_url, BENCH_DATABASE) as url:
            result = measure_at(url)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            result = measure_at(f"sqlite:///{scratch}/bench.sqlite3")
    report(result)
    if result["problems"]:
        return 2
    return 1 if result["elapsed"] > TARGET_RATIO * required(result) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=1000, help="subscribed channels, all due at one slot")
    delivery_options(parser)
    args = parser.parse_args()
    shape = (args.channels, args.rate_limited_share, args.workers, args.latency)
    return run_measured(parser, args, measure_at=lambda url: measure(url, *shape), serve=serve_slack, report=report)


def required(result: dict) -> float:
    """What the rate limits require on this machine: every first attempt made (the posting floor), then the
    largest Retry-After waited out."""
    return result["floor"] + result["bound"]


if __name__ == "__main__":
    sys.exit(main())
