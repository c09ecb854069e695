"""One slot's digests for many workspaces installed through OAuth, each posted exactly once with its own token.

    python -m benchmarks.many_workspaces [--workspaces 500] [--channels-per-workspace 4] [--rate-limited-share 0.1]
                                         [--database-url URL | --postgres] [--latency 0] [--workers N]

The digest delivery benchmark (benchmarks.digest_delivery) for the many-workspace install mode. The Slack stand-in
(bot.devkit.local_slack.LocalSlack, 1 post per second per channel) runs in a child process with `--workspaces`
workspaces of its own. Each is installed the way an admin installs the app: the real app, served by
bot.devkit.sandbox.Sandbox(oauth=True) with PROGRAMME_TALKS_SECRET_KEY set, is opened at /slack/install, the
stand-in's authorize page allows it, and /slack/oauth_redirect exchanges the code (oauth.v2.access) and saves the
installation, its bot token encrypted. Then the app's server is stopped: only what it stored is used.

Each workspace has a realistic week (benchmarks.digest_delivery.fill) and `--channels-per-workspace` channels
subscribed "weekly mon 09:00", all due at one slot. The scheduler's Runner (bot.delivery) runs once with
bot.installations.Installations as its Clients, as `programme-talks run-due` does for many workspaces: each
workspace's token is read from the database and decrypted, and every post goes with it. As in the digest benchmark,
an evenly spread share of the channels answers its first chat.postMessage with 429 and Retry-After: 1.

Timed: `runner.run_due(slot)` from call to return. Compared with what the rate limits and posting require: the
posting floor (as many bare chat.postMessage calls of one digest, from as many threads, each with its own
workspace's token and client, to a fresh stand-in with the same workspaces and no 429s or database) plus the
largest Retry-After.

Checked, exactly once: one message in each subscribed channel, in its own workspace's Slack; every
chat.postMessage made with the token of the channel's own workspace (the stand-in records whose token made each
call); one "delivered" ledger row per channel holding that message's ts; one 429 per rate-limited channel, each
honoured for its whole Retry-After; nothing posted in any other workspace; a second run_due that posts nothing.
Exits 2 if any of that fails, else 1 if the run took more than 1.2 times the posting floor plus the largest
Retry-After. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import select

from benchmarks.digest_delivery import (
    RETRY_AFTER,
    SLOT,
    TARGET_RATIO,
    TZ,
    WEEK,
    SlackProcess,
    TimedDigests,
    delivery_options,
    fill,
    rate_limited,
    run_due,
    run_measured,
    server_version,
)
from bot.config import Settings
from bot.delivery import DEFAULT_WORKERS, Runner
from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, Sandbox
from bot.devkit.simulate import install
from bot.installations import Installations, web_client
from domain.digest import compose
from handlers.digests.blocks import digest_blocks, digest_text
from storage.db import make_engine, make_sessions, migrate
from storage.digests import digest_input
from storage.ledger import Status
from storage.models import Delivery, Installation

KEY = Fernet.generate_key().decode()  # tokens at rest are encrypted, as README recommends for many workspaces
INSTALLERS = 8  # admins installing at once, during setup
PROJECT = Path(__file__).resolve().parent.parent


def team_ids(count: int) -> list[str]:
    return [f"TW{n:04d}" for n in range(count)]


def channel_ids(count: int) -> list[str]:
    return [f"C{n:05d}" for n in range(count)]


# ---- Slack: the stand-in, with many workspaces, in a process of its own ----------------------------------------


def serve_slack() -> None:
    """The child process: a LocalSlack with the workspaces and faults the first line of stdin gives; then one
    command a line ("register": the app, with its redirect URL; "tokens": install it in every workspace directly,
    for the posting floor; "snapshot": what it saw), each answered with a line of JSON."""
    setup = json.loads(sys.stdin.readline())
    with LocalSlack(posts_per_second_per_channel=1, latency=setup["latency"]) as slack:
        for team_id, channels in setup["workspaces"].items():
            slack.add_workspace(team_id, f"Workspace {team_id}")
            for channel in channels:
                slack.add_channel(channel, name=f"practice-{channel.lower()}", team_id=team_id)
        for channel in setup["limited"]:
            slack.fail(
                "chat.postMessage",
                status=429,
                retry_after=RETRY_AFTER,
                where=lambda args, c=channel: args.get("channel") == c,
            )
        print(json.dumps({"url": slack.url}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            if command["op"] == "register":
                slack.register_app(CLIENT_ID, CLIENT_SECRET, redirect_uri=command["redirect_uri"])
                print(json.dumps({}), flush=True)
            elif command["op"] == "tokens":
                print(json.dumps(issue_tokens(slack, list(setup["workspaces"]))), flush=True)
            else:
                print(json.dumps(snapshot(slack, setup["workspaces"])), flush=True)


def issue_tokens(slack: LocalSlack, teams: list[str]) -> dict[str, str]:
    """Each workspace's bot token, from the stand-in's own authorize and oauth.v2.access (for the posting floor)."""
    slack.register_app(CLIENT_ID, CLIENT_SECRET, redirect_uri="http://127.0.0.1/unused")
    exchange = WebClient(base_url=slack.url)
    tokens = {}
    for team_id in teams:
        code = parse_qs(urlsplit(slack.authorize(team_id=team_id, state="floor")).query)["code"][0]
        answer = exchange.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
        tokens[team_id] = answer["access_token"]
    return tokens


def snapshot(slack: LocalSlack, workspaces: dict[str, list[str]]) -> dict:
    """Every chat.postMessage (channel, whose token, when, HTTP status), and each workspace's messages by channel."""
    return {
        "posts": [(c.args.get("channel"), c.team_id, c.at, c.status) for c in slack.calls_to("chat.postMessage")],
        "methods": Counter(c.method for c in slack.calls),
        "messages": {
            team_id: {channel: [m["ts"] for m in messages] for channel, messages in state.messages.items()}
            for team_id, state in slack.workspaces.items()
        },
        "workspaces": len(workspaces),
    }


class WorkspacesProcess(SlackProcess):
    """The stand-in in a child process (as in the digest benchmark), with many workspaces of its own."""

    def __init__(self, workspaces: dict[str, list[str]], limited: list[str], latency: float) -> None:
        setup = {"workspaces": workspaces, "limited": limited, "latency": latency}
        super().__init__(setup, module="benchmarks.many_workspaces")

    def ask(self, op: str, **more: str) -> dict:
        self._send({"op": op, **more})
        return self._receive()


# ---- the run -----------------------------------------------------------------------------------------------------


def settings_for(database_url: str, slack_url: str) -> Settings:
    """Many workspaces: the app's OAuth credentials and the key for tokens at rest, no SLACK_BOT_TOKEN."""
    return Settings(
        slack_bot_token="",
        slack_signing_secret=SIGNING_SECRET,
        database_url=database_url,
        slack_api_url=slack_url,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        secret_key=KEY,
    )


def install_everywhere(database_url: str, slack: SlackProcess, teams: list[str]) -> float:
    """Install the app in every workspace through its own install pages, as admins would; seconds it took."""
    started = time.monotonic()
    sandbox = Sandbox(database_url, slack_api_url=slack.url, oauth=True, secret_key=KEY, migrate_schema=False)
    sandbox.start()
    try:
        slack.ask("register", redirect_uri=f"{sandbox.url}/slack/oauth_redirect")

        def one(team_id: str) -> None:
            page = install(sandbox.url, team_id)
            if page.status != 200 or "is installed" not in page.body:
                raise SystemExit(f"installing in {team_id} failed: {page.status} {page.body[:300]}")

        with ThreadPoolExecutor(max_workers=INSTALLERS) as pool:
            list(pool.map(one, teams))
    finally:
        sandbox.stop()
    return time.monotonic() - started


class CountedInstallations(Installations):
    """The real Installations, noting how often scheduled delivery asked for a workspace's client and how long
    that took (on the run's one database thread)."""

    asked = 0
    seconds = 0.0

    def client_for(self, team_id: str) -> WebClient:
        started = time.monotonic()
        try:
            return super().client_for(team_id)
        finally:
            self.asked += 1
            self.seconds += time.monotonic() - started


def posting_floor(
    database_url: str, workspaces: dict[str, list[str]], workers: int, latency: float, digest
) -> tuple[float, float]:
    """Seconds (wall, and this process's CPU) for one bare chat.postMessage of one digest to every channel, from
    `workers` threads, each with its own workspace's token and client, to a fresh stand-in with the same workspaces
    (no database, no 429s)."""
    blocks, words = digest_blocks(digest, tz=TZ), digest_text(digest)
    slack = WorkspacesProcess(workspaces, [], latency)
    try:
        tokens = slack.ask("tokens")
        settings = settings_for(database_url, slack.url)
        clients = {team_id: web_client(settings, token) for team_id, token in tokens.items()}
        posts = [(clients[team_id], channel) for team_id, channels in workspaces.items() for channel in channels]

        def post(where: tuple[WebClient, str]) -> None:
            client, channel = where
            client.chat_postMessage(channel=channel, blocks=blocks, text=words, unfurl_links=False, unfurl_media=False)

        started, cpu = time.monotonic(), time.process_time()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(post, posts))
        return time.monotonic() - started, time.process_time() - cpu
    finally:
        slack.stop()


def measure(url: str, teams_count: int, per_workspace: int, share: float, workers: int | None, latency: float) -> dict:
    engine = make_engine(url, answer_in_time=False)
    migrate(engine)
    sessions = make_sessions(engine)
    teams = team_ids(teams_count)
    channels = channel_ids(teams_count * per_workspace)
    home = {channel: teams[i % len(teams)] for i, channel in enumerate(channels)}  # as fill deals them
    workspaces = {team_id: [c for c in channels if home[c] == team_id] for team_id in teams}
    limited = rate_limited(channels, share)
    filled = time.monotonic()
    counts = fill(sessions, channels, teams)
    filled = time.monotonic() - filled
    slack = WorkspacesProcess(workspaces, limited, latency)
    try:
        installing = install_everywhere(url, slack, teams)
        options = {} if workers is None else {"workers": workers}
        timed = TimedDigests(sessions, TZ)
        clients = CountedInstallations(settings_for(url, slack.url), sessions)
        runner = Runner(sessions, clients, TZ, clock=lambda: SLOT, digests=timed, **options)
        before = slack.ask("snapshot")["methods"]  # installing's calls: oauth.v2.access, and Bolt's auth.test

        started, cpu = time.monotonic(), time.process_time()  # monotonic: the stand-in's clock too
        lines, crash = run_due(runner)
        elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
        asked, asking_s = clients.asked, clients.seconds

        first = slack.ask("snapshot")
        again, crash_again = run_due(runner)
        second = slack.ask("snapshot")
    finally:
        slack.stop()
    with sessions() as session:
        rows = session.execute(
            select(Delivery.team_id, Delivery.target, Delivery.kind, Delivery.status, Delivery.message_ts)
        ).all()
        installed = session.scalars(select(Installation).where(Installation.uninstalled_at.is_(None))).all()
        encrypted = sum(row.encrypted for row in installed)
        digest = compose(digest_input(session, team_id=teams[0], since=SLOT - WEEK, until=SLOT), now=SLOT)
    floor, floor_cpu = posting_floor(url, workspaces, workers or DEFAULT_WORKERS, latency, digest)
    version = server_version(engine)
    engine.dispose()

    runs = (("run_due", crash), ("the second run_due", crash_again))
    problems = [f"{which} raised {error}" for which, error in runs if error]
    issued = before.get("oauth.v2.access", 0)
    if len(installed) != teams_count or encrypted != teams_count or issued != teams_count:
        problems.append(f"{len(installed)} installations ({encrypted} encrypted) from {issued} oauth.v2.access calls")
    problems += check(home, limited, lines, again, first, second, rows)
    posts = first["posts"]
    first_429: dict[str, float] = {}
    for channel, _, at, status in posts:
        if status == 429:
            first_429.setdefault(channel, at)
    accepted = [at for _, _, at, status in posts if status == 200]
    return {
        "version": version,
        "workspaces": teams_count,
        "channels": len(channels),
        "limited": len(limited),
        "workers": workers or DEFAULT_WORKERS,
        "latency": latency,
        "counts": counts,
        "fill": filled,
        "installing": installing,
        "elapsed": elapsed,
        "cpu": cpu,
        "floor_cpu": floor_cpu,
        "plan": timed.plan_s,
        "asked": asked,
        "asking": asking_s,
        "first_post": min((at - started for _, _, at, _ in posts), default=0.0),
        "last_post": max((at - started for at in accepted), default=0.0),
        "last_429": max((at - started for at in first_429.values()), default=0.0),
        "refused": sum(status == 429 for *_, status in posts),
        "bound": RETRY_AFTER if limited else 0.0,
        "forced": max((at + RETRY_AFTER - started for at in first_429.values()), default=0.0),
        "floor": floor,
        "methods": {m: n - before.get(m, 0) for m, n in first["methods"].items() if n > before.get(m, 0)},
        "problems": problems,
    }


def check(home: dict[str, str], limited, lines, again, first, second, rows) -> list[str]:
    """Every way the run could have broken "exactly once, each with its own workspace's token", as sentences."""
    problems = []
    posts, messages = first["posts"], first["messages"]
    wrong = {c: len(messages.get(team_id, {}).get(c, [])) for c, team_id in home.items()}
    wrong = {c: n for c, n in wrong.items() if n != 1}
    if wrong:
        problems.append(f"{len(wrong)} channels do not have exactly one digest, e.g. {list(wrong.items())[:5]}")
    elsewhere = [
        (team_id, channel)
        for team_id, held in messages.items()
        for channel, found in held.items()
        if found and home.get(channel) != team_id
    ]
    if elsewhere:
        problems.append(f"{len(elsewhere)} channels got messages in another workspace's Slack: {elsewhere[:5]}")
    tokens = [(channel, team_id) for channel, team_id, _, _ in posts if home.get(channel) != team_id]
    if tokens:
        problems.append(f"{len(tokens)} posts were made with another workspace's token (or none): {tokens[:5]}")
    ledger_rows = Counter((team_id, target, kind, status) for team_id, target, kind, status, _ in rows)
    missing = [c for c, team_id in home.items() if ledger_rows[(team_id, c, "digest", Status.DELIVERED)] != 1]
    if missing or len(rows) != len(home):
        problems.append(f"{len(rows)} ledger rows; {len(missing)} channels without one 'delivered' row of theirs")
    ts = {target: message_ts for _, target, _, _, message_ts in rows}
    mismatched = [c for c, team_id in home.items() if (messages.get(team_id, {}).get(c) or [None])[0] != ts.get(c)]
    if mismatched:
        problems.append(f"{len(mismatched)} ledger rows do not hold their message's ts, e.g. {mismatched[:5]}")
    posted = [line for line in lines if line.startswith("posted digest to")]
    if len(posted) != len(home) or len(lines) != len(home):
        problems.append(f"run_due reported {len(posted)} digests posted of {len(home)}, in {len(lines)} lines")
    refused = Counter(channel for channel, _, _, status in posts if status == 429)
    if set(refused) != set(limited) or any(n != 1 for n in refused.values()):
        extra = sorted(set(refused) - set(limited))[:5]
        problems.append(f"{sum(refused.values())} 429s, expected one for each of {len(limited)}; others: {extra}")
    attempts: dict[str, list[float]] = {}
    for channel, _, at, _ in posts:
        attempts.setdefault(channel, []).append(at)
    early = [(c, round(t[1] - t[0], 3)) for c, t in attempts.items() if len(t) > 1 and t[1] - t[0] < RETRY_AFTER]
    if early:
        problems.append(f"{len(early)} channels were retried before Retry-After, e.g. {early[:5]}")
    more = len(second["posts"]) - len(posts)
    if more or any(line.startswith("posted") for line in again):
        problems.append(f"the second run_due made {more} more chat.postMessage calls: {again[:5]}")
    return problems


# ---- reporting ---------------------------------------------------------------------------------------------------


def report(result: dict) -> None:
    counts = ", ".join(f"{n} {what}" for what, n in result["counts"].items())
    print(f"{result['version']}: {counts} (filled in {result['fill']:.1f} s)")
    print(
        f"{result['workspaces']} workspaces installed through /slack/install in {result['installing']:.1f} s, "
        f"tokens encrypted; {result['channels']} channels, {result['limited']} answered 429 (Retry-After "
        f"{RETRY_AFTER} s) on their first post; {result['workers']} workers; stand-in latency "
        f"{result['latency'] * 1000:.0f} ms"
    )
    print(
        f"run_due: {result['elapsed']:.2f} s (planning {result['plan']:.2f} s; this process's CPU "
        f"{result['cpu']:.2f} s)"
    )
    print(
        f"workspace clients asked for: {result['asked']} times, {result['asking']:.2f} s in all (reading and "
        f"decrypting each token)"
    )
    print(
        f"first post at {result['first_post']:.2f} s, last 429 at {result['last_429']:.2f} s, "
        f"last accepted post at {result['last_post']:.2f} s; {result['refused']} posts answered 429"
    )
    print(
        f"bound: {result['bound']:.2f} s (the largest Retry-After; with this run's first attempts the limits "
        f"forced the end no earlier than {result['forced']:.2f} s)"
    )
    print("Slack calls in the run: " + ", ".join(f"{n} {m}" for m, n in sorted(result["methods"].items())))
    print(
        f"posting floor: {result['floor']:.2f} s for {result['channels']} bare chat.postMessage calls of one digest "
        f"from {result['workers']} threads, each with its workspace's token (no database, no 429s; CPU "
        f"{result['floor_cpu']:.2f} s)"
    )
    ratio = result["elapsed"] / (result["floor"] + result["bound"])
    verdict = "within" if ratio <= TARGET_RATIO else "NOT within"
    print(f"measured / (posting floor + largest Retry-After) = {ratio:.2f}: {verdict} {TARGET_RATIO}x (the target)")
    for problem in result["problems"]:
        print(f"VIOLATION: {problem}")
    if not result["problems"]:
        print(
            "exactly once: held (one message and one delivered ledger row per channel, each post with its own "
            "workspace's token; a second run posted nothing)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", type=int, default=500, help="workspaces installed through OAuth")
    parser.add_argument("--channels-per-workspace", type=int, default=4, help="subscribed channels in each")
    delivery_options(parser)
    args = parser.parse_args()
    shape = (args.workspaces, args.channels_per_workspace, args.rate_limited_share, args.workers, args.latency)
    return run_measured(parser, args, measure_at=lambda url: measure(url, *shape), serve=serve_slack, report=report)


if __name__ == "__main__":
    sys.exit(main())
