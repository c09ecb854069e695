"""Log lines: as JSON, one object a line, with the ids of the request or job they were logged for, and never a
token, a secret or anything someone typed. The text format stays as it was."""

from __future__ import annotations

import io
import json
import logging
import re
import threading

import pytest
from sqlalchemy import text

from bot import logs
from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET
from storage.db import make_engine
from tests.helpers import wait_until

SECRET_LOOKING = "Our bot token xoxb-2222-3333-abcdefabcdef opened the homework club sign-up"
PERSONAL_LOOKING = "Call Sam's mum on 07700 900123 about the Tuesday club"
FIELDS = {"time", "level", "logger", "message"}


@pytest.fixture
def captured():
    """Logging configured as `serve --log-format json` does, into a buffer; put back as it was afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_requests_ids_and_never_its_words_or_the_secrets(sandbox, captured):
    logs.configure(logging.INFO, *sandbox.settings.secrets(), json=True, stream=captured)
    holder = make_engine(sandbox.settings.database_url)
    with holder.begin() as locked:  # the outbox can't take the share: the listener says so in the log
        if locked.dialect.name == "postgresql":
            locked.execute(text("LOCK TABLE jobs IN EXCLUSIVE MODE"))
        reply, _ = sandbox.sim.command("/share", SECRET_LOOKING, user="U_AMIRA")
    holder.dispose()
    assert reply.status == 200
    assert sandbox.sim.command("/share", PERSONAL_LOOKING, user="U_BEN")[0].status == 200  # a phone number: refused
    button = {"type": "button", "action_id": "gone_button", "value": "v", "text": {"type": "plain_text", "text": "x"}}
    message = {"ts": "1.0", "blocks": [{"type": "actions", "block_id": "b", "elements": [button]}]}
    sandbox.sim.click(message, "gone_button", user="U_CHLOE", channel="C_PRACTICE")
    logging.getLogger("programme_talks.test").warning("a line that quotes %s and %s", BOT_TOKEN, SIGNING_SECRET)

    written = captured.getvalue()
    for word in (BOT_TOKEN, SIGNING_SECRET, "xoxb-2222-3333", "07700", "Sam's mum", "Tuesday", "homework club"):
        assert word not in written
    logged = lines(captured)
    assert all(line.keys() >= FIELDS for line in logged)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"]) for line in logged)
    [not_recorded] = [line for line in logged if line["message"].startswith("could not record")]
    assert not_recorded == {
        "time": not_recorded["time"],
        "level": "WARNING",
        "logger": "programme_talks.handlers",
        "message": not_recorded["message"],
        "team_id": "T0001",
        "user_id": "U_AMIRA",
        "command": "/share",
    }  # logged on a listener thread, which carries the request's context
    [unknown] = [line for line in logged if "gone_button" in line["message"]]
    assert {k: unknown.get(k) for k in ("team_id", "user_id", "action_id", "command")} == {
        "team_id": "T0001",
        "user_id": "U_CHLOE",
        "action_id": "gone_button",
        "command": None,
    }
    [quoted] = [line for line in logged if line["logger"] == "programme_talks.test"]
    assert quoted["message"] == "a line that quotes xox*-[redacted] and [redacted]"
    assert "team_id" not in quoted  # logged outside any request


def test_an_event_and_a_form_log_with_their_type_and_callback_id(sandbox, captured):
    logs.configure(logging.INFO, json=True, stream=captured)
    sandbox.sim.event({"type": "team_join", "user": {"id": "U_NEW"}})
    sandbox.sim.submit({"type": "modal", "callback_id": "old_form", "blocks": []}, {}, user="U_DEV")
    # Bolt answers an event before its listener runs: its line may come a moment after the answer.
    wait_until(lambda: "'team_join'" in captured.getvalue())
    by_message = {line["message"].split(":")[0]: line for line in lines(captured)}
    event = by_message["no listener for the event 'team_join'"]
    assert (event["team_id"], event["event_type"], event.get("user_id")) == ("T0001", "team_join", None)
    form = by_message["no listener for the view_submission 'old_form'"]
    assert (form["team_id"], form["user_id"], form["callback_id"]) == ("T0001", "U_DEV", "old_form")


def test_a_job_logs_with_its_id_and_workspace_and_tracebacks_are_redacted(captured):
    logs.configure(logging.INFO, "a-long-signing-secret", json=True, stream=captured)
    log = logging.getLogger("bot.jobs")
    with logs.request_context(team_id="T1", user_id="U1", command="/share"), logs.job_context(job_id=7, team_id="T2"):
        try:
            raise RuntimeError("failed with a-long-signing-secret")
        except RuntimeError:
            log.exception("job 7 failed")
    log.info("after")
    first, after = lines(captured)
    assert {k: first[k] for k in ("team_id", "user_id", "command", "job_id", "level")} == {
        "team_id": "T2",
        "user_id": "U1",
        "command": "/share",
        "job_id": 7,
        "level": "ERROR",
    }
    assert "Traceback" in first["exception"] and "RuntimeError: failed with [redacted]" in first["exception"]
    assert "a-long-signing-secret" not in captured.getvalue()
    assert after.keys() == FIELDS  # the contexts ended with their blocks


def test_a_thread_started_for_a_task_starts_with_the_context_of_whoever_submitted_it(captured):
    logs.configure(logging.INFO, json=True, stream=captured)
    log = logging.getLogger("programme_talks.test")
    with logs.ContextExecutor(max_workers=1) as executor:
        with logs.request_context(team_id="T1", action_id="a1"):
            executor.submit(log.warning, "inside").result()
        executor.submit(log.warning, "outside").result()
        plain = threading.Thread(target=log.warning, args=("bare thread",))
        with logs.request_context(team_id="T1"):
            plain.start()
            plain.join()
    by_message = {line["message"]: line for line in lines(captured)}
    assert (by_message["inside"]["team_id"], by_message["inside"]["action_id"]) == ("T1", "a1")
    assert "team_id" not in by_message["outside"]
    assert "team_id" not in by_message["bare thread"]  # what ContextExecutor is for


def test_the_text_format_is_unchanged(captured):
    logs.configure(logging.INFO, stream=captured)
    with logs.request_context(team_id="T1"):
        logging.getLogger("programme_talks").info("serving on %s", "http://0.0.0.0:3000")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO programme_talks: serving on http://0\.0\.0\.0:3000\n",
        captured.getvalue(),
    )
