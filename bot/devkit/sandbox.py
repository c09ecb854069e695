"""The real app, served on a free local port against the local Slack stand-in.

One way to run the whole app without Slack, shared by the demo, the tests and the benchmarks, in each install
mode: one workspace over HTTP (the default), one over Socket Mode (`socket_mode`: Slack's requests come through
the stand-in's hub), or many, each installed through OAuth (`oauth`: `install(team_id, name)` adds a workspace
to the stand-in, installs the app there as an admin would, and hands back a simulator for it).
"""

from __future__ import annotations

import logging
import threading

from waitress.server import BaseWSGIServer

from bot.app import serve_app
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.devkit.local_slack import LocalSlack
from bot.devkit.simulate import Browser, Page, SlackSimulator, install
from bot.server import server_url
from bot.slack import make_client
from storage.db import make_engine, make_sessions, migrate

BOT_TOKEN = "xoxb-local-sandbox-token"
SIGNING_SECRET = "local-sandbox-signing-secret"
APP_TOKEN = "xapp-1-A0001-1-local-sandbox-app-token"
CLIENT_ID, CLIENT_SECRET = "1111.2222", "local-sandbox-client-secret"


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
        socket_mode: bool = False,
        oauth: bool = False,
        rotate_tokens: bool = False,
        secret_key: str = "",
    ):
        """With `worker_process`, work after acknowledging runs in a process of its own, as `serve` runs it
        (bot.worker; it keeps the real clock); otherwise on threads of this process (see bot.app.serve_app).
        With `socket_mode`, Slack's requests come over Socket Mode; with `oauth`, the app serves many workspaces,
        installed through OAuth (with `rotate_tokens`, Slack rotates their tokens; with `secret_key`, they are
        kept encrypted)."""
        # With slack_api_url, Slack is a stand-in elsewhere (another process, as for the benchmarks).
        self.slack: LocalSlack | None = None
        if not slack_api_url:
            self.slack = slack or LocalSlack(socket_mode=socket_mode)
            slack_api_url = self.slack.url
        self.settings = Settings(
            slack_bot_token="" if oauth else BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            database_url=database_url,
            slack_api_url=slack_api_url,
            timezone=timezone,
            slack_app_token=APP_TOKEN if socket_mode else "",
            slack_client_id=CLIENT_ID if oauth else "",
            slack_client_secret=CLIENT_SECRET if oauth else "",
            secret_key=secret_key,
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
            socket_mode=socket_mode,
        )
        self.app, self.background = self.served.app, self.served.background
        # One address (127.0.0.1), so waitress made one server, with the socket map that _serve polls.
        assert isinstance(self.served.server, BaseWSGIServer)
        self.server = self.served.server
        self.url = server_url(self.server)
        self.socket_mode = socket_mode
        hub = self.slack.socket_mode if self.slack else None
        self.sim = SlackSimulator(self.url, SIGNING_SECRET, self.slack, socket=hub) if self.slack else None
        if oauth and self.slack:
            self.slack.register_app(
                CLIENT_ID, CLIENT_SECRET, redirect_uri=f"{self.url}/slack/oauth_redirect", rotate_tokens=rotate_tokens
            )
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
        if self.served.socket is not None:
            self.served.socket.connect()
            if self.slack and self.slack.socket_mode:
                self.slack.socket_mode.wait_connected()
        return self

    def install(self, team_id: str, name: str, *, browser: Browser | None = None) -> SlackSimulator:
        """Add a workspace to the stand-in and install the app there through OAuth, as its admin would; a
        simulator for people in that workspace. (AssertionError if the install did not succeed.)"""
        assert self.slack is not None
        state = self.slack.workspaces.get(team_id) or self.slack.add_workspace(team_id, name)
        page = self.install_page(team_id, browser=browser)
        assert page.status == 200 and "is installed" in page.body, page.body
        return SlackSimulator(self.url, SIGNING_SECRET, self.slack, team_id=team_id, bot_user_id=state.bot_user_id)

    def install_page(self, team_id: str, *, browser: Browser | None = None) -> Page:
        """Go through the OAuth install for a workspace the stand-in has; the page it ends on."""
        return install(self.url, team_id, browser)

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
