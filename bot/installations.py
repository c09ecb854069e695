"""Which workspaces the app is installed in, and the Web API client for each.

Two install modes (README: Install it in a Slack workspace):
- One workspace: SLACK_BOT_TOKEN. `OneWorkspace` hands every job that one client.
- Many workspaces (OAuth): each installs at /slack/install (bot.oauth) and its bot token is kept in the database,
  encrypted when PROGRAMME_TALKS_SECRET_KEY is set. `Installations` hands each job, request and duty the client
  of its own workspace, refreshing the token first when Slack rotates them; `InstallationAuthorize` does the same
  for Bolt, before each request from Slack is answered.

A refresh token works once, so a workspace's token is refreshed under a lease of its own (storage.leases): one
process at a time, across every replica; the others carry on with the current token while it is still good, or
wait a moment for the new one.

A workspace that has uninstalled the app (or revoked its bot token) is marked at once (handlers.installs);
`client_for` then raises NotInstalled, so nothing is posted there again. Its data is kept for
PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS, so a reinstall restores it, then erased by the scheduler
(bot.delivery.retention.erase_uninstalled_workspaces).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clients import Clients, NotInstalled, OneWorkspace, TokenRefreshFailed
from bot.clock import Clock, system_clock
from bot.config import ConfigError, Settings
from bot.slack import count_calls, retry_handlers
from storage import installations as store
from storage import leases
from storage.db import Sessions, reading
from storage.installations import InstallationRecord

log = logging.getLogger(__name__)

REFRESH_LEASE = "bot-token-refresh"  # a lease per workspace (team_id), held while its token is refreshed
REFRESH_BEFORE = dt.timedelta(hours=2)  # refresh a rotating token this long before it expires (Bolt's default)
LEASE_TTL = dt.timedelta(seconds=30)  # longer than one oauth.v2.access call, with its retries, takes
WAIT_FOR_REFRESH = 10.0  # seconds to wait for another process's refresh when the token has already expired
# Seconds a request's token is kept in memory (Installations.authorized_for_request). Safe: this process forgets it
# when the workspace uninstalls or installs again, another replica's copy is refused by Slack itself, and a token
# due for refreshing is read afresh. Jobs and scheduled work always read it from the database (client_for).
KEEP_AUTHORIZED_FOR = 10.0


def web_client(settings: Settings, token: str | None, *, timeout: int = 10) -> WebClient:
    """A client like bot.slack.make_client's (retries, counted), with a token of the caller's (or none)."""
    count_calls()
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=timeout, retry_handlers=retry_handlers())


# ---- tokens at rest ----------------------------------------------------------------------------------------------


class Cipher:
    """Encrypts tokens at rest with Fernet when PROGRAMME_TALKS_SECRET_KEY is set (several keys, comma-separated,
    newest first: each decrypts, the first encrypts); without a key, tokens are stored as they are."""

    def __init__(self, secret_key: str = ""):
        keys = [key.strip() for key in secret_key.split(",") if key.strip()]
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys]) if keys else None
        self._keys = len(keys)

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode() if self._fernet else token

    def reseal(self, stored: str) -> str:
        """An encrypted token, encrypted again with the newest key (the first); unchanged with one key."""
        assert self._fernet is not None
        return self._fernet.rotate(stored.encode()).decode()

    @property
    def rotating(self) -> bool:
        """Whether more than one key is set: tokens are being moved to the first."""
        return self._keys > 1

    def open(self, stored: str, *, encrypted: bool) -> str:
        """The token as Slack issued it; ConfigError (one sentence) if the key is missing or wrong."""
        if not encrypted:
            return stored
        if self._fernet is None:
            raise ConfigError(
                "the database holds Slack tokens encrypted with a key, but PROGRAMME_TALKS_SECRET_KEY is not set: set "
                "it to the key they were saved with."
            )
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken as error:
            raise ConfigError(
                "PROGRAMME_TALKS_SECRET_KEY does not open the Slack tokens in the database: set it to the key they "
                "were saved with (a new key goes first, followed by a comma and the old one)."
            ) from error


def check_stored_tokens(sessions: Sessions, cipher: Cipher, *, now: dt.datetime | None = None) -> int:
    """At start: ConfigError, in one sentence, when the tokens stored can't be read with the key given; then, with a
    key, encrypt any token saved before it was set, and with several keys (a new one first), encrypt every token again
    with the new one, so the old key can then be dropped. Returns how many tokens were encrypted now."""
    now = now or system_clock()
    with sessions.begin() as session:
        for record in store.list_installations(session):
            for stored in (record.bot_token, record.bot_refresh_token):
                if stored:
                    cipher.open(stored, encrypted=record.encrypted)
        if not cipher.encrypts:
            return 0
        changed = [r for r in store.list_installations(session) if r.bot_token and (not r.encrypted or cipher.rotating)]
        for record in changed:
            assert record.bot_token is not None

            def sealed(stored: str, record: InstallationRecord = record) -> str:
                return cipher.reseal(stored) if record.encrypted else cipher.seal(stored)

            store.save_installation(
                session,
                **_described(record),
                bot_token=sealed(record.bot_token),
                bot_refresh_token=sealed(record.bot_refresh_token) if record.bot_refresh_token else None,
                bot_token_expires_at=record.bot_token_expires_at,
                encrypted=True,
                now=record.installed_at or now,
            )
    return len(changed)


def _described(record: InstallationRecord) -> dict[str, Any]:
    return {
        "team_id": record.team_id,
        "team_name": record.team_name,
        "enterprise_id": record.enterprise_id,
        "app_id": record.app_id,
        "bot_id": record.bot_id,
        "bot_user_id": record.bot_user_id,
        "bot_scopes": record.bot_scopes,
        "installed_by": record.installed_by,
    }


# ---- many workspaces ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authorized:
    """A workspace's bot token, ready to use, and what is known of its installation."""

    token: str
    installation: InstallationRecord


class Installations:
    """Many workspaces (OAuth): each one's bot token from the database, refreshed when Slack rotates them."""

    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        *,
        cipher: Cipher | None = None,
        refresh_before: dt.timedelta = REFRESH_BEFORE,
        clock: Clock = system_clock,
    ):
        """`clock` is the real one (tokens expire on Slack's clock): a test's moved clock must not be given."""
        self.settings, self.sessions, self.refresh_before, self.clock = settings, sessions, refresh_before, clock
        self.cipher = cipher or Cipher(settings.secret_key)
        self.holder = leases.holder_name()
        self._attempts = itertools.count(1)
        self._oauth = web_client(settings, None)  # for oauth.v2.access, which takes the app's credentials
        self._kept: dict[str, tuple[float, Authorized]] = {}  # requests' tokens by workspace: when read, and what

    def client_for(self, team_id: str) -> WebClient:
        return web_client(self.settings, self.authorized(team_id).token)

    def authorized_for_request(self, team_id: str) -> Authorized:
        """For a request from Slack: the token as read within the last KEEP_AUTHORIZED_FOR seconds (each request
        would otherwise read and decrypt it again), unless it is due to be refreshed by now."""
        kept = self._kept.get(team_id)
        fresh = kept is not None and time.monotonic() - kept[0] < KEEP_AUTHORIZED_FOR
        if kept is not None and fresh and not self.due(kept[1].installation):
            return kept[1]
        authorized = self.authorized(team_id)
        self._kept[team_id] = (time.monotonic(), authorized)
        return authorized

    def forget(self, team_id: str) -> None:
        """Read the workspace's installation afresh at its next request: it uninstalled, or installed again."""
        self._kept.pop(team_id, None)

    def authorized(self, team_id: str) -> Authorized:
        """The workspace's token, refreshed first if it expires within `refresh_before`; NotInstalled if it has no
        installation; TokenRefreshFailed if its token has expired and Slack would not refresh it."""
        record = self._installed(team_id)
        if not self.due(record):
            return self._open(record)
        return self._refresh(team_id)

    # -- reading

    def _installed(self, team_id: str) -> InstallationRecord:
        with reading(self.sessions) as session:  # never waits for a writer, nor holds one up
            record = store.get_installation(session, team_id=team_id) if team_id else None
        if record is None or not record.installed or not record.bot_token:
            raise NotInstalled(team_id)
        return record

    def due(self, record: InstallationRecord) -> bool:
        """Whether its token is to be refreshed now (it rotates, and expires within `refresh_before`)."""
        expires = record.bot_token_expires_at
        return bool(record.bot_refresh_token) and expires is not None and expires - self.refresh_before <= self.clock()

    def _expired(self, record: InstallationRecord) -> bool:
        expires = record.bot_token_expires_at
        return expires is not None and expires <= self.clock() + dt.timedelta(seconds=10)

    def _open(self, record: InstallationRecord) -> Authorized:
        assert record.bot_token is not None  # _installed checked
        return Authorized(self.cipher.open(record.bot_token, encrypted=record.encrypted), record)

    # -- refreshing

    def _refresh(self, team_id: str) -> Authorized:
        """Refresh under the workspace's lease. Whoever holds it refreshes; the others use the token they have while
        it is good, and otherwise wait (up to WAIT_FOR_REFRESH) for the holder's new one."""
        deadline = time.monotonic() + WAIT_FOR_REFRESH
        holder = f"{self.holder}:{next(self._attempts)}"  # each attempt its own, even on threads of one process
        while True:
            record = self._installed(team_id)
            if not self.due(record):
                return self._open(record)  # refreshed by another process meanwhile
            now = self.clock()
            with self.sessions.begin() as session:
                held = leases.acquire_lease(
                    session, team_id=team_id, name=REFRESH_LEASE, holder=holder, now=now, ttl=LEASE_TTL
                )
            if held:
                break
            if not self._expired(record):
                return self._open(record)  # still good: the holder's new token is for next time
            if time.monotonic() > deadline:
                raise TokenRefreshFailed(f"workspace {team_id}'s token expired and another process is refreshing it")
            time.sleep(0.1)
        try:
            record = self._installed(team_id)  # read again now that we hold the lease: it may be done
            if not self.due(record):
                return self._open(record)
            return self._exchange(record)
        finally:
            with self.sessions.begin() as session:
                leases.release_lease(session, team_id=team_id, name=REFRESH_LEASE, holder=holder)

    def _exchange(self, record: InstallationRecord) -> Authorized:
        """Spend the refresh token on a new pair (Slack revokes the old refresh token as it answers) and save them."""
        assert record.bot_refresh_token is not None
        refresh_token = self.cipher.open(record.bot_refresh_token, encrypted=record.encrypted)
        try:
            answer = self._oauth.oauth_v2_access(
                client_id=self.settings.slack_client_id,
                client_secret=self.settings.slack_client_secret,
                grant_type="refresh_token",
                refresh_token=refresh_token,
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            said = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
            log.error("could not refresh workspace %s's bot token: %s", record.team_id, said)
            if self._expired(record):
                raise TokenRefreshFailed(
                    f"Slack would not refresh workspace {record.team_id}'s token: {said}"
                ) from error
            return self._open(record)  # still good for a while: the next use tries again
        now = self.clock()
        token, new_refresh = str(answer["access_token"]), str(answer["refresh_token"])
        expires_at = now + dt.timedelta(seconds=int(answer.get("expires_in") or 0))
        with self.sessions.begin() as session:
            kept = store.save_refreshed_tokens(
                session,
                team_id=record.team_id,
                bot_token=self.cipher.seal(token),
                bot_refresh_token=self.cipher.seal(new_refresh),
                bot_token_expires_at=expires_at,
                encrypted=self.cipher.encrypts,
                now=now,
            )
        if not kept:
            raise NotInstalled(record.team_id)
        log.info("refreshed workspace %s's bot token; it expires at %s", record.team_id, f"{expires_at:%H:%M} UTC")
        return Authorized(token, self._installed(record.team_id))


class InstallationAuthorize(Authorize):
    """Bolt's authorize for many workspaces: the token of the workspace a request comes from, from `Installations`
    (refreshed first when due), without asking Slack (auth.test) on every request. None, for a workspace that has
    not installed the app or has uninstalled it: Bolt then answers with the app's "not installed" sentence and no
    listener runs."""

    def __init__(self, installations: Installations):
        self.installations = installations

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_actor: str | None,
    ) -> AuthorizeResult | None:
        try:
            authorized = self.installations.authorized_for_request(team_id or "")
        except NotInstalled:
            log.info("a request from workspace %s, which has no installation of the app: answered so", team_id)
            return None
        except TokenRefreshFailed as error:
            log.error("%s", error)
            return None
        record = authorized.installation
        return AuthorizeResult(
            enterprise_id=record.enterprise_id,
            team_id=record.team_id,
            bot_id=record.bot_id,
            bot_user_id=record.bot_user_id,
            bot_token=authorized.token,
            bot_scopes=list(record.bot_scopes),
            user_id=user_id,
        )


def not_installed_sentence(settings: Settings) -> str:
    """What a person in a workspace without the app is told when they use it."""
    where = ""
    if settings.slack_redirect_uri:
        where = f" at {settings.slack_redirect_uri.rsplit('/slack/', 1)[0]}/slack/install"
    return (
        "Programme Talks isn't installed in this workspace (it may have been removed), so nothing was done. "
        f"A workspace admin can install it again{where}."
    )


def make_clients(settings: Settings, sessions: Sessions, client: WebClient | None = None) -> Clients:
    """The clients for this install mode: many workspaces' from the database, or one workspace's `client`."""
    if settings.oauth:
        return Installations(settings, sessions)
    from bot.slack import make_client

    return OneWorkspace(client or make_client(settings), sessions)


def revoke_token(settings: Settings, sessions: Sessions, team_id: str) -> bool:
    """Revoke a workspace's stored bot token at Slack (uninstalling the app there), if it has a live one; whether it
    did. For erasing a workspace that still has the app."""
    installations = Installations(settings, sessions)
    try:
        token = installations.authorized(team_id).token
    except (NotInstalled, TokenRefreshFailed):
        return False
    try:
        web_client(settings, token).auth_revoke()
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not revoke workspace %s's token: %s", team_id, type(error).__name__)
        return False
    return True
