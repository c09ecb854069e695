"""`programme-talks` as an operator meets it: every misconfiguration is one sentence and a non-zero exit."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from slack_sdk import WebClient
from sqlalchemy import create_engine, text

from bot.cli import DEFAULT_PORT, main
from bot.clock import system_clock
from bot.config import Settings
from bot.delivery import Runner
from bot.delivery.runner import left_undone
from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET
from storage.db import alembic_config, make_engine, make_sessions, migrate_under_lock, schema_of
from tests.helpers import free_port, healthy, wait_until

ROOT = Path(__file__).resolve().parent.parent
SECRET = "8f14e45fceea167a5a36dedd4bea2543"  # the shape of a real signing secret
MIGRATE = "run `programme-talks migrate` first (or start one server with `programme-talks serve --migrate`)"
OURS = ("SLACK_", "DATABASE_URL", "PROGRAMME_TALKS_")


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any of the app's settings, plus `settings`."""
    return {k: v for k, v in os.environ.items() if not k.startswith(OURS)} | settings


def cli(*args: str, env: dict[str, str], timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def assert_one_sentence(stderr: str, expected: str | None = None) -> str:
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1 and stderr.endswith(".\n"), stderr
    assert stderr.startswith("programme-talks: ")
    if expected is not None:
        assert stderr == f"programme-talks: {expected}\n"
    return stderr


@pytest.fixture
def configured(tmp_path, monkeypatch, sqlite_template) -> Path:
    """A correct environment for real Slack, on a migrated SQLite file, for main() in this process."""
    database = tmp_path / "app.sqlite3"
    shutil.copy(sqlite_template, database)
    for name in [k for k in os.environ if k.startswith(OURS)]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdefghijkl")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    return database


# ---- settings ---------------------------------------------------------------------------------------------


def test_every_missing_variable_is_named_in_one_sentence():
    result = cli("serve", env=clean_env())
    assert result.returncode == 2
    assert_one_sentence(
        result.stderr,
        "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set: copy the Bot User OAuth Token (xoxb-...) from your "
        "Slack app's OAuth & Permissions page, and the Signing Secret from your Slack app's Basic Information page.",
    )


def test_scheduler_and_run_due_need_the_token_but_not_the_signing_secret(configured, monkeypatch, capsys):
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    assert main(["run-due", "--at", "2026-11-30T09:00"]) == 0
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["scheduler"]) == 2
    assert_one_sentence(
        capsys.readouterr().err,
        "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & "
        "Permissions page.",
    )


WHERE_SECRET = "copy the Signing Secret again from your Slack app's Basic Information page"
MISCONFIGURED = {
    "a user token": (
        {"SLACK_BOT_TOKEN": "xoxp-1234-5678-abcdefgh"},
        "SLACK_BOT_TOKEN is a user token (xoxp-...), but it must start with xoxb-: use the Bot User OAuth Token from "
        "your Slack app's OAuth & Permissions page.",
    ),
    "an app-level token as the bot token": (
        {"SLACK_BOT_TOKEN": "xapp-1-A111-222-abcdef"},
        "SLACK_BOT_TOKEN is an app-level token (xapp-...), but it must start with xoxb-: use the Bot User OAuth "
        "Token from your Slack app's OAuth & Permissions page.",
    ),
    "a token in quotes": (
        {"SLACK_BOT_TOKEN": '"xoxb-1234-5678-abcdefgh"'},
        "SLACK_BOT_TOKEN is in quotes: set it to the token alone, without the quotation marks.",
    ),
    "something else as the token": (
        {"SLACK_BOT_TOKEN": "hunter2hunter2"},
        "SLACK_BOT_TOKEN is not a Slack token, but it must start with xoxb-: use the Bot User OAuth Token from your "
        "Slack app's OAuth & Permissions page.",
    ),
    "a bot token as the app token": (
        {"SLACK_APP_TOKEN": "xoxb-1234-5678-abcdefgh"},
        "SLACK_APP_TOKEN is a bot token (xoxb-...), but it must start with xapp-: use an App-Level Token from your "
        "Slack app's Basic Information page, or leave it unset (serving over HTTP needs none).",
    ),
    "a signing secret a character short": (
        {"SLACK_SIGNING_SECRET": SECRET[:-1]},
        f"SLACK_SIGNING_SECRET is 31 characters long, but Slack's signing secrets are 32: {WHERE_SECRET}.",
    ),
    "a signing secret that is not hexadecimal": (
        {"SLACK_SIGNING_SECRET": SECRET[:-1] + "z"},
        "SLACK_SIGNING_SECRET is not hexadecimal (Slack's signing secrets are 32 characters, each 0-9 or a-f): "
        f"{WHERE_SECRET}.",
    ),
    "the verification token instead of the signing secret": (
        {"SLACK_SIGNING_SECRET": "Ab12Cd34Ef56Gh78Ij90Kl12"},
        "SLACK_SIGNING_SECRET is 24 characters long, like Slack's old Verification Token, which the app does not "
        f"use: {WHERE_SECRET}.",
    ),
    "postgres://": (
        {"DATABASE_URL": "postgres://app:hunter22@db/talks"},
        "DATABASE_URL starts with postgres://, which SQLAlchemy does not read: write postgresql:// instead.",
    ),
    "MySQL": (
        {"DATABASE_URL": "mysql://app:hunter22@db/talks"},
        "DATABASE_URL is a mysql database, which Programme Talks does not support: use "
        "postgresql://user:password@host/database or sqlite:///path/to/file.sqlite3.",
    ),
    "another PostgreSQL driver": (
        {"DATABASE_URL": "postgresql+psycopg2://app@db/talks"},
        "DATABASE_URL asks for the psycopg2 driver, which Programme Talks does not use: write postgresql:// (it "
        "connects with psycopg 3).",
    ),
    "not a URL": (
        {"DATABASE_URL": "db.example.org/talks"},
        "DATABASE_URL is not a database URL such as postgresql://user:password@host/database or "
        "sqlite:///path/to/file.sqlite3.",
    ),
    "SQLite in memory": (
        {"DATABASE_URL": "sqlite://"},
        "DATABASE_URL is a SQLite database in memory, which is lost when the app stops and not shared with its "
        "worker: give a file, such as sqlite:///path/to/file.sqlite3.",
    ),
    "a time zone that isn't one": (
        {"PROGRAMME_TALKS_TZ": "London"},
        "PROGRAMME_TALKS_TZ is 'London', which is not a time zone name such as Europe/London.",
    ),
    "a log format that isn't one": (
        {"PROGRAMME_TALKS_LOG_FORMAT": "xml"},
        "PROGRAMME_TALKS_LOG_FORMAT is 'xml': set it to text (lines for people) or json (one JSON object a line, for "
        "a log collector).",
    ),
    "a job lease that isn't a number of seconds": (
        {"PROGRAMME_TALKS_JOB_LEASE_SECONDS": "0.5"},
        "PROGRAMME_TALKS_JOB_LEASE_SECONDS is '0.5': set it to a whole number of seconds, 1 or more (the default is "
        "30).",
    ),
    "a Slack API URL that isn't http": (
        {"SLACK_API_URL": "slack.com/api/"},
        "SLACK_API_URL is not an http:// or https:// address: leave it unset to use Slack, or give the address of a "
        "stand-in ending in /api/.",
    ),
}


@pytest.mark.parametrize(
    ("command", "wrong"),
    [
        (command, wrong)
        for wrong, (settings, _) in MISCONFIGURED.items()
        for command in ("serve", "scheduler", "run-due", "migrate")
        if command != "migrate" or not any(name.startswith("SLACK_") for name in settings)
    ],
)
def test_a_setting_of_the_wrong_shape_is_one_sentence_saying_what_is_wrong(
    configured, monkeypatch, capsys, command, wrong
):
    settings, sentence = MISCONFIGURED[wrong]
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    assert main([command]) == 2
    said = assert_one_sentence(capsys.readouterr().err, sentence)
    secrets = [value for name, value in settings.items() if name != "SLACK_API_URL" and name.startswith("SLACK_")]
    assert not any(secret in said for secret in secrets) and "hunter22" not in said  # described, never repeated


def test_a_sqlite_file_in_a_folder_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "no-such-folder"
    result = cli("serve", env=clean_env(**_slack(), DATABASE_URL=f"sqlite:///{missing}/talks.sqlite3"))
    assert result.returncode == 2
    assert_one_sentence(
        result.stderr,
        f"DATABASE_URL names a SQLite file in {missing}, a folder that does not exist: create it, or change "
        "DATABASE_URL.",
    )


def test_migrate_minds_only_the_database(configured, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-1234-5678-abcdefgh")  # wrong for serve; nothing to migrate
    assert main(["migrate"]) == 0


def test_a_stand_in_for_slack_may_sign_with_any_secret_real_slack_may_not():
    stand_in = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "DATABASE_URL": "sqlite:///x"}
    assert Settings.from_env(stand_in | {"SLACK_API_URL": "http://127.0.0.1:8000/api/"}).check()
    with pytest.raises(Exception, match="SLACK_SIGNING_SECRET is 28 characters long"):
        Settings.from_env(stand_in).check()
    assert Settings.from_env(stand_in | {"SLACK_SIGNING_SECRET": SECRET.upper()}).check()  # Slack's case, leniently


# ---- the database -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["serve", "scheduler", "run-due"])
def test_an_unreachable_postgresql_stops_the_command_within_seconds(command):
    env = clean_env(**_slack(), DATABASE_URL="postgresql://app:hunter22@127.0.0.1:1/talks")
    started = time.monotonic()
    result = cli(command, "--port", str(free_port()), env=env) if command == "serve" else cli(command, env=env)
    assert time.monotonic() - started < 10  # a bound: "a few seconds"; the exact time is the machine's
    assert result.returncode == 3
    assert_one_sentence(
        result.stderr,
        "could not reach PostgreSQL at 127.0.0.1 port 1 (connection refused): check that it is running and that "
        "DATABASE_URL names the right host and port.",
    )
    assert "hunter22" not in result.stderr + result.stdout


def test_a_postgresql_without_the_database_names_it(postgres_database):
    missing = postgres_database.rsplit("/", 1)[0].replace("+psycopg", "") + "/no_such_database"
    result = cli("run-due", env=clean_env(SLACK_BOT_TOKEN=BOT_TOKEN, DATABASE_URL=missing))
    assert result.returncode == 3
    assert_one_sentence(result.stderr)
    assert "has no database named no_such_database: create it (createdb no_such_database)" in result.stderr


@pytest.fixture
def older_postgres(postgres_database):
    """A fresh PostgreSQL database whose schema is at revision 0006, as an older release left it."""
    admin = create_engine(postgres_database.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = f"pt_old_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_database.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url, answer_in_time=False)
    command.upgrade(alembic_config(engine), "0006")
    engine.dispose()
    yield url.replace("postgresql+psycopg://", "postgresql://")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_schema_behind_is_refused_by_every_command_and_serve_migrate_brings_it_up_to_date(older_postgres):
    env = clean_env(**_slack(), DATABASE_URL=older_postgres, SLACK_API_URL="http://127.0.0.1:1/api/")
    head = schema_of(make_engine(older_postgres)).head
    for refused in (["serve", "--port", str(free_port())], ["scheduler"], ["run-due"]):
        result = cli(*refused, env=env)
        assert result.returncode == 3, refused
        assert_one_sentence(
            result.stderr, f"the database's schema is at revision 0006, but this release needs {head}: {MIGRATE}."
        )
    port = free_port()
    server = _serve(env, "--migrate", "--port", str(port), "--no-scheduler")
    try:
        wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=30)
        engine = make_engine(older_postgres)
        assert schema_of(engine).up_to_date
        engine.dispose()
    finally:
        output = _stop(server)
    assert server.returncode == 0, output
    assert "Running upgrade 0006 -> 0007" in output


def test_replicas_migrating_at_once_take_turns(older_postgres):
    engine = make_engine(older_postgres, answer_in_time=False)
    failures: list[BaseException] = []

    def migrate() -> None:
        try:
            migrate_under_lock(engine)
        except BaseException as error:
            failures.append(error)

    replicas = [threading.Thread(target=migrate) for _ in range(3)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join()
    assert failures == [] and schema_of(engine).up_to_date
    engine.dispose()


def test_sqlite_is_migrated_by_the_command_itself(tmp_path, capsys, monkeypatch, configured):
    database = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    command.upgrade(alembic_config(engine), "0006")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert main(["run-due", "--at", "2026-11-30T09:00"]) == 0
    assert capsys.readouterr().out == "run-due at 2026-11-30 09:00 GMT: nothing to do\n"
    assert schema_of(engine).up_to_date
    engine.dispose()


def test_a_schema_a_newer_release_wrote_is_served_with_a_warning(configured, capsys):
    engine = make_engine(f"sqlite:///{configured}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    assert main(["run-due", "--at", "2026-11-30T09:00"]) == 0
    err = capsys.readouterr().err
    assert "the database's schema is at revision 9999, newer than this release's" in err
    assert main(["migrate"]) == 3  # this release can't migrate what it doesn't know
    assert "which a newer release wrote and this one does not know" in assert_one_sentence(capsys.readouterr().err)


def test_logs_are_json_when_asked_by_option_or_by_the_environment(configured, monkeypatch, capsys):
    engine = make_engine(f"sqlite:///{configured}")
    with engine.begin() as connection:  # a newer release's schema: run-due logs a warning, and carries on
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    assert main(["run-due", "--log-format", "json"]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    logged = json.loads(line)
    assert logged["level"] == "WARNING" and "newer than this release's" in logged["message"]
    monkeypatch.setenv("PROGRAMME_TALKS_LOG_FORMAT", "json")
    assert main(["run-due"]) == 0
    assert json.loads(capsys.readouterr().err)["level"] == "WARNING"
    assert main(["run-due", "--log-format", "text"]) == 0  # the option wins
    assert " WARNING programme_talks: the database's schema is at revision 9999" in capsys.readouterr().err


# ---- serve ------------------------------------------------------------------------------------------------


def test_a_port_in_use_is_one_sentence(configured):
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = cli("serve", "--host", "127.0.0.1", "--port", str(port), env=dict(os.environ))
    assert time.monotonic() - started < 10
    assert result.returncode == 3
    assert_one_sentence(
        result.stderr,
        f"port {port} on 127.0.0.1 is already in use by another program: stop it, or choose another with --port.",
    )


def test_serve_on_sqlite_says_it_is_a_single_replica_and_bolt_does_not_warn(configured):
    port = free_port()
    server = _serve(os.environ | {"SLACK_API_URL": "http://127.0.0.1:1/api/"}, "--port", str(port))
    try:
        wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=30)
    finally:
        output = _stop(server)
    assert server.returncode == 0, output
    assert "serving as a single replica: a SQLite database is one machine's file" in output
    assert "will be unused" not in output and "Traceback" not in output
    assert "xoxb-1234" not in output and SECRET not in output


# ---- run-due ----------------------------------------------------------------------------------------------


def test_run_due_exits_non_zero_when_slack_leaves_a_digest_for_the_next_run(sandbox, env, capsys):
    sandbox.slack.add_user("U_ADMIN", is_admin=True)
    sandbox.sim.command("/talks", "digest here weekly mon 09:00", user="U_ADMIN", channel="C_PRACTICE")
    sandbox.slack.wait_for("response_url")
    sandbox.slack.fail("chat.postMessage", error="internal_error", where=lambda args: args["channel"] == "C_PRACTICE")
    assert main(["run-due", "--at", "2026-11-30T09:00"]) == 1
    out, err = capsys.readouterr()
    assert "could not post to C_PRACTICE" in out
    assert err.endswith("\nprogramme-talks: run-due left something due undone (see above); the next run catches up.\n")
    assert "Traceback" not in err  # above it, only the log's warning about the post
    assert main(["run-due", "--at", "2026-11-30T09:01"]) == 0  # the next run catches up
    assert "posted digest to C_PRACTICE" in capsys.readouterr().out


def test_a_run_that_could_not_read_what_is_due_is_left_undone():
    engine = make_engine("postgresql://postgres@127.0.0.1:1/nowhere")
    client = WebClient(base_url="http://127.0.0.1:1/api/")  # never called: nothing is found due
    runner = Runner(make_sessions(engine), client, ZoneInfo("Europe/London"), clock=system_clock)
    lines = runner.run_due()
    assert lines[0].startswith("could not read what is due") and left_undone(lines)
    assert not left_undone(["posted digest to C_1 2026-11-30T09:00", "skipped C_2 2026-11-30T09:00: 7 hours late"])
    engine.dispose()


# ---- help -------------------------------------------------------------------------------------------------


def test_version_is_the_installed_one(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"programme-talks {version('programme-talks')}\n"


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("serve", ["/slack/events", "/healthz", "--migrate", f"default: {DEFAULT_PORT}", "default: 0.0.0.0"]),
        ("scheduler", ["every minute", "serve --no-scheduler"]),
        ("run-due", ["default: now", "exits 1 when something due was left undone"]),
        ("migrate", ["advisory lock"]),
    ],
)
def test_each_command_says_what_it_does_its_defaults_and_what_it_reads(capsys, command, says):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    for words in says:
        assert words in shown, words
    assert "DATABASE_URL" in shown and "PROGRAMME_TALKS_LOG_FORMAT" in shown and "default: text" in shown
    assert ("SLACK_BOT_TOKEN required" in shown) is (command != "migrate")
    assert ("SLACK_SIGNING_SECRET required" in shown) is (command == "serve")


def test_a_usage_mistake_is_one_line(capsys):
    with pytest.raises(SystemExit) as done:
        main(["serve", "--port", "eighty"])
    assert done.value.code == 2
    assert capsys.readouterr().err == (
        "programme-talks serve: argument --port: 'eighty' is not a port number from 0 to 65535 "
        "(see programme-talks serve --help)\n"
    )


# ---- helpers ----------------------------------------------------------------------------------------------


def _slack() -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdefghijkl", "SLACK_SIGNING_SECRET": SECRET}


def _serve(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _stop(server: subprocess.Popen) -> str:
    """Stop a server as a service manager does (SIGTERM to its processes); what it printed."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    try:
        output, _ = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        output, _ = server.communicate()
    return output
