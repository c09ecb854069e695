"""Assemble the Bolt app: one create_app that takes its dependencies and registers every feature once.

FEATURES lists every capability the app has; each is a package of handlers with one `register(app, deps)` and
the words it adds to `/talks` (TALKS_VERBS).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.delivery import Runner
from handlers import agreements, digests, highlights, home, meetups, roles, shares, talks
from handlers.context import Deps, DigestDesk, JobQueue, TalksVerb, log_failure
from storage.db import Sessions

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.jobs import JobRunner
    from bot.server import Server
    from bot.worker import WorkerProcess

log = logging.getLogger(__name__)

FEATURES = (shares, agreements, meetups, roles, highlights, digests, home)


def create_app(
    settings: Settings,
    sessions: Sessions,
    client: WebClient,
    *,
    clock: Clock = system_clock,
    executor: ThreadPoolExecutor | None = None,
    jobs: JobQueue | None = None,
    digest_desk: DigestDesk | None = None,
) -> tuple[App, Deps]:
    """The Bolt app, and the dependencies its listeners were given. Listeners run on `executor`; the work they
    hand on is recorded in the outbox and `jobs` is told of it (a runner here, or the worker process)."""
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=client,
        token_verification_enabled=False,  # checked lazily on the first request, so start-up never needs Slack
        listener_executor=executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener"),
        logger=logging.getLogger("slack_bolt"),
    )
    digest_desk = digest_desk or Runner(sessions, client, settings.tz, clock=clock)
    deps = Deps(sessions=sessions, clock=clock, tz=settings.tz, digests=digest_desk, jobs=jobs)
    verbs: dict[str, TalksVerb] = {}
    for feature in FEATURES:
        feature.register(app, deps)
        verbs |= feature.TALKS_VERBS
    talks.register(app, deps, verbs)

    @app.error
    def handle_error(error: Exception, body: dict) -> None:
        kind = body.get("type") or ("command" if "command" in body else "unknown")
        log_failure(f"handling a {kind} request", error)

    return app, deps


@dataclass(frozen=True)
class Served:
    """The app on its WSGI server, with the threads and worker that do its work: what serve and the sandbox run."""

    app: App
    server: Server  # waitress: .run(), .close()
    executor: ThreadPoolExecutor  # Bolt's listeners
    background: JobRunner | WorkerProcess  # does the work listeners hand on, recorded in the outbox

    def drain(self) -> None:
        """Wait for every listener, and then the jobs already handed over, to finish. (What is not finished
        stays in the outbox, and is done when the server starts again.)"""
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
    digest_desk: DigestDesk | None = None,
    worker_process: bool = True,
    log_level: int = logging.INFO,
) -> Served:
    """Assemble the app on waitress the one way `serve`, the tests, the demo and the benchmarks all use.

    With `worker_process`, the outbox's jobs are done in bot.worker's process (which keeps the real clock);
    otherwise by a runner on 4 threads here.
    """
    from bot.jobs import JobRunner
    from bot.server import make_server, make_wsgi_app, prefer_quick_answers, settle_memory
    from bot.worker import WorkerProcess

    if worker_process and clock is not system_clock:
        raise ValueError("the worker process keeps the real clock: run it without a clock of your own")
    prefer_quick_answers()
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="listener")
    background: JobRunner | WorkerProcess
    if worker_process:
        background = WorkerProcess(settings, log_level=log_level).start()
        app, _ = create_app(
            settings, sessions, client, clock=clock, executor=executor, jobs=background, digest_desk=digest_desk
        )
    else:
        background = JobRunner(sessions, client)
        app, deps = create_app(
            settings, sessions, client, clock=clock, executor=executor, jobs=background, digest_desk=digest_desk
        )
        background.start(deps)
    server = make_server(make_wsgi_app(app, engine), host=host, port=port, threads=threads)
    settle_memory()
    return Served(app=app, server=server, executor=executor, background=background)
