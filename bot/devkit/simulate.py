"""Talk to the app the way Slack does: signed HTTP requests with realistic payloads (or, for an app on Socket
Mode, envelopes through the stand-in's hub).

Used by the tests, the demo and the benchmarks. Views and messages come from what the app itself sent to
the local Slack stand-in, so a submitted form carries the whole view and a click carries the message.
`Browser` is a person's browser, for installing the app through OAuth (its pages, cookie and redirects).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import re
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
    from bot.devkit.socket_mode import SocketModeHub

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
    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        slack: LocalSlack,
        *,
        team_id: str = TEAM_ID,
        socket: SocketModeHub | None = None,
        bot_user_id: str = "UBOT",
    ):
        """With `socket`, commands, interactions and events go to the app as Socket Mode envelopes through the
        hub (the app must be connected to it) instead of signed HTTP requests; `team_id` is the workspace people
        act in, whose app's bot user is `bot_user_id`."""
        self.events_url = app_url.rstrip("/") + SLACK_PATH
        self.secret = signing_secret
        self.slack = slack  # for response URLs
        self.team_id = team_id
        self.socket = socket
        self.bot_user_id = bot_user_id

    def deliver(self, kind: str, payload: dict, *, retry_attempt: int = 0) -> Reply:
        """An envelope through the Socket Mode hub; the ack's payload as a Reply (status 0: no ack came)."""
        from bot.devkit.socket_mode import SocketModeError

        assert self.socket is not None
        started = time.perf_counter()
        try:
            answer = self.socket.deliver(kind, payload, retry_attempt=retry_attempt)
        except SocketModeError as error:
            return Reply(0, str(error), time.perf_counter() - started)
        return Reply(200, json.dumps(answer) if answer is not None else "", time.perf_counter() - started)

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
        if self.socket is not None and not options:
            if "payload" in fields:
                return self.deliver("interactive", json.loads(fields["payload"]))
            return self.deliver("slash_commands", fields)
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

    def shortcut(
        self, message: dict, callback_id: str, *, user: str, channel: str, author: str | None = None
    ) -> tuple[Reply, str]:
        """Use a message shortcut on a message (a person's, by `author`; without one, an app's message): Slack
        sends the message as it shows it (its ts, text, thread_ts in a thread), the channel and a response_url."""
        response_url = self.slack.response_url()
        shown = {"type": "message", "ts": message.get("ts") or _ts(), "text": message.get("text", "")}
        shown |= {"user": author, "team": self.team_id} if author else {"bot_id": "B_OTHER", "subtype": "bot_message"}
        if message.get("thread_ts"):
            shown["thread_ts"] = message["thread_ts"]
        payload = {
            "type": "message_action",
            "token": "verification-token-unused",
            "action_ts": _ts(),
            "team": {"id": self.team_id, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id, "name": user.lower()},
            "channel": {"id": channel, "name": "practice"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": f"trigger.{next(_counter)}",
            "response_url": response_url,
            "message_ts": shown["ts"],
            "message": shown,
        }
        return self.post_form({"payload": json.dumps(payload)}), response_url

    def click_home(self, home: dict, action_id: str, *, user: str) -> Reply:
        """Press a button on someone's Home tab (a view the app published): Slack sends the view it is on, and no
        channel or response_url."""
        element, block_id = _find_element(home.get("blocks") or [], action_id)
        action = {
            "action_id": action_id,
            "block_id": block_id,
            "type": element["type"],
            "value": element.get("value", ""),
            "text": element.get("text"),
            "action_ts": _ts(),
        }
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {"type": "view", "view_id": home.get("id", "")},
            "trigger_id": f"trigger.{next(_counter)}",
            "view": home,
            "actions": [action],
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
            "authorizations": [{"team_id": self.team_id, "user_id": self.bot_user_id, "is_bot": True}],
        }
        if self.socket is not None:
            return self.deliver("events_api", body, retry_attempt=retry_num or 0)
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.post(json.dumps(body).encode(), "application/json", headers)


def _ts() -> str:
    return f"{time.time():.6f}"


@dataclass(frozen=True)
class Page:
    """What a browser got: the status, the body, and where a redirect points (Location), if it is one."""

    url: str
    status: int
    body: str
    location: str | None

    def link(self, starting: str) -> str:
        """The first link on the page whose address starts with `starting`."""
        for href in re.findall(r'href="([^"]+)"', self.body):
            address = html.unescape(href)
            if address.startswith(starting):
                return address
        raise AssertionError(f"no link starting {starting!r} on {self.url}: {self.body[:500]}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the browser follows them itself, one at a time


class Browser:
    """A person's browser, for the OAuth install pages: it keeps cookies by host (as browsers do on localhost,
    Secure ones too) and follows a redirect only when asked."""

    def __init__(self) -> None:
        self.cookies: dict[str, dict[str, str]] = {}  # host:port -> name -> value
        self._opener = urllib.request.build_opener(_NoRedirects)

    def get(self, url: str) -> Page:
        where = urllib.parse.urlsplit(url).netloc
        jar = self.cookies.setdefault(where, {})
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in jar.items())} if jar else {}
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            response = self._opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            status, body = response.status, response.read().decode()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                value = rest.split(";")[0]
                if "Expires=Thu, 01 Jan 1970" in cookie or value == "deleted":
                    jar.pop(name, None)
                else:
                    jar[name] = value
            return Page(url, status, body, response.headers.get("Location"))

    def follow(self, page: Page) -> Page:
        assert page.location, f"{page.url} answered {page.status}, not a redirect"
        return self.get(page.location)


def install(app_url: str, team_id: str, browser: Browser | None = None) -> Page:
    """Install the app in a workspace as an admin does: open the install page, press Add to Slack, allow on Slack's
    page (the stand-in's, which answers as its `install_answer` says), and land back on the app. The last page."""
    browser = browser or Browser()
    start = browser.get(f"{app_url.rstrip('/')}/slack/install?team={team_id}")
    authorize = browser.get(start.link("http"))
    return browser.follow(authorize)


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
    if kind == "file_input":  # files from LocalSlack.share_file
        return {"type": kind, "files": list(value or [])}
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
