"""The after-ack worker process, as `serve` runs it: the same work, in a process of its own, losing nothing."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET, Sandbox
from bot.devkit.simulate import SlackSimulator
from handlers.ids import Action, Block, View
from storage.db import make_engine, make_sessions
from tests.helpers import all_text, offers, requests, response_to, shares, wait_until

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker_sandbox(database_url):
    with Sandbox(database_url, migrate_schema=False, worker_process=True) as running:
        yield running


def test_shares_requests_and_offers_are_done_by_the_worker_process(worker_sandbox):
    box = worker_sandbox
    reply, _ = box.sim.command("/share", "Breakfast club before exams lifted attendance #exams")
    assert reply.status == 200 and reply.body == ""
    post = box.slack.wait_for("chat.postMessage", timeout=20)[0]  # the first job waits for the worker to start
    assert "Breakfast club before exams" in all_text(post.args["blocks"])
    wait_until(lambda: shares(box.sessions)[0].permalink)
    assert shares(box.sessions)[0].message_ts == post.response["ts"]

    box.sim.command("/collab", "A partner with a minibus for the summer trips", user="U_CHLOE")
    wait_until(lambda: requests(box.sessions) and requests(box.sessions)[0].message_ts)
    message = box.slack.messages("C_PRACTICE")[-1]
    _, url = box.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    said = response_to(box.slack, url).args["text"]  # through the response_url
    assert said == "Thank you! I've let <@U_CHLOE> know you can help. They'll be in touch."
    box.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "U_CHLOE")
    assert [o.user_id for o in offers(box.sessions)] == ["U_DEV"]


def test_a_form_share_is_posted_by_the_worker_and_problems_reach_its_author(worker_sandbox):
    box = worker_sandbox
    box.slack.fail("chat.postMessage", error="channel_not_found", where=lambda args: args["channel"] == "C_SECRET")
    box.sim.command("/share", channel="C_SECRET")
    view = box.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == View.SHARE
    values = {Block.TITLE: "Walk and talk", Block.BODY: "Sessions outdoors", Block.CONSENT: True}
    assert box.sim.submit(view, values, user="U_AMIRA").status == 200
    told = box.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "U_AMIRA", timeout=20)[0]
    assert all_text(told.args["blocks"]) == (
        "✅ Your share is saved, but I couldn't post it here: I'm not a member of the channel, or it no longer "
        "exists. If it is private, type `/invite @Programme Talks` in it first. Then press *Try posting again*.\n"
        "Try posting again"
    )
    assert [s.title for s in shares(box.sessions)] == ["Walk and talk"]  # saved, though not posted


def test_a_worker_that_dies_is_started_again_and_the_next_share_is_posted(worker_sandbox, caplog):
    box = worker_sandbox
    box.sim.command("/share", "First share, before the worker dies")
    box.slack.wait_for("chat.postMessage", timeout=20)
    wait_until(lambda: shares(box.sessions)[0].permalink)  # its job is done
    first = box.background.pid
    with caplog.at_level(logging.ERROR, logger="bot.worker"):
        os.kill(first, signal.SIGKILL)
        # Replaced within a second or so, without waiting for the next job (a new process: a new pid).
        wait_until(lambda: box.background.pid != first and box.background.is_alive(), timeout=10)
        box.sim.command("/share", "Second share, after the worker died")
        posts = box.slack.wait_for("chat.postMessage", where=lambda c: "Second share" in str(c.args), timeout=20)
    assert len(posts) == 1
    stopped = [r.getMessage() for r in caplog.records if r.name == "bot.worker" and r.levelno == logging.ERROR]
    assert stopped == [f"the after-ack worker stopped (exit code {-signal.SIGKILL}); starting another"]
    wait_until(lambda: len(shares(box.sessions)) == 2 and all(s.permalink for s in shares(box.sessions)))


def test_stopping_waits_for_every_acknowledged_share(database_url):
    box = Sandbox(database_url, migrate_schema=False, worker_process=True).start()
    try:
        for n in range(12):
            assert box.sim.command("/share", f"Share number {n} of a burst")[0].status == 200
        box.drain()  # as `serve` does on Ctrl-C: listeners first, then the worker, which finishes its jobs
        assert len(box.slack.calls_to("chat.postMessage")) == 12
        assert all(s.message_ts for s in shares(box.sessions)) and len(shares(box.sessions)) == 12
    finally:
        box.stop()


def test_serve_finishes_every_acknowledged_share_when_a_service_manager_stops_it(tmp_path):
    slack = LocalSlack(latency=0.2).start()  # a slow Slack: posts are still going out when the stop comes
    port = _free_port()
    env = os.environ | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "SLACK_API_URL": slack.url,
    }
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(url), timeout=30)
        sim = SlackSimulator(url, SIGNING_SECRET, slack)
        for n in range(8):
            assert sim.command("/share", f"Share {n} typed just before the server was stopped")[0].status == 200
        os.killpg(server.pid, signal.SIGTERM)  # as systemd stops a service: SIGTERM to every process, worker too
        output, _ = server.communicate(timeout=60)
        assert server.returncode == 0, output
        assert "xoxb-" not in output
        posted = [c for c in slack.calls_to("chat.postMessage") if "just before the server was stopped" in str(c.args)]
        assert len(posted) == 8
        engine = make_engine(env["DATABASE_URL"])
        assert all(s.message_ts for s in shares(make_sessions(engine))) and len(shares(make_sessions(engine))) == 8
        engine.dispose()
    finally:
        if server.poll() is None:
            server.kill()
        slack.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False
