"""Digest subscriptions, and the scheduler that posts each digest exactly once (driven through the CLI)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.delivery import DEFAULT_WORKERS, Runner, start_scheduler
from bot.slack import make_client
from storage import ledger
from storage.db import make_engine, make_sessions
from storage.models import Delivery, DigestSubscription
from tests.helpers import all_text, response_to, run_due, wait_until

ROOT = Path(__file__).parent.parent
LONDON = dt.timezone(dt.timedelta(0))  # for readability only; the app uses Europe/London
ADMIN, CHAMPION, STAFF = "U_ADMIN", "U_CHAMP", "U_STAFF"
WORKERS = DEFAULT_WORKERS  # what `run-due` posts with


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def env(env, sandbox):
    """The shared environment, with a workspace admin who may set up digests."""
    sandbox.slack.add_user(ADMIN, is_admin=True)
    return env


def subscribe(sandbox, words: str, channel: str = "C_PRACTICE", user: str = ADMIN) -> str:
    _, url = sandbox.sim.command("/talks", f"digest here {words}", user=user, channel=channel)
    return response_to(sandbox.slack, url).args["text"]


def digests_in(sandbox, channel: str) -> list[dict]:
    return [
        m
        for m in sandbox.slack.messages(channel)
        if "digest" in (m.get("text") or "").lower() and "set up" not in (m.get("text") or "")
    ]


def share(sandbox, text: str, user: str = STAFF, channel: str = "C_PRACTICE"):
    sandbox.sim.command("/share", text, user=user, channel=channel)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: text[:20] in str(c.args.get("blocks")))


# ---- subscribing ---------------------------------------------------------------------------------------------


def test_admin_subscribes_a_channel_and_is_told_when_the_first_digest_comes(sandbox, env):
    answer = subscribe(sandbox, "weekly mon 09:00")
    assert "every Monday at 09:00" in answer and "Monday 30 November at 09:00" in answer
    announcement = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "C_PRACTICE")[0]
    assert "set up the Programme Talks digest" in all_text(announcement.args["blocks"])
    _, url = sandbox.sim.command("/talks", "digest", user=STAFF)
    assert "The next one is on Monday 30 November at 09:00" in response_to(sandbox.slack, url).args["text"]


def test_staff_cannot_change_the_digest_and_nothing_changes(sandbox, env):
    answer = subscribe(sandbox, "weekly mon 09:00", user=STAFF)
    assert "only workspace owners, admins and Programme Talks champions can change a channel's digest" in answer
    with sandbox.sessions() as session:
        assert session.scalars(select(DigestSubscription)).all() == []


def test_a_schedule_that_does_not_parse_gets_a_kind_example(sandbox, env):
    answer = subscribe(sandbox, "fortnightly mon 09:00")
    assert "weekly" in answer and "09:00" in answer
    with sandbox.sessions() as session:
        assert session.scalars(select(DigestSubscription)).all() == []


def test_digest_off_stops_it(sandbox, env, capsys):
    subscribe(sandbox, "daily 08:30")
    _, url = sandbox.sim.command("/talks", "digest off", user=ADMIN)
    assert "Digest stopped" in response_to(sandbox.slack, url).args["text"]
    assert "nothing to do" in run_due("2026-11-28T08:30", capsys)


# ---- the scheduler -------------------------------------------------------------------------------------------


def test_weekly_digest_is_posted_at_its_time_and_only_once(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    share(sandbox, "Walking bus to school #attendance")
    assert "nothing to do" in run_due("2026-11-30T08:59", capsys)
    out = run_due("2026-11-30T09:00", capsys)
    assert "posted digest to C_PRACTICE 2026-11-30T09:00" in out
    assert "nothing to do" in run_due("2026-11-30T09:00", capsys)
    assert "nothing to do" in run_due("2026-11-30T10:00", capsys)
    [digest] = digests_in(sandbox, "C_PRACTICE")
    assert "Walking bus to school" in all_text(digest["blocks"])
    assert "What collaborative opportunities are there?" in all_text(digest["blocks"])
    assert "posted digest to C_PRACTICE 2026-12-07T09:00" in run_due("2026-12-07T09:01", capsys)


def test_daily_digests_come_every_day(sandbox, env, capsys):
    subscribe(sandbox, "daily 08:30")
    for day in (28, 29, 30):
        assert f"2026-11-{day}T08:30" in run_due(f"2026-11-{day}T08:31", capsys)
    assert len(digests_in(sandbox, "C_PRACTICE")) == 3


@pytest.mark.parametrize(
    ("subscribed", "before", "at", "key"),
    [
        (utc(2026, 3, 23, 12), "2026-03-29T07:59+00:00", "2026-03-29T08:00+00:00", "2026-03-29T09:00"),  # to BST
        (utc(2026, 10, 19, 12), "2026-10-25T08:59+00:00", "2026-10-25T09:00+00:00", "2026-10-25T09:00"),  # to GMT
    ],
    ids=["last Sunday of March", "last Sunday of October"],
)
def test_weekly_digest_keeps_local_time_across_daylight_saving(
    sandbox, env, capsys, clock, subscribed, before, at, key
):
    clock.set(subscribed)
    subscribe(sandbox, "weekly sun 09:00")
    assert "nothing to do" in run_due(before, capsys)
    assert f"posted digest to C_PRACTICE {key}" in run_due(at, capsys)
    assert "nothing to do" in run_due(at, capsys)


def test_a_digest_missed_while_down_is_posted_once_if_under_six_hours_late(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    assert "posted digest to C_PRACTICE 2026-11-30T09:00" in run_due("2026-11-30T14:59", capsys)
    assert "nothing to do" in run_due("2026-11-30T15:30", capsys)


def test_a_digest_more_than_six_hours_late_is_skipped_recorded_and_shown_to_champions(sandbox, env, capsys):
    sandbox.sim.command("/talks", f"champion <@{CHAMPION}>", user=ADMIN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHAMPION)
    subscribe(sandbox, "weekly mon 09:00")
    assert "skipped C_PRACTICE 2026-11-30T09:00: 7.0 hours late" in run_due("2026-11-30T16:00", capsys)
    assert "nothing to do" in run_due("2026-11-30T16:30", capsys)
    assert digests_in(sandbox, "C_PRACTICE") == []
    run_due("2026-12-07T09:00", capsys)
    dm = [m for m in sandbox.slack.messages(CHAMPION) if "attention" in all_text(m.get("blocks") or []).lower()]
    assert dm and "skipped" in all_text(dm[-1]["blocks"])


def test_champions_get_the_digest_by_direct_message_with_what_needs_attention(sandbox, env, capsys, clock):
    sandbox.sim.command("/talks", f"champion <@{CHAMPION}>", user=ADMIN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHAMPION)
    subscribe(sandbox, "weekly mon 09:00")
    sandbox.sim.command("/collab", "A hall for Saturday sessions", user=STAFF)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: "hall" in str(c.args.get("blocks")))
    run_due("2026-11-30T09:00", capsys)
    out = run_due("2026-12-07T09:00", capsys)
    assert f"posted champion digest to {CHAMPION} 2026-12-07T09:00" in out
    dm = sandbox.slack.messages(CHAMPION)[-1]
    shown = all_text(dm["blocks"])
    assert "A hall for Saturday sessions" in shown and "attention" in shown.lower()


def test_a_quiet_week_posts_a_short_prompt_unless_the_channel_chose_quiet_skip(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    subscribe(sandbox, "weekly mon 09:00 quiet skip", channel="C_QUIET")
    out = run_due("2026-11-30T09:00", capsys)
    assert "posted digest to C_PRACTICE" in out and "nothing new for C_QUIET" in out
    [prompt] = digests_in(sandbox, "C_PRACTICE")
    assert "Is there an opportunity to share any best practice?" in all_text(prompt["blocks"])
    assert digests_in(sandbox, "C_QUIET") == []


# ---- delivery faults -----------------------------------------------------------------------------------------


def test_a_rate_limited_digest_waits_for_retry_after_and_is_posted_once(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    sandbox.slack.fail("chat.postMessage", status=429, retry_after=1, where=lambda a: "blocks" in a)
    assert "posted digest" in run_due("2026-11-30T09:00", capsys)
    assert len(digests_in(sandbox, "C_PRACTICE")) == 1


def test_server_errors_are_retried_and_a_digest_that_still_fails_is_retried_next_run(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    sandbox.slack.fail("chat.postMessage", status=503, times=4)
    assert "could not post to C_PRACTICE 2026-11-30T09:00: internal_error; retry" in run_due("2026-11-30T09:00", capsys)
    assert digests_in(sandbox, "C_PRACTICE") == []
    assert "posted digest to C_PRACTICE 2026-11-30T09:00" in run_due("2026-11-30T09:05", capsys)
    assert len(digests_in(sandbox, "C_PRACTICE")) == 1


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
def test_a_channel_that_is_gone_pauses_its_digest_tells_champions_and_others_still_get_theirs(
    sandbox, env, capsys, error
):
    sandbox.sim.command("/talks", f"champion <@{CHAMPION}>", user=ADMIN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHAMPION)
    subscribe(sandbox, "weekly mon 09:00", channel="C_GONE")
    subscribe(sandbox, "weekly mon 09:00", channel="C_FINE")
    sandbox.slack.fail("chat.postMessage", error=error, times=3, where=lambda a: a.get("channel") == "C_GONE")
    if error == "not_in_channel":
        sandbox.slack.fail("conversations.join", error="channel_not_found", times=3)
    out = run_due("2026-11-30T09:00", capsys)
    assert "paused and champions told" in out and "posted digest to C_FINE" in out
    assert len(digests_in(sandbox, "C_FINE")) == 1
    notice = [
        m
        for m in sandbox.slack.messages(CHAMPION)
        if "couldn't post the digest in <#C_GONE>" in all_text(m.get("blocks") or [])
    ]
    assert len(notice) == 1
    with sandbox.sessions() as session:
        paused = session.scalar(select(DigestSubscription).where(DigestSubscription.channel_id == "C_GONE"))
        assert paused.active is False and paused.disabled_reason
    assert "C_GONE" not in run_due("2026-12-07T09:00", capsys)


# ---- exactly once, whatever happens --------------------------------------------------------------------------


def test_two_schedulers_at_once_post_each_digest_once(sandbox, env):
    channels = [f"C_{n:03d}" for n in range(30)]
    subscribe_all(sandbox, channels)
    engines = [make_engine(sandbox.settings.database_url) for _ in range(2)]
    runners = [
        Runner(make_sessions(e), make_client(sandbox.settings), sandbox.settings.tz, clock=lambda: utc(2026, 11, 30, 9))
        for e in engines
    ]
    results: list[list[str]] = [[], []]
    threads = [threading.Thread(target=lambda i=i: results[i].extend(runners[i].run_due())) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    posted = [line for lines in results for line in lines if line.startswith("posted digest")]
    assert len(posted) == len(channels)
    for channel in channels:
        assert len(digests_in(sandbox, channel)) == 1, channel
    for engine in engines:
        engine.dispose()


def test_two_schedulers_running_at_once_post_each_digest_once(sandbox, env):
    subscribe(sandbox, "weekly mon 09:00")
    engine = make_engine(sandbox.settings.database_url)
    runner = Runner(
        make_sessions(engine),
        make_client(sandbox.settings),
        sandbox.settings.tz,
        clock=lambda: utc(2026, 11, 30, 9, 0, 30),
    )
    schedulers = [start_scheduler(runner, every_seconds=1) for _ in range(2)]
    try:
        wait_until(lambda: digests_in(sandbox, "C_PRACTICE"), timeout=10)
        time.sleep(2.5)  # several more ticks of both
        assert [[job.id for job in scheduler.get_jobs()] for scheduler in schedulers] == [["run-due"], ["run-due"]]
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
    assert len(digests_in(sandbox, "C_PRACTICE")) == 1
    engine.dispose()


def test_a_restart_midway_through_many_channels_finishes_the_rest_without_repeats(sandbox, env, capsys):
    channels = [f"C_{n:03d}" for n in range(4 * WORKERS)]
    subscribe_all(sandbox, channels)
    sandbox.slack.latency = 0.05
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run-due", "--at", "2026-11-30T09:00"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: len(sandbox.slack.calls_to("chat.postMessage")) >= 15, timeout=20)
    process.send_signal(signal.SIGKILL)
    process.wait()
    sandbox.slack.latency = 0
    interrupted = len([c for c in sandbox.slack.calls_to("chat.postMessage")])
    assert interrupted < len(channels)
    run_due("2026-11-30T09:01", capsys)
    out = run_due("2026-11-30T09:20", capsys)  # later: claims left by the killed run are now stale
    for channel in channels:
        assert len(digests_in(sandbox, channel)) <= 1, channel
    with sandbox.sessions() as session:
        statuses = session.scalars(select(Delivery.status).where(Delivery.kind == "digest")).all()
    assert len(statuses) == len(channels)
    assert statuses.count("delivered") + statuses.count("unconfirmed") == len(channels)
    assert statuses.count("unconfirmed") <= WORKERS  # at most what was in flight when the process died
    assert sum(len(digests_in(sandbox, c)) for c in channels) >= statuses.count("delivered")
    assert "unconfirmed" in out or statuses.count("unconfirmed") == 0


def test_a_run_never_holds_more_claims_than_it_has_workers(sandbox, env):
    """So a run that dies leaves at most `workers` digests unconfirmed, however many channels it serves."""
    channels = [f"C_{n:03d}" for n in range(40)]
    runner = _subscribed_runner(sandbox, channels, workers=4)
    sandbox.slack.latency = 0.02
    held: list[int] = []
    lines: list[str] = []
    run = threading.Thread(target=lambda: lines.extend(runner.run_due()))
    run.start()
    while run.is_alive():
        with sandbox.sessions() as session:
            held.append(session.scalar(select(func.count()).where(Delivery.status == ledger.POSTING)))
        time.sleep(0.005)
    run.join()
    assert 0 < max(held) <= 4
    assert len([line for line in lines if line.startswith("posted digest")]) == len(channels)
    assert all(len(digests_in(sandbox, channel)) == 1 for channel in channels)


def test_claiming_many_at_once_leaves_what_is_already_claimed_alone(sandbox):
    now = utc(2026, 11, 30, 9)

    def claim(channel: str) -> dict:
        return {
            "team_id": "T0001",
            "kind": "digest",
            "target": channel,
            "period_key": "2026-11-30T09:00",
            "scheduled_for": now,
            "subscription_id": None,
        }

    with sandbox.sessions.begin() as session:
        first = ledger.claim_many(session, [claim("C_A"), claim("C_B")], now=now)
    with sandbox.sessions.begin() as session:
        second = ledger.claim_many(session, [claim("C_B"), claim("C_C")], now=now)
    assert [key[2] for key in first] == ["C_A", "C_B"] and [key[2] for key in second] == ["C_C"]
    a, b = first.values()
    with sandbox.sessions.begin() as session:
        outcome = {"status": ledger.RETRY, "error": "ratelimited", "message_ts": None}
        ledger.finish_many(session, [{"delivery_id": a, **outcome}], now=now)
    with sandbox.sessions.begin() as session:
        assert ledger.reclaim_many(session, delivery_ids=[a, b], now=now) == {a}  # b was never let go
    with sandbox.sessions.begin() as session:
        assert ledger.reclaim_many(session, delivery_ids=[a], now=now) == set()  # and a is taken now
        assert session.get(Delivery, a).status == ledger.POSTING


def test_digest_now_posts_once_and_preview_posts_nothing(sandbox, env):
    share(sandbox, "Walking bus to school")
    _, url = sandbox.sim.command("/talks", "digest preview", user=STAFF)
    preview = response_to(sandbox.slack, url).args
    assert preview["response_type"] == "ephemeral" and "Walking bus" in all_text(preview["blocks"])
    assert digests_in(sandbox, "C_PRACTICE") == []
    for _ in range(2):
        _, url = sandbox.sim.command("/talks", "digest now", user=ADMIN)
        response_to(sandbox.slack, url)
    assert len(digests_in(sandbox, "C_PRACTICE")) == 1


def subscribe_all(sandbox, channels: list[str]) -> None:
    """Subscribe many channels weekly on Monday at 09:00, straight into the database (quicker than Slack)."""
    from storage import subscriptions

    with sandbox.sessions.begin() as session:
        for channel in channels:
            subscriptions.save_subscription(
                session,
                team_id="T0001",
                channel_id=channel,
                schedule="weekly mon 09:00",
                user_id=ADMIN,
                now=utc(2026, 11, 27, 10),
            )


def _subscribed_runner(sandbox, channels: list[str], *, workers: int) -> Runner:
    subscribe_all(sandbox, channels)
    return Runner(
        sandbox.sessions,
        make_client(sandbox.settings),
        sandbox.settings.tz,
        clock=lambda: utc(2026, 11, 30, 9),
        workers=workers,
    )


def test_a_rate_limited_channel_waits_on_a_timer_without_holding_up_the_others(sandbox, env):
    runner = _subscribed_runner(sandbox, ["C_SLOW", "C_FAST"], workers=1)
    sandbox.slack.fail("chat.postMessage", status=429, retry_after=1, where=lambda a: a.get("channel") == "C_SLOW")
    lines = runner.run_due()
    assert {line for line in lines if line.startswith("posted digest")} == {
        "posted digest to C_SLOW 2026-11-30T09:00",
        "posted digest to C_FAST 2026-11-30T09:00",
    }
    posts = sandbox.slack.calls_to("chat.postMessage")
    slow = [c for c in posts if c.args["channel"] == "C_SLOW"]
    fast = [c for c in posts if c.args["channel"] == "C_FAST"]
    assert [c.status for c in slow] == [429, 200] and len(fast) == 1
    assert fast[0].at < slow[1].at  # with one worker, the fast channel went while the slow one waited
    assert slow[1].at - slow[0].at >= 0.95  # and Retry-After was honoured


def test_a_database_that_refuses_during_a_run_is_reported_and_the_next_run_catches_up(tmp_path, clock):
    """SQLite only: another process holding its write lock is how a database refuses here."""
    import sqlite3

    from bot.devkit.sandbox import Sandbox

    path = tmp_path / "locked.sqlite3"
    with Sandbox(f"sqlite:///{path}", clock=clock) as sandbox:
        runner = _subscribed_runner(sandbox, ["C_A", "C_B", "C_C"], workers=4)
        blocker = sqlite3.connect(path)
        blocker.execute("BEGIN IMMEDIATE")  # holds the write lock for longer than the app waits
        try:
            lines = runner.run_due()
        finally:
            blocker.rollback()
            blocker.close()
        assert lines == ["could not read what is due (OperationalError); the next run will catch up"]
        assert sandbox.slack.calls_to("chat.postMessage") == []
        lines = runner.run_due()
        assert sorted(line for line in lines if line.startswith("posted digest")) == [
            f"posted digest to C_{x} 2026-11-30T09:00" for x in "ABC"
        ]
        assert runner.run_due() == []


def test_setting_up_a_digest_where_the_app_cannot_post_says_why_plainly(sandbox, env):
    sandbox.slack.add_channel("G_TEAM", name="team", is_private=True, bot_is_member=False)
    answer = subscribe(sandbox, "weekly mon 09:00", channel="G_TEAM")
    assert "But I can't post here yet: I'm not a member of the channel" in answer
    assert "/invite @Programme Talks" in answer and "press" not in answer
