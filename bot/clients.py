"""The Web API client for each workspace the app serves, as scheduled delivery and the job runner ask for it.

`Clients.client_for(team_id)` hands back the workspace's client, or raises NotInstalled when it has removed the
app. One workspace (SLACK_BOT_TOKEN) is served by `OneWorkspace`; many (OAuth) by bot.installations.Installations,
which reads each one's token from the database.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clock import Clock, system_clock
from storage import installations as store
from storage.db import Sessions, reading

log = logging.getLogger(__name__)


class NotInstalled(Exception):
    """The workspace has no installation of the app, or has uninstalled it: nothing may be posted there."""

    def __init__(self, team_id: str):
        super().__init__(f"workspace {team_id or '(none)'} has not installed Programme Talks, or has uninstalled it")
        self.team_id = team_id


class TokenRefreshFailed(Exception):
    """Slack would not refresh an expired token (the workspace may need to install the app again)."""


class Clients(Protocol):
    """Hands out the Web API client for a workspace: what the job runner, the worker and scheduled delivery use."""

    def client_for(self, team_id: str) -> WebClient: ...

    def forget(self, team_id: str) -> None:
        """Drop anything kept of the workspace's installation: it uninstalled, or installed again."""


class OneWorkspace:
    """One workspace, served with SLACK_BOT_TOKEN: its one client for every team id, unless that workspace has
    uninstalled the app. Once the token works for it again (an admin reinstalled the app and the new token was
    set), the mark is taken back: asked at most once every `recheck` while it is marked."""

    def __init__(
        self,
        client: WebClient,
        sessions: Sessions | None = None,
        *,
        recheck: dt.timedelta = dt.timedelta(minutes=5),
        clock: Clock = system_clock,
    ):
        self.client, self.sessions, self.recheck, self.clock = client, sessions, recheck, clock
        self._checked: dict[str, dt.datetime] = {}

    def forget(self, team_id: str) -> None:
        """Nothing to drop: the installation is read at every call."""

    def client_for(self, team_id: str) -> WebClient:
        if self.sessions is None:
            return self.client
        with reading(self.sessions) as session:  # every job asks: never wait for a writer, nor hold one up
            record = store.get_installation(session, team_id=team_id)
        if record is None or record.installed:
            return self.client
        now = self.clock()
        if (checked := self._checked.get(team_id)) is not None and now - checked < self.recheck:
            raise NotInstalled(team_id)
        self._checked[team_id] = now
        try:
            works = self.client.auth_test().get("team_id") == team_id
        except (SlackApiError, SlackClientError, OSError):
            works = False
        if not works:
            raise NotInstalled(team_id)
        with self.sessions.begin() as session:
            store.restore_installation(session, team_id=team_id, now=now)
        log.info("workspace %s has Programme Talks again: its data is kept, and posting there resumes", team_id)
        return self.client


def as_clients(client: WebClient | Clients) -> Clients:
    """`client` as Clients: a WebClient serves every workspace (one workspace, or a test's stand-in)."""
    return OneWorkspace(client) if isinstance(client, WebClient) else client
