"""Retention: reading periods, each workspace's choices (`/talks retention`), and the daily duty that deletes what is
past its time, with its messages in Slack, exactly once per workspace per day."""

from __future__ import annotations

import datetime as dt
import json
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.delivery.retention import Retention
from domain import retention as rt
from domain.agreements import Terms
from domain.retention import NotAPeriod, Period, Record
from handlers.ids import Action
from storage import agreements as ag
from storage import audit
from storage import meetups as ms
from storage import shares as ss
from storage import workspaces as ws
from storage.models import (
    Agreement,
    AgreementParty,
    AuditEntry,
    CollabRequest,
    Delivery,
    Meetup,
    MeetupPost,
    QueuedJob,
    Reaction,
    RetentionSetting,
    Share,
)
from tests.helpers import count, requests, response_to, run_due, shares, wait_until

TZ = ZoneInfo("Europe/London")
CHANNEL = "C_PRACTICE"
ADMIN, AMIRA, BEN, CHLOE = "U_ADMIN", "U_AMIRA", "U_BEN", "U_CHLOE"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


FOREVER = (
    "Programme Talks doesn't keep anything forever: data protection law asks that personal data is kept no longer "
    "than it is needed. Give a period of up to 12 years, for example `2 years`, `18 months` or `6 weeks`."
)


# ---- reading periods (pure) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("2 years", Period(2, "year")),
        ("18 months", Period(18, "month")),
        ("1 year", Period(1, "year")),
        ("a year", Period(1, "year")),
        ("six weeks", Period(6, "week")),
        ("a fortnight", Period(2, "week")),
        ("3 fortnights", Period(6, "week")),
        ("90 days", Period(90, "day")),
        ("2yrs", Period(2, "year")),
        ("  6   Months. ", Period(6, "month")),
        ("12 mths", Period(12, "month")),
    ],
)
def test_periods_are_read_as_people_write_them(typed, period):
    assert rt.parse_period(typed) == period


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "-3 months",
            "A period can't be negative. Give how long to keep them, for example `2 years`, `18 months` or `6 weeks`.",
        ),
        (
            "minus 3 months",
            "A period can't be negative. Give how long to keep them, for example `2 years`, `18 months` or `6 weeks`.",
        ),
        (
            "forever-ish",
            FOREVER,
        ),
        (
            "indefinitely",
            FOREVER,
        ),
        (
            "3 parsecs",
            "I don't know “parsecs” as a unit of time. Use days, weeks, months or years, for example "
            "`2 years`, `18 months` or `6 weeks`.",
        ),
        (
            "1.5 years",
            "Please use a whole number, for example `2 years`, `18 months` or `6 weeks` (so 18 months "
            "rather than 1.5 years).",
        ),
        ("6", "6 what? Add days, weeks, months or years, for example `2 years`, `18 months` or `6 weeks`."),
        (
            "",
            "How long should they be kept? Give a number and a unit, for example `2 years`, `18 months` or `6 weeks`.",
        ),
        (
            "0 months",
            "Nothing can be kept for no time at all. Give how long to keep them, for example `2 years`, "
            "`18 months` or `6 weeks`.",
        ),
        (
            "<!channel> soon",
            "I couldn't read “&lt;!channel&gt; soon” as a period. Give a number and a unit, for "
            "example `2 years`, `18 months` or `6 weeks`.",
        ),
    ],
)
def test_what_is_not_a_period_gets_a_kind_answer_saying_what_to_type(typed, said):
    with pytest.raises(NotAPeriod) as problem:
        rt.parse_period(typed)
    assert str(problem.value) == said


def test_each_kind_has_a_floor_and_every_kind_a_ceiling():
    assert rt.check_period(Record.SHARES, Period(4, "week")) is None
    assert (
        rt.check_period(Record.SHARES, Period(3, "week"))
        == "Shares are kept for at least 4 weeks. Nothing has changed."
    )
    assert rt.check_period(Record.AUDIT, Period(11, "month")) == (
        "Audit are kept for at least 1 year so the audit trail can answer questions about the past year. "
        "Nothing has changed."
    )
    assert rt.check_period(Record.AGREEMENTS, Period(12, "year")) is None
    assert rt.check_period(Record.AGREEMENTS, Period(13, "year")) == (
        "Agreements can be kept for at most 12 years. Nothing has changed."
    )


def test_months_and_years_count_back_on_the_calendar():
    assert Period(6, "month").before(at(2026, 8, 31, 9)) == at(2026, 2, 28, 9)
    assert Period(1, "year").before(at(2028, 2, 29, 9)) == at(2027, 2, 28, 9)
    assert Period(18, "month").before(at(2026, 11, 28)) == at(2025, 5, 28)
    assert Period(2, "week").before(at(2026, 11, 28)) == at(2026, 11, 14)
    assert Period(90, "day").before(at(2026, 11, 28)) == at(2026, 8, 30)


def test_defaults_are_stated_with_why_and_a_stored_period_that_cant_be_read_falls_back_to_the_default():
    assert {record: policy.default.words for record, policy in rt.POLICIES.items()} == {
        Record.SHARES: "2 years",
        Record.REQUESTS: "1 year",
        Record.AGREEMENTS: "6 years",
        Record.EVENTS: "1 year",
        Record.AUDIT: "6 years",
    }
    assert all(policy.why for policy in rt.POLICIES.values())
    assert rt.periods({"shares": "18 months", "events": "nonsense"}) == {
        Record.SHARES: Period(18, "month"),
        Record.REQUESTS: Period(1, "year"),
        Record.AGREEMENTS: Period(6, "year"),
        Record.EVENTS: Period(1, "year"),
        Record.AUDIT: Period(6, "year"),
    }


def test_when_an_agreement_ended_and_when_a_request_was_finished():
    assert rt.agreement_ended(dt.date(2027, 6, 30), None) == dt.date(2027, 6, 30)
    assert rt.agreement_ended(dt.date(2027, 6, 30), dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)
    assert rt.request_finished(at(2025, 1, 1), None) == at(2025, 1, 1)
    assert rt.request_finished(at(2025, 1, 1), at(2025, 6, 1)) == at(2025, 6, 1)
    assert rt.past_its_time(at(2024, 11, 27), Period(2, "year"), at(2026, 11, 28))
    assert not rt.past_its_time(at(2024, 11, 29), Period(2, "year"), at(2026, 11, 28))


# ---- `/talks retention` ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def workspace(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)


def talks(sandbox, text: str, *, user: str) -> str:
    reply, url = sandbox.sim.command("/talks", text, user=user)
    assert reply.status == 200
    answer = reply.json() if reply.body else response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    return answer["text"]


def settings(sandbox) -> dict[str, str]:
    with sandbox.sessions() as session:
        return {row.kind: row.period for row in session.scalars(select(RetentionSetting))}


def entries(sandbox, action: str) -> list[tuple[str, str | None, dict]]:
    with sandbox.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [(row.actor_id, row.subject, json.loads(row.details)) for row in rows]


DEFAULTS_SHOWN = (
    "*How long Programme Talks keeps records in this workspace*\n"
    "• *Shares*: 2 years after they are posted (the default)\n"
    "• *Collaboration requests*: 1 year after they are resolved, or posted if never resolved (the default)\n"
    "• *Agreements*: 6 years after they end (the default)\n"
    "• *Events*: 1 year after they happen (the default)\n"
    "• *Audit trail entries*: 6 years after they are recorded (the default)\n"
    "Every night, what is past its time is deleted, with the app's messages about it in Slack.\n\n"
    "*Why these defaults*\n"
)


def test_anyone_can_see_how_long_records_are_kept_and_why(sandbox):
    said = talks(sandbox, "retention", user=AMIRA)
    assert said.startswith(DEFAULTS_SHOWN)
    assert "• *Agreements*: UK local-authority retention schedules commonly keep partnership agreements" in said
    assert "(Limitation Act 1980)" in said
    assert "not legal advice" in said
    assert said.endswith(
        "Workspace owners and admins can change one, for example `/talks retention shares 18 months`, or "
        "`/talks retention shares default` to go back to the default."
    )


def test_an_admin_changes_a_period_which_is_stored_shown_and_audited(sandbox):
    said = talks(sandbox, "retention shares 18 months", user=ADMIN)
    assert said == (
        "✅ Shares are now kept for 18 months after they are posted (it was 2 years, the default). Tonight's run "
        "deletes anything past its time, with its messages in Slack."
    )
    assert settings(sandbox) == {"shares": "18 months"}
    assert "• *Shares*: 18 months after they are posted (chosen here; the default is 2 years)" in talks(
        sandbox, "retention", user=AMIRA
    )
    assert talks(sandbox, "retention request 6 months", user=ADMIN).startswith(
        "✅ Collaboration requests are now kept for 6 months after they are resolved"
    )
    assert talks(sandbox, "retention shares 18 months", user=ADMIN) == (
        "Shares are already kept for 18 months after they are posted. Nothing has changed."
    )
    assert talks(sandbox, "retention shares default", user=ADMIN).startswith(
        "✅ Shares are now kept for 2 years after they are posted (it was 18 months)."
    )
    assert settings(sandbox) == {"requests": "6 months"}
    assert entries(sandbox, "setting_changed") == [
        (ADMIN, "retention:shares", {"setting": "retention.shares", "from": "default", "to": "18 months"}),
        (ADMIN, "retention:requests", {"setting": "retention.requests", "from": "default", "to": "6 months"}),
        (ADMIN, "retention:shares", {"setting": "retention.shares", "from": "18 months", "to": "default"}),
    ]


def test_someone_who_is_not_an_admin_is_told_kindly_who_can_and_nothing_changes(sandbox):
    said = talks(sandbox, "retention shares 18 months", user=AMIRA)
    assert said == "Sorry, only workspace owners and admins can change how long records are kept. Nothing has changed."
    assert settings(sandbox) == {}
    assert entries(sandbox, "setting_changed") == []


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "retention shares -3 months",
            "A period can't be negative. Give how long to keep them, for example "
            "`2 years`, `18 months` or `6 weeks`. Nothing has changed.",
        ),
        (
            "retention shares forever-ish",
            "Programme Talks doesn't keep anything forever: data protection law asks "
            "that personal data is kept no longer than it is needed. Give a period of up to 12 years, for example "
            "`2 years`, `18 months` or `6 weeks`. Nothing has changed.",
        ),
        (
            "retention events 3 parsecs",
            "I don't know “parsecs” as a unit of time. Use days, weeks, months or years, "
            "for example `2 years`, `18 months` or `6 weeks`. Nothing has changed.",
        ),
        (
            "retention audit 2 months",
            "Audit are kept for at least 1 year so the audit trail can answer questions "
            "about the past year. Nothing has changed.",
        ),
        (
            "retention gossip 2 years",
            "I don't know “gossip” as a kind of record. Say which kind and how long, for "
            "example `/talks retention shares 2 years`: the kinds are `shares`, `requests`, `agreements`, `events` and "
            "`audit`. `/talks retention` on its own shows how long each is kept now. Nothing has changed.",
        ),
        (
            "retention shares",
            "How long should they be kept? Give a number and a unit, for example `2 years`, "
            "`18 months` or `6 weeks`. Nothing has changed.",
        ),
    ],
)
def test_bad_periods_get_a_kind_answer_at_once_and_change_nothing(sandbox, typed, said):
    reply, _ = sandbox.sim.command("/talks", typed, user=ADMIN)
    assert reply.json() == {"text": said, "response_type": "ephemeral"}
    assert settings(sandbox) == {}
    assert count(sandbox.sessions, QueuedJob) == 0  # answered before anything was handed on


# ---- the daily duty ---------------------------------------------------------------------------------------------


def share_at(sandbox, clock, moment: dt.datetime, text: str, user: str) -> Share:
    clock.set(moment)
    sandbox.sim.command("/share", text, user=user)
    return wait_until(lambda: next((s for s in shares(sandbox.sessions) if s.body == text and s.message_ts), None))


def request_at(sandbox, clock, moment: dt.datetime, text: str, user: str) -> CollabRequest:
    clock.set(moment)
    sandbox.sim.command("/collab", text, user=user)
    return wait_until(lambda: next((r for r in requests(sandbox.sessions) if r.body == text and r.message_ts), None))


def message(sandbox, ts: str, channel: str = CHANNEL) -> dict:
    return next(m for m in sandbox.slack.messages(channel) if m["ts"] == ts)


def in_slack(sandbox, ts: str, channel: str = CHANNEL) -> bool:
    return any(m["ts"] == ts for m in sandbox.slack.messages(channel))


def agreement_ending(sandbox, end: dt.date, title: str, *, now: dt.datetime) -> tuple[int, str]:
    """An agreement between Amira and Ben ending on `end`, with its summary posted; (its id, the summary's ts)."""
    terms = Terms(
        responsibilities=("Book the hall", "Bring the coaches"),
        start_date=end - dt.timedelta(days=180),
        end_date=end,
        comms_internal="Team meetings",
        comms_external="Websites",
        recognition="Both logos",
        review_date=end - dt.timedelta(days=90),
        review_every_days=28,
    )
    ts = sandbox.client.chat_postMessage(channel=CHANNEL, text=f"Agreement: {title}")["ts"]
    with sandbox.sessions.begin() as session:
        record = ag.add_agreement(
            session,
            team_id="T0001",
            created_by=AMIRA,
            title=title,
            channel_id=CHANNEL,
            user_ids=[AMIRA, BEN],
            organisations=[],
            terms=terms,
            now=now,
        )
        ag.record_agreement_posted(session, team_id="T0001", number=record.number, ts=ts, permalink=None)
    return record.id, ts


def event_on(sandbox, starts_at: dt.datetime, title: str, *, now: dt.datetime) -> tuple[int, str]:
    """An event posted in the channel; (its id, its message's ts)."""
    ts = sandbox.client.chat_postMessage(channel=CHANNEL, text=f"Event: {title}")["ts"]
    with sandbox.sessions.begin() as session:
        card, [copy] = ms.add_meetup(
            session,
            team_id="T0001",
            created_by=CHLOE,
            channel_id=CHANNEL,
            title=title,
            starts_at=starts_at,
            place="Riverside Hall",
            about="Come along",
            channels=[CHANNEL],
            invited_users=[],
            now=now,
        )
        ms.record_meetup_copy(session, team_id="T0001", copy_id=copy.id, channel_id=CHANNEL, ts=ts, permalink=None)
    return card.id, ts


def ids(sandbox, model) -> list[int]:
    with sandbox.sessions() as session:
        return list(session.scalars(select(model.id).order_by(model.id)))


def test_the_daily_run_deletes_what_is_past_its_time_with_its_messages_in_slack_once(sandbox, clock):
    old_share = share_at(sandbox, clock, at(2024, 6, 1, 10), "Walking buses cut late arrivals", AMIRA)
    kept_share = share_at(sandbox, clock, at(2026, 11, 1, 10), "Breakfast club doubled attendance", AMIRA)
    for share in (old_share, kept_share):
        reaction = {"type": "message", "channel": CHANNEL, "ts": share.message_ts}
        event = {"type": "reaction_added", "user": BEN, "reaction": "clap", "item": reaction, "event_ts": "1.0"}
        assert sandbox.sim.event(event).status == 200
    wait_until(lambda: count(sandbox.sessions, Reaction) == 2)
    resolved = request_at(sandbox, clock, at(2025, 1, 10, 10), "Partner for a summer scheme", CHLOE)
    clock.set(at(2025, 6, 1, 10))
    _, url = sandbox.sim.click(
        message(sandbox, resolved.message_ts), Action.RESOLVE_REQUEST, user=CHLOE, channel=CHANNEL
    )
    response_to(sandbox.slack, url)
    unresolved = request_at(sandbox, clock, at(2025, 2, 1, 10), "Anyone with a minibus", CHLOE)
    recent = request_at(sandbox, clock, at(2026, 10, 1, 10), "Coaches for a football day", CHLOE)
    resolved_late = request_at(sandbox, clock, at(2025, 1, 12, 10), "Help with a grant bid", CHLOE)
    clock.set(at(2026, 1, 5, 10))  # resolved less than a year ago: kept, though asked long ago
    _, url = sandbox.sim.click(
        message(sandbox, resolved_late.message_ts), Action.RESOLVE_REQUEST, user=CHLOE, channel=CHANNEL
    )
    response_to(sandbox.slack, url)
    with sandbox.sessions.begin() as session:  # this workspace keeps agreements a year after they end
        ws.set_retention_period(session, team_id="T0001", kind="agreements", period="1 year", now=at(2025, 1, 1))
    _, old_summary = agreement_ending(sandbox, dt.date(2025, 6, 30), "Summer hall", now=at(2024, 12, 1))
    kept_agreement, kept_summary = agreement_ending(sandbox, dt.date(2026, 6, 30), "Winter hall", now=at(2025, 12, 1))
    _, old_post = event_on(sandbox, at(2025, 9, 1, 18), "Youth forum 2025", now=at(2025, 8, 1))
    kept_event, kept_post = event_on(sandbox, at(2026, 12, 3, 18), "Youth forum 2026", now=at(2026, 11, 1))
    with sandbox.sessions.begin() as session:
        for moment in (at(2019, 5, 1), at(2026, 11, 1)):
            audit.add_entry(
                session,
                team_id="T0001",
                actor_id=ADMIN,
                action=audit.Action.ROLE_GRANTED,
                now=moment,
                subject="user:U_X",
            )
    sandbox.slack.clear()

    duty = Retention(sandbox.sessions, TZ)
    assert duty.due(at(2026, 11, 28, 1, 59)).lines == []  # not before 02:00
    assert count(sandbox.sessions, Delivery) == 0

    due = duty.due(at(2026, 11, 28, 2, 0))
    assert due.planned == []
    assert due.lines == [
        "retention in T0001: deleted 11 rows (agreement_parties 2, agreement_versions 1, agreements 1, "
        "audit_entries 1, collab_requests 2, event_posts 1, events 1, reactions 1, shares 1); "
        "5 messages to delete in Slack"
    ]
    assert ids(sandbox, Share) == [kept_share.id]
    assert ids(sandbox, CollabRequest) == [recent.id, resolved_late.id]
    assert ids(sandbox, Agreement) == [kept_agreement]
    assert ids(sandbox, Meetup) == [kept_event]
    assert count(sandbox.sessions, AgreementParty) == 2 and count(sandbox.sessions, MeetupPost) == 1
    assert count(sandbox.sessions, Reaction) == 1
    with sandbox.sessions() as session:
        assert list(session.scalars(select(AuditEntry.at).where(AuditEntry.action == "role_granted"))) == [
            at(2026, 11, 1)
        ]
    [(actor, subject, details)] = entries(sandbox, "retention_run")
    assert (actor, subject) == ("programme-talks", "retention")
    assert details == {
        "agreement_parties": 2,
        "agreement_versions": 1,
        "agreements": 1,
        "audit_entries": 1,
        "collab_requests": 2,
        "event_posts": 1,
        "events": 1,
        "reactions": 1,
        "shares": 1,
        "slack_messages": 5,
    }
    with sandbox.sessions() as session:
        [row] = session.scalars(select(Delivery))
        assert (row.team_id, row.kind, row.target, row.period_key, row.status) == (
            "T0001",
            "retention",
            "T0001",
            "2026-11-28",
            "delivered",
        )
    gone = [old_share.message_ts, resolved.message_ts, unresolved.message_ts, old_summary, old_post]
    wait_until(lambda: not any(in_slack(sandbox, ts) for ts in gone))  # by the job runner, through the outbox
    assert all(in_slack(sandbox, ts) for ts in (kept_share.message_ts, recent.message_ts, kept_summary, kept_post))
    assert sorted(call.args["ts"] for call in sandbox.slack.calls_to("chat.delete")) == sorted(gone)

    # The same day, again: in this process, in another, or two at once: nothing more.
    assert duty.due(at(2026, 11, 28, 2, 1)).lines == []
    others = [Retention(sandbox.sessions, TZ) for _ in range(2)]
    found: list[list[str]] = []
    threads = [threading.Thread(target=lambda d=d: found.append(d.due(at(2026, 11, 28, 9)).lines)) for d in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [[], []]
    assert len(entries(sandbox, "retention_run")) == 1 and count(sandbox.sessions, Delivery) == 1
    # The next day nothing else is past its time: no row, no entry.
    assert Retention(sandbox.sessions, TZ).due(at(2026, 11, 29, 2, 0)).lines == []
    assert count(sandbox.sessions, Delivery) == 1


def test_each_workspace_keeps_records_for_the_period_it_chose(sandbox, clock):
    mine = share_at(sandbox, clock, at(2025, 5, 1, 10), "Peer mentors for year sevens", AMIRA)
    with sandbox.sessions.begin() as session:
        theirs = ss.add_share(
            session, team_id="T0002", author_id="U_OTHER", channel_id="C_OTHER", body="Elsewhere", now=at(2025, 5, 1)
        )
        ws.set_retention_period(session, team_id="T0002", kind="shares", period="1 year", now=at(2025, 1, 1))
    lines = Retention(sandbox.sessions, TZ).due(at(2026, 11, 28, 3)).lines
    assert lines == ["retention in T0002: deleted 1 row (shares 1); 0 messages to delete in Slack"]
    assert ids(sandbox, Share) == [mine.id]
    with sandbox.sessions() as session:
        assert session.get(Share, theirs.id) is None


def test_a_message_already_gone_from_slack_is_fine_and_a_busy_slack_is_tried_again(sandbox, clock):
    first = share_at(sandbox, clock, at(2024, 3, 1, 10), "Homework club on Tuesdays", AMIRA)
    second = share_at(sandbox, clock, at(2024, 3, 2, 10), "Homework club on Thursdays", AMIRA)
    sandbox.client.chat_delete(channel=CHANNEL, ts=first.message_ts)  # someone deleted it in Slack already
    sandbox.slack.fail("chat.delete", status=503, times=4, where=lambda args: args.get("ts") == second.message_ts)
    lines = Retention(sandbox.sessions, TZ).due(at(2026, 11, 28, 3)).lines
    assert lines == ["retention in T0001: deleted 2 rows (shares 2); 2 messages to delete in Slack"]
    assert shares(sandbox.sessions) == []
    wait_until(lambda: not in_slack(sandbox, second.message_ts), timeout=20)  # the job is tried again after 5 s

    def finished() -> QueuedJob | None:
        with sandbox.sessions() as session:
            job = session.scalars(select(QueuedJob).where(QueuedJob.name.contains("delete_posted_messages"))).one()
            return job if job.status == "done" else None

    job = wait_until(finished)
    assert (job.attempts, job.payload) == (2, "[]")


def test_run_due_deletes_what_is_past_its_time_once_a_day(sandbox, clock, env, capsys):
    old = share_at(sandbox, clock, at(2024, 6, 1, 10), "Walking buses cut late arrivals", AMIRA)
    clock.set(at(2026, 11, 28, 10))
    assert run_due("2026-11-28T01:59", capsys) == "run-due at 2026-11-28 01:59 GMT: nothing to do\n"
    assert run_due("2026-11-28T02:00", capsys) == (
        "run-due at 2026-11-28 02:00 GMT: 1 thing done\n"
        "  retention in T0001: deleted 1 row (shares 1); 1 message to delete in Slack\n"
    )
    assert run_due("2026-11-28T02:01", capsys) == "run-due at 2026-11-28 02:01 GMT: nothing to do\n"
    assert shares(sandbox.sessions) == []
    wait_until(lambda: not in_slack(sandbox, old.message_ts))
    [(actor, _, details)] = entries(sandbox, "retention_run")
    assert (actor, details) == ("programme-talks", {"shares": 1, "slack_messages": 1})
