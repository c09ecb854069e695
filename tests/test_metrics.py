"""Monitoring: /metrics counts requests and Slack calls in every process and reads the rest from the database;
/healthz says the process is alive; /readyz says whether it can serve (the database reachable, its schema current)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.devkit.sandbox import Sandbox
from storage import jobs, leases, ledger
from storage.db import alembic_config, make_engine
from storage.ledger import Kind, Status
from tests.helpers import run_due, wait_until
from tests.helpers.raw_requests import FORM, VIEW_WITHOUT_TYPE, interaction, send

UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:9/nowhere"
ADMIN = "U_ADMIN"
OK_POST = (("error", "ok"), ("method", "chat.postMessage"))


@pytest.fixture
def counting(monkeypatch, tmp_path) -> Path:
    """Counting across processes, as `serve` sets it up (bot.metrics.prepare), in a directory of this test's."""
    monkeypatch.setenv(metrics.MULTIPROC_DIR, str(tmp_path / "metrics"))
    return metrics.prepare()


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample /metrics serves, by (name, sorted labels)."""
    with urllib.request.urlopen(url + "/metrics") as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def nonzero(samples: dict, name: str) -> dict[tuple, float]:
    return {labels: number for (named, labels), number in samples.items() if named == name and number}


def scraped_when(url: str, name: str, expected: dict[tuple, float], timeout: float = 5.0) -> dict:
    """The samples, once `name`'s non-zero series are `expected` (counts land once an answer is written, a moment
    after the caller has read it; a worker counts once Slack has answered it)."""
    seen: list[dict] = []

    def arrived() -> dict | None:
        seen[:] = [nonzero(samples := scrape(url), name)]
        return samples if seen[0] == expected else None

    try:
        return wait_until(arrived, timeout=timeout)
    except AssertionError:
        assert seen[0] == expected  # shows what was counted instead
        raise


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_requests_are_counted_by_kind_and_outcome_with_their_acknowledgement_time(sandbox, counting):
    button = {"type": "button", "action_id": "gone", "value": "v", "text": {"type": "plain_text", "text": "Old"}}
    unknown_button = {"ts": "1.0", "blocks": [{"type": "actions", "block_id": "b", "elements": [button]}]}
    assert sandbox.sim.command("/talks", "help")[0].status == 200
    assert sandbox.sim.command("/talks", "help")[0].status == 200
    assert sandbox.sim.click(unknown_button, "gone", user="U_AMIRA", channel="C_PRACTICE")[0].status == 200
    assert sandbox.sim.submit({"type": "modal", "callback_id": "gone", "blocks": []}, {}, user="U_AMIRA").status == 200
    assert (
        sandbox.sim.event({"type": "member_joined_channel", "user": "U_AMIRA", "channel": "C_PRACTICE"}).status == 200
    )
    assert (
        send(sandbox, json.dumps({"type": "url_verification", "challenge": "c"}).encode(), "application/json")[0] == 200
    )
    assert send(sandbox, b"command=%2Fshare", FORM, signed=False)[0] == 401
    assert send(sandbox, interaction(VIEW_WITHOUT_TYPE), FORM)[0] == 400
    assert send(sandbox, b"payload=[]", FORM)[0] == 400
    expected = {
        (("kind", "command"), ("outcome", "acknowledged")): 2,
        (("kind", "action"), ("outcome", "acknowledged")): 1,
        (("kind", "view"), ("outcome", "acknowledged")): 1,
        (("kind", "event"), ("outcome", "acknowledged")): 1,
        (("kind", "other"), ("outcome", "acknowledged")): 1,
        (("kind", "other"), ("outcome", "refused_401")): 1,
        (("kind", "view"), ("outcome", "refused_400")): 1,
        (("kind", "other"), ("outcome", "refused_400")): 1,
    }
    samples = scraped_when(sandbox.url, "programme_talks_slack_requests_total", expected)
    assert (
        value(samples, "programme_talks_slack_requests_total", kind="action", outcome="error") == 0
    )  # every series is there
    timed = {kind: value(samples, "programme_talks_slack_ack_seconds_count", kind=kind) for kind in metrics.KINDS}
    assert timed == {"command": 2, "action": 1, "view": 1, "event": 1, "other": 1}  # refusals are not acknowledgements
    for kind in metrics.KINDS:
        assert 0 < value(samples, "programme_talks_slack_ack_seconds_sum", kind=kind) < 3 * timed[kind]
        assert value(samples, "programme_talks_slack_ack_seconds_bucket", kind=kind, le="+Inf") == timed[kind]


def test_slack_calls_are_counted_by_method_and_error_each_429_too(sandbox, counting):
    sandbox.slack.fail("chat.postMessage", status=429, retry_after=1)
    sandbox.slack.fail("chat.getPermalink", error="channel_not_found")
    reply, _ = sandbox.sim.command("/share", "Walking bus to school")
    assert reply.status == 200
    sandbox.slack.wait_for("chat.getPermalink", timeout=10)
    expected = {
        (("error", "ok"), ("method", "auth.test")): 1,  # Bolt's, on the first request
        (("error", "ratelimited"), ("method", "chat.postMessage")): 1,  # slept for Retry-After, then tried again
        (("error", "ok"), ("method", "chat.postMessage")): 1,
        (("error", "channel_not_found"), ("method", "chat.getPermalink")): 1,
    }
    scraped_when(sandbox.url, "programme_talks_slack_api_calls_total", expected, timeout=10)
    assert [c.status for c in sandbox.slack.calls_to("chat.postMessage")] == [429, 200]  # what Slack saw


def test_the_delivery_pipelines_own_client_is_counted_with_its_429s(sandbox, env, counting, capsys):
    sandbox.slack.add_user(ADMIN, is_admin=True)
    _, url = sandbox.sim.command("/talks", "digest here weekly mon 09:00", user=ADMIN)
    wait_until(lambda: any(c.args.get("url") == url for c in sandbox.slack.calls_to("response_url")))  # subscribed
    # The pipeline's client hands a 429 back instead of sleeping (bot/delivery/fanout.py) and waits on a timer.
    sandbox.slack.fail("chat.postMessage", status=429, retry_after=1, where=lambda args: "blocks" in args)
    assert "posted digest to C_PRACTICE" in run_due("2026-11-30T09:00", capsys)
    posts = [call.status for call in sandbox.slack.calls_to("chat.postMessage")]
    assert posts.count(429) == 1  # the digest's first try
    counted = wait_until(lambda: nonzero(scrape(sandbox.url), "programme_talks_slack_api_calls_total"))
    assert counted[(("error", "ratelimited"), ("method", "chat.postMessage"))] == 1
    # Each post counted once (the confirmation's is counted on a job thread, a moment after Slack has it).
    wait_until(
        lambda: nonzero(scrape(sandbox.url), "programme_talks_slack_api_calls_total").get(OK_POST) == posts.count(200)
    )


def test_slack_calls_made_by_the_worker_process_are_added_to_the_web_processes(counting, database_url):
    with Sandbox(database_url, migrate_schema=False, worker_process=True) as box:
        reply, _ = box.sim.command("/share", "Breakfast club before exams")
        assert reply.status == 200
        box.slack.wait_for("chat.getPermalink", timeout=20)  # the worker posts, then links
        expected = {
            (("error", "ok"), ("method", "auth.test")): 1,  # the web process's (Bolt's first request)
            (("error", "ok"), ("method", "chat.postMessage")): 1,  # the worker's
            (("error", "ok"), ("method", "chat.getPermalink")): 1,
        }
        scraped_when(box.url, "programme_talks_slack_api_calls_total", expected, timeout=10)
        counted_by = {path.stem.rpartition("_")[2] for path in counting.glob("counter_*.db")}
        assert {str(box.background.pid)} < counted_by  # the worker's own file, beside the web process's
        assert value(scrape(box.url), "programme_talks_worker_up") == 1


def test_a_stuck_outbox_and_the_schedulers_ledger_show_in_the_metrics(sandbox):
    sandbox.served.background.shutdown(wait=True)  # nobody does the outbox's jobs from here on
    now = dt.datetime.now(dt.UTC)
    with sandbox.sessions.begin() as session:
        waiting = jobs.add_job(
            session, team_id="T0001", name="handlers.x:y", key="a", args=[], now=now - dt.timedelta(hours=1)
        )
        jobs.add_job(session, team_id="T0001", name="handlers.x:y", key="b", args=[], now=now)
        running = jobs.add_job(session, team_id="T0001", name="handlers.x:y", key="c", args=[], now=now)
        failed = jobs.add_job(session, team_id="T0001", name="handlers.x:y", key="d", args=[], now=now)
        later = jobs.add_job(session, team_id="T0001", name="handlers.x:y", key="e", args=[], now=now)
        for job_id in (running, failed, later):
            jobs.claim_job(session, job_id=job_id, worker="w", now=now, stale_before=now)
        jobs.fail_job(session, job_id=failed, worker="w", now=now, error="boom")
        jobs.retry_job(session, job_id=later, worker="w", after=now + dt.timedelta(minutes=10), error="boom")
        assert waiting is not None

        def delivery(target: str, hours_ago: float, status: Status) -> None:
            delivery_id = ledger.claim(
                session,
                team_id="T0001",
                kind=Kind.DIGEST,
                target=target,
                period_key=target,
                scheduled_for=now - dt.timedelta(hours=hours_ago),
                now=now,
            )
            assert delivery_id is not None
            if status is not Status.POSTING:
                ledger.finish(session, delivery_id=delivery_id, status=status, now=now)

        delivery("C_POSTING", 0.5, Status.POSTING)  # due half an hour ago, still being posted: the scheduler's lag
        delivery("C_DONE", 2, Status.DELIVERED)
        delivery("C_GONE", 3, Status.FAILED)
        delivery("C_RETRY", 7, Status.RETRY)  # too old to be tried again (6 h): not lag, but a retry of the last day
        delivery("C_YESTERDAY", 25, Status.DELIVERED)  # before the last 24 hours
        leases.acquire_lease(session, name="scheduler", holder="host:42:abc", now=now, ttl=dt.timedelta(seconds=60))
    samples = scrape(sandbox.url)
    assert nonzero(samples, "programme_talks_jobs") == {
        (("status", "queued"),): 3,
        (("status", "running"),): 1,
        (("status", "failed"),): 1,
    }
    assert value(samples, "programme_talks_jobs", status="done") == 0
    assert 3600 <= value(samples, "programme_talks_jobs_oldest_queued_age_seconds") < 3660
    assert nonzero(samples, "programme_talks_deliveries_last_24h") == {
        (("status", "posting"),): 1,
        (("status", "delivered"),): 1,
        (("status", "failed"),): 1,
        (("status", "retry"),): 1,
    }
    assert 1800 <= value(samples, "programme_talks_scheduler_lag_seconds") < 1860
    assert value(samples, "programme_talks_scheduler_lease_held") == 1
    assert 0 < value(samples, "programme_talks_scheduler_lease_seconds_left") <= 60
    assert value(samples, "programme_talks_database_up") == 1
    assert value(samples, "programme_talks_worker_up") is None  # jobs run on threads here: no worker process
    ready, report = get_json(sandbox.url + "/readyz")
    assert (ready, report["scheduler"]["lease"]["holder"], report["scheduler"]["lease"]["held"]) == (
        200,
        "host:42:abc",
        True,
    )


def test_an_idle_app_reports_no_lag_and_no_waiting_jobs(sandbox):
    samples = scrape(sandbox.url)
    assert value(samples, "programme_talks_jobs_oldest_queued_age_seconds") == 0
    assert value(samples, "programme_talks_scheduler_lag_seconds") == 0
    assert value(samples, "programme_talks_scheduler_lease_held") == 0
    assert value(samples, "programme_talks_scheduler_lease_seconds_left") is None


# ---- health and readiness ---------------------------------------------------------------------------------


def _head(engine) -> str:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_ready_when_the_database_answers_at_the_newest_revision(sandbox):
    head = _head(sandbox.engine)
    status, report = get_json(sandbox.url + "/readyz")
    assert status == 200
    assert report == {
        "ok": True,
        "problems": [],
        "database": {"ok": True, "dialect": sandbox.engine.dialect.name, "revision": head, "head": head},
        "scheduler": {"lease": None},
    }


def test_not_ready_while_the_schema_is_behind_but_alive(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    script = ScriptDirectory.from_config(alembic_config(engine))
    previous = script.get_revision(script.get_current_head()).down_revision
    command.upgrade(alembic_config(engine), previous)
    engine.dispose()
    with Sandbox(url, clock=clock, migrate_schema=False) as box:
        status, report = get_json(box.url + "/readyz")
        assert status == 503
        assert report["problems"] == [
            f"the database's schema is at {previous}, not {script.get_current_head()}: run `programme-talks migrate`"
        ]
        assert report["database"]["ok"] is False and "scheduler" not in report
        assert get_json(box.url + "/healthz") == (
            200,
            {"ok": True, "database": {"ok": True, "dialect": "sqlite", "revision": previous}},
        )


def test_not_ready_without_a_database_but_alive_and_still_scraped(clock):
    with Sandbox(UNREACHABLE_DATABASE, clock=clock, migrate_schema=False) as box:
        status, report = get_json(box.url + "/readyz")
        assert (status, report["ok"], report["problems"]) == (
            503,
            False,
            ["the database cannot be reached (OperationalError)"],
        )
        status, health = get_json(box.url + "/healthz")
        assert (status, health["ok"], health["database"]["ok"]) == (200, True, False)
        assert value(scrape(box.url), "programme_talks_database_up") == 0


def test_readiness_reports_the_worker_process(database_url):
    with Sandbox(database_url, migrate_schema=False, worker_process=True) as box:
        status, report = get_json(box.url + "/readyz")
        assert (status, report["worker"]) == (200, {"alive": True, "pid": box.background.pid})


def test_prepare_uses_a_fresh_directory_and_clears_the_counts_of_ended_processes(monkeypatch, tmp_path):
    monkeypatch.delenv(metrics.MULTIPROC_DIR, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where mkdtemp makes it
    fresh = metrics.prepare()
    assert fresh.parent == tmp_path and str(fresh) == os.environ[metrics.MULTIPROC_DIR]
    assert {path.name for path in fresh.iterdir()} == {f"counter_{os.getpid()}.db", f"histogram_{os.getpid()}.db"}
    kept = tmp_path / "kept"
    kept.mkdir()
    for name in ("counter_999999999.db", "histogram_1.db", f"counter_{os.getpid()}.db"):
        (kept / name).write_bytes(b"")  # a process that has ended, one that runs (pid 1), and this one's
    monkeypatch.setenv(metrics.MULTIPROC_DIR, str(kept))
    assert metrics.prepare() == kept
    assert "counter_999999999.db" not in {path.name for path in kept.iterdir()}
    assert (kept / "histogram_1.db").read_bytes() == b""  # left as it was
    assert (kept / f"counter_{os.getpid()}.db").stat().st_size > 0  # this process counts afresh, from zero
