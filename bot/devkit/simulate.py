"""Talk to the app the way Slack does: signed HTTP requests with realistic payloads.

Used by the tests, the demo and the benchmarks. Views and messages come from what the app itself sent to
the local Slack stand-in, so a submitted form carries the whole view and a click carries the message.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.server import SLACK_PATH

if TYPE_CHECKING:
    from bot.devkit.local_slack import LocalSlack

TEAM_ID = "T0001"
APP_ID = "A0001"
_counter = itertools.count(1)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds to every request it sends an app."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}


class SlackSimulator:
    def __init__(self, app_url: str, signing_secret: str, slack: LocalSlack, *, team_id: str = TEAM_ID):
        self.events_url = app_url.rstrip("/") + SLACK_PATH
        self.secret = signing_secret
        self.slack = slack  # for response URLs
        self.team_id = team_id

    # ---- raw transport ----------------------------------------------------------------------------------

    def post(
        self,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> Reply:
        all_headers = {"Content-Type": content_type, **(sign(self.secret, body, timestamp) if signed else {})}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.events_url, data=body, headers=all_headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.perf_counter() - started)

    def post_form(self, fields: dict[str, str], **options: Any) -> Reply:
        return self.post(urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded", **options)

    # ---- what people do ---------------------------------------------------------------------------------

    def command(
        self, command: str, text: str = "", *, user: str = "U_AMIRA", channel: str = "C_PRACTICE", **options: Any
    ) -> tuple[Reply, str]:
        """Type a slash command. Slack escapes &, < and > in the text. Returns the reply and the response_url."""
        response_url = self.slack.response_url()
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        fields = {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "practice",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": escaped,
            "api_app_id": APP_ID,
            "response_url": response_url,
            "trigger_id": f"trigger.{next(_counter)}",
        }
        return self.post_form(fields, **options), response_url

    def click(
        self, message: dict, action_id: str, *, user: str, channel: str, option: str | None = None
    ) -> tuple[Reply, str]:
        """Click a button (or choose an overflow option starting with `option`) on a message the app posted."""
        element, block_id = _find_element(message.get("blocks") or [], action_id)
        action = {"action_id": action_id, "block_id": block_id, "type": element["type"], "action_ts": _ts()}
        if element["type"] == "overflow":
            chosen = next(o for o in element["options"] if o["value"].startswith(option or ""))
            action["selected_option"] = chosen
        else:
            action["value"] = element.get("value", "")
            action["text"] = element["text"]
        response_url = self.slack.response_url()
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {"type": "message", "message_ts": message.get("ts", ""), "channel_id": channel},
            "trigger_id": f"trigger.{next(_counter)}",
            "channel": {"id": channel, "name": "practice"},
            "message": {
                "type": "message",
                "ts": message.get("ts", ""),
                "text": message.get("text", ""),
                "blocks": message.get("blocks") or [],
            },
            "response_url": response_url,
            "actions": [action],
        }
        return self.post_form({"payload": json.dumps(payload)}), response_url

    def submit(self, view: dict, values: Mapping[str, object], *, user: str) -> Reply:
        """Submit a modal the app opened, filling its inputs: {block_id: text | bool | date | [option values]}."""
        state: dict[str, dict] = {}
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                continue
            element = block["element"]
            state[block["block_id"]] = {element["action_id"]: _state_value(element, values.get(block["block_id"]))}
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "trigger_id": f"trigger.{next(_counter)}",
            "view": {
                **view,
                "id": view.get("id", f"V{next(_counter)}"),
                "team_id": self.team_id,
                "state": {"values": state},
                "hash": "hash",
                "app_id": APP_ID,
            },
            "response_urls": [],
        }
        return self.post_form({"payload": json.dumps(payload)})

    def event(self, event: dict, *, event_id: str | None = None, retry_num: int | None = None) -> Reply:
        body = {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "UBOT", "is_bot": True}],
        }
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.post(json.dumps(body).encode(), "application/json", headers)


def _ts() -> str:
    return f"{time.time():.6f}"


def _find_element(blocks: list[dict], action_id: str) -> tuple[dict, str]:
    for block in blocks:
        for element in block.get("elements") or [block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return element, block.get("block_id", "")
    raise AssertionError(f"no element with action_id {action_id!r} in the message")


def _state_value(element: dict, value: Any) -> dict:
    """The state Slack sends for `element` holding `value`, whose type the kind of element decides (see submit)."""
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value if value else None}
    if kind == "checkboxes":
        chosen = value if isinstance(value, list) else ([o["value"] for o in element["options"]] if value else [])
        return {"type": kind, "selected_options": [o for o in element["options"] if o["value"] in chosen]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": str(value) if value else None}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value or [])}
    if kind == "multi_conversations_select":
        return {"type": kind, "selected_conversations": list(value or [])}
    if kind == "radio_buttons":
        option = next((o for o in element.get("options", []) if o["value"] == value), None)
        return {"type": kind, "selected_option": option}
    if kind == "static_select":
        option = next((o for o in element.get("options", []) if o["value"] == value), None)
        return {"type": kind, "selected_option": option}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value}
    raise AssertionError(f"the simulator cannot fill a {kind} yet")


def render(blocks: list[dict]) -> str:
    """Roughly what a person sees for these blocks, as plain text (for the demo and failure messages)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            lines.append(block["text"]["text"])
        elif kind == "context":
            lines.append("   " + " ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "actions":
            labels = []
            for e in block["elements"]:
                labels.append(f"[{e['text']['text']}]" if "text" in e else "[⋯]")
            lines.append("   " + " ".join(labels))
        elif kind == "divider":
            lines.append("   ---")
        elif kind == "input":
            lines.append(f"   {block['label']['text']}: ____")
    return "\n".join(lines)
