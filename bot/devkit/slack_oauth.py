"""Installing the app in the local Slack stand-in's workspaces through OAuth, as Slack does: the app's
registration, the authorize page, oauth.v2.access (codes, and refresh tokens when tokens rotate), and the tokens
issued, which stop working when revoked, expired or uninstalled.

`OAuthInstalls` is the part of bot.devkit.local_slack.LocalSlack that does this; it reads the stand-in's
workspaces and shares its lock. Its methods starting with "_" are called with the lock held. No HTTP here.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from bot.devkit.slack_state import TEAM_ID, SlackState, api_error


@dataclass
class IssuedToken:
    """A token oauth.v2.access issued: a bot token (access) or the refresh token that renews it (once)."""

    team_id: str
    kind: str  # "bot" | "refresh"
    expires_at: float | None  # time.time() it stops working; None: never (no token rotation)
    revoked: bool = False


@dataclass(frozen=True)
class OAuthApp:
    """The app as Slack knows it, for installing through OAuth: its credentials and where Slack sends people."""

    client_id: str
    client_secret: str
    redirect_uri: str
    app_id: str = "A0001"
    rotate_tokens: bool = False  # token rotation on: bot tokens expire, and come with a refresh token
    token_seconds: int = 12 * 60 * 60  # how long a rotating bot token works (Slack: 12 hours)


def basic_credentials(authorization: str | None) -> dict[str, str]:
    """client_id and client_secret from HTTP Basic authentication, as oauth.v2.access takes them."""
    if not (authorization and authorization.startswith("Basic ")):
        return {}
    try:
        client_id, _, secret = base64.b64decode(authorization.removeprefix("Basic ").strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": secret}


class OAuthInstalls:
    """The stand-in's side of installing through OAuth, and of the tokens it issues."""

    _condition: threading.Condition  # the stand-in's lock
    workspaces: dict[str, SlackState]  # each workspace's Slack, by team id

    def __init__(self) -> None:
        self._tokens: dict[str, IssuedToken] = {}  # issued by oauth.v2.access (any other xox token: T0001's)
        self._codes: dict[str, tuple[str, str]] = {}  # unused authorization code -> (team id, installing user)
        self.oauth_app: OAuthApp | None = None  # set by register_app
        self.install_answer = "allow"  # what the person does on the authorize page: "allow" or "deny"
        self._granted_scope = ""  # the scopes the last install asked for
        self.org_wide = False  # True: the next install is organisation-wide (Enterprise Grid), with no workspace
        self._revoked: set[str] = set()  # tokens not issued here (SLACK_BOT_TOKEN's) revoked with auth.revoke
        super().__init__()

    def register_app(
        self,
        client_id: str,
        client_secret: str,
        *,
        redirect_uri: str,
        app_id: str = "A0001",
        rotate_tokens: bool = False,
        token_seconds: int = 12 * 60 * 60,
    ) -> OAuthApp:
        """Make the app installable through OAuth, as its settings page at Slack does."""
        with self._condition:
            self.oauth_app = OAuthApp(client_id, client_secret, redirect_uri, app_id, rotate_tokens, token_seconds)
            return self.oauth_app

    def authorize(
        self,
        *,
        team_id: str,
        state: str,
        scope: str = "",
        user_id: str = "U_INSTALLER",
        redirect_uri: str | None = None,
    ) -> str:
        """What Slack's authorize page sends the person's browser on to: the redirect URL with a code for `team_id`
        and the `state` (or, when `install_answer` is "deny", with error=access_denied)."""
        with self._condition:
            app = self.oauth_app
            assert app is not None, "register_app first"
            target = redirect_uri or app.redirect_uri
            if self.install_answer == "deny":
                return f"{target}?{urlencode({'error': 'access_denied', 'state': state})}"
            code = secrets.token_hex(12)
            self._codes[code] = (team_id if team_id in self.workspaces else "", user_id)
            self._granted_scope = scope
            return f"{target}?{urlencode({'code': code, 'state': state})}"

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: every token issued for it stops working (Slack then sends app_uninstalled,
        which a test sends with the simulator)."""
        with self._condition:
            for issued in self._tokens.values():
                if issued.team_id == team_id:
                    issued.revoked = True

    def revoke(self, token: str) -> None:
        """A token stops working, as after auth.revoke (SLACK_BOT_TOKEN's too, when the app is removed)."""
        with self._condition:
            self._revoke(token)

    def expire_tokens(self, team_id: str) -> None:
        """Every rotating bot token of the workspace expires now (its refresh token still works, once)."""
        with self._condition:
            for issued in self._tokens.values():
                if issued.team_id == team_id and issued.kind == "bot" and issued.expires_at is not None:
                    issued.expires_at = time.time()

    def tokens_of(self, team_id: str) -> list[str]:
        """The bot tokens issued for a workspace that still work, oldest first."""
        with self._condition:
            return [t for t, issued in self._tokens.items() if issued.team_id == team_id and not self._token_problem(t)]

    # Called with the lock held

    def _revoke(self, token: str) -> None:
        if token in self._tokens:
            self._tokens[token].revoked = True
        else:
            self._revoked.add(token)

    def _team_of(self, token: str | None) -> str:
        issued = self._tokens.get(token or "")
        return issued.team_id if issued else (TEAM_ID if token and token.startswith("xox") else "")

    def _token_problem(self, token: str) -> str | None:
        """Why Slack would refuse a token it issued through OAuth (None: it works; any other xox token works)."""
        issued = self._tokens.get(token)
        if issued is None:
            return "token_revoked" if token in self._revoked else None
        if issued.revoked:
            return "token_revoked"
        if issued.kind != "bot":
            return "invalid_auth"  # a refresh token is not an access token
        if issued.expires_at is not None and issued.expires_at <= time.time():
            return "token_expired"
        return None

    def _issue(self, team_id: str) -> dict[str, Any]:
        """A bot token for a workspace (and, with token rotation, the refresh token that renews it once)."""
        app = self.oauth_app
        assert app is not None
        state = self.workspaces[team_id]
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": app.app_id,
            "scope": self._granted_scope,
            "token_type": "bot",
            "bot_user_id": state.bot_user_id,
            "team": {"id": team_id, "name": state.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if app.rotate_tokens:
            token, refresh = f"xoxe.xoxb-1-{secrets.token_hex(8)}", f"xoxe-1-{secrets.token_hex(8)}"
            self._tokens[token] = IssuedToken(team_id, "bot", time.time() + app.token_seconds)
            self._tokens[refresh] = IssuedToken(team_id, "refresh", None)
            answer |= {"access_token": token, "refresh_token": refresh, "expires_in": app.token_seconds}
        else:
            token = f"xoxb-{team_id}-{secrets.token_hex(8)}"
            self._tokens[token] = IssuedToken(team_id, "bot", None)
            answer["access_token"] = token
        return answer

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a code for a new installation's tokens, or (grant_type=refresh_token) a refresh token,
        good once, for a new pair."""
        app = self.oauth_app
        if app is None or args.get("client_id") != app.client_id:
            return api_error("invalid_client_id")
        if args.get("client_secret") != app.client_secret:
            return api_error("bad_client_secret")
        if args.get("grant_type") == "refresh_token":
            issued = self._tokens.get(str(args.get("refresh_token") or ""))
            if issued is None or issued.kind != "refresh" or issued.revoked:
                return api_error("invalid_refresh_token")
            issued.revoked = True  # Slack revokes a refresh token as it is used
            return self._issue(issued.team_id)
        code = self._codes.pop(str(args.get("code") or ""), None)
        if code is None:
            return api_error("invalid_code")
        team_id, user_id = code
        if team_id == "":
            return api_error("invalid_code")
        answer = self._issue(team_id) | {"authed_user": {"id": user_id}}
        if self.org_wide:
            answer |= {"team": None, "enterprise": {"id": "E0001", "name": "Test Grid"}, "is_enterprise_install": True}
        return answer

    def _authorize_page(self, query: str) -> tuple[int, dict[str, str], bytes]:
        """Slack's authorize page, answered at once as the person would: allow (a redirect with a code) or deny."""
        asked = {key: values[0] for key, values in parse_qs(query).items()}
        app = self.oauth_app
        if app is None or asked.get("client_id") != app.client_id:
            return 400, {"Content-Type": "text/plain"}, b"invalid_client_id"
        team_id = asked.get("team") or TEAM_ID
        location = self.authorize(
            team_id=team_id,
            scope=asked.get("scope", ""),
            state=asked.get("state", ""),
            redirect_uri=asked.get("redirect_uri"),
        )
        return 302, {"Location": location, "Content-Type": "text/plain"}, b""
