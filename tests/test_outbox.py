"""Acknowledged means kept: work handed on after Slack's answer is in the database before the answer, done once.

The outbox's storage on both databases, the runner's tries, and `programme-talks serve` killed with SIGKILL in
the middle of a burst and started again.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import BOT_TOKEN, SIGNING_SECRET
from bot.devkit.simulate import SlackSimulator
from handlers.ids import Action, Block
from storage import jobs
from storage.db import make_engine, make_sessions
from storage.models import QueuedJob
from tests.helpers import free_port, healthy, offers, requests, shares, wait_until

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)


# ---- the outbox's storage ---------------------------------------------------------------------------------


def test_the_same_request_is_queued_once(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        first = jobs.add_job(session, team_id="T1", name="handlers.x:y", key="k1", args=["a"], now=NOW)
        again = jobs.add_job(session, team_id="T1", name="handlers.x:y", key="k1", args=["b"], now=NOW)
        other = jobs.add_job(session, team_id="T2", name="handlers.x:y", key="k1", args=["c"], now=NOW)
    assert first is not None and again is None and other is not None and other != first
    with sessions() as session:
        assert session.scalars(select(QueuedJob.payload).order_by(QueuedJob.id)).all() == ['["a"]', '["c"]']


def test_two_workers_claiming_one_job_get_it_once_and_a_stale_claim_is_taken_over(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        job_id = jobs.add_job(session, team_id="T1", name="handlers.x:y", key="k", args=[], now=NOW)
    assert job_id is not None
    stale_before = NOW - dt.timedelta(seconds=30)
    with sessions.begin() as session:
        won = jobs.claim_job(session, job_id=job_id, worker="A", now=NOW, stale_before=stale_before)
    with sessions.begin() as session:
        lost = jobs.claim_job(session, job_id=job_id, worker="B", now=NOW, stale_before=stale_before)
    assert won is not None and won.attempts == 1 and lost is None
    later = NOW + dt.timedelta(minutes=1)  # A died: its claim is a minute old
    with sessions.begin() as session:
        taken = jobs.claim_job(
            session, job_id=job_id, worker="B", now=later, stale_before=later - dt.timedelta(seconds=30)
        )
    assert taken is not None and taken.attempts == 2
    with sessions.begin() as session:  # A, back from the dead, can no longer record a step or finish it
        assert jobs.record_step(session, job_id=job_id, worker="A", step="saved", value=1) is False
        assert jobs.record_step(session, job_id=job_id, worker="B", step="saved", value=1) is True
        jobs.finish_job(session, job_id=job_id, worker="A", now=later)
    with sessions() as session:
        row = session.get(QueuedJob, job_id)
        assert (row.status, row.claimed_by, row.state) == ("running", "B", '{"saved":1}')


def test_a_sweep_claims_no_more_jobs_than_it_has_room_for_oldest_first(database_url):
    """A worker takes as many waiting jobs as it has threads free, leaving the rest to others (PostgreSQL once ran
    the claim's locking SELECT again for each row it checked, and one sweep took every waiting job)."""
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        ids = [
            jobs.add_job(
                session, team_id="T1", name="handlers.x:y", key=f"k{n}", args=[], now=NOW + dt.timedelta(seconds=n)
            )
            for n in range(200)
        ]
    later = NOW + dt.timedelta(minutes=5)
    with sessions.begin() as session:
        first = jobs.claim_waiting_jobs(session, worker="A", now=later, stale_before=NOW, limit=4)
    with sessions.begin() as session:
        second = jobs.claim_waiting_jobs(session, worker="B", now=later, stale_before=NOW, limit=4)
    assert [job.id for job in first] == ids[:4] and [job.id for job in second] == ids[4:8]
    with sessions() as session:
        assert Counter(session.scalars(select(QueuedJob.status))) == {"running": 8, "queued": 192}


def test_a_finished_job_forgets_what_it_carried_and_is_deleted_a_day_later(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        job_id = jobs.add_job(session, team_id="T1", name="handlers.x:y", key="k", args=["Jo's words"], now=NOW)
        jobs.claim_job(session, job_id=job_id, worker="A", now=NOW, stale_before=NOW)
        jobs.record_step(session, job_id=job_id, worker="A", step="saved", value=7)
        jobs.finish_job(session, job_id=job_id, worker="A", now=NOW)
    with sessions() as session:
        row = session.get(QueuedJob, job_id)
        assert (row.status, row.payload, row.state) == ("done", "[]", "{}")
    with sessions.begin() as session:
        assert jobs.forget_finished_jobs(session, finished_before=NOW) == 0
        assert jobs.forget_finished_jobs(session, finished_before=NOW + dt.timedelta(days=1)) == 1


def test_a_job_waiting_to_be_tried_again_is_not_due_before_its_time(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        job_id = jobs.add_job(session, team_id="T1", name="handlers.x:y", key="k", args=[], now=NOW)
        jobs.claim_job(session, job_id=job_id, worker="A", now=NOW, stale_before=NOW)
        jobs.retry_job(session, job_id=job_id, worker="A", after=NOW + dt.timedelta(seconds=30), error="boom")
    with sessions.begin() as session:
        assert jobs.waiting_jobs(session, now=NOW + dt.timedelta(seconds=29), stale_before=NOW) == []
        assert jobs.waiting_jobs(session, now=NOW + dt.timedelta(seconds=30), stale_before=NOW) == [job_id]


# ---- a server killed in the middle of a burst -------------------------------------------------------------

QUICK, OFFERS, FORMS = 30, 10, 10  # 50 things people did, each acknowledged


def test_a_server_killed_mid_burst_keeps_and_posts_every_acknowledged_thing_exactly_once(database_url, tmp_path):
    slack = LocalSlack(latency=0.03).start()  # Slack answers in 30 ms: posts are still going out at the kill
    env = os.environ | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack.url,
        "PROGRAMME_TALKS_JOB_LEASE_SECONDS": "2",  # a killed worker's jobs are taken over after 2 s, not 30
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sim = SlackSimulator(url, SIGNING_SECRET, slack)
    server = _serve(env, port)
    try:
        wait_until(lambda: healthy(url), timeout=30)
        sim.command("/collab", "A partner with a minibus for the summer trips", user="U_CHLOE")
        request = slack.wait_for("chat.postMessage", timeout=20)[0]
        message = {"ts": request.response["ts"], "blocks": request.args["blocks"]}
        forms = []
        for n in range(FORMS):
            sim.command("/share", user=f"U_FORM{n}")
            forms.append(slack.wait_for("views.open", count=n + 1)[n].args["view"])
        acknowledged = _burst(sim, message, forms)
        os.killpg(server.pid, signal.SIGKILL)  # the whole service: web process and worker, at once
        server.wait(timeout=10)
        assert acknowledged == QUICK + OFFERS + FORMS
        server = _serve(env, port)
        wait_until(lambda: healthy(url), timeout=30)
        engine = make_engine(database_url)
        sessions = make_sessions(engine)
        wait_until(lambda: _all_posted(sessions), timeout=60)
        wait_until(lambda: len(slack.calls_to("chat.postMessage")) >= 1 + QUICK + FORMS + OFFERS, timeout=60)
        wait_until(lambda: _idle(sessions), timeout=60)
        posted = Counter(
            call.args.get("text", "") for call in slack.calls_to("chat.postMessage") if call.response.get("ok")
        )
        for n in range(QUICK):
            assert sum(count for text, count in posted.items() if f"quick share {n:02d}" in text) == 1, n
        for n in range(FORMS):
            assert sum(count for text, count in posted.items() if f"Form share {n:02d}" in text) == 1, n
        assert sorted(o.user_id for o in offers(sessions)) == sorted(f"U_HELPER{n}" for n in range(OFFERS))
        told = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "U_CHLOE" and c.response["ok"]]
        assert sorted(c.args["text"].split(">")[0] for c in told) == sorted(f"<@U_HELPER{n}" for n in range(OFFERS))
        assert [r.body for r in requests(sessions)] == ["A partner with a minibus for the summer trips"]
        engine.dispose()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        slack.stop()


def _serve(env: dict, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _burst(sim: SlackSimulator, request_message: dict, forms: list[dict]) -> int:
    """Everyone at once, from several threads, as a busy Slack would send it; how many were acknowledged."""
    replies: list[int] = []

    def quick(n: int) -> None:
        replies.append(sim.command("/share", f"A quick share {n:02d} about breakfast clubs", user=f"U_Q{n}")[0].status)

    def offer(n: int) -> None:
        replies.append(
            sim.click(request_message, Action.OFFER_HELP, user=f"U_HELPER{n}", channel="C_PRACTICE")[0].status
        )

    def form(n: int) -> None:
        values = {Block.TITLE: f"Form share {n:02d}", Block.BODY: "Walk and talk sessions", Block.CONSENT: True}
        replies.append(sim.submit(forms[n], values, user=f"U_FORM{n}").status)

    work = [(quick, n) for n in range(QUICK)] + [(offer, n) for n in range(OFFERS)] + [(form, n) for n in range(FORMS)]
    threads = [threading.Thread(target=do, args=(n,)) for do, n in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies.count(200)


def _all_posted(sessions) -> bool:
    stored = shares(sessions)
    return len(stored) == QUICK + FORMS and all(s.message_ts for s in stored)


def _idle(sessions) -> bool:
    with sessions() as session:
        return not session.scalars(select(QueuedJob.id).where(QueuedJob.status.in_(("queued", "running")))).all()
