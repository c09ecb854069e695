"""Assemble the Bolt app: one create_app that takes its dependencies and registers every listener once."""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.scheduler import make_runner
from handlers import actions, agreements, commands, events, invites, views
from handlers.context import Clock, Deps, DigestDesk
from storage.db import Sessions

log = logging.getLogger(__name__)


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(
    settings: Settings,
    sessions: Sessions,
    client: WebClient,
    *,
    clock: Clock = system_clock,
    executor: ThreadPoolExecutor | None = None,
    background: ThreadPoolExecutor | None = None,
    digests: DigestDesk | None = None,
) -> App:
    """The Bolt app. Listeners run on `executor`; the slow work they hand back after acknowledging runs on
    `background` (shut both down, in that order, to drain in-flight work)."""
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=client,
        token_verification_enabled=False,  # checked lazily on the first request, so start-up never needs Slack
        listener_executor=executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener"),
        logger=logging.getLogger("slack_bolt"),
    )
    digests = digests or make_runner(sessions, client, settings.tz, clock=clock)
    background = background or ThreadPoolExecutor(max_workers=4, thread_name_prefix="after-ack")
    deps = Deps(sessions=sessions, clock=clock, tz=settings.tz, digests=digests, background=background)
    for module in (commands, actions, views, events, agreements, invites):
        module.register(app, deps)

    @app.error
    def handle_error(error: Exception, body: dict) -> None:
        kind = body.get("type") or ("command" if "command" in body else "unknown")
        log.error("error handling a %s request", kind, exc_info=error)

    return app
