"""Assemble the Bolt app: one create_app that takes its dependencies and registers every feature once.

FEATURES lists every capability the app has; each is a package of handlers with one `register(app, deps)` and
the words it adds to `/talks` (TALKS_VERBS).
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.clients import Clients, as_clients
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.delivery import Runner
from bot.installations import (
    InstallationAuthorize,
    Installations,
    make_clients,
    not_installed_sentence,
    web_client,
)
from handlers import (
    agreements,
    calendar,
    capture,
    concerns,
    digests,
    fallbacks,
    follows,
    highlights,
    home,
    installs,
    meetups,
    newsletter,
    partnerships,
    privacy,
    prompts,
    quiet,
    roles,
    shares,
    talks,
)
from handlers.context import Deps, DigestDesk, JobQueue, TalksVerb, log_failure
from storage.db import Sessions
from storage.group_commit import GroupCommit

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.jobs import JobRunner
    from bot.server import Server
    from bot.socket import SocketModeService
    from bot.worker import WorkerProcess

log = logging.getLogger(__name__)

FEATURES = (
    shares,
    agreements,
    meetups,
    roles,
    highlights,
    digests,
    home,
    installs,
    newsletter,
    privacy,
    concerns,
    capture,
    follows,
    prompts,
    quiet,
    calendar,
    partnerships,
)


def create_app(
    settings: Settings,
    sessions: Sessions,
    client: WebClient,
    *,
    clock: Clock = system_clock,
    executor: ThreadPoolExecutor | None = None,
    jobs: JobQueue | None = None,
    digest_desk: DigestDesk | None = None,
    clients: Clients | None = None,
) -> tuple[App, Deps]:
    """The Bolt app, and the dependencies its listeners were given. Listeners run on `executor`; the work they
    hand on is recorded in the outbox and `jobs` is told of it (a runner here, or the worker process).

    For one workspace, `client` carries its bot token. For many (settings.oauth), `client` carries none: each
    request is authorized with its own workspace's token (bot.installations), and the app offers the install
    pages (bot.oauth; `app.oauth_flow`)."""
    listener_executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener")
    if settings.oauth:
        from bot.oauth import make_install_flow

        installations = clients if isinstance(clients, Installations) else Installations(settings, sessions)
        clients = installations
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=web_client(settings, None),  # no token of its own: each request's comes from authorize
            authorize=InstallationAuthorize(installations),  # type: ignore[arg-type]  # Bolt takes an Authorize
            oauth_flow=make_install_flow(settings, sessions, installations),
            user_facing_authorize_error_message=not_installed_sentence(settings),
            listener_executor=listener_executor,
            logger=logging.getLogger("slack_bolt"),
        )
    else:
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=client,
            token_verification_enabled=False,  # checked lazily on the first request, so start-up never needs Slack
            listener_executor=listener_executor,
            logger=logging.getLogger("slack_bolt"),
        )
    digest_desk = digest_desk or Runner(sessions, clients or client, settings.tz, clock=clock)
    every = clients or as_clients(client)
    outbox = GroupCommit(sessions)  # what Slack's requests hand over, committed before each is answered
    deps = Deps(
        sessions=sessions,
        clock=clock,
        default_tz=settings.tz,
        digests=digest_desk,
        jobs=jobs,
        clients=every,
        outbox=outbox,
    )
    verbs: dict[str, TalksVerb] = {}
    for feature in FEATURES:
        feature.register(app, deps)
        verbs |= feature.TALKS_VERBS
    talks.register(app, deps, verbs)
    fallbacks.register(app)  # last: Bolt runs the first listener that matches, and these match what is left

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
    socket: SocketModeService | None = None  # over Socket Mode: the connection to Slack (connect() to serve)
    outbox: GroupCommit | None = None  # where listeners record the work they hand on

    def drain(self) -> None:
        """Stop taking Slack's envelopes (over Socket Mode), then wait for every listener, and then the jobs already
        handed over, to finish. (What is not finished stays in the outbox, and is done when the server starts
        again.)"""
        if self.socket is not None:
            self.socket.close()
        self.executor.shutdown(wait=True)
        self.background.shutdown(wait=True)
        if self.outbox is not None:
            self.outbox.close()  # the jobs above have handed on all they will


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
    socket_mode: bool = False,
) -> Served:
    """Assemble the app on waitress the one way `serve`, the tests, the demo and the benchmarks all use.

    With `worker_process`, the outbox's jobs are done in bot.worker's process (which keeps the real clock);
    otherwise by a runner on 4 threads here. With `socket_mode`, Slack's requests come over Socket Mode
    (`served.socket.connect()` starts them) and waitress serves only the monitors' endpoints.
    """
    from bot.jobs import JobRunner
    from bot.listening import ListenerExecutor
    from bot.oauth import install_pages
    from bot.server import make_server, make_wsgi_app, prefer_quick_answers, settle_memory
    from bot.socket import SocketModeService
    from bot.worker import WorkerProcess

    if worker_process and clock is not system_clock:
        raise ValueError("the worker process keeps the real clock: run it without a clock of your own")
    prefer_quick_answers()
    background: JobRunner | WorkerProcess
    clients: Clients | None = None  # the worker process makes its own
    if worker_process:
        background = WorkerProcess(settings, log_level=log_level).start()
    else:
        clients = make_clients(settings, sessions, client)
        background = JobRunner(sessions, clients, lease=dt.timedelta(seconds=settings.job_lease_seconds))
    # Listeners log as their request, their answers go the moment they acknowledge, and the work after answering
    # holds back while requests keep coming (bot.listening).
    executor = ListenerExecutor(max_workers=threads, thread_name_prefix="listener", answering=background.answering)
    app, deps = create_app(
        settings,
        sessions,
        client,
        clock=clock,
        executor=executor,
        jobs=background,
        digest_desk=digest_desk,
        clients=clients,
    )
    if isinstance(background, JobRunner):
        background.start(deps)
    pages = install_pages(app.oauth_flow) if app.oauth_flow is not None else {}
    wsgi = make_wsgi_app(
        app,
        engine,
        signing_secret=settings.slack_signing_secret,
        background=background,
        serve_slack=not socket_mode,
        pages=pages,
    )
    server = make_server(wsgi, host=host, port=port, threads=threads)
    socket = SocketModeService(app, settings.slack_app_token) if socket_mode else None
    settle_memory()
    return Served(app=app, server=server, executor=executor, background=background, socket=socket, outbox=deps.outbox)
