"""How many outbox jobs one worker does per second, and two: the path a form share takes after Slack's answer.

    python -m benchmarks.job_throughput [--jobs 2000] [--workers 1 2] [--postgres | --database-url URL]

Fills a fresh database with `--jobs` saved shares and one queued job each to post it (the job a share form
records: handlers.shares.posting.post_and_tell_by_dm), then starts N worker processes, each a JobRunner with
4 threads as `serve`'s worker runs, against a local Slack stand-in in this process (answering at once), and
times from their start until the outbox is empty. Each posted share hands on one job more (matching it to followers
and open requests), so the outbox does two jobs per share. Reports jobs per second for each N, and checks that every
share was posted exactly once and linked to its message. Exits 1 if not. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections import Counter

from sqlalchemy import func, select

from benchmarks.databases import POSTGRES_ADMIN_URL, fresh_postgres
from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET
from handlers.context import job_name
from handlers.shares.posting import post_and_tell_by_dm
from storage import jobs, shares
from storage.db import make_engine, make_sessions, migrate
from storage.models import QueuedJob, Share

TEAM = "T_BENCH"
NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


def fill(url: str, count: int) -> None:
    engine = make_engine(url, answer_in_time=False)
    migrate(engine)
    sessions = make_sessions(engine)
    name = job_name(post_and_tell_by_dm)
    with sessions.begin() as session:
        for n in range(count):
            share = shares.add_share(
                session,
                team_id=TEAM,
                author_id=f"U{n:05d}",
                channel_id=f"C{n % 50:03d}",
                title=f"Share {n}",
                body="Walk and talk sessions before the school day",
                now=NOW,
            )
            args = ["share", TEAM, share.id, f"U{n:05d}"]
            jobs.add_job(session, team_id=TEAM, name=name, key=f"bench:{n}", args=args, now=dt.datetime.now(dt.UTC))
    engine.dispose()


def worker(url: str, slack_url: str, threads: int) -> None:
    """One worker process, as `serve` starts it: a JobRunner sweeping the outbox until it is empty."""
    from bot.clock import system_clock
    from bot.config import Settings
    from bot.jobs import JobRunner
    from bot.slack import make_client
    from handlers.context import Deps

    settings = Settings(BOT_TOKEN, SIGNING_SECRET, url, slack_api_url=slack_url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    runner = JobRunner(sessions, make_client(settings), threads=threads, poll_seconds=0.05)
    runner.start(Deps(sessions=sessions, clock=system_clock, default_tz=settings.tz, jobs=runner))
    while waiting(sessions):
        time.sleep(0.05)
    runner.shutdown(wait=True)
    engine.dispose()


def waiting(sessions) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(QueuedJob).where(QueuedJob.status.in_(("queued", "running")))
        )


def measure(url: str, count: int, processes: int, threads: int) -> dict:
    fill(url, count)
    slack = LocalSlack().start()
    try:
        context = multiprocessing.get_context("spawn")
        children = [context.Process(target=worker, args=(url, slack.url, threads)) for _ in range(processes)]
        started = time.monotonic()
        for child in children:
            child.start()
        for child in children:
            child.join()
        elapsed = time.monotonic() - started
        posts = Counter(call.args["channel"] for call in slack.calls_to("chat.postMessage"))
        titles = Counter(
            call.args.get("text", "") for call in slack.calls_to("chat.postMessage") if call.response.get("ok")
        )
    finally:
        slack.stop()
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        linked = session.scalar(select(func.count()).select_from(Share).where(Share.message_ts.is_not(None)))
        finished = select(func.count()).select_from(QueuedJob).where(QueuedJob.status == "done")
        done_all = session.scalar(finished)
        # Each posted share hands on one more job (matching it to followers and open requests: handlers.follows).
        done = session.scalar(finished.where(QueuedJob.name == job_name(post_and_tell_by_dm)))
    engine.dispose()
    doubled = sum(1 for _, n in titles.items() if n > 1)
    return {
        "processes": processes,
        "seconds": elapsed,
        "per_second": done_all / elapsed,
        "done_all": done_all,
        "posted": sum(posts.values()),
        "linked": linked,
        "done": done,
        "doubled": doubled,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes to try in turn")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker, as serve's worker has")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="default: a fresh SQLite file")
    where.add_argument("--postgres", action="store_true", help="a fresh database on the local PostgreSQL")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args()
    failed = False
    print(f"{args.jobs} jobs, each posting one saved share; {args.threads} threads per worker process")
    for processes in args.workers:
        with contextlib.ExitStack() as stack:
            if args.postgres:
                url = stack.enter_context(fresh_postgres(args.postgres_admin_url, f"pt_bench_{uuid.uuid4().hex[:8]}"))
            else:
                scratch = stack.enter_context(tempfile.TemporaryDirectory())
                url = args.database_url or f"sqlite:///{os.path.join(scratch, 'bench.sqlite3')}"
            result = measure(url, args.jobs, processes, args.threads)
        ok = result["posted"] == result["linked"] == result["done"] == args.jobs and result["doubled"] == 0
        failed |= not ok
        print(
            f"{processes} worker(s): {result['seconds']:.2f} s, {result['done_all']} jobs done, "
            f"{result['per_second']:.0f} jobs/s; "
            f"posted {result['posted']}, linked {result['linked']}, done {result['done']}, "
            f"posted twice {result['doubled']}: {'ok' if ok else 'NOT OK'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
