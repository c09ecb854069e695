"""Assemble the Bolt app: one create_app that takes its dependencies and registers every listener once."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.clock import system_clock
from bot.config import Settings
from bot.scheduler import make_runner
from handlers import actions, agreements, commands, events, invites, views
from handlers.context import Clock, Deps, DigestDesk
from storage.db import Sessions

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.worker import WorkerProcess

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Served:
    """The app on its WSGI server, with the threads and worker that do its work: what serve and the sandbox run."""

    app: App
    server: object  # waitress server: .run(), .close()
    executor: ThreadPoolExecutor  # Bolt's listeners
    background: ThreadPoolExecutor | WorkerProcess  # the work listeners hand back after acknowledging

    def drain(self) -> None:
        """Wait for every listener, and then the work it handed back, to finish: nothing acknowledged is dropped."""
        self.executor.shutdown(wait=True)
        self.background.shutdown(wait=True)


def serve_app(
    settings: Settings,
    engine: Engine,
    sessions: Sessions,
    client: WebClient,
    *,
    host: str,
    port: int,
    threads: int = 16,
    clock: Clock = system_clock,
    digests: DigestDesk | None = None,
    worker_process: bool = True,
    log_level: int = logging.INFO,
) -> Served:
    """Assemble the app on waitress the one way `serve`, the tests, the demo and the benchmarks all use.

    With `worker_process`, work after acknowledging runs in bot.worker's process (which keeps the real clock);
    otherwise on 4 threads here.
    """
    from bot.server import make_server, make_wsgi_app, prefer_quick_answers, settle_memory
    from bot.worker import WorkerProcess

    if worker_process and clock is not system_clock:
        raise ValueError("the worker process keeps the real clock: run it without a clock of your own")
    prefer_quick_answers()
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="listener")
    background = (
        WorkerProcess(settings, log_level=log_level).start()
        if worker_process
        else ThreadPoolExecutor(max_workers=4, thread_name_prefix="after-ack")
    )
    app = create_app(settings, sessions, client, clock=clock, executor=executor, background=background, digests=digests)
    server = make_server(make_wsgi_app(app, engine), host=host, port=port, threads=threads)
    settle_memory()
    return Served(app=app, server=server, executor=executor, background=background)
