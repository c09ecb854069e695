"""A local stand-in for the Slack Web API, for tests, benchmarks and the demo command.

It answers like Slack on 127.0.0.1, records every call, stores messages and uploaded files, and can be
told to fail. Point a WebClient at it with ``WebClient(base_url=stand_in.url, token="xoxb-...")``.
With ``socket_mode=True`` it also serves Socket Mode (``bot.devkit.socket_mode``): ``apps.connections.open`` takes
an app-level token and hands out a URL on the hub in ``stand_in.socket_mode``. Close the app's Socket Mode handler
before stopping the stand-in, or its client keeps trying to reconnect.

Here: serving HTTP and answering each Web API method from the Slack of the caller's workspace
(bot.devkit.slack_state), and setting that Slack up. Recording calls and injecting faults are in
bot.devkit.slack_calls, installing through OAuth and the tokens it issues in bot.devkit.slack_oauth; LocalSlack
brings them together, so everything is reached from it.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.devkit.block_limits import MESSAGE_BLOCKS, blocks_problem
from bot.devkit.slack_calls import Call, CallRecorder
from bot.devkit.slack_oauth import OAuthApp, OAuthInstalls, basic_credentials
from bot.devkit.slack_state import TEAM_ID, Answer, SlackState, api_error, invalid_blocks, parse_args

if TYPE_CHECKING:
    from bot.devkit.socket_mode import SocketModeHub

__all__ = ["TEAM_ID", "Call", "LocalSlack", "OAuthApp"]  # what tests and benchmarks import from here


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ").strip() or None
    return None


class LocalSlack(CallRecorder, OAuthInstalls):
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
        super().__init__()  # the lock and the record of calls (CallRecorder), OAuth's tokens (OAuthInstalls)
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
        self._ids = itertools.count(1)
        self._last_post: dict[str, float] = {}
        self.state = SlackState(self._base, users)  # the workspace's channels, people, messages and files
        self._methods = self._method_table(self.state)
        # Several workspaces (an app installed through OAuth): each one's Slack, and its Web API methods.
        self.workspaces: dict[str, SlackState] = {TEAM_ID: self.state}
        self._tables = {TEAM_ID: self._methods}

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
            "conversations.replies": state.replies,
            "users.info": state.user_info,
            "users.list": state.users_list,
            "views.open": lambda args: state.view("views.open", args),
            "views.push": lambda args: state.view("views.push", args),
            "views.update": lambda args: state.view("views.update", args),
            "views.publish": lambda args: state.view("views.publish", args),
            "files.info": state.file_info,
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

    def post_as(
        self, user_id: str, channel: str, text: str, *, thread_ts: str | None = None, team_id: str = TEAM_ID
    ) -> dict[str, Any]:
        """A person writes a message (in a thread, with `thread_ts`), as people do in Slack: the app sees it in
        conversations.history and conversations.replies, not as a call."""
        with self._condition:
            return self.workspaces[team_id].add_person_message(channel, user_id, text, thread_ts)

    # Several workspaces (installing the app in them through OAuth: OAuthInstalls)

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

    def share_channel(self, channel_id: str, team_ids: Sequence[str], *, name: str = "shared") -> None:
        """A Slack Connect channel: one channel in several workspaces, each seeing every message posted in it (with
        whichever workspace's token), conversations.info saying it is shared with them all, and users.info in each
        knowing the others' people (with their own team_id and roles)."""
        with self._condition:
            messages: list[dict[str, Any]] = []  # one list, held by every workspace sharing the channel
            for team_id in team_ids:
                state = self.workspaces[team_id]
                state.channels[channel_id] = {
                    "id": channel_id,
                    "name": name,
                    "is_private": False,
                    "is_archived": False,
                    "is_member": True,
                    "is_ext_shared": True,
                    "shared_team_ids": list(team_ids),
                }
                messages += state.messages.get(channel_id, [])
                state.messages[channel_id] = messages
                state.connected = [self.workspaces[other] for other in team_ids if other != team_id]

    # Looking at what happened

    def messages(self, channel: str, *, team_id: str = TEAM_ID) -> list[dict[str, Any]]:
        with self._condition:
            return copy.deepcopy(self.workspaces[team_id].messages.get(channel, []))

    def uploaded_files(self) -> list[dict[str, Any]]:
        """Every file announced with files.getUploadURLExternal, with the bytes uploaded so far."""
        keys = ("id", "title", "filename", "content", "channel_id")
        with self._condition:
            return [{key: file[key] for key in keys} for file in self.state.files.values()]

    def share_file(self, name: str, content: bytes, *, user: str = "U_AMIRA", team_id: str = TEAM_ID) -> dict[str, Any]:
        """A person uploads a file into a form (a file_input): Slack's file object, to give `SlackSimulator.submit`;
        files.info describes it and the app may download it from its url_private with its workspace's token."""
        with self._condition:
            return self.workspaces[team_id].share_file(name, content, user)

    def canvases(self) -> list[dict[str, Any]]:
        """Every canvas made with canvases.create: id, title, markdown and channel_id."""
        with self._condition:
            return copy.deepcopy(list(self.state.canvases.values()))

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
        if kind == "files":
            return self._download(rest.split("/", 1)[0], _bearer(headers.get("Authorization")), at)
        if kind == "upload":
            args: dict[str, Any] = {"url": address, "file_id": rest, "size": len(body)}
        else:
            args = parse_args(headers.get("Content-Type", ""), body, url.query)
            token = args.pop("token", None) or _bearer(headers.get("Authorization"))
            if kind == "api" and rest == "oauth.v2.access":
                args = basic_credentials(headers.get("Authorization")) | args
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
            self._record(Call(method, args, at, status, response, team_id))
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
            self._revoke(token)
            return 200, {"ok": True, "revoked": True}, {}
        if method == "chat.postMessage" and (limited := self._rate_limit(args.get("channel"))):
            return limited
        issued = self._tokens.get(token)
        handler = self._tables[issued.team_id if issued else TEAM_ID].get(method)
        return 200, handler(args) if handler else {"ok": True}, {}

    def _download(self, file_id: str, token: str | None, at: float) -> tuple[int, dict[str, str], bytes]:
        """A person's file at its url_private, for a token of its own workspace (as Slack, which sends anyone else
        to its sign-in page)."""
        with self._condition:
            self._requests += 1
            team_id = self._team_of(token)
            state = self.workspaces.get(team_id)
            args = {"file_id": file_id}
            answer = self._fault("file_download", args)
            if answer is None and (state is None or file_id not in state.shared or self._token_problem(token or "")):
                answer = (302, api_error("not_authed"), {"Location": f"{self._base}/signin"})
            if answer is None:
                assert state is not None
                self._record(Call("file_download", args, at, 200, {"ok": True}, team_id))
                return 200, {"Content-Type": state.shared[file_id]["mimetype"]}, state.shared[file_id]["content"]
            self._record(Call("file_download", args, at, answer[0], answer[1], team_id))
            return answer[0], {"Content-Type": "text/html", **answer[2]}, b"<html>Sign in to Slack</html>"

    def _holding_file(self, file_id: str) -> SlackState | None:
        return next((state for state in self.workspaces.values() if file_id in state.files), None)

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
