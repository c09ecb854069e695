"""What each `programme-talks` command does once its arguments are read (bot.cli reads them): migrate, serve,
scheduler, run-due, erase-workspace and erase-uninstalled.

A setting that is wrong raises ConfigError, something not ready raises NotReady: bot.cli turns either into one
sentence and an exit status.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import sys
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from bot import logs
from bot.config import ConfigError, Settings, redact_url
from bot.startup import NotReady

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy import Engine

    from bot.delivery import Runner
    from storage.db import Sessions

log = logging.getLogger("programme_talks")

UNDONE, WRONG_SETTING, NOT_READY = 1, 2, 3  # exit statuses (bot.cli's docstring says what each means)


def _settings(
    *, require_slack: bool = True, require_signing_secret: bool = True, socket_mode: bool = False
) -> Settings:
    settings = Settings.from_env(
        require_slack=require_slack, require_signing_secret=require_signing_secret, socket_mode=socket_mode
    )
    return settings.check(slack=require_slack)


def _logging(settings: Settings, level: int, log_format: str | None) -> Settings:
    """Log as --log-format says, else as PROGRAMME_TALKS_LOG_FORMAT did; the settings, carrying the format chosen
    to the processes started with them (the after-ack worker)."""
    settings = replace(settings, log_format=log_format or settings.log_format)
    logs.configure(level, *settings.secrets(), json=settings.log_format == "json")
    return settings


def migrate_command(*, log_format: str | None = None) -> int:
    from bot.startup import migrate_database

    settings = _settings(require_slack=False)
    settings = _logging(settings, logging.INFO, log_format)
    schema = migrate_database(settings)
    log.info("database %s is up to date (revision %s)", redact_url(settings.database_url), schema.current)
    return 0


def _runtime(settings: Settings, *, migrate: bool = False) -> tuple[Engine, Sessions, WebClient, Runner]:
    """The pieces every long-running command shares: engine, sessions, Slack client, and the delivery runner
    (each workspace's posts with its own client: the one token's, or, for many, each one's from the database).

    The database must be ready first (bot.startup.ready_database): reachable, its schema this release's; for many
    workspaces, its stored tokens readable with PROGRAMME_TALKS_SECRET_KEY.
    """
    from bot.clock import system_clock
    from bot.delivery import Runner
    from bot.installations import make_clients
    from bot.slack import make_client
    from bot.startup import ready_database
    from storage.db import make_sessions

    engine = ready_database(settings, migrate_first=migrate)
    sessions, client = make_sessions(engine), make_client(settings)
    if settings.oauth:
        from bot.installations import Cipher, check_stored_tokens

        try:
            check_stored_tokens(sessions, Cipher(settings.secret_key))  # a missing or wrong key: one sentence
        except BaseException:
            engine.dispose()
            raise
    runner = Runner(
        sessions,
        make_clients(settings, sessions, client),
        settings.tz,
        clock=system_clock,
        keep_uninstalled=dt.timedelta(days=settings.keep_uninstalled_days),
    )
    return engine, sessions, client, runner


def serve_command(
    host: str,
    port: int,
    *,
    scheduler: bool = True,
    migrate: bool = False,
    log_format: str | None = None,
    socket_mode: bool = False,
) -> int:
    from bot.app import serve_app
    from bot.delivery import start_scheduler
    from bot.server import server_url
    from bot.startup import check_port, port_problem

    settings = _settings(socket_mode=socket_mode)
    _forget_slack_secrets()
    settings = _logging(settings, logging.INFO, log_format)
    check_port(host, port)
    engine, sessions, client, runner = _runtime(settings, migrate=migrate)
    _prepare_metrics()  # before the worker process starts, so it counts where /metrics reads
    try:
        served = serve_app(
            settings, engine, sessions, client, host=host, port=port, digest_desk=runner, socket_mode=socket_mode
        )
    except OSError as error:  # the port was taken between the check and now
        _stop_worker()
        raise NotReady(port_problem(error, host, port)) from error
    except BaseException:
        _stop_worker()
        raise
    if served.socket is not None:
        try:
            served.socket.connect()
        except BaseException:
            served.server.close()
            served.drain()
            raise
    scheduler_thread = start_scheduler(runner) if scheduler else None
    url = server_url(served.server)
    log.info(
        "serving Slack %s (database %s, scheduler %s)",
        f"over Socket Mode, and monitors on {url}" if served.socket else f"on {url}/slack/events",
        redact_url(settings.database_url),
        "on" if scheduler_thread else "off",
    )
    if settings.oauth:
        log.info("serving many workspaces: each installs the app at %s/slack/install", url)
        if not settings.secret_key:
            log.warning(
                "the workspaces' Slack tokens are kept in the database unencrypted: set PROGRAMME_TALKS_SECRET_KEY "
                "(README: Many workspaces) and they are encrypted at the next start"
            )
        if scheduler:
            log.warning(
                "scheduled digests, review nudges and event reminders are not posted when serving many workspaces in "
                "this release (`/talks digest now` and preview work)"
            )
    if engine.dialect.name == "sqlite":
        log.info(
            "serving as a single replica: a SQLite database is one machine's file, so run one `serve` on it "
            "(use PostgreSQL to run several)"
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


def _prepare_metrics() -> None:
    from bot import metrics

    try:
        metrics.prepare()
    except OSError as error:
        raise ConfigError(
            f"PROMETHEUS_MULTIPROC_DIR is {os.environ.get('PROMETHEUS_MULTIPROC_DIR')}, a folder this user cannot "
            f"create or write to ({error.strerror}): make it writable, or leave it unset for a fresh one."
        ) from error


def _forget_slack_secrets() -> None:
    """Take the Slack secrets out of this process's environment once they are in the settings.

    Bolt's App reads SLACK_BOT_TOKEN from the environment even when it is given a client (which already has the
    token), then warns at every start that the token "will be unused". The settings are the app's one source of
    its secrets, so the environment no longer needs them; the worker process, which gets the settings from
    this one, no longer inherits them either.
    """
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "PROGRAMME_TALKS_SECRET_KEY",
    ):
        os.environ.pop(name, None)


def _stop_worker() -> None:
    """The server failed to start after its worker process had: stop the worker, which has no work yet, so this
    process can exit (it would otherwise wait for the worker, which waits for work, for ever)."""
    for child in multiprocessing.active_children():
        child.kill()
        child.join()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def scheduler_command(*, log_format: str | None = None) -> int:
    from bot.delivery import start_scheduler

    settings = _settings(require_signing_secret=False)
    settings = _logging(settings, logging.INFO, log_format)
    _engine, _sessions, _client, runner = _runtime(settings)
    _prepare_metrics()
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


def run_due_command(at: dt.datetime | None, *, log_format: str | None = None) -> int:
    from bot.delivery.runner import left_undone

    settings = _settings(require_signing_secret=False)
    settings = _logging(settings, logging.WARNING, log_format)
    engine, _sessions, _client, runner = _runtime(settings)
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=settings.tz)
    moment = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    lines = runner.run_due(moment)
    engine.dispose()
    print(
        f"run-due at {moment.astimezone(settings.tz):%Y-%m-%d %H:%M %Z}: "
        + (f"{len(lines)} thing{'s' if len(lines) != 1 else ''} done" if lines else "nothing to do")
    )
    for line in lines:
        print(f"  {line}")
    if left_undone(lines):
        print(
            "programme-talks: run-due left something due undone (see above); the next run catches up.",
            file=sys.stderr,
        )
        return UNDONE
    return 0


def erase_workspace_command(team_id: str, *, yes: bool, log_format: str | None = None) -> int:
    from bot.installations import revoke_token
    from bot.startup import ready_database
    from storage import installations as store
    from storage.db import make_sessions

    settings = _settings(require_slack=False)
    settings = _logging(settings, logging.WARNING, log_format)
    engine = ready_database(settings)
    try:
        sessions = make_sessions(engine)
        with sessions.begin() as session:
            counts = store.count_workspace_rows(session, team_id=team_id)
            installation = store.get_installation(session, team_id=team_id)
        if not counts:
            print(f"Workspace {team_id} has nothing in this database: nothing to erase.")
            return 0
        total = sum(counts.values())
        print(f"Workspace {team_id} has {total} row{'s' if total != 1 else ''} here:")
        for table, found in counts.items():
            print(f"  {table}: {found}")
        if not yes:
            print(f"Nothing was erased. To erase them all, for good: programme-talks erase-workspace {team_id} --yes")
            return WRONG_SETTING
        live = installation is not None and installation.installed and installation.bot_token is not None
        if live and settings.oauth and revoke_token(settings, sessions, team_id):
            print("Revoked its bot token at Slack: the app is no longer in that workspace.")
        elif live or (installation is None and not settings.oauth):
            print("If the app is still in that workspace, remove it there too (Slack: Settings, Manage apps).")
        with sessions.begin() as session:
            erased = store.erase_workspace(session, team_id=team_id)
        gone = sum(erased.values())
        print(f"Erased {gone} row{'s' if gone != 1 else ''} of workspace {team_id}.")
        return 0
    finally:
        engine.dispose()


def erase_uninstalled_command(*, log_format: str | None = None) -> int:
    from bot.delivery.retention import erase_uninstalled_workspaces
    from bot.startup import ready_database
    from storage.db import make_sessions

    settings = _settings(require_slack=False)
    settings = _logging(settings, logging.WARNING, log_format)
    engine = ready_database(settings)
    try:
        keep = dt.timedelta(days=settings.keep_uninstalled_days)
        erased = erase_uninstalled_workspaces(make_sessions(engine), now=dt.datetime.now(dt.UTC), keep=keep)
    finally:
        engine.dispose()
    if not erased:
        print(f"No workspace removed the app more than {keep.days} days ago: nothing to erase.")
    for team_id, counts in erased:
        rows = f"{sum(counts.values())} row{'s' if sum(counts.values()) != 1 else ''}"
        print(f"Erased workspace {team_id} ({rows}), {keep.days} days after it removed the app.")
    return 0
