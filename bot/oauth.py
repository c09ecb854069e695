"""Installing the app in a workspace through OAuth: GET /slack/install and /slack/oauth_redirect, on Bolt's OAuthFlow
with an installation store and a state store of our own (storage.installations, created by our migrations).

Bot-only: the app asks for the bot scopes in handlers.ids.Scope and no user scopes, and keeps no user token.
Every way an install can fail (the person cancelled, a link from another browser, used twice or too late, Slack
refusing the code, the database refusing the installation) ends on a plain page saying what happened and how
to try again, and nothing is half installed: an installation is saved in one transaction, and a token Slack
issued that could not be saved is revoked at once.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from logging import Logger
from typing import Any
from urllib.parse import urljoin

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store import InstallationStore as SlackInstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.installations import Cipher, Installations, web_client
from handlers.ids import Scope
from storage import installations as store
from storage.db import Sessions
from storage.installations import InstallationRecord, StateStatus

log = logging.getLogger(__name__)

INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"
STATE_SECONDS = 10 * 60  # how long an install link is good for


class StateStore(OAuthStateStore):
    """OAuth states in our database: each good once, for STATE_SECONDS; kept a day longer, so a late or repeated
    click can be told which it was (`status`), then deleted as new ones are issued."""

    def __init__(self, sessions: Sessions, *, expiration_seconds: int = STATE_SECONDS, clock: Clock = system_clock):
        self.sessions, self.expiration_seconds, self.clock = sessions, expiration_seconds, clock

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock()
        with self.sessions.begin() as session:
            expires_at = now + dt.timedelta(seconds=self.expiration_seconds)
            store.add_oauth_state(session, state=state, now=now, expires_at=expires_at)
        return state

    def consume(self, state: str) -> bool:
        if not state:
            return False
        with self.sessions.begin() as session:
            return store.use_oauth_state(session, state=state[:64], now=self.clock())

    def status(self, state: str | None) -> StateStatus:
        if not state:
            return StateStatus.UNKNOWN
        with self.sessions.begin() as session:
            return store.oauth_state_status(session, state=state[:64], now=self.clock())


class InstallationStore(SlackInstallationStore):
    """slack_sdk's InstallationStore on our `installations` table, bot-only, with tokens sealed by `cipher`.

    Bolt's OAuthFlow calls `save`; requests are authorized by bot.installations.InstallationAuthorize, which reads the
    table itself (refreshing under a lease), and uninstalls are recorded by handlers.installs.
    """

    def __init__(
        self,
        sessions: Sessions,
        cipher: Cipher,
        *,
        clock: Clock = system_clock,
        installations: Installations | None = None,
    ):
        """`installations`: told of each (re)install, so a token it kept for requests is read afresh."""
        self.sessions, self.cipher, self.clock, self.installations = sessions, cipher, clock, installations

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        """Save a workspace's installation in one transaction; BoltError (the install page says so) if it can't be."""
        if installation.is_enterprise_install or not installation.team_id:
            raise BoltError(
                "an organisation-wide install (Enterprise Grid): this app installs in one workspace at a time"
            )
        if not installation.bot_token:
            raise BoltError("Slack gave no bot token")
        expires = installation.bot_token_expires_at
        try:
            with self.sessions.begin() as session:
                store.save_installation(
                    session,
                    team_id=installation.team_id,
                    team_name=installation.team_name,
                    enterprise_id=installation.enterprise_id,
                    app_id=installation.app_id,
                    bot_id=installation.bot_id,
                    bot_user_id=installation.bot_user_id,
                    bot_scopes=tuple(installation.bot_scopes or ()),
                    bot_token=self.cipher.seal(installation.bot_token),
                    bot_refresh_token=(
                        self.cipher.seal(installation.bot_refresh_token) if installation.bot_refresh_token else None
                    ),
                    bot_token_expires_at=dt.datetime.fromtimestamp(expires, dt.UTC) if expires else None,
                    encrypted=self.cipher.encrypts,
                    installed_by=installation.user_id,
                    now=self.clock(),
                )
        except SQLAlchemyError as error:
            raise BoltError(f"the database did not take the installation ({type(error).__name__})") from error
        if self.installations is not None:
            self.installations.forget(installation.team_id)
        log.info("installed in workspace %s (%s)", installation.team_id, installation.team_name)

    def save_bot(self, bot: Bot) -> None:
        raise NotImplementedError("bots are saved with their installation")

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        record = self._installed(team_id)
        if record is None or record.bot_token is None:
            return None
        return Bot(
            app_id=record.app_id,
            enterprise_id=record.enterprise_id,
            team_id=record.team_id,
            team_name=record.team_name,
            bot_token=self.cipher.open(record.bot_token, encrypted=record.encrypted),
            bot_id=record.bot_id or "",
            bot_user_id=record.bot_user_id or "",
            bot_scopes=list(record.bot_scopes),
            bot_refresh_token=self._open(record.bot_refresh_token, record),
            bot_token_expires_at=record.bot_token_expires_at,
            installed_at=(record.installed_at or self.clock()).timestamp(),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        record = self._installed(team_id)
        if record is None or user_id is not None:  # bot-only: no person's own installation is ever kept
            return None
        return Installation(
            app_id=record.app_id,
            enterprise_id=record.enterprise_id,
            team_id=record.team_id,
            team_name=record.team_name,
            bot_token=self._open(record.bot_token, record),
            bot_id=record.bot_id,
            bot_user_id=record.bot_user_id,
            bot_scopes=list(record.bot_scopes),
            bot_refresh_token=self._open(record.bot_refresh_token, record),
            bot_token_expires_at=record.bot_token_expires_at,
            user_id=record.installed_by or "",
            installed_at=(record.installed_at or self.clock()).timestamp(),
        )

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._uninstalled(team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            self._uninstalled(team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._uninstalled(team_id)

    def _installed(self, team_id: str | None) -> InstallationRecord | None:
        with self.sessions.begin() as session:
            record = store.get_installation(session, team_id=team_id) if team_id else None
        return record if record is not None and record.installed and record.bot_token else None

    def _open(self, stored: str | None, record: InstallationRecord) -> str | None:
        return self.cipher.open(stored, encrypted=record.encrypted) if stored else None

    def _uninstalled(self, team_id: str | None) -> None:
        if team_id:
            now = self.clock()
            with self.sessions.begin() as session:
                store.mark_uninstalled(session, team_id=team_id, at=now, now=now)


# ---- the pages ------------------------------------------------------------------------------------------------

RETRY = f'<p><a href="{INSTALL_PATH}">Start the install again</a>.</p>'


def page(title: str, *paragraphs: str, retry: bool = True) -> str:
    """A plain page: a heading and paragraphs (already HTML: escape what came from outside)."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs) + (RETRY if retry else "")
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title, quote=False)} – Programme Talks</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}"
        "</style></head>"
        f"<body><h1>{html.escape(title, quote=False)}</h1>{body}</body></html>"
    )


def install_page(url: str) -> str:
    link = html.escape(url, quote=True)
    return page(
        "Add Programme Talks to your Slack workspace",
        "Programme Talks helps people in children's and youth services share what works and find people to work "
        "with, in Slack.",
        "You'll be asked to choose a workspace and to allow what the app needs: to post shares, requests and "
        "digests, to join a public channel when someone shares there, to read reactions on its own posts, to look up "
        "whether someone is a workspace admin, and to send direct messages and documents.",
        f'<a href="{link}"><strong>Add to Slack</strong></a> (this link works once, for {STATE_SECONDS // 60} minutes, '
        "in this browser).",
        retry=False,
    )


def success_page(installation: Installation) -> str:
    team = html.escape(installation.team_name or installation.team_id or "your workspace")
    app = f"slack://app?team={installation.team_id}&id={installation.app_id}"
    return page(
        "Programme Talks is installed",
        f"Programme Talks is now in <strong>{team}</strong>.",
        f'<a href="{html.escape(app, quote=True)}">Open Slack</a> and type <code>/talks help</code> in any channel to '
        "see what it can do. Workspace owners and admins appoint champions with <code>/talks champion @name</code>.",
        retry=False,
    )


def failure_page(reason: str, state: StateStatus | None) -> tuple[str, str]:
    """What to say when an install failed: a title and what happened, in words; `state` is what became of the
    link's state when it is in question."""
    if reason == "access_denied":
        return "Programme Talks was not installed", "You cancelled on Slack's page, so nothing was installed."
    if state is StateStatus.USED:
        return "This install link has been used", (
            "This link was already used to install Programme Talks, and each link works once. If the app isn't in "
            "your workspace, start again."
        )
    if state is StateStatus.EXPIRED:
        return "This install link has expired", (
            f"Install links work for {STATE_SECONDS // 60} minutes, and this one is older, so nothing was installed."
        )
    if state is StateStatus.UNKNOWN or reason in ("invalid_state", "missing_code"):
        return "This isn't an install link from here", (
            "This address didn't come from this server's install page (or was changed on the way), so nothing was "
            "installed."
        )
    if reason == "invalid_browser":
        return "Start the install in one browser", (
            "This install was started in another browser, or this browser didn't keep the cookie that ties the two "
            "steps together, so nothing was installed. Start again in this browser (with cookies allowed for this "
            "site)."
        )
    if reason == "invalid_code":
        return "Slack didn't confirm the install", (
            "Slack didn't accept the install's code (it may have been used already, or taken too long), so nothing "
            "was installed."
        )
    if reason == "storage_error":
        return "Programme Talks could not finish installing", (
            "Slack agreed, but the app could not record the installation, so it undid it: nothing was installed. "
            "Try again in a minute; if it keeps happening, tell whoever runs Programme Talks."
        )
    return "Programme Talks was not installed", f"Slack said: {html.escape(reason)}. Nothing was installed."


class InstallFlow(OAuthFlow):
    """Bolt's OAuthFlow with our pages, and a token Slack issued but we could not save revoked at once."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return install_page(url)

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        try:
            self.settings.installation_store.save(installation)
        except BoltError:
            if installation.bot_token:
                try:
                    self.client.auth_revoke(token=installation.bot_token)
                except (SlackApiError, SlackClientError, OSError) as error:
                    log.error("could not revoke a token that was not saved: %s", type(error).__name__)
            raise


def make_install_flow(settings: Settings, sessions: Sessions, installations: Installations) -> InstallFlow:
    """The OAuth flow for many workspaces, on our stores. Slack's authorize page is beside SLACK_API_URL's /api/
    (https://slack.com/oauth/v2/authorize, or a stand-in's)."""
    states = StateStore(sessions)

    def succeeded(args: SuccessArgs) -> BoltResponse:
        return _html(200, success_page(args.installation), args.settings)

    def failed(args: FailureArgs) -> BoltResponse:
        state = next(iter(args.request.query.get("state") or ()), None)
        status = states.status(state) if args.reason in ("invalid_browser", "invalid_state") else None
        if args.error is not None:
            log.warning("an install failed: %s (%s)", args.reason, args.error)
        else:
            log.info("an install failed: %s%s", args.reason, f" (state {status})" if status else "")
        title, said = failure_page(args.reason, status)
        code = 200 if args.reason == "access_denied" else args.suggested_status_code
        return _html(code, page(title, said), args.settings)

    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=[str(scope) for scope in Scope],
        user_scopes=[],  # bot-only
        redirect_uri=settings.slack_redirect_uri or None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=succeeded, failure=failed),
        authorization_url=urljoin(settings.slack_api_url, "../oauth/v2/authorize"),
        installation_store=InstallationStore(sessions, installations.cipher, installations=installations),
        installation_store_bot_only=True,
        state_store=states,
        state_expiration_seconds=STATE_SECONDS,
        logger=log,
    )
    return InstallFlow(client=web_client(settings, None), logger=log, settings=oauth_settings)


def _html(status: int, body: str, settings: OAuthSettings) -> BoltResponse:
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": settings.state_utils.build_set_cookie_for_deletion(),
        "Cache-Control": "no-store",
    }
    return BoltResponse(status=status, body=body, headers=headers)


WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def install_pages(flow: OAuthFlow) -> dict[str, WsgiApp]:
    """The two pages, as WSGI apps by path, for bot.server.make_wsgi_app."""

    def answer(handle: Callable[[BoltRequest], BoltResponse]) -> WsgiApp:
        def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
            request = WsgiHttpRequest(environ)
            bolt = handle(BoltRequest(body="", query=request.query_string, headers=request.get_headers()))
            response = WsgiHttpResponse(status=bolt.status, headers=bolt.headers, body=bolt.body)
            start_response(response.status, response.get_headers())
            return response.get_body()

        return wsgi

    return {flow.install_path: answer(flow.handle_installation), flow.redirect_uri_path: answer(flow.handle_callback)}
