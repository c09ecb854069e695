"""Hostile and malformed requests get 401 or 400, never 500 and never a traceback; ids the app doesn't know are
acknowledged and logged once; Slack's own checks (URL verification, SSL check) keep working."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
import time

import pytest

from bot.devkit.sandbox import SIGNING_SECRET
from handlers.ids import Action, Block, View
from storage.models import QueuedJob, Share
from tests.helpers import count, shares, wait_until
from tests.helpers.raw_requests import FORM, JSON, VIEW_WITHOUT_TYPE, form, interaction, send

# (what, body, content type, the reason the answer gives)
MALFORMED = {
    "payload not json": (b"payload={not json", FORM, "payload is not JSON"),
    "payload a list": (b"payload=[]", FORM, "payload is not a JSON object"),
    "payload null": (b"payload=null", FORM, "payload is not a JSON object"),
    "payload empty": (b"payload=", FORM, "payload is not JSON"),
    "json body not json": (b'{"type": "event_callback", "event": ', JSON, "the body is not JSON"),
    "json body a list": (b"[1, 2]", JSON, "the body is not a JSON object"),
    "body not utf-8": (b"command=%2Fshare&text=\xff\xfe\xfa", FORM, "the body is not UTF-8"),
    "view without a type": (interaction(VIEW_WITHOUT_TYPE), FORM, "the view has no type"),
    "empty body": (b"", FORM, "the body is empty"),
    "unknown payload type": (interaction({"type": "dialog_submission"}), FORM, "the type is not one Slack sends"),
    "event not an object": (
        json.dumps({"type": "event_callback", "team_id": "T0001", "event": "reaction_added"}).encode(),
        JSON,
        "event is not an object",
    ),
    "actions empty": (
        interaction({"type": "block_actions", "user": {"id": "U_AMIRA"}, "actions": []}),
        FORM,
        "actions is not a list of actions with ids",
    ),
    "form of nothing": (b"hello=world", FORM, "the form is neither a command nor an interaction"),
}


def _no_traceback(caplog) -> None:
    assert "Traceback" not in caplog.text
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_signed_nonsense_is_answered_400_with_a_short_reason_and_one_warning_without_the_body(sandbox, caplog, case):
    body, content_type, reason = MALFORMED[case]
    caplog.set_level(logging.INFO)
    status, answered_as, said = send(sandbox, body, content_type)
    assert (status, answered_as) == (400, "text/plain; charset=utf-8")
    assert said.startswith("malformed request: " + reason), said
    assert len(said) < 80
    warned = [r for r in caplog.records if r.name == "bot.server"]
    assert [(r.levelname, r.getMessage()) for r in warned] == [
        ("WARNING", f"refused a request Slack signed: {said[19:]}")
    ]
    _no_traceback(caplog)
    assert count(sandbox.sessions, QueuedJob) == 0
    sandbox.slack.assert_no_call("chat.postMessage")


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_the_same_nonsense_unsigned_is_answered_401_without_being_read(sandbox, caplog, case):
    body, content_type, _reason = MALFORMED[case]
    caplog.set_level(logging.INFO)
    status, _, said = send(sandbox, body, content_type, signed=False)
    assert (status, said) == (401, "not signed by Slack")
    refused = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.server"]
    assert refused == [("INFO", "refused a request to /slack/events that Slack did not sign: no signature")]
    _no_traceback(caplog)


ABOUT_NOW = str(int(time.time()))
TIMESTAMPS = {
    "exponent": b"1e9",
    "letters": b"abc",
    "empty": b"",
    "arabic digits": ABOUT_NOW.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")).encode(),
    "superscript digits": "¹²³".encode("latin-1"),  # str.isdigit() says yes to these
    "thousands of digits": b"1" * 5000,  # int() refuses past 4300
    "negative": b"-" + ABOUT_NOW.encode(),
}


@pytest.mark.parametrize("stamp", TIMESTAMPS, ids=list(TIMESTAMPS))
def test_a_request_signed_with_a_timestamp_that_is_not_plain_digits_is_401(sandbox, caplog, stamp):
    caplog.set_level(logging.INFO)
    body = form(command="/share", text="Quiet room at lunch", team_id="T0001", user_id="U_AMIRA", trigger_id="t")
    status, _, said = send(sandbox, body, FORM, timestamp=TIMESTAMPS[stamp])
    assert (status, said) == (401, "not signed by Slack")
    refused = [r.getMessage() for r in caplog.records if r.name == "bot.server"]
    assert refused == ["refused a request to /slack/events that Slack did not sign: no timestamp of plain digits"]
    _no_traceback(caplog)
    assert count(sandbox.sessions, Share) == 0


def test_a_signature_for_other_bytes_is_401(sandbox, caplog):
    caplog.set_level(logging.INFO)
    stamp = str(int(time.time()))
    signature = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:command=/talks".encode(), hashlib.sha256).hexdigest()
    reply = sandbox.sim.post(
        form(command="/share", text="x"),
        FORM,
        {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + signature},
        signed=False,
    )
    assert (reply.status, reply.body) == (401, "not signed by Slack")
    assert "a signature that does not match" in caplog.text
    _no_traceback(caplog)


def _share_message(sandbox) -> dict:
    sandbox.sim.command("/share", "Walking bus to school #attendance")
    sandbox.slack.wait_for("chat.postMessage")
    return sandbox.slack.messages("C_PRACTICE")[-1]


WRONG = [None, 7, "x", [], {}, [1], ["x"]]
MISSING = object()


def _variants(base: dict, path: tuple) -> list[dict]:
    """`base` with the value at `path` replaced by each kind of wrong value, and left out."""
    variants = []
    for value in [*WRONG, MISSING]:
        changed = copy.deepcopy(base)
        *parents, last = path
        inner = changed
        for step in parents:
            inner = inner[step]
        if value is MISSING:
            del inner[last]
        else:
            inner[last] = value
        variants.append(changed)
    return variants


def test_realistic_requests_with_a_field_of_the_wrong_type_are_never_answered_500(sandbox, caplog):
    """Each field Bolt reads to route a request, replaced by each kind of wrong value, or left out."""
    message = _share_message(sandbox)
    click = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "U_AMIRA", "team_id": "T0001"},
        "channel": {"id": "C_PRACTICE"},
        "container": {"type": "message", "channel_id": "C_PRACTICE", "message_ts": message["ts"]},
        "message": {"ts": message["ts"], "blocks": message["blocks"]},
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT"}],
        "actions": [{"action_id": "x_unknown", "block_id": "b", "type": "button", "value": "1"}],
        "response_url": sandbox.slack.response_url(),
        "trigger_id": "t.1",
    }
    view = {**VIEW_WITHOUT_TYPE["view"], "type": "modal", "callback_id": "x_unknown", "team_id": "T0001"}
    submit = {**VIEW_WITHOUT_TYPE, "view": view, "response_urls": []}
    event = {
        "type": "event_callback",
        "team_id": "T0001",
        "event_id": "Ev1",
        "event": {"type": "x_unknown", "user": "U_AMIRA", "channel": "C_PRACTICE", "item": {"type": "message"}},
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }
    paths = {
        "click": [(k,) for k in ("type", "team", "user", "channel", "container", "message", "authorizations")]
        + [("actions",), ("actions", 0), ("actions", 0, "action_id"), ("actions", 0, "block_id"), ("user", "id")],
        "submit": [(k,) for k in ("type", "view", "user", "team", "response_urls")]
        + [("view", "type"), ("view", "callback_id"), ("view", "team_id"), ("user", "id")],
        "event": [(k,) for k in ("type", "event", "team_id", "authorizations")]
        + [("event", "type"), ("event", "user"), ("event", "item"), ("event", "channel"), ("authorizations", 0)],
    }
    bodies = [interaction(v) for path in paths["click"] for v in _variants(click, path)]
    bodies += [interaction(v) for path in paths["submit"] for v in _variants(submit, path)]
    events = [json.dumps(v).encode() for path in paths["event"] for v in _variants(event, path)]
    answers: dict[int, int] = {}
    for body, content_type in [*((b, FORM) for b in bodies), *((e, JSON) for e in events)]:
        status = send(sandbox, body, content_type)[0]
        answers[status] = answers.get(status, 0) + 1
    assert sorted(answers) == [200, 400]  # never 500: most are refused, some are still well formed and acknowledged
    assert sum(answers.values()) == len(bodies) + len(events) == 8 * 30
    _no_traceback(caplog)
    assert send(sandbox, interaction(click), FORM)[0] == 200  # and the server carries on


def test_slacks_url_verification_is_answered_with_its_challenge(sandbox):
    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
    )
    status, _, said = send(sandbox, body.encode(), JSON)
    assert (status, json.loads(said)) == (200, {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})


def test_slacks_ssl_check_is_answered(sandbox):
    status, _, said = send(sandbox, form(ssl_check="1", token="x"), FORM)
    assert (status, said) == (200, "")


def test_a_quick_share_that_mentions_payload_is_shared(sandbox):
    """Bolt takes a form whose text merely contains the word "payload" for an interaction with none."""
    reply, _ = sandbox.sim.command("/share", "We cut the payload of our newsletter in half")
    assert (reply.status, reply.body) == (200, "")
    wait_until(lambda: shares(sandbox.sessions) and shares(sandbox.sessions)[0].message_ts)
    assert [s.body for s in shares(sandbox.sessions)] == ["We cut the payload of our newsletter in half"]


def test_a_button_the_app_does_not_know_is_acknowledged_and_logged_once(sandbox, caplog):
    caplog.set_level(logging.INFO)
    message = {
        "ts": "1.0",
        "blocks": [
            {
                "type": "actions",
                "block_id": "b",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "retired_button",
                        "value": "v",
                        "text": {"type": "plain_text", "text": "Old"},
                    }
                ],
            }
        ],
    }
    replies = [sandbox.sim.click(message, "retired_button", user="U_AMIRA", channel="C_PRACTICE")[0] for _ in range(3)]
    assert [(r.status, r.body) for r in replies] == [(200, "")] * 3
    logged = [r.getMessage() for r in caplog.records if r.name == "programme_talks.handlers"]
    assert logged == ["no listener for the action 'retired_button': acknowledged (each such id is logged once)"]
    _no_traceback(caplog)


def test_a_form_the_app_does_not_know_is_acknowledged_and_logged_once(sandbox, caplog):
    view = {"type": "modal", "callback_id": "retired_form", "blocks": [], "private_metadata": "{}"}
    replies = [sandbox.sim.submit(view, {}, user="U_AMIRA") for _ in range(2)]
    assert [(r.status, r.body) for r in replies] == [(200, "")] * 2
    logged = [r.getMessage() for r in caplog.records if r.name == "programme_talks.handlers"]
    assert logged == ["no listener for the view_submission 'retired_form': acknowledged (each such id is logged once)"]


def test_a_closed_view_an_event_a_shortcut_and_an_options_menu_the_app_does_not_know_are_acknowledged(sandbox, caplog):
    user = {"id": "U_AMIRA", "team_id": "T0001"}
    closed = {
        "type": "view_closed",
        "team": {"id": "T0001"},
        "user": user,
        "view": {"type": "modal", "callback_id": View.SHARE},
    }
    shortcut = {
        "type": "shortcut",
        "team": {"id": "T0001"},
        "user": user,
        "callback_id": "old_shortcut",
        "trigger_id": "t",
    }
    options = {
        "type": "block_suggestion",
        "team": {"id": "T0001"},
        "user": user,
        "action_id": "old_menu",
        "value": "ab",
    }
    assert send(sandbox, interaction(closed), FORM)[::2] == (200, "")
    assert send(sandbox, interaction(shortcut), FORM)[::2] == (200, "")
    assert send(sandbox, interaction(options), FORM)[::2] == (200, json.dumps({"options": []}))
    assert (
        sandbox.sim.event({"type": "member_joined_channel", "user": "U_AMIRA", "channel": "C_PRACTICE"}).status == 200
    )
    expected = [
        "no listener for the event 'member_joined_channel'",
        "no listener for the options menu 'old_menu'",
        "no listener for the shortcut 'old_shortcut'",
        f"no listener for the view_closed '{View.SHARE}'",
    ]

    def logged() -> list[str]:
        return sorted(r.getMessage().split(":")[0] for r in caplog.records if r.name == "programme_talks.handlers")

    # Bolt answers an event before its listener runs, so that line may come a moment after the answer.
    wait_until(lambda: len(logged()) == len(expected))
    assert logged() == expected


def test_declared_ids_still_reach_their_own_listeners(sandbox):
    message = _share_message(sandbox)
    sandbox.sim.click(message, Action.MANAGE_SHARE, user="U_AMIRA", channel="C_PRACTICE", option="edit")
    view = sandbox.slack.wait_for("views.open")[-1].args["view"]
    assert view["callback_id"] == View.EDIT_SHARE  # the share's own listener opened its edit form
    assert Block.BODY in [b.get("block_id") for b in view["blocks"]]


def test_pages_given_to_the_server_answer_get_at_their_path(sandbox):
    """For the OAuth install pages: a browser's GET, answered by the page, with no signature asked for."""
    from wsgiref.util import setup_testing_defaults

    from bot.server import make_wsgi_app

    def page(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<p>Add to Slack</p>"]

    wsgi = make_wsgi_app(sandbox.app, sandbox.engine, pages={"/slack/install": page})
    answered: list[str] = []

    def get(path: str, method: str = "GET") -> bytes:
        environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": method}
        setup_testing_defaults(environ)
        return b"".join(wsgi(environ, lambda status, headers: answered.append(status)))

    assert (get("/slack/install"), answered[-1]) == (b"<p>Add to Slack</p>", "200 OK")
    assert (get("/slack/nowhere"), answered[-1]) == (b"Not Found", "404 Not Found")
    assert get("/slack/install", "POST") == b"Not Found"  # a page answers GET only
