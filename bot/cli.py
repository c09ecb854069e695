"""The `programme-talks` command: serve, migrate, demo."""

from __future__ import annotations

import argparse
import logging
import sys

from bot import logs
from bot.config import ConfigError, Settings, redact_url

log = logging.getLogger("programme_talks")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="programme-talks", description="Share practice and collaborate, in Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve Slack's requests on /slack/events (and /healthz)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("demo", help="play a short scene against a local Slack stand-in; no Slack account needed")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve_command(args.host, args.port)
        if args.command == "migrate":
            return migrate_command()
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo()
    except ConfigError as error:
        print(f"programme-talks: {error}", file=sys.stderr)
        return 2
    return 1


def migrate_command() -> int:
    from storage.db import make_engine, migrate

    settings = Settings.from_env(require_slack=False)
    logs.configure()
    migrate(make_engine(settings.database_url))
    log.info("database %s is up to date", redact_url(settings.database_url))
    return 0


def serve_command(host: str, port: int) -> int:
    from bot.app import create_app
    from bot.server import make_server, make_wsgi_app, server_url
    from bot.slack import make_client
    from storage.db import make_engine, make_sessions, migrate

    settings = Settings.from_env()
    logs.configure(logging.INFO, settings.slack_bot_token, settings.slack_signing_secret)
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        migrate(engine)
    app = create_app(settings, make_sessions(engine), make_client(settings))
    server = make_server(make_wsgi_app(app, engine), host=host, port=port)
    log.info("serving Slack on %s/slack/events (database %s)", server_url(server), redact_url(settings.database_url))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
