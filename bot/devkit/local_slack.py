"""A local stand-in for the Slack Web API, for tests, benchmarks and the demo command.

It answers like Slack on 127.0.0.1, records every call, stores messages and uploaded files, and can be
told to fail. Point a WebClient at it with ``WebClient(base_url=stand_in.url, token="xoxb-...")``.
With ``socket_mode=True`` it also serves Socket Mode (``bot.devkit.socket_mode``): ``apps.connections.open`` takes
an app-level token and hands out a URL on the hub in ``stand_in.socket_mode``. Close the app's Socket Mode handler
before stopping the stand-in, or its client keeps trying to reconnect.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from bot.devkit.socket_mode import SocketModeHub

TEAM_ID = "T0001"
TEAM_NAME = "Test Team"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"

_BOT = {"user_id": BOT_USER_ID, "bot_id": BOT_ID}
_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")
_MESSAGE_BLOCKS = 50
_VIEW_BLOCKS = 100

Answer = tuple[int, dict[str, Any], dict[str, str]]


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int
    response: dict[str, Any]


@dataclass
class _Fault:
    method: str
    status: int
    error: str
    retry_after: int | None
    times: int
    where: Callable[[dict], bool] | None


def _error(error: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": error, **extra}


def _ts(n: int) -> str:
    micros = n * 100
    return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"


def _blocks_problem(blocks: Any, limit: int) -> str | None:
    """Say what Slack would reject in these blocks, or None if they are fine."""
    if blocks is None:
        return None
    if not isinstance(blocks, list) or not all(isinstance(block, dict) for block in blocks):
        return "blocks must be a list of objects"
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    limits = {"section": 3000, "header": 150, "markdown": 12000}
    for index, block in enumerate(blocks):
        text = block.get("text")
        text = text.get("text", "") if isinstance(text, dict) else text or ""
        limit_for_type = limits.get(block.get("type", ""))
        if limit_for_type and len(text) > limit_for_type:
            return f"must be less than {limit_for_type + 1} characters [json-pointer:/blocks/{index}/text]"
        for field in block.get("fields") or []:
            if len(field.get("text", "")) > 2000:
                return f"must be less than 2001 characters [json-pointer:/blocks/{index}/fields]"
    return None


def _invalid_blocks(problem: str) -> dict[str, Any]:
    return _error("invalid_blocks", errors=[problem], response_metadata={"messages": [f"[ERROR] {problem}"]})


def _parse_args(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if "json" in content_type or body.lstrip().startswith(b"{"):
        with suppress(ValueError):
            posted = json.loads(body)
            if isinstance(posted, dict):
                args.update(posted)
    elif body:
        args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            with suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ").strip() or None
    return None


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
    ) -> None:
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

            self.socket_mode = SocketModeHub(host=host)
        self._condition = threading.Condition()
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._requests = 0
        self._ids = itertools.count(1)
        self._last_post: dict[str, float] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        for user_id, fields in (users or {}).items():
            self._users[user_id] = {**self._user(user_id), **fields}
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": lambda args: {"ok": True, "team_id": TEAM_ID, "team": TEAM_NAME} | _BOT,
            "team.info": lambda args: {"ok": True, "team": {"id": TEAM_ID, "name": TEAM_NAME}},
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update_message,
            "chat.delete": self._delete_message,
            "chat.getPermalink": self._permalink,
            "conversations.join": self._join,
            "conversations.info": self._conversation_info,
            "conversations.open": self._open_conversation,
            "users.info": self._user_info,
            "views.open": lambda args: self._view("views.open", args),
            "views.push": lambda args: self._view("views.push", args),
            "views.update": lambda args: self._view("views.update", args),
            "views.publish": lambda args: self._view("views.publish", args),
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
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
    ) -> None:
        user = self._user(user_id, name)
        user.update(is_admin=is_admin, is_owner=is_owner, tz=tz)
        with self._condition:
            self._users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        channel = {"id": channel_id, "name": name, "is_private": is_private, "is_archived": is_archived}
        with self._condition:
            self._channels[channel_id] = {**channel, "is_member": bot_is_member}

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

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._condition:
            return copy.deepcopy(self._messages.get(channel, []))

    def uploaded_files(self) -> list[dict[str, Any]]:
        """Every file announced with files.getUploadURLExternal, with the bytes uploaded so far."""
        keys = ("id", "title", "filename", "content", "channel_id")
        with self._condition:
            return [{key: file[key] for key in keys} for file in self._files.values()]

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
        if kind == "upload":
            args: dict[str, Any] = {"url": address, "file_id": rest, "size": len(body)}
        else:
            args = _parse_args(headers.get("Content-Type", ""), body, url.query)
            token = args.pop("token", None) or _bearer(headers.get("Authorization"))
        with self._condition:
            self._requests += 1
            if kind == "api" and rest:
                method = rest
                status, response, extra = self._answer_api(method, args, token)
            elif kind == "response" and rest:
                method, args = "response_url", {**args, "url": address}
                status, response, extra = self._fault(method, args) or self._answer_response_url(args)
            elif kind == "upload" and rest in self._files:
                method = "upload_url"
                status, response, extra = self._fault(method, args) or self._store_upload(rest, body)
            else:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            self._calls.append(Call(method, args, at, status, response))
            self._condition.notify_all()
        if kind == "api":
            extra["Content-Type"] = "application/json; charset=utf-8"
            return status, extra, json.dumps(response).encode()
        extra["Content-Type"] = "text/plain; charset=utf-8"
        return status, extra, ("ok" if response["ok"] else response["error"]).encode()

    def _answer_api(self, method: str, args: dict[str, Any], token: str | None) -> Answer:
        if method == "apps.connections.open" and self.socket_mode is not None:
            return self._fault(method, args) or (200, self.socket_mode.connections_open({**args, "token": token}), {})
        if not token:
            return 200, _error("not_authed"), {}
        if not token.startswith("xox"):
            return 200, _error("invalid_auth"), {}
        if fault := self._fault(method, args):
            return fault
        if method == "chat.postMessage" and (limited := self._rate_limit(args.get("channel"))):
            return limited
        handler = self._methods.get(method)
        return 200, handler(args) if handler else {"ok": True}, {}

    def _fault(self, method: str, args: dict[str, Any]) -> Answer | None:
        for fault in self._faults:
            if fault.method == method and (fault.where is None or fault.where(args)):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return fault.status, _error(fault.error), headers
        return None

    def _rate_limit(self, channel: str | None) -> Answer | None:
        if not self._min_gap or not channel:
            return None
        now = time.monotonic()
        wait = self._last_post.get(channel, -math.inf) + self._min_gap - now
        if wait > 0:
            return 429, _error("ratelimited"), {"Retry-After": str(max(1, math.ceil(wait)))}
        self._last_post[channel] = now
        return None

    def _answer_response_url(self, args: dict[str, Any]) -> Answer:
        if problem := _blocks_problem(args.get("blocks"), _MESSAGE_BLOCKS):
            return 400, _invalid_blocks(problem), {}
        return 200, {"ok": True}, {}

    def _store_upload(self, file_id: str, content: bytes) -> Answer:
        self._files[file_id]["content"] = content
        return 200, {"ok": True}, {}

    # Web API methods, called with the lock held

    def _channel_problem(self, channel: str | None) -> str | None:
        if not channel:
            return "channel_not_found"
        known = self._channels.get(channel)
        if known is None:
            return None
        if known["is_archived"]:
            return "is_archived"
        if not known["is_member"]:
            return "channel_not_found" if known["is_private"] else "not_in_channel"
        return None

    def _message_problem(self, args: dict[str, Any]) -> dict[str, Any] | None:
        if problem := _blocks_problem(args.get("blocks"), _MESSAGE_BLOCKS):
            return _invalid_blocks(problem)
        if len(str(args.get("text", ""))) > 40000:
            return _error("msg_too_long")
        return None

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if problem := self._channel_problem(channel):
            return _error(problem)
        if refusal := self._message_problem(args):
            return refusal
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        blocks = copy.deepcopy(args.get("blocks", []))
        message = {"ts": _ts(next(self._ids)), "text": args.get("text", ""), "blocks": blocks}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self._messages.setdefault(channel, []).append(message)
        shown = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, **copy.deepcopy(message)}
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": shown}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if problem := self._channel_problem(args.get("channel")):
            return _error(problem)
        if not args.get("user"):
            return _error("user_not_found")
        return self._message_problem(args) or {"ok": True, "message_ts": _ts(next(self._ids))}

    def _find_message(self, args: dict[str, Any]) -> dict[str, Any] | None:
        messages = self._messages.get(args.get("channel", ""), [])
        return next((message for message in messages if message["ts"] == args.get("ts")), None)

    def _update_message(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(args)
        if message is None:
            return _error("message_not_found")
        if refusal := self._message_problem(args):
            return refusal
        message.update({key: args[key] for key in ("text", "blocks") if key in args})
        shown = copy.deepcopy(message)
        return {"ok": True, "channel": args["channel"], "ts": shown["ts"], "text": shown["text"], "message": shown}

    def _delete_message(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(args)
        if message is None:
            return _error("message_not_found")
        self._messages[args["channel"]].remove(message)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"]}

    def _permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel", ""), str(args.get("message_ts") or args.get("ts") or "")
        link = f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _channel(self, channel: str) -> dict[str, Any]:
        default = {"id": channel, "name": channel.lower(), "is_private": False, "is_archived": False}
        known = self._channels.get(channel, default | {"is_member": True})
        return {**known, "is_im": channel.startswith("D"), "is_channel": channel.startswith("C")}

    def _join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return _error("channel_not_found")
        if known := self._channels.get(channel):
            if known["is_private"] or known["is_archived"]:
                return _error("method_not_supported_for_channel_type" if known["is_private"] else "is_archived")
            known["is_member"] = True
        return {"ok": True, "channel": self._channel(channel)}

    def _conversation_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        return {"ok": True, "channel": self._channel(channel)} if channel else _error("channel_not_found")

    def _open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [user for user in str(args.get("users", "")).split(",") if user]
        if not users:
            return _error("users_list_not_supplied")
        channel_id = "D" + users[0] if len(users) == 1 else "G" + "".join(users)
        return {"ok": True, "channel": {"id": channel_id}}

    def _user(self, user_id: str, name: str | None = None) -> dict[str, Any]:
        real_name = name or f"User {user_id}"
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name or user_id.lower(),
            "real_name": real_name,
            "profile": {"real_name": real_name, "display_name": real_name},
            "is_admin": False,
            "is_owner": False,
            "is_bot": False,
            "tz": "Europe/London",
        }

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            return _error("user_not_found")
        return {"ok": True, "user": copy.deepcopy(self._users.get(user_id) or self._user(user_id))}

    def _view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method in ("views.open", "views.push") and not args.get("trigger_id"):
            return _error("invalid_trigger_id")
        if method == "views.publish" and not args.get("user_id"):
            return _error("user_not_found")
        if method == "views.update" and not (args.get("view_id") or args.get("external_id")):
            return _error("not_found")
        view = args.get("view")
        if not isinstance(view, dict):
            return _error("invalid_arguments")
        if problem := _blocks_problem(view.get("blocks"), _VIEW_BLOCKS):
            return _invalid_blocks(problem)
        view_id = args.get("view_id") or f"V{next(self._ids):08d}"
        view = {"id": view_id, "team_id": TEAM_ID, **view, "state": {"values": {}}, "hash": f"{view_id}.hash"}
        return {"ok": True, "view": view}

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return _error("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self._files[file_id] = {"id": file_id, "filename": args["filename"], "content": b""}
        self._files[file_id].update(title=None, channel_id=None)
        return {"ok": True, "upload_url": f"{self._base}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("files")
        if not isinstance(wanted, list) or not wanted:
            return _error("invalid_arguments")
        if any(not isinstance(item, dict) or item.get("id") not in self._files for item in wanted):
            return _error("file_not_found")
        channel_id = args.get("channel_id") or (str(args.get("channels") or "").split(",")[0] or None)
        done = []
        for item in wanted:
            file = self._files[item["id"]]
            file.update(title=item.get("title") or file["filename"], channel_id=channel_id)
            shown = {"id": file["id"], "name": file["filename"], "title": file["title"]}
            link = f"https://example.slack.com/files/{BOT_USER_ID}/{file['id']}/{file['filename']}"
            done.append(shown | {"size": len(file["content"]), "permalink": link, "channels": [channel_id]})
        return {"ok": True, "files": done}


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
