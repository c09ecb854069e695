"""The `programme-talks` command: serve, scheduler, run-due, migrate, erase-workspace, demo.

Whatever is wrong before a command can start (a setting, the database, its schema, the port) ends the same
way: one sentence on stderr and a non-zero exit status, never a traceback or a server left half started.

Exit status: 0 done; 1 run-due left something due undone (the next run catches up); 2 a setting or an argument
is wrong (a restart will not help); 3 something needed is not ready: the database unreachable or its schema
behind, or the port taken (a restart may help, once it is).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from bot.commands import (
    NOT_READY,
    WRONG_SETTING,
    erase_uninstalled_command,
    erase_workspace_command,
    migrate_command,
    run_due_command,
    scheduler_command,
    serve_command,
)
from bot.config import LOG_FORMATS, ConfigError
from bot.startup import NotReady

DEFAULT_PORT = 3000

# What each command's --help says about the environment it reads.
SLACK_TOKEN = "  SLACK_BOT_TOKEN       required for one workspace: the bot token (xoxb-...), from OAuth & Permissions\n"
SIGNING = (
    "  SLACK_SIGNING_SECRET  required (but not with --socket-mode): verifies requests come from Slack\n"
    "                        (Basic Information)\n"
)
APP_TOKEN = "  SLACK_APP_TOKEN       required with --socket-mode: an app-level token (xapp-...), connections:write\n"
MANY = (
    "  SLACK_CLIENT_ID, SLACK_CLIENT_SECRET\n"
    "                        for many workspaces, each installing at /slack/install, instead of\n"
    "                        SLACK_BOT_TOKEN (Basic Information)\n"
    "  SLACK_REDIRECT_URI    https://<your address>/slack/oauth_redirect (default: the app's at Slack)\n"
    "  PROGRAMME_TALKS_SECRET_KEY  encrypts the workspaces' tokens in the database (a Fernet key;\n"
    "                        several, comma-separated and newest first, while changing keys)\n"
    "  PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS  days a workspace's data is kept after it removes the\n"
    "                        app, so a reinstall restores it (default: 30)\n"
)
DATABASE = (
    "  DATABASE_URL          postgresql://user:password@host/database or sqlite:///path/to/file.sqlite3\n"
    "                        (default: sqlite:///programme-talks.sqlite3 in the working directory)\n"
)
OPTIONAL = (
    "  SLACK_API_URL         where Web API calls go (default: https://slack.com/api/)\n"
    "  PROGRAMME_TALKS_TZ    the workspace's time zone (default: Europe/London)\n"
)
LOG_FORMAT = "  PROGRAMME_TALKS_LOG_FORMAT  text or json: the default for --log-format (default: text)\n"
EXIT = "exit status: 0 done, 2 a setting is wrong, 3 the database or the port is not ready"


def environment(*lines: str) -> str:
    return "environment:\n" + "".join(lines)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (and the --help to read) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(WRONG_SETTING, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    help_format = argparse.RawDescriptionHelpFormatter
    parser = Parser(
        prog="programme-talks",
        description="Share practice and collaborate, in Slack.",
        epilog="`programme-talks COMMAND --help` says what a command does, its defaults and the variables it reads.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    serve = commands.add_parser(
        "serve",
        help="serve Slack's requests on /slack/events (and /healthz, /readyz, /metrics)",
        formatter_class=help_format,
        description=(
            "Serve Slack's requests on POST /slack/events (commands, interactivity and events), and GET\n"
            "/healthz, /readyz and /metrics for monitors, on waitress, with the after-ack worker process\n"
            "and, unless --no-scheduler, the scheduler (digests, review nudges, event reminders).\n"
            "It refuses to start, with one sentence, if a setting is wrong, the port is taken, the database\n"
            "can't be reached or its schema is behind (run `programme-talks migrate`, or pass --migrate).\n"
            "On SQLite it migrates the database itself and serves as a single replica.\n"
            "With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET it serves many workspaces, each installing the app\n"
            "at GET /slack/install. With --socket-mode it connects out to Slack instead (no public address\n"
            "needed) and serves only /healthz, /readyz and /metrics on --host and --port."
        ),
        epilog=environment(SLACK_TOKEN, SIGNING, APP_TOKEN, MANY, DATABASE, OPTIONAL, LOG_FORMAT) + EXIT,
    )
    serve.add_argument("--host", default="0.0.0.0", help="the address to listen on (default: 0.0.0.0, every one)")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"the port (default: {DEFAULT_PORT})")
    serve.add_argument(
        "--no-scheduler", action="store_true", help="serve Slack only: `programme-talks scheduler` runs elsewhere"
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="bring the schema up to date first, one replica at a time (default: refuse if it is behind)",
    )
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="take Slack's requests over Socket Mode (SLACK_APP_TOKEN), for a server Slack cannot reach",
    )
    _log_format_option(serve)

    scheduler = commands.add_parser(
        "scheduler",
        help="run the scheduler alone, without serving Slack's requests",
        formatter_class=help_format,
        description=(
            "Run the scheduler alone: every minute, post what is due (digests, review nudges, event\n"
            "reminders) and not yet done, until stopped (Ctrl-C or SIGTERM). Pair it with\n"
            "`programme-talks serve --no-scheduler`. Several may run: one at a time does the work (it\n"
            "holds the scheduler's lease in the database), and the ledger posts everything once.\n"
            "It refuses to start if the database can't be reached or its schema is behind."
        ),
        epilog=environment(SLACK_TOKEN, DATABASE, OPTIONAL, LOG_FORMAT) + EXIT,
    )
    _log_format_option(scheduler)

    run_due = commands.add_parser(
        "run-due",
        help="do once everything the scheduler would have done by a moment",
        formatter_class=help_format,
        description=(
            "Do, once, everything the scheduler would have done by a moment and has not done yet (digests,\n"
            "review nudges, event reminders), print a line for each thing done, and exit. Running it twice\n"
            "does nothing the second time. For cron: it exits 1 when something due was left undone (the\n"
            "database failed partway, or Slack had a passing fault); the next run catches up."
        ),
        epilog=environment(SLACK_TOKEN, DATABASE, OPTIONAL, LOG_FORMAT)
        + "exit status: 0 done, 1 something due was left undone, 2 a setting is wrong, 3 the database is not ready",
    )
    run_due.add_argument(
        "--at",
        type=_moment,
        default=None,
        metavar="ISO-TIMESTAMP",
        help="the moment to run as (default: now); without a zone, in the workspace's time zone",
    )
    _log_format_option(run_due)

    migrate = commands.add_parser(
        "migrate",
        help="bring the database schema up to date",
        formatter_class=help_format,
        description=(
            "Apply the Alembic migrations this release has and the database has not, then exit. Safe to run\n"
            "while the previous release is serving (README: Backups and upgrades), and from several machines\n"
            "at once: on PostgreSQL they take turns under an advisory lock."
        ),
        epilog=environment(DATABASE, LOG_FORMAT) + EXIT,
    )
    _log_format_option(migrate)

    erase = commands.add_parser(
        "erase-workspace",
        help="erase everything the app holds for one workspace, at once",
        formatter_class=help_format,
        description=(
            "Erase every row the database holds for a workspace (its shares, requests, agreements, events,\n"
            "digests, roles, audit trail, installation: everything with its team id), at once and for good.\n"
            "Without --yes it only says what it would erase. If the app is still installed there through\n"
            "OAuth, its bot token is revoked first, which removes the app from that workspace. (A workspace\n"
            "that removes the app is erased by itself after PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS.)"
        ),
        epilog=environment(DATABASE, MANY, LOG_FORMAT)
        + "exit status: 0 erased (or nothing to erase), 2 not erased: --yes missing or a setting wrong, "
        "3 the database is not ready",
    )
    erase.add_argument("team_id", metavar="TEAM_ID", type=_team_id, help="the workspace's id, such as T0123ABCD")
    erase.add_argument("--yes", action="store_true", help="erase (without it, only say what would be erased)")
    _log_format_option(erase)

    erase_uninstalled = commands.add_parser(
        "erase-uninstalled",
        help="erase the workspaces that removed the app longer ago than they are kept",
        formatter_class=help_format,
        description=(
            "Erase every workspace that removed the app more than PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS ago\n"
            "(every row with its team id), print a line for each, and exit. Run it daily (cron, a systemd\n"
            "timer); running it again erases nothing more. A workspace that installed the app again is kept."
        ),
        epilog=environment(DATABASE, LOG_FORMAT, "  PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS  (default: 30)\n") + EXIT,
    )
    _log_format_option(erase_uninstalled)

    demo = commands.add_parser(
        "demo",
        help="play a short scene against a local Slack stand-in; no Slack account needed",
        description=(
            "Play a scripted week against a built-in local Slack stand-in, on a temporary SQLite database, and "
            "print what Slack would show. Reads no environment variables."
        ),
    )
    demo.add_argument("--socket-mode", action="store_true", help="play it over Socket Mode instead of HTTP")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve_command(
                args.host,
                args.port,
                scheduler=not args.no_scheduler,
                migrate=args.migrate,
                log_format=args.log_format,
                socket_mode=args.socket_mode,
            )
        if args.command == "scheduler":
            return scheduler_command(log_format=args.log_format)
        if args.command == "run-due":
            return run_due_command(args.at, log_format=args.log_format)
        if args.command == "migrate":
            return migrate_command(log_format=args.log_format)
        if args.command == "erase-workspace":
            return erase_workspace_command(args.team_id, yes=args.yes, log_format=args.log_format)
        if args.command == "erase-uninstalled":
            return erase_uninstalled_command(log_format=args.log_format)
        if args.command == "demo":
            from bot.devkit.demo import run_demo

            return run_demo(socket_mode=args.socket_mode)
    except ConfigError as error:
        return _refuse(error, WRONG_SETTING)
    except NotReady as error:
        return _refuse(error, NOT_READY)
    return 1


def _refuse(error: Exception, status: int) -> int:
    print(f"programme-talks: {error}", file=sys.stderr)
    return status


def _version() -> str:
    try:
        return version("programme-talks")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _log_format_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=None,
        help="text (lines for people) or json (one object a line, for a log collector); "
        "default: PROGRAMME_TALKS_LOG_FORMAT, else text",
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number from 0 to 65535")
    return int(text)


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO timestamp such as 2026-11-30T09:00") from error
    return moment


def _team_id(text: str) -> str:
    if not (text[:1] == "T" and len(text) >= 2 and text.replace("_", "").isalnum() and text.isupper()):
        raise argparse.ArgumentTypeError(f"'{text}' is not a workspace id, which starts with T, such as T0123ABCD")
    return text


if __name__ == "__main__":
    raise SystemExit(main())
