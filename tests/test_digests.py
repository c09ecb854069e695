"""Digest subscriptions, and the scheduler that posts each digest exactly once (driven through the CLI)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select

from bot.delivery import Runner, start_scheduler
from bot.slack import make_client
from storage import ledger
from storage.db import make_engine, make_sessions
from storage.models import Delivery, DigestSubscription
from tests.helpers import all_text, printed, response_to, run_due, wait_until

LONDON = dt.timezone(dt.timedelta(0))  # for readability only; the app uses Europe/London
ADMIN, CHAMPION, STAFF = "U_ADMIN", "U_CHAMP", "U_STAFF"
MONDAYS = "every Monday at 09:00 (UK time). The first is on Monday 30 November at 09:00."
GONE = {  # why a channel's digest could not be posted, in the words champions and the ledger get
    "channel_not_found": "I'm not a member of the channel, or it no longer exists. If it is private, type "
    "`/invite @Programme Talks` in it first",
    "is_archived": "the channel is archived",
}


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


def nothing_to_do(when: str) -> str:
    """All a `run-due` at `when` (London time, in winter) prints when there is nothing to do."""
    return f"run-due at {when} GMT: nothing to do\n"


def posted_digest(when: str, channel: str, key: str) -> str:
    """All a `run-due` at `when` (GMT) prints when it posts one channel's digest and does nothing else."""
    return f"run-due at {when} GMT: 1 thing done\n  posted digest to {channel} {key}\n"


def share(sandbox, text: str, user: str = STAFF, channel: str = "C_PRACTICE"):
    sandbox.sim.command("/share", text, user=user, channel=channel)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: text[:20] in str(c.args.get("blocks")))


# ---- subscribing ---------------------------------------------------------------------------------------------


def test_admin_subscribes_a_channel_and_is_told_when_the_first_digest_comes(sandbox, env):
    answer = subscribe(sandbox, "weekly mon 09:00")
    assert answer == f"✅ Done: this channel will get a digest {MONDAYS}"
    [announcement] = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "C_PRACTICE")
    assert all_text(announcement.args["blocks"]) == (
        f"📬 <@{ADMIN}> set up the Programme Talks digest here: every Monday at 09:00. It gathers leaders' "
        "highlights, new practice and open requests for collaboration."
    )
    _, url = sandbox.sim.command("/talks", "digest", user=STAFF)
    assert response_to(sandbox.slack, url).args["text"] == (
        "This channel gets a digest every Monday at 09:00 (UK time). The next one is on Monday 30 November at 09:00."
    )


def test_staff_cannot_change_the_digest_and_nothing_changes(sandbox, env):
    answer = subscribe(sandbox, "weekly mon 09:00", user=STAFF)
    assert answer == (
        "Sorry, only workspace owners, admins and Programme Talks champions can change a channel's digest. "
        "Nothing has changed."
    )
    with sandbox.sessions() as session:
        assert session.scalars(select(DigestSubscription)).all() == []


def test_a_schedule_that_does_not_parse_gets_a_kind_example(sandbox, env):
    answer = subscribe(sandbox, "monthly 09:00")
    assert answer == (
        'Sorry, I didn\'t understand "monthly". Start with "weekly", "fortnightly" or "daily", for example '
        '"weekly mon 09:00" or "daily 08:30".'
    )
    with sandbox.sessions() as session:
        assert session.scalars(select(DigestSubscription)).all() == []


def test_digest_off_stops_it(sandbox, env, capsys):
    subscribe(sandbox, "daily 08:30")
    _, url = sandbox.sim.command("/talks", "digest off", user=ADMIN)
    assert response_to(sandbox.slack, url).args["text"] == (
        "Digest stopped for this channel. You can start it again at any time with "
        "`/talks digest here weekly mon 09:00`."
    )
    assert run_due("2026-11-28T08:30", capsys) == nothing_to_do("2026-11-28 08:30")


# ---- the scheduler -------------------------------------------------------------------------------------------


def test_weekly_digest_is_posted_at_its_time_and_only_once(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    share(sandbox, "Walking bus to school #attendance")
    assert run_due("2026-11-30T08:59", capsys) == nothing_to_do("2026-11-30 08:59")
    out = run_due("2026-11-30T09:00", capsys)
    assert out == posted_digest("2026-11-30 09:00", "C_PRACTICE", "2026-11-30T09:00")
    assert run_due("2026-11-30T09:00", capsys) == nothing_to_do("2026-11-30 09:00")
    assert run_due("2026-11-30T10:00", capsys) == nothing_to_do("2026-11-30 10:00")
    [digest] = digests_in(sandbox, "C_PRACTICE")
    # What a digest holds, and how it is laid out, is pinned down by test_digest; here, that this share is in it.
    assert "Walking bus to school" in all_text(digest["blocks"])
    assert "What collaborative opportunities are there?" in all_text(digest["blocks"])
    assert digest["text"] == "Programme Talks digest: 1 new share"
    assert run_due("2026-12-07T09:01", capsys) == posted_digest("2026-12-07 09:01", "C_PRACTICE", "2026-12-07T09:00")


def test_daily_digests_come_every_day(sandbox, env, capsys):
    subscribe(sandbox, "daily 08:30")
    for day in (28, 29, 30):
        out = run_due(f"2026-11-{day}T08:31", capsys)
        assert out == posted_digest(f"2026-11-{day} 08:31", "C_PRACTICE", f"2026-11-{day}T08:30")
    assert len(digests_in(sandbox, "C_PRACTICE")) == 3


@pytest.mark.parametrize(
    ("subscribed", "before", "at", "key", "zone"),
    [
        (utc(2026, 3, 23, 12), "2026-03-29T07:59+00:00", "2026-03-29T08:00+00:00", "2026-03-29T09:00", "BST"),
        (utc(2026, 10, 19, 12), "2026-10-25T08:59+00:00", "2026-10-25T09:00+00:00", "2026-10-25T09:00", "GMT"),
    ],
    ids=["last Sunday of March", "last Sunday of October"],
)
def test_weekly_digest_keeps_local_time_across_daylight_saving(
    sandbox, env, capsys, clock, subscribed, before, at, key, zone
):
    clock.set(subscribed)
    subscribe(sandbox, "weekly sun 09:00")
    day = key[:10]  # run-due prints the moment in London time: 08:59 and 09:00 that day, in summer or winter time
    assert run_due(before, capsys) == f"run-due at {day} 08:59 {zone}: nothing to do\n"
    assert run_due(at, capsys) == (
        f"run-due at {day} 09:00 {zone}: 1 thing done\n  posted digest to C_PRACTICE {key}\n"
    )
    assert run_due(at, capsys) == f"run-due at {day} 09:00 {zone}: nothing to do\n"


def test_a_digest_missed_while_down_is_posted_once_if_under_six_hours_late(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    out = run_due("2026-11-30T14:59", capsys)
    assert out == posted_digest("2026-11-30 14:59", "C_PRACTICE", "2026-11-30T09:00")
    assert run_due("2026-11-30T15:30", capsys) == nothing_to_do("2026-11-30 15:30")


def test_a_digest_more_than_six_hours_late_is_skipped_recorded_and_shown_to_champions(sandbox, env, capsys):
    sandbox.sim.command("/talks", f"champion <@{CHAMPION}>", user=ADMIN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHAMPION)
    subscribe(sandbox, "weekly mon 09:00")
    out = run_due("2026-11-30T16:00", capsys)  # too late even for the champion's copy
    assert (
        out == "run-due at 2026-11-30 16:00 GMT: 1 thing done\n  skipped C_PRACTICE 2026-11-30T09:00: 7.0 hours late\n"
    )
    assert run_due("2026-11-30T16:30", capsys) == nothing_to_do("2026-11-30 16:30")
    assert digests_in(sandbox, "C_PRACTICE") == []
    assert printed(run_due("2026-12-07T09:00", capsys)) == (
        "run-due at 2026-12-07 09:00 GMT: 2 things done",
        [f"posted champion digest to {CHAMPION} 2026-12-07T09:00", "posted digest to C_PRACTICE 2026-12-07T09:00"],
    )
    [dm] = [m for m in sandbox.slack.messages(CHAMPION) if "attention" in all_text(m.get("blocks") or []).lower()]
    assert "skipped" in all_text(dm["blocks"])
    assert (
        "*Digests that didn't go out*\n\n"
        "• <#C_PRACTICE>: the digest due Mon 30 Nov at 09:00 was skipped, too late after the app was down "
        "(the app was down for more than 6 hours around that time, so it was skipped)"
    ) in [block["text"]["text"] for block in dm["blocks"] if block["type"] == "section"]


def test_champions_get_the_digest_by_direct_message_with_what_needs_attention(sandbox, env, capsys, clock):
    sandbox.sim.command("/talks", f"champion <@{CHAMPION}>", user=ADMIN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHAMPION)
    subscribe(sandbox, "weekly mon 09:00")
    sandbox.sim.command("/collab", "A hall for Saturday sessions", user=STAFF)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: "hall" in str(c.args.get("blocks")))
    assert printed(run_due("2026-11-30T09:00", capsys)) == (
        "run-due at 2026-11-30 09:00 GMT: 2 things done",
        [f"posted champion digest to {CHAMPION} 2026-11-30T09:00", "posted digest to C_PRACTICE 2026-11-30T09:00"],
    )
    out = run_due("2026-12-07T09:00", capsys)
    assert f"posted champion digest to {CHAMPION} 2026-12-07T09:00" in out
    assert printed(out) == (
        "run-due at 2026-12-07 09:00 GMT: 2 things done",
        [f"posted champion digest to {CHAMPION} 2026-12-07T09:00", "posted digest to C_PRACTICE 2026-12-07T09:00"],
    )
    dm = sandbox.slack.messages(CHAMPION)[-1]
    shown = all_text(dm["blocks"])
    assert "A hall for Saturday sessions" in shown and "attention" in shown.lower()


def test_a_quiet_week_posts_a_short_prompt_unless_the_channel_chose_quiet_skip(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    subscribe(sandbox, "weekly mon 09:00 quiet skip", channel="C_QUIET")
    out = run_due("2026-11-30T09:00", capsys)
    assert printed(out) == (
        "run-due at 2026-11-30 09:00 GMT: 2 things done",
        [
            "nothing new for C_QUIET 2026-11-30T09:00: quiet, not posted",
            "posted digest to C_PRACTICE 2026-11-30T09:00",
        ],
    )
    [prompt] = digests_in(sandbox, "C_PRACTICE")
    assert "Is there an opportunity to share any best practice?" in all_text(prompt["blocks"])
    assert all_text(prompt["blocks"]) == (
        "📰 Programme Talks digest\n"
        "What's new from Mon 23 Nov to Mon 30 Nov 2026\n"
        "*A quiet week…* What's one thing that worked? Share it, or ask for the help you need.\n"
        "*Two questions for every team*\n"
        "• What collaborative opportunities are there?\n"
        "• Is there an opportunity to share any best practice?\n"
        "Share practice\n"
        "Ask for collaboration"
    )
    assert digests_in(sandbox, "C_QUIET") == []


# ---- delivery faults -----------------------------------------------------------------------------------------


def test_a_rate_limited_digest_waits_for_retry_after_and_is_posted_once(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    sandbox.slack.fail("chat.postMessage", status=429, retry_after=1, where=lambda a: "blocks" in a)
    assert run_due("2026-11-30T09:00", capsys) == posted_digest("2026-11-30 09:00", "C_PRACTICE", "2026-11-30T09:00")
    assert len(digests_in(sandbox, "C_PRACTICE")) == 1


def test_server_errors_are_retried_and_a_digest_that_still_fails_is_retried_next_run(sandbox, env, capsys):
    subscribe(sandbox, "weekly mon 09:00")
    sandbox.slack.fail("chat.postMessage", status=503, times=4)
    assert run_due("2026-11-30T09:00", capsys, status=1) == (  # left for the next run: cron is told
        "run-due at 2026-11-30 09:00 GMT: 1 thing done\n"
        "  could not post to C_PRACTICE 2026-11-30T09:00: internal_error; retry\n"
    )
    assert digests_in(sandbox, "C_PRACTICE") == []
    assert run_due("2026-11-30T09:05", capsys) == posted_digest("2026-11-30 09:05", "C_PRACTICE", "2026-11-30T09:00")
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
    gone = "channel_not_found" if error == "not_in_channel" else error  # joining it failed: it is not found
    assert printed(out) == (
        "run-due at 2026-11-30 09:00 GMT: 3 things done",
        [
            f"could not post to C_GONE 2026-11-30T09:00: {gone}; paused and champions told",
            f"posted champion digest to {CHAMPION} 2026-11-30T09:00",
            "posted digest to C_FINE 2026-11-30T09:00",
        ],
    )
    assert len(digests_in(sandbox, "C_FINE")) == 1
    notice = [
        m
        for m in sandbox.slack.messages(CHAMPION)
        if "couldn't post the digest in <#C_GONE>" in all_text(m.get("blocks") or [])
    ]
    assert len(notice) == 1
    assert all_text(notice[0]["blocks"]) == (
        f"⚠️ I couldn't post the digest in <#C_GONE>: {GONE[gone]}. I've paused that channel's digest. To start it "
        "again, invite me there and type `/talks digest here weekly mon 09:00`."
    )
    with sandbox.sessions() as session:
        paused = session.scalar(select(DigestSubscription).where(DigestSubscription.channel_id == "C_GONE"))
        assert paused.active is False and paused.disabled_reason == GONE[gone]
    out = run_due("2026-12-07T09:00", capsys)
    assert "C_GONE" not in out
    assert printed(out) == (
        "run-due at 2026-12-07 09:00 GMT: 2 things done",
        [f"posted champion digest to {CHAMPION} 2026-12-07T09:00", "posted digest to C_FINE 2026-12-07T09:00"],
    )


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


def test_a_run_never_holds_more_claims_than_it_has_workers(sandbox, env):
    """So a run that dies leaves at most `workers` claims for the next run to look up in Slack, however many
    channels it serves (tests/test_delivery_resolution.py kills one and checks what follows)."""
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
    assert 0 < max(held) <= 4  # a bound: sampling sees some claims, never more than its 4 workers hold
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
    assert slow[1].at - slow[0].at >= 0.95  # and Retry-After was honoured (a lower bound: timing is the clock's)


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
    assert "/invite @Programme Talks" in answer and "press" not in answer
    assert answer == (
        f"✅ Done: this channel will get a digest {MONDAYS}\n⚠️ But I can't post here yet: {GONE['channel_not_found']}."
    )
