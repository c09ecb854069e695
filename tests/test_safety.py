"""Requests Slack did not sign are refused; faults lose nothing; secrets stay out of logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import make_url, text

from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET, Sandbox
from handlers.ids import Block
from storage.db import alembic_config, make_engine
from storage.models import Share
from tests.helpers import all_text, count, wait_until

ROOT = Path(__file__).parent.parent
UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:9/nowhere"
NOT_SAVED = "Sorry, I couldn't save this just now. Your words are still here: please try again in a minute."


def _share_form(sim, text="Quiet room at lunch"):
    return {
        "token": "x",
        "team_id": "T0001",
        "channel_id": "C_PRACTICE",
        "user_id": "U_AMIRA",
        "command": "/share",
        "text": text,
        "response_url": sim.slack.response_url(),
        "trigger_id": "t.1",
    }


@pytest.mark.parametrize(
    "how",
    [
        {"signed": False},
        {"headers": {"X-Slack-Signature": "v0=" + "0" * 64}},
        {"timestamp": int(time.time()) - 6 * 60},
    ],
    ids=["no signature", "wrong signature", "six minutes old"],
)
def test_requests_not_signed_by_slack_get_401_and_change_nothing(sandbox, how):
    reply = sandbox.sim.post_form(_share_form(sandbox.sim), **how)
    assert reply.status == 401
    sandbox.slack.assert_no_call("chat.postMessage")
    assert count(sandbox.sessions, Share) == 0


def test_a_request_four_minutes_old_is_still_accepted(sandbox):
    reply = sandbox.sim.post_form(_share_form(sandbox.sim), timestamp=int(time.time()) - 4 * 60)
    assert reply.status == 200
    sandbox.slack.wait_for("chat.postMessage")


def test_health_reports_the_database(sandbox, database_url):
    with urllib.request.urlopen(sandbox.url + "/healthz") as response:
        health = json.loads(response.read())
    assert response.status == 200
    newest = ScriptDirectory.from_config(alembic_config(sandbox.engine)).get_current_head()
    assert health["ok"] is True and health["database"]["revision"] == newest
    assert newest >= "0006"  # the migration list is read, not empty
    # Each migration's revision is its file's number: the newest is the last file's.
    assert newest == sorted(path.name for path in (ROOT / "storage/migrations/versions").glob("0*.py"))[-1][:4]
    assert health["database"]["dialect"] in ("sqlite", "postgresql")
    assert health["database"]["dialect"] == make_url(database_url).get_backend_name()


@pytest.fixture
def no_database(clock):
    with Sandbox(UNREACHABLE_DATABASE, clock=clock, migrate_schema=False) as running:
        yield running


def test_health_is_200_and_readiness_503_when_the_database_is_unreachable(no_database):
    with urllib.request.urlopen(no_database.url + "/healthz") as response:  # alive: the process answers
        assert response.status == 200 and json.loads(response.read())["database"]["ok"] is False
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(no_database.url + "/readyz")  # not ready: it can't serve without its database
    assert failure.value.code == 503
    assert json.loads(failure.value.read())["database"]["ok"] is False


def test_quick_share_with_the_database_down_says_it_was_not_saved_and_gives_the_text_back(no_database):
    reply, _ = no_database.sim.command("/share", "Our homework club idea & more")
    assert reply.status == 200
    assert reply.seconds < 3  # a time limit: Slack gives up after 3 seconds; the exact time is the machine's
    told = reply.json()  # said at once, in the acknowledgement: the job that would save it could not be recorded
    shown = all_text(told["blocks"])
    assert told["response_type"] == "ephemeral"
    assert shown == (
        "⚠️ Sorry, I couldn't save that just now, so it has *not* been shared. Here is what you wrote, so you can "
        "copy it and try again in a minute:\n```Our homework club idea &amp; more```"
    )
    no_database.slack.assert_no_call("chat.postMessage")
    no_database.slack.assert_no_call("response_url")
    reply, _ = no_database.sim.command("/talks", "help")  # the server keeps running
    assert reply.status == 200


def test_share_form_with_the_database_down_keeps_the_words_in_the_form(no_database):
    no_database.sim.command("/share", "")
    view = no_database.slack.wait_for("views.open")[0].args["view"]
    values = {Block.TITLE: "Walking bus", Block.BODY: "Parents walk a route", Block.CONSENT: True}
    answer = no_database.sim.submit(view, values, user="U_AMIRA")
    assert answer.seconds < 3  # a time limit: Slack gives up after 3 seconds; the exact time is the machine's
    assert answer.json() == {"response_action": "errors", "errors": {Block.BODY: NOT_SAVED}}


def test_a_form_sent_while_the_database_is_locked_is_answered_in_time_with_its_words_kept(sandbox):
    sandbox.sim.command("/share", "")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    values = {Block.TITLE: "Walking bus", Block.BODY: "Parents walk a route", Block.CONSENT: True}
    holder = make_engine(sandbox.settings.database_url)
    with holder.begin() as locked:  # SQLite: BEGIN IMMEDIATE takes the write lock
        if locked.dialect.name == "postgresql":
            locked.execute(text("LOCK TABLE shares IN EXCLUSIVE MODE"))  # another session is in the way
        answer = sandbox.sim.submit(view, values, user="U_AMIRA")
    holder.dispose()
    assert answer.status == 200, answer
    assert answer.seconds < 3, answer  # a time limit: Slack gives up after 3 seconds; the exact time is the machine's
    assert answer.json() == {"response_action": "errors", "errors": {Block.BODY: NOT_SAVED}}
    assert count(sandbox.sessions, Share) == 0
    assert sandbox.sim.submit(view, values, user="U_AMIRA").body == ""  # once it is free, the same form saves
    wait_until(lambda: count(sandbox.sessions, Share) == 1)


def test_serve_without_a_token_stops_with_one_sentence_naming_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["SLACK_SIGNING_SECRET"] = "s"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.startswith("programme-talks: SLACK_BOT_TOKEN is not set")
    assert result.stderr.count("\n") == 1
    assert result.stderr == (
        "programme-talks: SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack "
        "app's OAuth & Permissions page.\n"
    )


def test_serve_without_a_signing_secret_names_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["SLACK_BOT_TOKEN"] = "xoxb-1"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET is not set" in result.stderr
    assert result.stderr == (
        "programme-talks: SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic "
        "Information page.\n"
    )


def test_tokens_and_secrets_never_reach_the_logs(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    sandbox.slack.fail("chat.postMessage", status=500)
    sandbox.sim.command("/share", "Holiday club")
    sandbox.slack.wait_for("chat.postMessage", count=2)
    sandbox.slack.wait_for("chat.getPermalink")
    sandbox.sim.post_form(_share_form(sandbox.sim), signed=False)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "chat.postMessage" in logged  # the client really logged at debug level
    assert BOT_TOKEN not in logged and SIGNING_SECRET not in logged


def test_settings_never_print_their_secrets():
    from bot.config import Settings

    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_SIGNING_SECRET": "hush"})
    assert "xoxb-very-secret" not in repr(settings) and "hush" not in repr(settings)


def test_secrets_are_taken_out_of_tracebacks_too():
    from bot.logs import RedactingFormatter

    formatter = RedactingFormatter("%(message)s", "a-long-signing-secret", "db-password-123")
    try:
        raise RuntimeError("connect failed with password db-password-123 and xoxb-123-456-abc")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "while using %s", ("a-long-signing-secret",), sys.exc_info()
        )
    shown = formatter.format(record)
    assert "Traceback" in shown and "[redacted]" in shown
    assert "db-password-123" not in shown and "a-long-signing-secret" not in shown and "xoxb-123" not in shown


def test_settings_never_print_a_database_password():
    from bot.config import Settings

    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "postgresql://app:hunter22@db/talks"}
    )
    assert "hunter22" not in repr(settings)
