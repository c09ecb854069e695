"""A local stand-in for the Slack Web API, for tests, benchmarks and the demo command.

It answers like Slack on 127.0.0.1, records every call, stores messages and uploaded files, and can be
told to fail. Point a WebClient at it with ``WebClient(base_url=stand_in.url, token="xoxb-...")``.
With ``socket_mode=True`` it also serves Socket Mode (``bot.devkit.socket_mode``): ``apps.connections.open`` takes
an app-level token and hands out a URL on the hub in ``stand_in.socket_mode``. Close the app's Socket Mode handler
before stopping the stand-in, or its client keeps trying to reconnect.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import math
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bot.devkit.slack_state import (
    MESSAGE_BLOCKS,
    TEAM_ID,
    Answer,
    SlackState,
    api_error,
    blocks_problem,
    invalid_blocks,
    parse_args,
)

if TYPE_CHECKING:
    from bot.devkit.socket_mode import SocketModeHub


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int
    response: dict[str, Any]
    team_id: str = ""  # the workspace whose token made the call ("" when none was needed or known)


@dataclass
class _Token:
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


@dataclass
class _Fault:
    method: str
    status: int
    error: str
    retry_after: int | None
    times: int
    where: Callable[[dict], bool] | None


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ").strip() or None
    return None


def _basic(authorization: str | None) -> dict[str, str]:
    """client_id and client_secret from HTTP Basic authentication, as oauth.v2.access takes them."""
    if not (authorization and authorization.startswith("Basic ")):
        return {}
    try:
        client_id, _, secret = base64.b64decode(authorization.removeprefix("Basic ").strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": secret}


class LocalSlack:
    """A Slack Web API on a local port that records calls and injects faults."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        posts_per_second_per_channel: float | None = None,
        users: dict[str, dict] | None = None,
        latency: float = 0.0,
        socket_mode: bool = False,
        socket_app_token: str | None = None,
    ) -> None:
        """`socket_app_token`, with `socket_mode`: the only app-level token apps.connections.open accepts."""
        self._server = _Server((host, port), _Handler)
        self._server.stand_in = self
        self._thread: threading.Thread | None = None
        self._base = f"http://{host}:{self._server.server_address[1]}"
        self.url = f"{self._base}/api/"
        self._min_gap = 1 / posts_per_second_per_channel if posts_per_second_per_channel else 0.0
        self.latency = latency  # seconds each Web API call takes before it is answered (a slow Slack)
        self.socket_mode: SocketModeHub | None = None  # serves apps.connections.open and the WebSocket
        if socket_mode:
            from bot.devkit.socket_mode import SocketModeHub  # needs `websockets`, only when asked for

            self.socket_mode = SocketModeHub(host=host, app_token=socket_app_token)
        self._condition = threading.Condition()
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._requests = 0
        self._ids = itertools.count(1)
        self._last_post: dict[str, float] = {}
        self.state = SlackState(self._base, users)  # the workspace's channels, people, messages and files
        self._methods = self._method_table(self.state)
        # Several workspaces (an app installed through OAuth): each one's Slack, and the tokens issued for them.
        self.workspaces: dict[str, SlackState] = {TEAM_ID: self.state}
        self._tables = {TEAM_ID: self._methods}
        self._tokens: dict[str, _Token] = {}  # tokens issued by oauth.v2.access (any other xox token: T0001's)
        self._codes: dict[str, tuple[str, str]] = {}  # unused authorization code -> (team id, installing user)
        self.oauth_app: OAuthApp | None = None  # set by register_app
        self.install_answer = "allow"  # what the person does on the authorize page: "allow" or "deny"
        self._granted_scope = ""  # the scopes the last install asked for
        self.org_wide = False  # True: the next install is organisation-wide (Enterprise Grid), with no workspace
        self._revoked: set[str] = set()  # tokens not issued here (SLACK_BOT_TOKEN's) revoked with auth.revoke

    def _method_table(self, state: SlackState) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        """The Web API methods, answered from one workspace's Slack."""
        return {
            "auth.test": state.auth_test,
            "team.info": state.team_info,
            "chat.postMessage": state.post_message,
            "chat.postEphemeral": state.post_ephemeral,
            "chat.update": state.update_message,
            "chat.delete": state.delete_message,
            "chat.getPermalink": state.permalink,
            "conversations.join": state.join,
            "conversations.info": state.conversation_info,
            "conversations.open": state.open_conversation,
            "conversations.history": state.history,
            "users.info": state.user_info,
            "users.list": state.users_list,
            "views.open": lambda args: state.view("views.open", args),
            "views.push": lambda args: state.view("views.push", args),
            "views.update": lambda args: state.view("views.update", args),
            "views.publish": lambda args: state.view("views.publish", args),
            "files.getUploadURLExternal": state.upload_url,
            "files.completeUploadExternal": state.complete_upload,
            "canvases.create": state.create_canvas,
        }

    # Running

    def start(self) -> LocalSlack:
        if self.socket_mode is not None:
            self.socket_mode.start()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        if self.socket_mode is not None:
            self.socket_mode.stop()

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def response_url(self) -> str:
        with self._condition:
            return f"{self._base}/response/{next(self._ids)}"

    # Setting up

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "Europe/London",
        team_id: str = TEAM_ID,
    ) -> None:
        state = self.workspaces[team_id]
        user = state.user(user_id, name)
        user.update(is_admin=is_admin, is_owner=is_owner, tz=tz)
        with self._condition:
            state.users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
        team_id: str = TEAM_ID,
    ) -> None:
        channel = {"id": channel_id, "name": name, "is_private": is_private, "is_archived": is_archived}
        with self._condition:
            self.workspaces[team_id].channels[channel_id] = {**channel, "is_member": bot_is_member}

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        where: Callable[[dict], bool] | None = None,
    ) -> None:
        """Make the next `times` calls to `method` (matching `where`) answer with an error."""
        if status == 200 and error is None:
            raise ValueError("give an error, or a status other than 200")
        if status == 429:
            retry_after = retry_after or 1
        error = error or ("ratelimited" if status == 429 else "internal_error")
        with self._condition:
            self._faults.append(_Fault(method, status, error, retry_after, times, where))

    def clear(self) -> None:
        """Forget recorded calls and pending faults; channels, users and messages stay."""
        with self._condition:
            self._calls.clear()
            self._faults.clear()

    # Several workspaces, and installing the app in them (OAuth)

    def add_workspace(self, team_id: str, name: str, *, bot_user_id: str | None = None) -> SlackState:
        """Another workspace, with Slack of its own (channels, people, messages) and its own bot user."""
        with self._condition:
            state = SlackState(
                self._base,
                team_id=team_id,
                team_name=name,
                bot_user_id=bot_user_id or f"UBOT{team_id}",
                bot_id=f"B{team_id}",
            )
            state.ids = itertools.count(len(self.workspaces) * 1_000_000 + 1)  # ids unique across workspaces
            self.workspaces[team_id] = state
            self._tables[team_id] = self._method_table(state)
            return state

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
            if token in self._tokens:
                self._tokens[token].revoked = True
            else:
                self._revoked.add(token)

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

    # Looking at what happened

    @property
    def calls(self) -> list[Call]:
        with self._condition:
            return list(self._calls)

    @property
    def requests_seen(self) -> int:
        with self._condition:
            return self._requests

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str, *, team_id: str = TEAM_ID) -> list[dict[str, Any]]:
        with self._condition:
            return copy.deepcopy(self.workspaces[team_id].messages.get(channel, []))

    def uploaded_files(self) -> list[dict[str, Any]]:
        """Every file announced with files.getUploadURLExternal, with the bytes uploaded so far."""
        keys = ("id", "title", "filename", "content", "channel_id")
        with self._condition:
            return [{key: file[key] for key in keys} for file in self.state.files.values()]

    def canvases(self) -> list[dict[str, Any]]:
        """Every canvas made with canvases.create: id, title, markdown and channel_id."""
        with self._condition:
            return copy.deepcopy(list(self.state.canvases.values()))

    def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Wait until at least `count` matching calls have arrived, and return all of them."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while len(found := self._matching(method, where)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    matching = " matching `where`" if where else ""
                    raise AssertionError(
                        f"expected {count} call(s) to {method}{matching} within {timeout}s, "
                        f"got {len(found)}; {self._describe_calls(method)}"
                    )
                self._condition.wait(remaining)
            return found

    def assert_no_call(self, method: str, *, where: Callable[[Call], bool] | None = None, within: float = 0.3) -> None:
        """Fail if a matching call is recorded, now or within the next `within` seconds."""
        deadline = time.monotonic() + within
        with self._condition:
            while not (found := self._matching(method, where)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._condition.wait(remaining)
        raise AssertionError(f"expected no call to {method}, got {len(found)}: {found[0].args}")

    def _matching(self, method: str, where: Callable[[Call], bool] | None) -> list[Call]:
        return [call for call in self._calls if call.method == method and (where is None or where(call))]

    def _describe_calls(self, method: str) -> str:
        seen = Counter(call.method for call in self._calls)
        described = ", ".join(f"{name} x{count}" for name, count in seen.items()) or "none"
        args = [call.args for call in self._calls if call.method == method]
        return f"calls seen: {described}" + (f"; {method} args: {str(args)[:600]}" if args else "")

    # Serving

    def _serve(self, path: str, headers: Message, body: bytes) -> tuple[int, dict[str, str], bytes]:
        at = time.monotonic()
        url = urlsplit(path)
        kind, _, rest = url.path.strip("/").partition("/")
        address, token = self._base + url.path, None
        if self.latency and kind == "api":
            time.sleep(self.latency)
        if kind == "oauth" and rest == "v2/authorize":
            with self._condition:
                self._requests += 1
                return self._authorize_page(url.query)
        if kind == "upload":
            args: dict[str, Any] = {"url": address, "file_id": rest, "size": len(body)}
        else:
            args = parse_args(headers.get("Content-Type", ""), body, url.query)
            token = args.pop("token", None) or _bearer(headers.get("Authorization"))
            if kind == "api" and rest == "oauth.v2.access":
                args = _basic(headers.get("Authorization")) | args
        team_id = ""
        with self._condition:
            self._requests += 1
            if kind == "api" and rest:
                method = rest
                team_id = self._team_of(token)
                status, response, extra = self._answer_api(method, args, token)
            elif kind == "response" and rest:
                method, args = "response_url", {**args, "url": address}
                status, response, extra = self._fault(method, args) or self._answer_response_url(args)
            elif kind == "upload" and (holder := self._holding_file(rest)) is not None:
                method = "upload_url"
                status, response, extra = self._fault(method, args) or holder.store_upload(rest, body)
            else:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            self._calls.append(Call(method, args, at, status, response, team_id))
            self._condition.notify_all()
        if kind == "api":
            extra["Content-Type"] = "application/json; charset=utf-8"
            return status, extra, json.dumps(response).encode()
        extra["Content-Type"] = "text/plain; charset=utf-8"
        return status, extra, ("ok" if response["ok"] else response["error"]).encode()

    def _answer_api(self, method: str, args: dict[str, Any], token: str | None) -> Answer:
        if method == "apps.connections.open" and self.socket_mode is not None:
            return self._fault(method, args) or (200, self.socket_mode.connections_open({**args, "token": token}), {})
        if method == "oauth.v2.access":
            return self._fault(method, args) or (200, self._oauth_access(args), {})
        if not token:
            return 200, api_error("not_authed"), {}
        if not token.startswith("xox"):
            return 200, api_error("invalid_auth"), {}
        if (refusal := self._token_problem(token)) is not None:
            return 200, api_error(refusal), {}
        if fault := self._fault(method, args):
            return fault
        if method == "auth.revoke":
            if token in self._tokens:
                self._tokens[token].revoked = True
            else:
                self._revoked.add(token)
            return 200, {"ok": True, "revoked": True}, {}
        if method == "chat.postMessage" and (limited := self._rate_limit(args.get("channel"))):
            return limited
        issued = self._tokens.get(token)
        handler = self._tables[issued.team_id if issued else TEAM_ID].get(method)
        return 200, handler(args) if handler else {"ok": True}, {}

    # Several workspaces, and installing through OAuth (all called with the lock held)

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

    def _holding_file(self, file_id: str) -> SlackState | None:
        return next((state for state in self.workspaces.values() if file_id in state.files), None)

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
            self._tokens[token] = _Token(team_id, "bot", time.time() + app.token_seconds)
            self._tokens[refresh] = _Token(team_id, "refresh", None)
            answer |= {"access_token": token, "refresh_token": refresh, "expires_in": app.token_seconds}
        else:
            token = f"xoxb-{team_id}-{secrets.token_hex(8)}"
            self._tokens[token] = _Token(team_id, "bot", None)
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

    def _fault(self, method: str, args: dict[str, Any]) -> Answer | None:
        for fault in self._faults:
            if fault.method == method and (fault.where is None or fault.where(args)):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return fault.status, api_error(fault.error), headers
        return None

    def _rate_limit(self, channel: str | None) -> Answer | None:
        if not self._min_gap or not channel:
            return None
        now = time.monotonic()
        wait = self._last_post.get(channel, -math.inf) + self._min_gap - now
        if wait > 0:
            return 429, api_error("ratelimited"), {"Retry-After": str(max(1, math.ceil(wait)))}
        self._last_post[channel] = now
        return None

    def _answer_response_url(self, args: dict[str, Any]) -> Answer:
        if problem := blocks_problem(args.get("blocks"), MESSAGE_BLOCKS):
            return 400, invalid_blocks(problem), {}
        return 200, {"ok": True}, {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    stand_in: LocalSlack


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        status, headers, payload = self.server.stand_in._serve(self.path, self.headers, self._read_body())
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def _read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and benchmarks read stderr."""
