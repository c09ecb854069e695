"""app.yaml, the Slack app manifest, matches what the code handles, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handlers.ids import Action, Command, SlackEvent, View

MANIFEST = yaml.safe_load((Path(__file__).parent.parent / "app.yaml").read_text())


def test_manifest_commands_are_exactly_the_commands_in_code():
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == {c.value for c in Command}


def test_manifest_events_are_exactly_the_events_in_code():
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == {e.value for e in SlackEvent}


def test_every_request_url_ends_in_slack_events():
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls += [
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        MANIFEST["settings"]["interactivity"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


# The code handles every identifier it declares: Slack's request for each is answered, not 404.


@pytest.mark.parametrize("command", list(Command))
def test_every_command_in_the_manifest_has_a_listener(sandbox, command):
    reply, _ = sandbox.sim.command(command.value, "help")
    assert reply.status == 200


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_a_listener(sandbox, action):
    message = {
        "ts": "1.0",
        "blocks": [
            {
                "type": "actions",
                "block_id": "b",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action.value,
                        "value": "share:999999",
                        "text": {"type": "plain_text", "text": "x"},
                    }
                ],
            }
        ],
    }
    if action is Action.MANAGE_SHARE:
        message["blocks"][0]["elements"][0] = {
            "type": "overflow",
            "action_id": action.value,
            "options": [{"value": "edit:999999", "text": {"type": "plain_text", "text": "Edit"}}],
        }
    reply, _ = sandbox.sim.click(message, action.value, user="U_AMIRA", channel="C_PRACTICE")
    assert reply.status == 200


@pytest.mark.parametrize("view", list(View))
def test_every_modal_has_a_submission_listener(sandbox, view):
    reply = sandbox.sim.submit(
        {"type": "modal", "callback_id": view.value, "blocks": [], "private_metadata": "{}"}, {}, user="U_AMIRA"
    )
    assert reply.status == 200


@pytest.mark.parametrize("event", list(SlackEvent))
def test_every_subscribed_event_has_a_listener(sandbox, event):
    reply = sandbox.sim.event({"type": event.value, "user": "U_AMIRA", "tab": "home", "event_ts": "1.0"})
    assert reply.status == 200
