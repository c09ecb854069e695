"""/share acknowledgement latency over HTTP, beside a bare Bolt app on the same server stack.

    python -m benchmarks.ack_latency [--requests 4000] [--senders 20] [--database-url URL] [--oauth]

Each server runs in a child process (`--serve real|bare`), and the Slack stand-in both talk to in another
(`--serve slack`), as real Slack is not part of the server: so a server's peak RSS and CPU are its own. A
child prints its URL as a line of JSON, serves until its stdin closes, then prints its peak RSS (the real
app also how many shares were stored and linked to their posts; the stand-in how many posts it took).
With `--oauth`, the real app serves many workspaces (install mode 3): no bot token in its settings; the workspace's
installation is in the database, its token encrypted (PROGRAMME_TALKS_SECRET_KEY), and each request's token is
looked up and decrypted as it comes in (bot.installations.InstallationAuthorize).
Exits 1 if a target is missed, a request failed or a share was lost. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.fernet import Fernet

from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET, Sandbox
from bot.devkit.simulate import APP_ID, TEAM_ID, sign

WARMUP = 100
TARGET_P99_MS = 100.0
TARGET_RATIO = 1.5
DRAIN_SECONDS = 120  # how long the real app may take to finish storing and posting after the last ack
PROJECT = Path(__file__).resolve().parent.parent


# ---- the server processes ---------------------------------------------------------------------------


def serve(kind: str, database_url: str | None, threads: int, slack_url: str | None, *, oauth: bool = False) -> None:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is 4": expected here
    with tempfile.TemporaryDirectory() as scratch:
        if kind == "slack":
            serve_slack()
        elif kind == "real":
            serve_real(database_url or f"sqlite:///{scratch}/bench.db", threads, slack_url, oauth=oauth)
        else:
            serve_bare(threads, slack_url)


def serve_slack() -> None:
    """The Slack stand-in, in a process of its own: Slack is not part of the server being measured."""
    from bot.devkit.local_slack import LocalSlack

    slack = LocalSlack().start()
    announce_and_wait(slack.url, slack.url)
    report(posted=sum(call.method == "chat.postMessage" and call.response["ok"] for call in slack.calls))


def serve_real(database_url: str, threads: int, slack_url: str, *, oauth: bool = False) -> None:
    from sqlalchemy import func, select

    from bot.devkit.sandbox import Sandbox
    from storage.models import Share

    def counts() -> tuple[int, ...]:
        with sandbox.sessions() as session:
            return tuple(session.execute(select(func.count(Share.id), func.count(Share.message_ts))).one())

    key = Fernet.generate_key().decode() if oauth else ""
    sandbox = Sandbox(
        database_url, threads=threads, slack_api_url=slack_url, worker_process=True, oauth=oauth, secret_key=key
    ).start()
    if oauth:
        install(sandbox, key)
    before = counts()
    sent = int(announce_and_wait(sandbox.url, slack_url) or 0)
    acked = last_change = time.monotonic()
    now = [n - b for n, b in zip(counts(), before, strict=True)]
    while time.monotonic() - last_change < 5 and time.monotonic() - acked < DRAIN_SECONDS:
        time.sleep(0.1)  # background work is done when every share sent is stored and linked (or nothing moves for 5 s)
        now, previous = [n - b for n, b in zip(counts(), before, strict=True)], now
        if now != previous:
            last_change = time.monotonic()
        elif set(now) == {sent}:
            break
    stored, linked = now
    sandbox.stop()  # the worker process exits, so its peak RSS can be read
    worker_peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report(stored=stored, linked=linked, caught_up_s=round(last_change - acked, 1), worker_peak_mib=worker_peak_mib)


def install(sandbox: Sandbox, key: str) -> None:
    """The workspace's installation as the OAuth flow saves it (tests/test_oauth.py goes through the flow itself)."""
    import datetime as dt

    from bot.installations import Cipher
    from storage import installations

    with sandbox.sessions.begin() as session:
        installations.save_installation(
            session,
            team_id=TEAM_ID,
            team_name="Benchmark Trust",
            enterprise_id=None,
            app_id=APP_ID,
            bot_id="B_BENCH",
            bot_user_id="U_BOT",
            bot_scopes=("chat:write", "commands"),
            bot_token=Cipher(key).seal(BOT_TOKEN),
            bot_refresh_token=None,
            bot_token_expires_at=None,
            encrypted=True,
            installed_by="U_ADMIN",
            now=dt.datetime.now(dt.UTC),
        )


def serve_bare(threads: int, slack_url: str) -> None:
    from slack_bolt import App
    from slack_sdk import WebClient
    from sqlalchemy import create_engine

    from bot.server import make_server, make_wsgi_app, server_url

    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token=BOT_TOKEN, base_url=slack_url),  # answers the auth.test Bolt makes at first
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=threads, thread_name_prefix="listener"),
    )
    app.command("/share")(lambda ack: ack())
    server = make_server(make_wsgi_app(app, create_engine("sqlite://")), host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    announce_and_wait(server_url(server), slack_url)
    report()  # then exit: the daemon threads and their sockets go with the process


def announce_and_wait(url: str, slack_url: str) -> str:
    """Say where we serve; wait until the load generator has finished (it closes our stdin). What it wrote: how many
    shares it sent, for the real app to wait for."""
    print(json.dumps({"url": url, "slack": slack_url}), flush=True)
    return sys.stdin.read().strip()


def report(**extra: float) -> None:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_mib": peak_kib / 1024, **extra}), flush=True)


# ---- the load generator -----------------------------------------------------------------------------


def share_body(n: int, slack_url: str) -> bytes:
    """A /share slash command as Slack sends it (see bot.devkit.simulate.SlackSimulator.command)."""
    fields = {
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "team_domain": "example",
        "channel_id": "C_PRACTICE",
        "channel_name": "practice",
        "user_id": f"U_SENDER{n % 20}",
        "user_name": f"sender{n % 20}",
        "command": "/share",
        "text": f"Moved the drop-in to after school and twice as many families came, round {n} #attendance",
        "api_app_id": APP_ID,
        "response_url": slack_url.removesuffix("api/") + f"response/{n}",
        "trigger_id": f"trigger.bench.{n}",
    }
    return urllib.parse.urlencode(fields).encode()


def load(url: str, slack_url: str, *, count: int, senders: int, first: int = 0) -> tuple[list[float], int, float]:
    """Send `count` signed /share commands from `senders` keep-alive connections: (latencies, errors, seconds)."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    numbers = itertools.count(first)  # shared by the senders: next() on itertools.count is atomic

    def sender() -> tuple[list[float], int]:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        latencies, errors = [], 0
        while (n := next(numbers)) < first + count:
            body = share_body(n, slack_url)
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SIGNING_SECRET, body)}
            started = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body, headers)
                response = connection.getresponse()
                response.read()
                errors += response.status != 200
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()  # http.client reconnects on the next request
            latencies.append(time.perf_counter() - started)
        connection.close()
        return latencies, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        results = [future.result() for future in [pool.submit(sender) for _ in range(senders)]]
    seconds = time.perf_counter() - started
    return [x for latencies, _ in results for x in latencies], sum(errors for _, errors in results), seconds


def start(kind: str, args: argparse.Namespace, slack_url: str | None = None) -> tuple[subprocess.Popen, dict]:
    command = [sys.executable, "-m", "benchmarks.ack_latency", "--serve", kind, "--threads", str(args.threads)]
    command += ["--database-url", args.database_url] if args.database_url else []
    command += ["--slack-url", slack_url] if slack_url else []
    command += ["--oauth"] if args.oauth and kind == "real" else []
    child = subprocess.Popen(command, cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    if not line:
        child.kill()
        raise SystemExit(f"the {kind} process did not start: see its error above")
    return child, json.loads(line)


def finish(child: subprocess.Popen, sent: int = 0) -> dict:
    try:
        # Tells the child how many were sent, and closes its stdin: it reports and exits.
        out, _ = child.communicate(str(sent), timeout=DRAIN_SECONDS + 30)
    finally:
        if child.poll() is None:
            child.kill()
    return json.loads(out.splitlines()[-1])


def measure(kind: str, args: argparse.Namespace) -> dict:
    """Start a Slack stand-in and a server of this kind, each in its own process; warm up, measure, report."""
    slack, slack_where = start("slack", args)
    try:
        child, where = start(kind, args, slack_where["url"])
        try:
            load(where["url"], where["slack"], count=WARMUP, senders=args.senders)
            latencies, errors, seconds = load(
                where["url"], where["slack"], count=args.requests, senders=args.senders, first=WARMUP
            )
        finally:
            server = finish(child, WARMUP + args.requests)
    finally:
        posted = finish(slack)["posted"]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    ms = {f"p{p}": cuts[p - 1] * 1000 for p in (50, 90, 99)} | {"max": max(latencies) * 1000}
    return {**ms, "rps": len(latencies) / seconds, "errors": errors, **server, "posted": posted}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000, help="measured requests per app (after warm-up)")
    parser.add_argument("--senders", type=int, default=20, help="concurrent senders, one connection each")
    parser.add_argument("--database-url", help="for the real app; default: a new SQLite file in a temp dir")
    parser.add_argument("--threads", type=int, default=16, help="waitress and listener threads in each server")
    parser.add_argument("--oauth", action="store_true", help="the real app serves many workspaces (OAuth)")
    parser.add_argument("--serve", choices=["real", "bare", "slack"], help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database_url, args.threads, args.slack_url, oauth=args.oauth)
        return 0

    load_before = os.getloadavg()[0]
    bare, real = measure("bare", args), measure("real", args)
    mode = "many workspaces (OAuth), token looked up per request" if args.oauth else "one workspace (bot token)"
    print(f"/share ack latency: {args.requests} requests, {args.senders} senders, {args.threads} server threads")
    print(f"real app: {mode}")
    print(f"machine load (1 min average): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'app':<6}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'req/s':>8}{'errors':>8}{'peak MiB':>10}")
    for name, r in (("bare", bare), ("real", real)):
        row = f"{r['p50']:9.1f}{r['p90']:9.1f}{r['p99']:9.1f}{r['max']:9.1f}{r['rps']:8.0f}{r['errors']:8d}"
        print(f"{name:<6}{row}{r['peak_rss_mib']:10.1f}")
    print(f"real/bare: p50 x{real['p50'] / bare['p50']:.2f}, p99 x{real['p99'] / bare['p99']:.2f}")
    sent = WARMUP + args.requests
    print(f"real app: {sent} shares sent, {real['stored']} stored, {real['posted']} posted, {real['linked']} linked")
    print(f"real app: background work caught up {real['caught_up_s']} s after the last acknowledgement")
    print(f"real app: its after-ack worker process peaked at {real['worker_peak_mib']:.1f} MiB (not in the table)")

    missed = []
    if real["p99"] >= TARGET_P99_MS:
        missed.append(f"p99 {real['p99']:.1f} ms is not under {TARGET_P99_MS:.0f} ms")
    if real["p99"] > TARGET_RATIO * bare["p99"]:
        missed.append(f"p99 is {real['p99'] / bare['p99']:.3f} times the bare app's (target: at most {TARGET_RATIO})")
    if real["errors"] or bare["errors"]:
        missed.append(f"{real['errors'] + bare['errors']} requests were not answered 200")
    if not real["stored"] == real["posted"] == real["linked"] == sent:
        missed.append("shares were lost: not every share sent was stored, posted and linked to its post")
    for problem in missed:
        print(f"MISSED: {problem}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
