"""The Slack a local stand-in pretends to be: its channels, people, messages and files, and the Web API methods
that read and change them. Pure state, no HTTP: bot.devkit.local_slack serves it, records calls and injects
faults; every method here is called with the stand-in's lock held. Blocks are held to Slack's limits by
bot.devkit.block_limits.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qsl

from bot.devkit.block_limits import CANVAS_MARKDOWN_CHARS, MESSAGE_BLOCKS, VIEW_BLOCKS, blocks_problem

TEAM_ID = "T0001"
TEAM_NAME = "Test Team"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"

BOT = {"user_id": BOT_USER_ID, "bot_id": BOT_ID}
JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")

Answer = tuple[int, dict[str, Any], dict[str, str]]  # HTTP status, JSON body, headers


def api_error(code: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": code, **extra}


def ts_of(seconds: float) -> str:
    """A message timestamp as Slack writes it: seconds since 1970, with microseconds."""
    return f"{seconds:.6f}"


def invalid_blocks(problem: str) -> dict[str, Any]:
    return api_error("invalid_blocks", errors=[problem], response_metadata={"messages": [f"[ERROR] {problem}"]})


def parse_args(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if "json" in content_type or body.lstrip().startswith(b"{"):
        with suppress(ValueError):
            posted = json.loads(body)
            if isinstance(posted, dict):
                args.update(posted)
    elif body:
        args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for key in JSON_ARGS:
        if isinstance(args.get(key), str):
            with suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


class SlackState:
    """One workspace's Slack, in memory."""

    def __init__(
        self,
        base_url: str,
        users: dict[str, dict] | None = None,
        *,
        team_id: str = TEAM_ID,
        team_name: str = TEAM_NAME,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
    ) -> None:
        self.base = base_url  # where uploads go: the stand-in's address
        self.team_id, self.team_name = team_id, team_name
        self.bot_user_id, self.bot_id = bot_user_id, bot_id  # the app's bot user in this workspace
        self.ids = itertools.count(1)
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}  # uploaded by the app
        self.shared: dict[str, dict[str, Any]] = {}  # uploaded by people (a form's file_input): files.info, download
        self.canvases: dict[str, dict[str, Any]] = {}
        self.last_ts = 0.0  # messages' timestamps: real time, each later than the one before
        self.connected: list[SlackState] = []  # workspaces sharing a channel with this one (Slack Connect)
        for user_id, fields in (users or {}).items():
            self.users[user_id] = {**self.user(user_id), **fields}

    def store_upload(self, file_id: str, content: bytes) -> Answer:
        self.files[file_id]["content"] = content
        return 200, {"ok": True}, {}

    def channel_problem(self, channel: str | None) -> str | None:
        if not channel:
            return "channel_not_found"
        known = self.channels.get(channel)
        if known is None:
            return None
        if known["is_archived"]:
            return "is_archived"
        if not known["is_member"]:
            return "channel_not_found" if known["is_private"] else "not_in_channel"
        return None

    def message_problem(self, args: dict[str, Any]) -> dict[str, Any] | None:
        if problem := blocks_problem(args.get("blocks"), MESSAGE_BLOCKS):
            return invalid_blocks(problem)
        if len(str(args.get("text", ""))) > 40000:
            return api_error("msg_too_long")
        return None

    def post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel") or ""  # none is refused as channel_not_found, like an empty one
        if problem := self.channel_problem(channel):
            return api_error(problem)
        if refusal := self.message_problem(args):
            return refusal
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return api_error("no_text")
        blocks = copy.deepcopy(args.get("blocks", []))
        message = {"ts": self.next_ts(), "text": args.get("text", ""), "blocks": blocks}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = copy.deepcopy(args["metadata"])
        self.messages.setdefault(channel, []).append(message)
        shown = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, **copy.deepcopy(message)}
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": shown}

    def post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if problem := self.channel_problem(args.get("channel")):
            return api_error(problem)
        if not args.get("user"):
            return api_error("user_not_found")
        return self.message_problem(args) or {"ok": True, "message_ts": self.next_ts()}

    def find_message(self, args: dict[str, Any]) -> dict[str, Any] | None:
        found = (message for message in self.held(args.get("channel", "")) if message["ts"] == args.get("ts"))
        return next(found, None)

    def held(self, channel: str) -> list[dict[str, Any]]:
        """The messages in a conversation: a direct message channel ("D" + a person's id) holds what was posted to
        them by their id, as conversations.history reads it."""
        if channel.startswith("D") and channel not in self.messages:
            return self.messages.get(channel[1:], [])
        return self.messages.get(channel, [])

    def update_message(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.find_message(args)
        if message is None:
            return api_error("message_not_found")
        if refusal := self.message_problem(args):
            return refusal
        message.update({key: args[key] for key in ("text", "blocks") if key in args})
        shown = copy.deepcopy(message)
        return {"ok": True, "channel": args["channel"], "ts": shown["ts"], "text": shown["text"], "message": shown}

    def delete_message(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.find_message(args)
        if message is None:
            return api_error("message_not_found")
        self.held(args["channel"]).remove(message)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"]}

    def permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, stamp = args.get("channel", ""), str(args.get("message_ts") or args.get("ts") or "")
        link = f"https://example.slack.com/archives/{channel}/p{stamp.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def channel(self, channel: str) -> dict[str, Any]:
        default = {"id": channel, "name": channel.lower(), "is_private": False, "is_archived": False}
        known = self.channels.get(channel, default | {"is_member": True})
        return {**known, "is_im": channel.startswith("D"), "is_channel": channel.startswith("C")}

    def join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return api_error("channel_not_found")
        if known := self.channels.get(channel):
            if known["is_private"] or known["is_archived"]:
                return api_error("method_not_supported_for_channel_type" if known["is_private"] else "is_archived")
            known["is_member"] = True
        return {"ok": True, "channel": self.channel(channel)}

    def conversation_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        return {"ok": True, "channel": self.channel(channel)} if channel else api_error("channel_not_found")

    def next_ts(self) -> str:
        self.last_ts = max(time.time(), self.last_ts + 0.000001)
        return ts_of(self.last_ts)

    def history(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: newest first, `oldest`/`latest` bounds, `limit` and a cursor; metadata only
        with include_all_metadata. A direct message channel ("D" + a person's id) holds what was posted to them."""
        channel = str(args.get("channel") or "")
        if not channel:
            return api_error("channel_not_found")
        if (known := self.channels.get(channel)) is not None and not known["is_member"]:
            return api_error("not_in_channel")
        held = self.messages.get(channel, []) + (self.messages.get(channel[1:], []) if channel.startswith("D") else [])
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
        found = sorted(
            (m for m in held if oldest < float(m["ts"]) <= latest), key=lambda m: float(m["ts"]), reverse=True
        )
        start = int(args.get("cursor") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 999))
        page = found[start : start + limit]
        with_metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
        shown = [self._shown(m, with_metadata) for m in page]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: a thread's parent message first, then its replies oldest first, within the
        `oldest`/`latest` bounds (`inclusive` keeps messages at them), `limit` and a cursor."""
        channel, parent_ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel:
            return api_error("channel_not_found")
        if (known := self.channels.get(channel)) is not None and not known["is_member"]:
            return api_error("not_in_channel")
        held = self.held(channel)
        parent = next((m for m in held if m["ts"] == parent_ts), None)
        if parent is None:
            return api_error("thread_not_found")
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
        inclusive = str(args.get("inclusive")).lower() in ("true", "1")

        def within(stamp: float) -> bool:
            return (oldest <= stamp <= latest) if inclusive else (oldest < stamp < latest)

        thread = sorted(
            (m for m in held if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts and within(float(m["ts"]))),
            key=lambda m: float(m["ts"]),
        )
        start = int(args.get("cursor") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 999))
        page = thread[start : start + limit]
        more = start + limit < len(thread)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
        return {
            "ok": True,
            "messages": [self._shown(m, with_metadata) for m in [parent, *page]],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _shown(self, message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
        """A stored message as the history methods return it: the app's own carry its bot user and bot id."""
        mine = {} if message.get("user") else {"user": self.bot_user_id, "bot_id": self.bot_id}
        kept = {key: copy.deepcopy(value) for key, value in message.items() if key != "metadata" or with_metadata}
        return {"type": "message"} | mine | kept

    def add_person_message(self, channel: str, user_id: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
        """A message a person wrote (not the app), in a channel or in a thread there."""
        message: dict[str, Any] = {"ts": self.next_ts(), "text": text, "user": user_id, "team": self.team_id}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages.setdefault(channel, []).append(message)
        return copy.deepcopy(message)

    def open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [user for user in str(args.get("users", "")).split(",") if user]
        if not users:
            return api_error("users_list_not_supplied")
        channel_id = "D" + users[0] if len(users) == 1 else "G" + "".join(users)
        return {"ok": True, "channel": {"id": channel_id}}

    def user(self, user_id: str, name: str | None = None) -> dict[str, Any]:
        real_name = name or f"User {user_id}"
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name or user_id.lower(),
            "real_name": real_name,
            "profile": {"real_name": real_name, "display_name": real_name},
            "is_admin": False,
            "is_owner": False,
            "is_bot": False,
            "tz": "Europe/London",
        }

    def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team_id": self.team_id, "team": self.team_name, "user_id": self.bot_user_id} | {
            "bot_id": self.bot_id
        }

    def team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team": {"id": self.team_id, "name": self.team_name}}

    def user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            return api_error("user_not_found")
        if user_id in self.users or not any(user_id in other.users for other in self.connected):
            member = self.users.get(user_id) or self.user(user_id)
            return {"ok": True, "user": copy.deepcopy(member) | {"team_id": self.team_id}}  # this workspace's own
        external = next(other.users[user_id] for other in self.connected if user_id in other.users)
        return {"ok": True, "user": copy.deepcopy(external)}

    def users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """users.list: the people added to the workspace, by id, `limit` at a time with a cursor."""
        members = [copy.deepcopy(self.users[user_id]) for user_id in sorted(self.users)]
        start = int(args.get("cursor") or 0)
        limit = max(1, min(int(args.get("limit") or 200), 1000))
        more = start + limit < len(members)
        return {
            "ok": True,
            "members": members[start : start + limit],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method in ("views.open", "views.push") and not args.get("trigger_id"):
            return api_error("invalid_trigger_id")
        if method == "views.publish" and not args.get("user_id"):
            return api_error("user_not_found")
        if method == "views.update" and not (args.get("view_id") or args.get("external_id")):
            return api_error("not_found")
        view = args.get("view")
        if not isinstance(view, dict):
            return api_error("invalid_arguments")
        if problem := blocks_problem(view.get("blocks"), VIEW_BLOCKS):
            return invalid_blocks(problem)
        view_id = args.get("view_id") or f"V{next(self.ids):08d}"
        view = {"id": view_id, "team_id": self.team_id, **view, "state": {"values": {}}, "hash": f"{view_id}.hash"}
        return {"ok": True, "view": view}

    def upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return api_error("invalid_arguments")
        file_id = f"F{next(self.ids):08d}"
        self.files[file_id] = {"id": file_id, "filename": args["filename"], "content": b""}
        self.files[file_id].update(title=None, channel_id=None)
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("files")
        if not isinstance(wanted, list) or not wanted:
            return api_error("invalid_arguments")
        if any(not isinstance(item, dict) or item.get("id") not in self.files for item in wanted):
            return api_error("file_not_found")
        channel_id = args.get("channel_id") or (str(args.get("channels") or "").split(",")[0] or None)
        done = []
        for item in wanted:
            file = self.files[item["id"]]
            file.update(title=item.get("title") or file["filename"], channel_id=channel_id)
            shown = {"id": file["id"], "name": file["filename"], "title": file["title"]}
            link = f"https://example.slack.com/files/{self.bot_user_id}/{file['id']}/{file['filename']}"
            done.append(shown | {"size": len(file["content"]), "permalink": link, "channels": [channel_id]})
        return {"ok": True, "files": done}

    def share_file(self, name: str, content: bytes, user_id: str) -> dict[str, Any]:
        """A file a person uploads (into a form's file_input): Slack's file object, as the form's state holds it."""
        file_id = f"F{next(self.ids):08d}"
        kind = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        address = f"{self.base}/files/{file_id}/{name}"
        self.shared[file_id] = {
            "id": file_id,
            "name": name,
            "title": name,
            "filetype": kind,
            "mimetype": "text/calendar" if kind == "ics" else "application/octet-stream",
            "size": len(content),
            "user": user_id,
            "url_private": address,
            "url_private_download": f"{address}?download=1",
            "content": content,
        }
        return self.file_object(file_id)

    def file_object(self, file_id: str) -> dict[str, Any]:
        return {key: value for key, value in self.shared[file_id].items() if key != "content"}

    def file_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """files.info: a file people shared, without its content (the app downloads that from url_private)."""
        if args.get("file") not in self.shared:
            return api_error("file_not_found")
        return {"ok": True, "file": self.file_object(str(args["file"]))}

    def create_canvas(self, args: dict[str, Any]) -> dict[str, Any]:
        """canvases.create: a canvas with a title and Markdown content, tabbed in a channel when one is given."""
        content = args.get("document_content")
        if content is not None and not (
            isinstance(content, dict) and content.get("type") == "markdown" and isinstance(content.get("markdown"), str)
        ):
            return api_error("invalid_arguments")
        markdown = content["markdown"] if content else ""
        if len(markdown) > CANVAS_MARKDOWN_CHARS:
            return api_error("canvas_creation_failed")
        channel = args.get("channel_id")
        if channel and (problem := self.channel_problem(channel)):
            return api_error(problem)
        canvas_id = f"F{next(self.ids):08d}"
        canvas = {"id": canvas_id, "title": args.get("title"), "markdown": markdown, "channel_id": channel}
        self.canvases[canvas_id] = canvas
        return {"ok": True, "canvas_id": canvas_id}
