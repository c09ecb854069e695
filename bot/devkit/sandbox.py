"""The real app, served on a free local port against the local Slack stand-in.

One way to run the whole app without Slack, shared by the demo, the tests and the benchmarks.
"""

from __future__ import annotations

import logging
import threading

from waitress.server import BaseWSGIServer

from bot.app import serve_app
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.devkit.local_slack import LocalSlack
from bot.devkit.simulate import SlackSimulator
from bot.server import server_url
from bot.slack import make_client
from storage.db import make_engine, make_sessions, migrate

BOT_TOKEN = "xoxb-local-sandbox-token"
SIGNING_SECRET = "local-sandbox-signing-secret"


class Sandbox:
    def __init__(
        self,
        database_url: str,
        *,
        clock: Clock = system_clock,
        timezone: str = "Europe/London",
        slack: LocalSlack | None = None,
        slack_api_url: str | None = None,
        migrate_schema: bool = True,
        threads: int = 16,
        worker_process: bool = False,
    ):
        """With `worker_process`, work after acknowledging runs in a process of its own, as `serve` runs it
        (bot.worker; it keeps the real clock); otherwise on threads of this process (see bot.app.serve_app)."""
        # With slack_api_url, Slack is a stand-in elsewhere (another process, as for the benchmarks).
        self.slack: LocalSlack | None = None
        if not slack_api_url:
            self.slack = slack or LocalSlack()
            slack_api_url = self.slack.url
        self.settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            database_url=database_url,
            slack_api_url=slack_api_url,
            timezone=timezone,
        )
        self.engine = make_engine(database_url)
        if migrate_schema:
            migrate(self.engine)
        self.sessions = make_sessions(self.engine)
        self.client = make_client(self.settings)
        self.served = serve_app(
            self.settings,
            self.engine,
            self.sessions,
            self.client,
            host="127.0.0.1",
            port=0,
            threads=threads,
            clock=clock,
            worker_process=worker_process,
            log_level=logging.WARNING,
        )
        self.app, self.background = self.served.app, self.served.background
        # One address (127.0.0.1), so waitress made one server, with the socket map that _serve polls.
        assert isinstance(self.served.server, BaseWSGIServer)
        self.server = self.served.server
        self.url = server_url(self.server)
        self.sim = SlackSimulator(self.url, SIGNING_SECRET, self.slack) if self.slack else None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sandbox-server", daemon=True)

    def _serve(self) -> None:
        # waitress's own run() loops until its socket is closed from another thread, which races with select();
        # looping here lets the server close itself, in its own thread, once asked to stop.
        while not self._stopping.is_set():
            # types-waitress leaves out the dispatcher's _map (private in waitress, but what its own run() polls).
            self.server.asyncore.loop(timeout=0.05, map=self.server._map, count=1)  # type: ignore[attr-defined]
        self.server.close()

    def start(self) -> Sandbox:
        if self.slack:
            self.slack.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()
        self.drain()
        if self.slack:
            self.slack.stop()
        self.engine.dispose()

    def drain(self) -> None:
        """Wait for every listener, and the work it handed back, to finish (before Slack goes away)."""
        self.served.drain()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
