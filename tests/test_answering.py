"""Answering Slack first: a listener's answer goes the moment it acknowledges, whatever it does next, and the work
after answering holds back while Slack's requests keep coming, without ever being stopped by them."""

from __future__ import annotations

import threading
import time

from bot.jobs import HOLD_BACK_AT_MOST
from tests.helpers import all_text, shares, wait_until


def test_the_answer_goes_when_the_listener_acknowledges_not_when_it_finishes(sandbox):
    sandbox.sim.command("/share", "help")  # Bolt asks Slack who the app is on the first request: done, not timed
    sandbox.slack.latency = 1.5  # a slow Slack: opening the form takes a second and a half
    started = time.monotonic()

    reply, _ = sandbox.sim.command("/share", "")  # acknowledged, then the form is opened

    answered_in = time.monotonic() - started
    assert reply.status == 200
    assert answered_in < 1.0  # the listener was still waiting for views.open when Slack had its answer
    [opened] = sandbox.slack.wait_for("views.open", timeout=5)
    assert opened.response["ok"]


def test_while_requests_keep_coming_the_work_after_answering_holds_back_but_is_still_done(sandbox):
    flooding = threading.Event()

    def flood() -> None:  # Slack's requests arriving every few milliseconds, as the web process notes them
        while not flooding.is_set():
            sandbox.background.answering()
            time.sleep(0.005)

    threading.Thread(target=flood, daemon=True).start()
    try:
        reply, _ = sandbox.sim.command("/share", "Walking bus on Fridays #attendance")
        assert reply.status == 200 and reply.body == ""  # kept in the outbox, and answered

        time.sleep(HOLD_BACK_AT_MOST / 2)
        assert sandbox.slack.calls_to("chat.postMessage") == []  # held back while the requests come
        [post] = sandbox.slack.wait_for("chat.postMessage", timeout=5)  # but not for ever
    finally:
        flooding.set()
    assert "Walking bus on Fridays" in all_text(post.args["blocks"])
    assert wait_until(lambda: shares(sandbox.sessions)[0].message_ts) == post.response["ts"]
