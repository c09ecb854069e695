"""A run that stops mid-post: what it left is looked up in Slack's history and settled, never guessed.

Every scheduled post carries its ledger key in its message metadata. A claim its run no longer renews is looked
up in the channel's history (a person's: their direct messages with the app): found is recorded delivered,
not found is posted now, and only what Slack can't tell is left (for the next run) or unconfirmed.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import system_clock
from bot.delivery import DEFAULT_WORKERS, Runner
from bot.delivery.plan import DELIVERY_EVENT, delivery_mark
from bot.slack import make_client
from storage import ledger, roles, subscriptions
from storage.ledger import Kind
from storage.models import Delivery, DigestSubscription
from tests.helpers import all_text, printed, run_due, wait_until

ROOT = Path(__file__).parent.parent
TEAM, ADMIN, CHAMPION = "T0001", "U_ADMIN", "U_CHAMP"
SLOT = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)  # Monday 09:00 in London: every weekly digest here is due
KEY = "2026-11-30T09:00"


def subscribe(sandbox, channels: list[str]) -> dict[str, int]:
    """Subscribe channels weekly on Monday at 09:00, straight into the database; their subscription ids."""
    with sandbox.sessions.begin() as session:
        for channel in channels:
            subscriptions.save_subscription(
                session,
                team_id=TEAM,
                channel_id=channel,
                schedule="weekly mon 09:00",
                user_id=ADMIN,
                now=SLOT - dt.timedelta(days=3),
            )
        rows = session.execute(select(DigestSubscription.channel_id, DigestSubscription.id)).all()
    return dict(rows)


def left_by_a_stopped_run(sandbox, target: str, *, kind: Kind = Kind.DIGEST, subscription_id: int | None) -> int:
    """A claim as a run killed mid-post leaves it: "posting", last renewed a minute ago (real time)."""
    claim = {
        "team_id": TEAM,
        "kind": kind,
        "target": target,
        "period_key": KEY,
        "scheduled_for": SLOT,
        "subscription_id": subscription_id,
    }
    with sandbox.sessions.begin() as session:
        [delivery_id] = ledger.claim_many(session, [claim], now=system_clock() - dt.timedelta(minutes=1)).values()
    return delivery_id


def runner(sandbox, **options) -> Runner:
    return Runner(sandbox.sessions, make_client(sandbox.settings), sandbox.settings.tz, clock=lambda: SLOT, **options)


def row(sandbox, delivery_id: int) -> Delivery:
    with sandbox.sessions() as session:
        return session.get(Delivery, delivery_id)


def looked_up(*, arrived: int, missing: int) -> str:
    """The line a run prints after looking up stopped runs' claims in Slack."""
    return (
        f"looked up {arrived + missing} interrupted deliveries in Slack: {arrived} had arrived (recorded), "
        f"{missing} had not (posted again while still due)"
    )


def digests_in(sandbox, channel: str) -> list[dict]:
    return [m for m in sandbox.slack.messages(channel) if "digest" in (m.get("text") or "").lower()]


def marked(message: dict) -> dict | None:
    """The delivery key a message carries in its metadata, if any."""
    metadata = message.get("metadata") or {}
    return metadata.get("event_payload") if metadata.get("event_type") == DELIVERY_EVENT else None


# ---- one stale claim at a time -------------------------------------------------------------------------------


def test_a_stale_claim_whose_message_is_in_the_channel_becomes_delivered_without_posting(sandbox):
    ids = subscribe(sandbox, ["C_A"])
    delivery_id = left_by_a_stopped_run(sandbox, "C_A", subscription_id=ids["C_A"])
    client = make_client(sandbox.settings)
    # What the stopped run got into Slack before it died, then a conversation carrying on after it.
    posted = client.chat_postMessage(
        channel="C_A", text="Programme Talks digest", metadata=delivery_mark(TEAM, Kind.DIGEST, "C_A", KEY)
    )
    for n in range(3):
        client.chat_postMessage(channel="C_A", text=f"a reply {n}")
    sandbox.slack.clear()

    lines = runner(sandbox).run_due()

    assert lines == [looked_up(arrived=1, missing=0)]
    sandbox.slack.assert_no_call("chat.postMessage", within=0)
    [lookup] = sandbox.slack.calls_to("conversations.history")
    assert lookup.args["channel"] == "C_A" and lookup.args["include_all_metadata"] in (True, "true", "1", 1)
    delivered = row(sandbox, delivery_id)
    assert (delivered.status, delivered.message_ts, delivered.error) == ("delivered", posted["ts"], None)
    assert len(digests_in(sandbox, "C_A")) == 1
    assert runner(sandbox).run_due() == []


def test_a_stale_claim_whose_message_is_not_in_the_channel_is_posted_once(sandbox):
    ids = subscribe(sandbox, ["C_A"])
    delivery_id = left_by_a_stopped_run(sandbox, "C_A", subscription_id=ids["C_A"])
    client = make_client(sandbox.settings)
    # Last week's digest is there, carrying its own key: not this one.
    client.chat_postMessage(
        channel="C_A",
        text="Programme Talks digest",
        metadata=delivery_mark(TEAM, Kind.DIGEST, "C_A", "2026-11-23T09:00"),
    )
    sandbox.slack.clear()

    lines = runner(sandbox).run_due()

    assert lines == [
        looked_up(arrived=0, missing=1),
        f"posted digest to C_A {KEY}",
    ]
    [post] = sandbox.slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "C_A" and post.args["metadata"] == delivery_mark(TEAM, Kind.DIGEST, "C_A", KEY)
    delivered = row(sandbox, delivery_id)
    assert (delivered.status, delivered.message_ts) == ("delivered", post.response["ts"])
    assert [marked(m)["period_key"] for m in digests_in(sandbox, "C_A")] == ["2026-11-23T09:00", KEY]
    assert runner(sandbox).run_due() == []
    assert len(sandbox.slack.calls_to("chat.postMessage")) == 1


def test_a_champions_copy_is_looked_up_in_their_direct_messages(sandbox):
    ids = subscribe(sandbox, ["C_A"])
    with sandbox.sessions.begin() as session:
        roles.add_role(
            session, team_id=TEAM, user_id=CHAMPION, role=roles.RoleName.CHAMPION, appointed_by=ADMIN, now=SLOT
        )
    # The channel's digest went out and was recorded; the champion's copy was in flight when the run died.
    with sandbox.sessions.begin() as session:
        [digest_id] = ledger.claim_many(
            session,
            [
                {
                    "team_id": TEAM,
                    "kind": Kind.DIGEST,
                    "target": "C_A",
                    "period_key": KEY,
                    "scheduled_for": SLOT,
                    "subscription_id": ids["C_A"],
                }
            ],
            now=system_clock(),
        ).values()
        ledger.finish(session, delivery_id=digest_id, status=ledger.DELIVERED, now=SLOT, message_ts="1.0")
    copy_id = left_by_a_stopped_run(sandbox, CHAMPION, kind=Kind.CHAMPION_DIGEST, subscription_id=ids["C_A"])
    client = make_client(sandbox.settings)
    posted = client.chat_postMessage(
        channel=CHAMPION, text="digest", metadata=delivery_mark(TEAM, Kind.CHAMPION_DIGEST, CHAMPION, KEY)
    )
    sandbox.slack.clear()

    assert runner(sandbox).run_due() == [looked_up(arrived=1, missing=0)]
    [opened] = sandbox.slack.calls_to("conversations.open")
    assert opened.args["users"] == CHAMPION
    assert [call.args["channel"] for call in sandbox.slack.calls_to("conversations.history")] == [f"D{CHAMPION}"]
    assert (row(sandbox, copy_id).status, row(sandbox, copy_id).message_ts) == ("delivered", posted["ts"])
    sandbox.slack.assert_no_call("chat.postMessage", within=0)


def test_a_claim_its_run_still_renews_is_left_alone(sandbox):
    ids = subscribe(sandbox, ["C_A"])
    with sandbox.sessions.begin() as session:
        ledger.claim_many(
            session,
            [
                {
                    "team_id": TEAM,
                    "kind": Kind.DIGEST,
                    "target": "C_A",
                    "period_key": KEY,
                    "scheduled_for": SLOT,
                    "subscription_id": ids["C_A"],
                }
            ],
            now=system_clock(),  # renewed just now: its run is posting it
        )
    assert runner(sandbox).run_due() == []
    assert sandbox.slack.calls_to("conversations.history") == []
    sandbox.slack.assert_no_call("chat.postMessage", within=0)


def test_a_run_keeps_the_claims_of_its_posts_in_flight_fresh_however_slow_slack_is(sandbox):
    subscribe(sandbox, ["C_A"])
    sandbox.slack.latency = 1.5  # the post takes more than three times claim_ttl
    ttl = dt.timedelta(seconds=0.4)
    run = threading.Thread(target=runner(sandbox, claim_ttl=ttl).run_due)
    run.start()
    posting, stale = 0, []
    while run.is_alive():
        with sandbox.sessions() as session:
            posting += session.scalar(select(func.count()).where(Delivery.status == "posting"))
            stale += ledger.stale_claims(session, claimed_before=system_clock() - ttl)
        time.sleep(0.05)
    run.join()
    assert posting > 10 and stale == []  # seen in flight many times, and never stale for another run to look up
    with sandbox.sessions() as session:
        assert session.scalars(select(Delivery.status)).all() == ["delivered"]
    assert len(digests_in(sandbox, "C_A")) == 1


def test_when_slack_cannot_answer_the_claim_is_left_for_the_next_run(sandbox):
    ids = subscribe(sandbox, ["C_A"])
    delivery_id = left_by_a_stopped_run(sandbox, "C_A", subscription_id=ids["C_A"])
    sandbox.slack.fail("conversations.history", status=503, times=4)  # the first try and the client's 3 retries

    lines = runner(sandbox).run_due()

    assert lines == [f"could not check whether digest to C_A {KEY} arrived: internal_error; the next run looks again"]
    assert row(sandbox, delivery_id).status == "posting"
    sandbox.slack.assert_no_call("chat.postMessage", within=0)
    assert runner(sandbox).run_due() == [
        looked_up(arrived=0, missing=1),
        f"posted digest to C_A {KEY}",
    ]
    assert len(digests_in(sandbox, "C_A")) == 1


def test_a_claim_in_a_channel_too_busy_to_read_back_to_it_is_unconfirmed_and_never_posted(sandbox):
    ids = subscribe(sandbox, ["C_BUSY"])
    delivery_id = left_by_a_stopped_run(sandbox, "C_BUSY", subscription_id=ids["C_BUSY"])
    client = make_client(sandbox.settings)
    with ThreadPoolExecutor(max_workers=16) as pool:  # more since the claim than a run reads (5 pages of 200)
        list(pool.map(lambda n: client.chat_postMessage(channel="C_BUSY", text=f"chat {n}"), range(1001)))
    sandbox.slack.clear()

    assert runner(sandbox).run_due() == [
        f"could not tell whether digest to C_BUSY {KEY} arrived (too many messages since); unconfirmed"
    ]
    assert len(sandbox.slack.calls_to("conversations.history")) == 5
    assert row(sandbox, delivery_id).status == "unconfirmed"
    assert runner(sandbox).run_due() == []
    sandbox.slack.assert_no_call("chat.postMessage", within=0)


def test_when_the_channel_is_gone_the_claim_fails_its_digest_is_paused_and_champions_are_told(sandbox):
    ids = subscribe(sandbox, ["C_GONE"])
    with sandbox.sessions.begin() as session:
        roles.add_role(
            session, team_id=TEAM, user_id=CHAMPION, role=roles.RoleName.CHAMPION, appointed_by=ADMIN, now=SLOT
        )
    delivery_id = left_by_a_stopped_run(sandbox, "C_GONE", subscription_id=ids["C_GONE"])
    # The champion's copy of this slot went out before the run stopped.
    with sandbox.sessions.begin() as session:
        claim = {
            "team_id": TEAM,
            "kind": Kind.CHAMPION_DIGEST,
            "target": CHAMPION,
            "period_key": KEY,
            "scheduled_for": SLOT,
            "subscription_id": ids["C_GONE"],
        }
        [copy_id] = ledger.claim_many(session, [claim], now=system_clock()).values()
        ledger.finish(session, delivery_id=copy_id, status=ledger.DELIVERED, now=SLOT, message_ts="1.0")
    sandbox.slack.add_channel("C_GONE", name="gone", is_private=True, bot_is_member=False)
    sandbox.slack.fail("conversations.history", error="channel_not_found")

    lines = runner(sandbox).run_due()

    assert lines == [
        f"could not check whether digest to C_GONE {KEY} arrived: channel_not_found; paused and champions told"
    ]
    failed = row(sandbox, delivery_id)
    assert (failed.status, failed.error) == ("failed", "channel_not_found")
    with sandbox.sessions() as session:
        assert session.get(DigestSubscription, ids["C_GONE"]).active is False
    [notice] = sandbox.slack.messages(CHAMPION)
    assert all_text(notice["blocks"]).startswith("⚠️ I couldn't post the digest in <#C_GONE>")
    assert marked(notice) == delivery_mark(TEAM, Kind.DIGEST_PAUSED, CHAMPION, f"C_GONE:{KEY}")["event_payload"]


# ---- a run killed mid fan-out --------------------------------------------------------------------------------


def test_a_run_killed_mid_fan_out_is_finished_by_the_next_runs_with_each_digest_exactly_once(sandbox, env, capsys):
    channels = [f"C_{n:03d}" for n in range(4 * DEFAULT_WORKERS)]
    subscribe(sandbox, channels)
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
    time.sleep(0.5)  # the stand-in finishes the posts it was handed before the kill (each waits its latency)
    sandbox.slack.latency = 0
    with sandbox.sessions() as session:
        claimed = dict(session.execute(select(Delivery.target, Delivery.status)).all())
    posting = sorted(channel for channel, status in claimed.items() if status == "posting")
    delivered = sorted(channel for channel, status in claimed.items() if status == "delivered")
    assert len(posting) + len(delivered) == len(claimed) and 0 < len(posting) <= DEFAULT_WORKERS
    arrived = [channel for channel in posting if digests_in(sandbox, channel)]  # Slack had it; the run died first
    rest = [channel for channel in channels if channel not in claimed]
    assert rest  # killed midway (a bound: exactly where is the moment's)

    # At once: what the killed run never claimed is posted; its claims are too fresh to say it has stopped.
    out = run_due("2026-11-30T09:01", capsys)
    assert printed(out) == (
        f"run-due at 2026-11-30 09:01 GMT: {len(rest)} thing{'s' if len(rest) != 1 else ''} done",
        sorted(f"posted digest to {channel} {KEY}" for channel in rest),
    )
    assert sorted(channel for channel in posting if not digests_in(sandbox, channel)) == sorted(
        set(posting) - set(arrived)
    )

    # Later, once its claims have gone unrenewed (here after 1 s instead of 40 s): each is looked up in Slack.
    time.sleep(1)
    later = runner(sandbox, claim_ttl=dt.timedelta(seconds=1)).run_due(SLOT + dt.timedelta(minutes=2))
    missing = sorted(set(posting) - set(arrived))
    assert sorted(later) == sorted(
        [
            looked_up(arrived=len(arrived), missing=len(missing)),
            *(f"posted digest to {channel} {KEY}" for channel in missing),
        ]
    )
    assert later[0].startswith("looked up")  # settled first, then posted

    for channel in channels:
        [digest] = digests_in(sandbox, channel)
        assert marked(digest) == delivery_mark(TEAM, Kind.DIGEST, channel, KEY)["event_payload"], channel
    with sandbox.sessions() as session:
        rows = session.execute(select(Delivery.target, Delivery.status, Delivery.message_ts)).all()
    assert sorted(target for target, _, _ in rows) == channels
    assert {status for _, status, _ in rows} == {"delivered"}
    assert {target: ts for target, _, ts in rows} == {c: digests_in(sandbox, c)[0]["ts"] for c in channels}
    assert runner(sandbox, claim_ttl=dt.timedelta(seconds=1)).run_due(SLOT + dt.timedelta(minutes=3)) == []
