"""Socket Mode through the local Slack stand-in: a real Bolt app on slack_sdk's built-in Socket Mode client.

The app asks LocalSlack's Web API for a WebSocket URL with its app-level token, connects to the hub, and
answers the envelopes the hub delivers; the tests look at the acks that come back and at what the app then
did through the Web API. One app stays connected for the module: the built-in client takes about a second to
close (its message thread polls a queue once a second), so connecting once keeps the tests quick.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.devkit.local_slack import TEAM_ID, LocalSlack
from bot.devkit.socket_mode import SocketModeError, SocketModeHub

APP_ID = "A0777"
APP_TOKEN = f"xapp-1-{APP_ID}-1-socket-secret"
BOT_TOKEN = "xoxb-socket-test"
COMMAND = "/socket-test"
HELLO_ACTION = "socket_test_hello"
MODAL = "socket_test_modal"
TITLE_BLOCK, TITLE_INPUT = "title_block", "title"
CHANNEL = "C0SOCKET"
USER = "U0ALEX"


# Payloads as Slack puts them in envelopes


def slash_command(slack: LocalSlack, text: str) -> dict:
    return {
        "token": "verification-token",
        "team_id": TEAM_ID,
        "team_domain": "test",
        "channel_id": CHANNEL,
        "channel_name": "practice",
        "user_id": USER,
        "user_name": "alex",
        "command": COMMAND,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": slack.response_url(),
        "trigger_id": f"{uuid.uuid4().int % 10**12}.1.abc",
    }


def button_click(slack: LocalSlack, value: str) -> dict:
    message = {
        "type": "message",
        "user": "UBOT",
        "ts": "1700000000.000100",
        "text": "Say hello",
        "blocks": [
            {
                "type": "actions",
                "block_id": "hello_block",
                "elements": [
                    {
                        "type": "button",
                        "action_id": HELLO_ACTION,
                        "text": {"type": "plain_text", "text": "Say hello"},
                        "value": value,
                    }
                ],
            }
        ],
    }
    return {
        "type": "block_actions",
        "user": {"id": USER, "username": "alex", "name": "alex", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "verification-token",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": CHANNEL, "is_ephemeral": False},
        "trigger_id": f"{uuid.uuid4().int % 10**12}.1.abc",
        "team": {"id": TEAM_ID, "domain": "test"},
        "channel": {"id": CHANNEL, "name": "practice"},
        "message": message,
        "response_url": slack.response_url(),
        "actions": [
            {
                "type": "button",
                "action_id": HELLO_ACTION,
                "block_id": "hello_block",
                "text": {"type": "plain_text", "text": "Say hello"},
                "value": value,
                "action_ts": "1700000001.000200",
            }
        ],
    }


def modal_submission(title: str) -> dict:
    view = {
        "id": "V0SOCKET",
        "team_id": TEAM_ID,
        "type": "modal",
        "callback_id": MODAL,
        "title": {"type": "plain_text", "text": "New talk"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": TITLE_BLOCK,
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": TITLE_INPUT},
            }
        ],
        "private_metadata": "",
        "state": {"values": {TITLE_BLOCK: {TITLE_INPUT: {"type": "plain_text_input", "value": title}}}},
        "hash": "1700000000.abc",
        "app_id": APP_ID,
        "bot_id": "BBOT",
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": USER, "username": "alex", "name": "alex", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "verification-token",
        "trigger_id": f"{uuid.uuid4().int % 10**12}.1.abc",
        "view": view,
        "response_urls": [],
    }


def mention(text: str) -> dict:
    ts = f"{time.time():.6f}"
    return {
        "token": "verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"type": "app_mention", "user": USER, "text": text, "ts": ts, "channel": CHANNEL, "event_ts": ts},
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}],
    }


# The app under test


def build_app(slack: LocalSlack, executor: ThreadPoolExecutor, mentions: queue.Queue) -> App:
    app = App(
        signing_secret="unused-in-socket-mode",
        token_verification_enabled=False,
        client=WebClient(base_url=slack.url, token=BOT_TOKEN),
        listener_executor=executor,
    )

    @app.command(COMMAND)
    def handle_socket_command(ack, command):
        ack(text=f"Noted: {command['text']}")

    @app.action(HELLO_ACTION)
    def handle_hello_click(ack, body, client):
        ack()
        client.chat_postMessage(channel=body["channel"]["id"], text=f"Hello from {body['actions'][0]['value']}")

    @app.view(MODAL)
    def handle_talk_modal(ack, view):
        title = view["state"]["values"][TITLE_BLOCK][TITLE_INPUT]["value"] or ""
        if not title.strip():
            ack(response_action="errors", errors={TITLE_BLOCK: "Give the talk a title"})
            return
        ack()

    @app.event("app_mention")
    def handle_mention(event):
        mentions.put(event)

    return app


@dataclass
class Connected:
    slack: LocalSlack
    hub: SocketModeHub
    mentions: queue.Queue
    client_messages: list[dict]  # what the client handed its listeners that was not an envelope


def hellos(connected: Connected, count: int, timeout: float = 2.0) -> list[dict]:
    """The hello messages the client has handed its listeners, once there are `count` (they run on its threads)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = [message for message in connected.client_messages if message.get("type") == "hello"]
        if len(seen) >= count or time.monotonic() > deadline:
            return seen
        time.sleep(0.01)


@pytest.fixture(scope="module")
def connected() -> Iterator[Connected]:
    with LocalSlack(socket_mode=True) as slack, ThreadPoolExecutor(max_workers=4) as executor:
        assert slack.socket_mode is not None
        mentions: queue.Queue = queue.Queue()
        handler = SocketModeHandler(build_app(slack, executor, mentions), app_token=APP_TOKEN)
        client_messages: list[dict] = []
        handler.client.message_listeners.append(
            lambda client, message, raw: client_messages.append(message) if "envelope_id" not in message else None
        )
        handler.connect()
        slack.socket_mode.wait_connected()
        try:
            yield Connected(slack, slack.socket_mode, mentions, client_messages)
        finally:
            handler.close()


# Delivering envelopes


def test_slash_command_reaches_its_listener_and_its_ack_text_comes_back(connected: Connected) -> None:
    answer = connected.hub.deliver("slash_commands", slash_command(connected.slack, "safeguarding leads"))

    assert answer == {"text": "Noted: safeguarding leads"}
    envelope = connected.hub.envelopes[-1]
    assert (envelope.type, envelope.accepts_response_payload) == ("slash_commands", True)
    assert any(ack.envelope_id == envelope.envelope_id for ack in connected.hub.acks)
    assert [ack.envelope_id for ack in connected.hub.acks].count(envelope.envelope_id) == 1  # acknowledged once


def test_button_click_reaches_its_action_listener_which_posts_a_message(connected: Connected) -> None:
    answer = connected.hub.deliver("interactive", button_click(connected.slack, "the youth panel"))

    assert answer is None  # a bare ack: block_actions carry no response payload
    call = connected.slack.wait_for("chat.postMessage", where=lambda c: "youth panel" in c.args.get("text", ""))[0]
    assert call.args["channel"] == CHANNEL
    assert [message["text"] for message in connected.slack.messages(CHANNEL)][-1] == "Hello from the youth panel"
    assert connected.hub.envelopes[-1].accepts_response_payload is False


def test_view_submission_without_a_title_comes_back_with_field_errors(connected: Connected) -> None:
    answer = connected.hub.deliver("interactive", modal_submission("   "))

    assert answer == {"response_action": "errors", "errors": {TITLE_BLOCK: "Give the talk a title"}}
    assert connected.hub.envelopes[-1].accepts_response_payload is True


def test_view_submission_with_a_title_is_acknowledged_bare(connected: Connected) -> None:
    assert connected.hub.deliver("interactive", modal_submission("Transitions to adult services")) is None


def test_event_reaches_its_event_listener(connected: Connected) -> None:
    payload = mention("<@UBOT> who runs the care leavers forum?")

    assert connected.hub.deliver("events_api", payload) is None
    event = connected.mentions.get(timeout=2)
    assert event["text"] == "<@UBOT> who runs the care leavers forum?"
    assert event["channel"] == CHANNEL


def test_envelope_no_listener_matches_gets_no_ack(connected: Connected) -> None:
    shortcut = {"type": "shortcut", "callback_id": "nobody_listens", "team": {"id": TEAM_ID}, "user": {"id": USER}}

    with pytest.raises(SocketModeError, match="no ack for interactive envelope"):
        connected.hub.deliver("interactive", shortcut, timeout=0.3)


def test_hello_names_the_app_from_its_token(connected: Connected) -> None:
    hello = hellos(connected, 1)[0]

    assert hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": APP_ID}


# Reconnecting


def test_refresh_makes_the_app_open_a_new_connection_and_delivery_goes_on(connected: Connected) -> None:
    opened = len(connected.slack.calls_to("apps.connections.open"))
    sessions = connected.hub.sessions_started
    greeted = len(hellos(connected, 1))

    connected.hub.ask_to_reconnect()

    assert len(connected.slack.calls_to("apps.connections.open")) == opened + 1
    assert connected.hub.sessions_started == sessions + 1
    answer = connected.hub.deliver("slash_commands", slash_command(connected.slack, "after the refresh"))
    assert answer == {"text": "Noted: after the refresh"}
    assert connected.hub.open_connections == 1
    # The built-in client acts on "disconnect" itself and never shows it to listeners; they see the new hello.
    assert len(hellos(connected, greeted + 1)) == greeted + 1
    assert not [message for message in connected.client_messages if message.get("type") == "disconnect"]


# Tokens and URLs


@pytest.mark.parametrize(
    ("token", "error"),
    [("", "not_authed"), (BOT_TOKEN, "not_allowed_token_type"), ("not-a-token", "invalid_auth")],
)
def test_connections_open_refuses_anything_but_an_app_level_token(connected: Connected, token: str, error: str) -> None:
    urls = connected.hub.urls_issued

    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=connected.slack.url).apps_connections_open(app_token=token)

    assert refused.value.response["error"] == error
    assert connected.hub.urls_issued == urls


def test_handler_with_a_bot_token_cannot_connect() -> None:
    with LocalSlack(socket_mode=True) as slack, ThreadPoolExecutor(max_workers=1) as executor:
        handler = SocketModeHandler(build_app(slack, executor, queue.Queue()), app_token=BOT_TOKEN)
        try:
            with pytest.raises(SlackApiError, match="not_allowed_token_type"):
                handler.connect()
        finally:
            handler.close()
        assert slack.socket_mode is not None
        assert slack.socket_mode.sessions_started == 0


def test_a_websocket_url_is_good_for_one_connection() -> None:
    with SocketModeHub(ping_interval=None) as hub:
        url = hub.connections_open({"token": "xapp-1-A0999-2-secret"})["url"]

        with connect(url) as websocket:
            hello = json.loads(websocket.recv(timeout=2))
            with pytest.raises(InvalidStatus, match="401"):
                connect(url)

    assert url.startswith("ws://127.0.0.1:")
    assert hello["connection_info"] == {"app_id": "A0999"}


def test_delivery_with_no_app_connected_says_so() -> None:
    with SocketModeHub() as hub, pytest.raises(SocketModeError, match="no app is connected"):
        hub.deliver("events_api", mention("anyone there?"))


# Stopping


def test_stop_leaves_no_threads_behind() -> None:
    before = set(threading.enumerate())
    with LocalSlack(socket_mode=True) as slack, ThreadPoolExecutor(max_workers=1) as executor:
        assert slack.socket_mode is not None
        handler = SocketModeHandler(build_app(slack, executor, queue.Queue()), app_token=APP_TOKEN)
        try:
            handler.connect()
            slack.socket_mode.wait_connected()
            assert slack.socket_mode.deliver("slash_commands", slash_command(slack, "bye")) == {"text": "Noted: bye"}
        finally:
            handler.close()

    left = [thread.name for thread in threading.enumerate() if thread not in before]
    assert left == []
