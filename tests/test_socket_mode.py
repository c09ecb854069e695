"""One workspace over Socket Mode: the same app (commands, forms, buttons, events, the outbox and the scheduler)
with Slack's requests arriving as envelopes through the stand-in's hub, and `serve --socket-mode` end to end."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.delivery import Runner
from bot.devkit.demo import run_demo
from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import APP_TOKEN, SIGNING_SECRET, Sandbox
from bot.devkit.simulate import sign
from bot.slack import make_client
from handlers.ids import Action, Block, View
from storage.models import Highlight, Share
from tests.helpers import all_text, free_port, healthy, offers, response_to, shares, wait_until

ROOT = Path(__file__).resolve().parent.parent
CHANNEL, ADMIN, LEO, STAFF = "C_PRACTICE", "U_ADMIN", "U_LEO", "U_STAFF"


@pytest.fixture
def socket(database_url, clock):
    with Sandbox(database_url, clock=clock, migrate_schema=False, socket_mode=True) as running:
        running.slack.add_user(ADMIN, is_admin=True)
        yield running


def test_a_quick_share_is_acknowledged_over_the_socket_then_saved_and_posted_by_the_outbox(socket):
    reply, _ = socket.sim.command("/share", "Texting parents the night before doubled attendance #attendance")

    assert reply.status == 200 and reply.body == ""  # a bare ack: the work is in the outbox
    [envelope] = socket.slack.socket_mode.envelopes
    assert envelope.type == "slash_commands"
    [post] = socket.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == CHANNEL and "doubled attendance" in all_text(post.args["blocks"])
    assert wait_until(lambda: shares(socket.sessions)[0].message_ts) == post.response["ts"]
    assert shares(socket.sessions)[0].tag_list == ("attendance",)


def test_a_form_opens_and_its_submission_is_validated_then_saved_over_the_socket(socket):
    socket.sim.command("/share", "")
    view = socket.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == View.SHARE
    form = {
        Block.TITLE: "Peer mentors for Year 7 transition",
        Block.BODY: "Year 9 volunteers met new Year 7s weekly in their first term.",
        Block.IMPACT: "Fewer reported worries about moving up.",
        Block.TAGS: "transition",
        Block.LINK: "",
        Block.CONSENT: True,
    }

    refused = socket.sim.submit(view, form | {Block.TITLE: ""}, user="U_BEN").json()
    assert refused["response_action"] == "errors" and Block.TITLE in refused["errors"]
    assert socket.sim.submit(view, form, user="U_BEN").body == ""

    [post] = socket.slack.wait_for("chat.postMessage")
    assert "Peer mentors for Year 7 transition" in all_text(post.args["blocks"])
    assert [s.title for s in shares(socket.sessions)] == ["Peer mentors for Year 7 transition"]


def test_a_button_click_over_the_socket_tells_the_requester(socket):
    socket.sim.command("/collab", "Looking for a partner with a sports hall by 15 January", user="U_CHLOE")
    [post] = socket.slack.wait_for("chat.postMessage")
    message = socket.slack.messages(CHANNEL)[0]
    assert post.response["ts"] == message["ts"]

    _, url = socket.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel=CHANNEL)

    assert response_to(socket.slack, url).args["text"].startswith("Thank you! I've let <@U_CHLOE> know")
    socket.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "U_CHLOE")
    assert [o.user_id for o in offers(socket.sessions)] == ["U_DEV"]


def test_an_event_over_the_socket_is_applied(socket):
    _, url = socket.sim.command("/talks", f"leader <@{LEO}>", user=ADMIN)
    assert response_to(socket.slack, url).args["text"].startswith(f"✅ <@{LEO}> is now a leader.")
    socket.sim.command("/share", "Walking bus to school cut late arrivals", user=STAFF)
    ts = wait_until(lambda: shares(socket.sessions) and shares(socket.sessions)[0].message_ts)
    event = {
        "type": "reaction_added",
        "user": LEO,
        "reaction": "star",
        "item_user": "UBOT",
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
        "event_ts": ts,
    }

    assert socket.sim.event(event).status == 200

    def leaders() -> list[str]:
        # A session closed each time: one left open would hold SQLite's write lock (every transaction takes it)
        # until the garbage collector found it, and the app could not record the highlight meanwhile.
        with socket.sessions() as session:
            return list(session.scalars(select(Highlight.leader_id)))

    assert wait_until(leaders) == [LEO]


def test_the_scheduler_posts_a_digest_for_a_workspace_served_over_socket_mode(socket, clock):
    _, url = socket.sim.command("/talks", "digest here weekly mon 09:00", user=ADMIN)
    response_to(socket.slack, url)
    socket.sim.command("/share", "Homework club on Tuesdays", user=STAFF)
    wait_until(lambda: "Homework club on Tuesdays" in json.dumps(socket.slack.messages(CHANNEL)))  # saved and posted
    runner = Runner(socket.sessions, make_client(socket.settings), socket.settings.tz, clock=clock)

    lines = runner.run_due(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))

    assert f"posted digest to {CHANNEL} 2026-11-30T09:00" in lines
    assert "Homework club on Tuesdays" in json.dumps(socket.slack.messages(CHANNEL)[-1])


def test_a_refresh_from_slack_reconnects_and_requests_keep_coming(socket):
    socket.slack.socket_mode.ask_to_reconnect()

    reply, _ = socket.sim.command("/share", "Breakfast club for Year 7")

    assert reply.status == 200
    socket.slack.wait_for("chat.postMessage")
    assert socket.slack.socket_mode.open_connections == 1


def test_over_socket_mode_the_port_serves_monitors_and_never_slacks_requests(socket):
    assert healthy(socket.url)
    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    request = urllib.request.Request(
        f"{socket.url}/slack/events",
        data=body,
        headers={"Content-Type": "application/json", **sign(SIGNING_SECRET, body)},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 404  # unsigned by Slack over Socket Mode: never taken from the port


def test_the_demo_plays_over_socket_mode(tmp_path):
    out = io.StringIO()

    assert run_demo(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}", out=out, socket_mode=True) == 0, (
        out.getvalue()
    )

    shown = out.getvalue()
    assert "Texting parents the night before doubled attendance at our homework club" in shown
    assert shown.split("── Summary ")[1].splitlines()[1:5] == [  # counted once the app's outbox was drained
        "Stored in the database: 4 shares, 2 collaboration requests, 1 agreement and 1 event.",
        "Also 1 highlight, 2 reactions, 1 author credited with their agreement, and 2 earlier shares suggested",
        "to someone asking for help.",
        "Delivered once each by the scheduler: 4 digests, 2 daily messages for followed tags, 3 review nudges and "
        "1 event reminder.",
    ]


# ---- serve --socket-mode ----------------------------------------------------------------------------------


def env_for(slack: LocalSlack, database: Path, **more: str) -> dict[str, str]:
    mine = ("SLACK_", "DATABASE_URL", "PROGRAMME_TALKS_")
    return (
        {k: v for k, v in os.environ.items() if not k.startswith(mine)}
        | {
            "SLACK_BOT_TOKEN": "xoxb-socket-serve-token",
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": f"sqlite:///{database}",
        }
        | more
    )


def test_serve_socket_mode_connects_out_answers_slack_and_stops_cleanly(tmp_path, sqlite_template):
    database = tmp_path / "app.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    with LocalSlack(socket_mode=True) as slack:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--socket-mode", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env_for(slack, database),  # no SLACK_SIGNING_SECRET: Socket Mode's requests are not signed
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            # Connected, or gone: a server that stopped at start (its port taken by another test meanwhile, say)
            # fails here at once with what it said, rather than after a wait that says nothing.
            wait_until(lambda: slack.socket_mode.open_connections > 0 or server.poll() is not None, timeout=60)
            if server.poll() is not None:
                raise AssertionError(f"serve stopped as it started:\n{server.stdout.read()}")
            slack.socket_mode.wait_connected(timeout=30)
            wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=30)
            command = {
                "team_id": "T0001",
                "channel_id": CHANNEL,
                "user_id": STAFF,
                "command": "/share",
                "text": "Texting parents the night before",
                "response_url": slack.response_url(),
                "trigger_id": "1.2.3",
            }
            assert slack.socket_mode.deliver("slash_commands", command, timeout=10) is None
            [post] = slack.wait_for("chat.postMessage", timeout=20)  # by the worker process, from the outbox
            assert post.args["channel"] == CHANNEL
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
            output, _ = server.communicate(timeout=30)
        assert slack.socket_mode.open_connections == 0  # it closed its connection as it stopped
    assert server.returncode == 0, output
    assert "serving Slack over Socket Mode, and monitors on http://127.0.0.1:" in output
    assert "Traceback" not in output and "xoxb-socket-serve-token" not in output and APP_TOKEN not in output
    assert shares_in(database) == ["Texting parents the night before"]


def shares_in(database: Path) -> list[str]:
    from storage.db import make_engine, make_sessions

    engine = make_engine(f"sqlite:///{database}")
    try:
        with make_sessions(engine)() as session:
            return list(session.scalars(select(Share.body)))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("more", "said"),
    [
        (
            {"SLACK_APP_TOKEN": ""},
            "SLACK_APP_TOKEN is not set: copy an App-Level Token (xapp-...) with the connections:write scope from "
            "your Slack app's Basic Information page.",
        ),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x", "SLACK_BOT_TOKEN": ""},
            "--socket-mode serves one workspace, but SLACK_CLIENT_ID is set for many: unset SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET and set SLACK_BOT_TOKEN, or serve over HTTP without --socket-mode.",
        ),
        (
            {"SLACK_APP_TOKEN": "xapp-1-A0001-1-refused-by-slack"},
            "Slack refused SLACK_APP_TOKEN (invalid_auth): copy the App-Level Token (xapp-...) again from your Slack "
            "app's Basic Information page.",
        ),
    ],
    ids=["no-app-token", "with-oauth", "refused-token"],
)
def test_serve_socket_mode_without_what_it_needs_is_one_sentence(tmp_path, sqlite_template, more, said):
    database = tmp_path / "app.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    with LocalSlack(socket_mode=True, socket_app_token=APP_TOKEN) as slack:  # the one app token it accepts
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve", "--socket-mode", "--port", str(free_port())],
            cwd=ROOT,
            env=env_for(slack, database, **more),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1] == f"programme-talks: {said}"
