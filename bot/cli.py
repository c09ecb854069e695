"""The `programme-talks` command: serve, migrate, demo."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING

from bot import logs
from bot.config import ConfigError, Settings, redact_url

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy import Engine

    from bot.delivery import Runner
    from storage.db import Sessions

log = logging.getLogger("programme_talks")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="programme-talks", description="Share practice and collaborate, in Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve Slack's requests on /slack/events (and /healthz)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--no-scheduler", action="store_true", help="web only: another process runs the scheduler")
    commands.add_parser("scheduler", help="run the scheduler alone (digests), without serving Slack's requests")
    run_due = commands.add_parser("run-due", help="do once everything the scheduler would have done by a moment")
    run_due.add_argument(
        "--at",
        type=_moment,
        default=None,
        metavar="ISO-TIMESTAMP",
        help="the moment to run as (default: now); without a zone, the workspace's time zone",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("demo", help="play a short scene against a local Slack stand-in; no Slack account needed")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve_command(args.host, args.port, scheduler=not args.no_scheduler)
        if args.command == "scheduler":
            return scheduler_command()
        if args.command == "run-due":
            return run_due_command(args.at)
        if args.command == "migrate":
            return migrate_command()
        if args.command == "demo":
            from bot.devkit.demo import run_demo

            return run_demo()
    except ConfigError as error:
        print(f"programme-talks: {error}", file=sys.stderr)
        return 2
    return 1


def migrate_command() -> int:
    from storage.db import make_engine, migrate

    settings = Settings.from_env(require_slack=False)
    logs.configure(logging.INFO, *settings.secrets())
    migrate(make_engine(settings.database_url, answer_in_time=False))
    log.info("database %s is up to date", redact_url(settings.database_url))
    return 0


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO timestamp such as 2026-11-30T09:00") from error
    return moment


def _runtime(settings: Settings) -> tuple[Engine, Sessions, WebClient, Runner]:
    """The pieces every long-running command shares: engine, sessions, Slack client, digest runner."""
    from bot.clock import system_clock
    from bot.delivery import Runner
    from bot.slack import make_client
    from storage.db import make_engine, make_sessions, migrate

    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        migrate(engine)
    sessions, client = make_sessions(engine), make_client(settings)
    return engine, sessions, client, Runner(sessions, client, settings.tz, clock=system_clock)


def serve_command(host: str, port: int, *, scheduler: bool = True) -> int:
    from bot.app import serve_app
    from bot.delivery import start_scheduler
    from bot.server import server_url

    settings = Settings.from_env()
    logs.configure(logging.INFO, *settings.secrets())
    engine, sessions, client, runner = _runtime(settings)
    served = serve_app(settings, engine, sessions, client, host=host, port=port, digest_desk=runner)
    scheduler_thread = start_scheduler(runner) if scheduler else None
    log.info(
        "serving Slack on %s/slack/events (database %s, scheduler %s)",
        server_url(served.server),
        redact_url(settings.database_url),
        "on" if scheduler_thread else "off",
    )
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop: drain, exactly as for Ctrl-C
    try:
        served.server.run()
    except KeyboardInterrupt:
        log.info("stopping: finishing the work already acknowledged")
    finally:
        served.server.close()
        served.drain()  # listeners, then the worker: nothing anyone shared and was acknowledged is dropped
        if scheduler_thread:
            scheduler_thread.shutdown(wait=True)
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def scheduler_command() -> int:
    from bot.delivery import start_scheduler

    settings = Settings.from_env()
    logs.configure(logging.INFO, *settings.secrets())
    _engine, _sessions, _client, runner = _runtime(settings)
    background = start_scheduler(runner)
    log.info("scheduler running (database %s); Ctrl-C stops it", redact_url(settings.database_url))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        background.shutdown(wait=True)
    return 0


def run_due_command(at: dt.datetime | None) -> int:
    settings = Settings.from_env()
    logs.configure(logging.WARNING, *settings.secrets())
    _engine, _sessions, _client, runner = _runtime(settings)
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=settings.tz)
    moment = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    lines = runner.run_due(moment)
    print(
        f"run-due at {moment.astimezone(settings.tz):%Y-%m-%d %H:%M %Z}: "
        + (f"{len(lines)} thing{'s' if len(lines) != 1 else ''} done" if lines else "nothing to do")
    )
    for line in lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
