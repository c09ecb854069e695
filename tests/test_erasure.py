"""Erasure: `/talks erase me`, `/talks erase @name` for a leaver and `/talks erase workspace`. Afterwards no row in
any table holds the person's id or their words, searched column by column in every table of the models (and, on
SQLite, the search index's own tables), so a table added later is checked too."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import String, func, inspect, select, text

from domain.agreements import Terms
from handlers.ids import Action, Block, Command, Shortcut, View
from storage import agreements as ag
from storage import newsletters as nls
from storage import shares as ss
from storage.models import (
    Agreement,
    AgreementParty,
    AuditEntry,
    Base,
    CollabRequest,
    Concern,
    HeldPost,
    QueuedJob,
    Share,
)
from storage.people import find_person_data
from tests.helpers import all_text, count, requests, response_to, run_due, shares, wait_until
from tests.helpers.agreements import confirm, summary, write_agreement

CHANNEL = "C_PRACTICE"
ADMIN, AMIRA, BEN, CHLOE = "U_ADMIN", "U_AMIRA", "U_BEN", "U_CHLOE"
# Words only Amira wrote, each somewhere else; none may be left anywhere once she is erased.
HER_SHARE = "Quokkaball sessions halved exclusions"
HER_REQUEST = "Looking for a Marmaladine partner for Saturdays"
HER_NOTE = "Snorkelpine wording for the credits"
HER_REVIEW = "Wobblestone targets met"
HER_CREDIT_NOTE = "Fizzlewick logo missing"
HER_EVENT_ABOUT = "Thistlewhump evening for carers"
HER_INTRO = "Jabberwonk month for our teams"  # her newsletter introduction, as a champion
HER_HELD = "Plumbustle club: Jo Bloggs, aged 12, now attends"  # held back by the personal-data check
HER_MESSAGE = "Gribblewort swaps cut lateness"  # a message of hers that Ben captured as a share
HER_JOB = "Zorblax"  # words of hers in work waiting in the outbox
LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)  # when that work is due: it waits, whatever the tests do
HER_WORDS = (
    "Quokkaball",
    "Marmaladine",
    "Snorkelpine",
    "Wobblestone",
    "Fizzlewick",
    "Thistlewhump",
    "Jabberwonk",
    "Plumbustle",
    "Gribblewort",
    "Zorblax",
)
BEN_SHARE = "Breakfast club doubled attendance"
BEN_REQUEST = "Anyone with a minibus for a trip"


@pytest.fixture(autouse=True)
def workspace(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)


def talks(sandbox, words: str, *, user: str) -> str:
    reply, url = sandbox.sim.command("/talks", words, user=user)
    assert reply.status == 200
    answer = reply.json() if reply.body else response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    return answer["text"]


def latest(sandbox, channel: str) -> dict:
    return sandbox.slack.messages(channel)[-1]


def share_by(sandbox, words: str, user: str) -> Share:
    sandbox.sim.command("/share", words, user=user)
    return wait_until(lambda: next((s for s in shares(sandbox.sessions) if s.body == words and s.message_ts), None))


def request_by(sandbox, words: str, user: str) -> CollabRequest:
    sandbox.sim.command("/collab", words, user=user)
    return wait_until(lambda: next((r for r in requests(sandbox.sessions) if r.body == words and r.message_ts), None))


def message(sandbox, ts: str, channel: str = CHANNEL) -> dict | None:
    return next((m for m in sandbox.slack.messages(channel) if m["ts"] == ts), None)


def react(sandbox, user: str, emoji: str, ts: str) -> None:
    item = {"type": "message", "channel": CHANNEL, "ts": ts}
    assert sandbox.sim.event({"type": "reaction_added", "user": user, "reaction": emoji, "item": item}).status == 200


def event_by(sandbox, user: str, title: str, about: str, invite: list[str]) -> None:
    """Post an event with the /event form (on 3 December 2026), inviting people by direct message."""
    opened = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.command(Command.EVENT, "", user=user, channel=CHANNEL)
    view = sandbox.slack.wait_for("views.open", count=opened + 1)[-1].args["view"]
    told = len(sandbox.slack.calls_to("chat.postEphemeral"))
    values = {
        Block.MEETUP_TITLE: title,
        Block.MEETUP_DATE: "2026-12-03",
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "Riverside Hall",
        Block.ABOUT: about,
        Block.CHANNEL: CHANNEL,
        Block.INVITE_PEOPLE: invite,
    }
    assert sandbox.sim.submit(view, values, user=user).body == ""
    sandbox.slack.wait_for("chat.postEphemeral", count=told + 1)


@dataclass(frozen=True)
class Seeded:
    her_share: Share
    her_request: CollabRequest
    ben_share: Share
    ben_request: CollabRequest
    agreement: int
    event_ts: str
    her_event_ts: str
    captured: Share  # Ben's share of her message


def seed(sandbox, env, capsys) -> Seeded:
    """Amira everywhere: roles, shares, a request, an offer, reactions and a highlight, an agreement she is a party
    to (a change and a review of hers in it), events she posted, was invited to and answered, a digest she set up
    and received, a Home tab visit, a followed tag, words held after the personal-data check, a message of hers Ben
    captured, a newsletter introduction, a concern she reported and one about her share, work of hers waiting in the
    outbox, her data sent to her, and the audit trail of all that."""
    talks(sandbox, f"champion <@{AMIRA}>", user=ADMIN)
    talks(sandbox, f"leader <@{AMIRA}>", user=ADMIN)
    talks(sandbox, "digest here weekly mon 09:00", user=AMIRA)
    her_share = share_by(sandbox, HER_SHARE, AMIRA)
    ben_share = share_by(sandbox, BEN_SHARE, BEN)
    her_request = request_by(sandbox, HER_REQUEST, AMIRA)
    ben_request = request_by(sandbox, BEN_REQUEST, BEN)
    react(sandbox, BEN, "clap", her_share.message_ts)
    react(sandbox, AMIRA, "star", ben_share.message_ts)  # she is a leader: a highlight
    react(sandbox, CHLOE, "clap", ben_share.message_ts)
    _, url = sandbox.sim.click(message(sandbox, ben_request.message_ts), Action.OFFER_HELP, user=AMIRA, channel=CHANNEL)
    response_to(sandbox.slack, url)
    wait_until(lambda: f"<@{AMIRA}>" in all_text(message(sandbox, ben_request.message_ts)["blocks"]))

    number = write_agreement(sandbox, user=BEN)  # Amira, Ben and an organisation
    confirm(sandbox, AMIRA)
    with sandbox.sessions.begin() as session:  # she proposes a change, with a note, and records a review
        record = ag.get_agreement(session, team_id="T0001", number=number)
        assert record is not None
        terms = Terms(
            responsibilities=tuple(p.responsibility for p in record.parties),
            start_date=record.start_date,
            end_date=record.end_date,
            comms_internal=record.comms_internal,
            comms_external=record.comms_external,
            recognition=record.recognition,
            review_date=record.next_review,
            review_every_days=record.review_every_days,
        )
        moment = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
        ag.change_agreement(
            session, team_id="T0001", number=number, user_id=AMIRA, terms=terms, note=HER_NOTE, now=moment
        )
        ag.record_review(
            session,
            team_id="T0001",
            number=number,
            review_date=dt.date(2026, 12, 7),
            outcome="on_track",
            achieved=HER_REVIEW,
            credited="partly",
            credit_note=HER_CREDIT_NOTE,
            next_review=dt.date(2027, 1, 4),
            user_id=AMIRA,
            now=moment,
        )
    event_by(sandbox, CHLOE, "Youth forum", "Young people show their projects", [AMIRA])
    event_ts = latest(sandbox, CHANNEL)["ts"]
    _, url = sandbox.sim.click(latest(sandbox, CHANNEL), Action.MEETUP_GOING, user=AMIRA, channel=CHANNEL)
    response_to(sandbox.slack, url)
    wait_until(lambda: f"<@{AMIRA}>" in all_text(message(sandbox, event_ts)["blocks"]))
    event_by(sandbox, AMIRA, "Carers' coffee", HER_EVENT_ABOUT, [])
    her_event_ts = latest(sandbox, CHANNEL)["ts"]
    assert sandbox.sim.event({"type": "app_home_opened", "user": AMIRA, "tab": "home", "event_ts": "1.0"}).status == 200
    talks(sandbox, "follow #send", user=AMIRA)
    captured = capture(sandbox, HER_MESSAGE, by=BEN, author=AMIRA)
    moment = dt.datetime(2026, 11, 27, 11, tzinfo=dt.UTC)
    with sandbox.sessions.begin() as session:
        nls.save_introduction(
            session, team_id="T0001", month=dt.date(2026, 11, 1), introduction=HER_INTRO, user_id=AMIRA, now=moment
        )
        for kind, subject_id, author, reporter, status, decider in (
            ("request", ben_request.id, BEN, AMIRA, "restored", ADMIN),
            ("share", her_share.id, AMIRA, BEN, "open", None),
        ):
            session.add(
                Concern(
                    team_id="T0001",
                    kind=kind,
                    subject_id=subject_id,
                    author_id=author,
                    channel_id=CHANNEL,
                    reported_by=reporter,
                    reported_at=moment,
                    status=status,
                    decided_by=decider,
                    decided_at=decider and moment,
                )
            )
        session.add(  # a share of hers the job runner will post in 2030: her id and her words, waiting
            QueuedJob(
                team_id="T0001",
                name="handlers.shares.commands:post_quick_share",
                key="later",
                payload=json.dumps([{"user_id": AMIRA, "text": f"{HER_JOB} tips"}]),
                state="{}",
                status="queued",
                attempts=0,
                run_after=LATER,
                created_at=moment,
            )
        )
    run_due("2026-11-30T09:00", capsys)  # the channel's digest, and Amira's as a champion
    sandbox.sim.command("/share", HER_HELD, user=AMIRA)  # held for 12 hours from now (27 November)
    wait_until(lambda: count(sandbox.sessions, HeldPost) == 1)
    talks(sandbox, "my data", user=AMIRA)
    wait_until(lambda: any(f["filename"] == "my-data.json" for f in sandbox.slack.uploaded_files()))
    settled(sandbox)
    return Seeded(her_share, her_request, ben_share, ben_request, number, event_ts, her_event_ts, captured)


def capture(sandbox, words: str, *, by: str, author: str) -> Share:
    """`by` shares a message `author` wrote with ⋯ → Share as practice; the share, once posted."""
    opened = len(sandbox.slack.calls_to("views.open"))
    message = {"ts": "1764237000.000200", "text": words}
    reply, _ = sandbox.sim.shortcut(message, Shortcut.SHARE_MESSAGE, user=by, channel=CHANNEL, author=author)
    assert (reply.status, reply.body) == (200, "")
    form = sandbox.slack.wait_for("views.open", count=opened + 1)[-1].args["view"]
    typed = {
        block["block_id"]: block["element"].get("initial_value")
        for block in form["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }
    assert sandbox.sim.submit(form, typed | {Block.CHANNEL: CHANNEL, Block.CONSENT: True}, user=by).body == ""
    return wait_until(lambda: next((s for s in shares(sandbox.sessions) if words in s.body and s.message_ts), None))


def every_table(sandbox) -> list[str]:
    """Every table there is: the models', and on SQLite the search index's own tables too."""
    with sandbox.engine.connect() as connection:
        return sorted(set(inspect(connection).get_table_names()) | set(Base.metadata.tables))


def left_behind(sandbox, *needles: str) -> list[str]:
    """Every (table, column, what) where a column of any row holds one of these, case-insensitively."""
    found = []
    with sandbox.engine.connect() as connection:
        for name in every_table(sandbox):
            columns = [c["name"] for c in inspect(connection).get_columns(name)]
            quoted = connection.dialect.identifier_preparer.quote
            for column in columns:
                as_text = (
                    f"CAST({quoted(column)} AS TEXT)"
                    if sandbox.engine.dialect.name == "sqlite"
                    else (f"CAST({quoted(column)} AS VARCHAR)")
                )
                for needle in needles:
                    hits = connection.execute(
                        text(f"SELECT count(*) FROM {quoted(name)} WHERE lower({as_text}) LIKE :needle"),
                        {"needle": f"%{needle.lower()}%"},
                    ).scalar()
                    if hits:
                        found.append(f"{name}.{column}: {needle} ({hits})")
    return found


def settled(sandbox) -> None:
    """Wait until every job handed on is done (a job's payload is emptied once it is), but work due LATER."""
    with_work = (
        select(func.count())
        .select_from(QueuedJob)
        .where(QueuedJob.status.in_(("queued", "running")), QueuedJob.run_after < LATER)
    )

    def idle() -> bool:
        with sandbox.sessions() as session:
            return session.scalar(with_work) == 0

    wait_until(idle)


def erased_entries(sandbox) -> list[tuple[str, str | None, dict]]:
    with sandbox.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "erased").order_by(AuditEntry.id))
        return [(row.actor_id, row.subject, json.loads(row.details)) for row in rows]


def erase_form(sandbox, words: str, *, user: str) -> dict:
    opened = len(sandbox.slack.calls_to("views.open"))
    reply, _ = sandbox.sim.command("/talks", words, user=user)
    assert (reply.status, reply.body) == (200, "")
    return sandbox.slack.wait_for("views.open", count=opened + 1)[-1].args["view"]


def told(sandbox, user: str) -> str:
    """The latest note the app showed only to this person, in the channel."""
    call = sandbox.slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.args["user"] == user and "Done" in c.args["text"]
    )
    return call[-1].args["text"]


def _any(columns):
    condition = columns[0] == AMIRA
    for column in columns[1:]:
        condition = condition | (column == AMIRA)
    return condition


# ---- erasing yourself --------------------------------------------------------------------------------------------


def test_erase_me_names_what_goes_then_no_row_anywhere_holds_their_id_or_their_words(sandbox, env, capsys):
    seeded = seed(sandbox, env, capsys)
    assert left_behind(sandbox, AMIRA, *HER_WORDS)  # she is everywhere, so the search below can fail
    her_dms = [m["ts"] for m in sandbox.slack.messages(AMIRA)]
    assert her_dms  # asked to confirm the agreement, her champion's digest, invited to the event...

    form = erase_form(sandbox, "erase me", user=AMIRA)
    assert form["callback_id"] == View.ERASE_PERSON
    assert form["title"]["text"] == "Erase my data" and form["submit"]["text"] == "Erase"
    goes, stays, copy = (all_text([block]) for block in form["blocks"])
    assert goes == (
        "This erases everything Programme Talks holds about you. It can't be undone.\n\n*What goes*\n"
        "• 1 share of practice, and its message in Slack\n"
        "• 1 collaboration request, and its message in Slack\n"
        "• 1 share or request captured from your messages\n"
        "• 1 offer of help\n"
        "• 1 reaction on a share\n"
        "• 1 highlight\n"
        "• your roles (champion and leader)\n"
        "• 1 answer to an event\n"
        "• 1 invitation to an event, and its message\n"
        "• 1 followed tag\n"
        "• 1 post held after the personal-data check\n"
        "• the record of 1 scheduled message sent to you\n"
        "• your Home tab visits\n"
        "• the app's direct messages to you"
    )
    assert stays == (
        "*What stays*\n"
        "• In 1 agreement, your name becomes “a former member” and notes you wrote are removed, so partners keep a "
        "usable record.\n"
        "• 1 event you posted stays for the people going, without your name or description.\n"
        "• 4 other records (concerns, digests and newsletters) stay without your name.\n"
        "• The audit trail keeps what happened without the id, and records that an erasure happened: counts only."
    )
    assert copy == "Want a copy first? Cancel, and type `/talks my data`."
    assert count(sandbox.sessions, Share) == 3  # nothing has gone yet

    assert sandbox.sim.submit(form, {}, user=AMIRA).body == ""
    said = told(sandbox, AMIRA)
    assert said == (  # rows deleted, with those depending on them (Ben's reaction on her share)
        "✅ Done: I've erased what Programme Talks held about you: 2 shares, 1 collaboration request, 1 offer, "
        "2 reactions, 1 highlight, 2 roles, 1 event answer and 7 other records; 19 shared records kept without the "
        "name; 9 messages deleted in Slack."
    )

    settled(sandbox)
    assert left_behind(sandbox, AMIRA, *HER_WORDS) == []
    with sandbox.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Share).where(Share.body == BEN_SHARE)) == 1
        assert [r.body for r in session.scalars(select(CollabRequest))] == [BEN_REQUEST]
        parties = session.scalars(select(AgreementParty).order_by(AgreementParty.position)).all()
        assert [(p.user_id, p.organisation, p.contact) for p in parties] == [
            (None, "a former member", None),
            (BEN, None, None),
            (None, "Riverside Trust", "Sam Patel"),
        ]
        assert session.scalar(select(Agreement.created_by)) == BEN
    [(actor, subject, details)] = erased_entries(sandbox)
    assert (actor, subject) == ("erased-person", "user:erased-person")
    assert details["scope"] == "person" and details["by"] == "themselves"
    assert details["deleted_shares"] == 2 and details["deleted_collab_requests"] == 1
    assert details["deleted_roles"] == 2 and details["slack_messages"] == 4  # with the share Ben captured

    # In Slack: her share, her request and her invitation are gone; what named her among others no longer does.
    assert message(sandbox, seeded.her_share.message_ts) is None
    assert message(sandbox, seeded.her_request.message_ts) is None
    deleted = {(c.args["channel"], c.args["ts"]) for c in sandbox.slack.calls_to("chat.delete")}
    assert {ts for channel, ts in deleted if channel in ("D" + AMIRA, AMIRA)} >= set(her_dms)
    wait_until(lambda: f"<@{AMIRA}>" not in all_text(message(sandbox, seeded.ben_request.message_ts)["blocks"]))
    assert "No offers yet" in all_text(message(sandbox, seeded.ben_request.message_ts)["blocks"])
    assert f"<@{AMIRA}>" not in all_text(message(sandbox, seeded.event_ts)["blocks"])
    shown = all_text(summary(sandbox)["blocks"])
    assert "*a former member* will:\nBook the hall on Saturdays" in shown and f"<@{AMIRA}>" not in shown


def test_my_data_covers_every_table_that_holds_their_id(sandbox, env, capsys):
    seed(sandbox, env, capsys)
    with sandbox.sessions() as session:
        data = find_person_data(session, team_id="T0001", user_id=AMIRA)
        holding = set()
        for t in Base.metadata.sorted_tables:
            columns = [c for c in t.c if isinstance(c.type, String) and c.name != "team_id"]
            if columns and session.scalar(select(func.count()).select_from(t).where(_any(columns))):
                holding.add(t.name)
    bookkeeping = {"jobs", "leases", "processed_events", "oauth_states"}
    assert holding - bookkeeping - data.tables == set()
    assert {"shares", "collab_requests", "collab_offers", "reactions", "highlights", "roles"} <= data.tables


# ---- erasing someone else ----------------------------------------------------------------------------------------


def test_an_admin_erases_someone_who_has_left_and_only_their_data_goes(sandbox):
    her_share = share_by(sandbox, HER_SHARE, AMIRA)
    ben_share = share_by(sandbox, BEN_SHARE, BEN)
    react(sandbox, AMIRA, "clap", ben_share.message_ts)
    wait_until(lambda: count(sandbox.sessions, Base.metadata.tables["reactions"]) == 1)

    form = erase_form(sandbox, f"erase <@{AMIRA}|amira>", user=ADMIN)
    assert form["title"]["text"] == "Erase someone's data"
    assert all_text(form["blocks"][:1]).startswith(
        f"This erases what Programme Talks holds about <@{AMIRA}>. It can't be undone.\n\n*What goes*\n"
        "• 1 share of practice, and its message in Slack\n• 1 reaction on a share\n• the app's direct messages to them"
    )
    assert all_text(form["blocks"][2:]) == "They can get a copy first with `/talks my data`."
    assert sandbox.sim.submit(form, {}, user=ADMIN).body == ""
    assert told(sandbox, ADMIN) == (
        f"✅ Done: I've erased what Programme Talks held about <@{AMIRA}>: 1 share and 1 reaction; "
        "1 message deleted in Slack."
    )
    settled(sandbox)
    assert left_behind(sandbox, AMIRA, "Quokkaball") == []
    assert [s.body for s in shares(sandbox.sessions)] == [BEN_SHARE]
    assert message(sandbox, her_share.message_ts) is None and message(sandbox, ben_share.message_ts) is not None
    [(actor, subject, details)] = erased_entries(sandbox)
    assert (actor, subject, details["by"]) == (ADMIN, "user:erased-person", "a workspace admin")
    assert (details["deleted_shares"], details["deleted_reactions"]) == (1, 1)


def test_someone_who_is_not_an_admin_cannot_erase_others_and_is_told_who_can(sandbox):
    share_by(sandbox, HER_SHARE, AMIRA)
    said = talks(sandbox, f"erase <@{AMIRA}>", user=BEN)
    assert said == (
        "Sorry, only workspace owners and admins can erase someone else's data. Nothing has changed. "
        "To erase your own, type `/talks erase me`."
    )
    sandbox.slack.assert_no_call("views.open")
    assert [s.body for s in shares(sandbox.sessions)] == [HER_SHARE]


def test_the_job_decides_who_may_erase_even_if_a_form_reaches_someone_not_allowed(sandbox):
    share_by(sandbox, HER_SHARE, AMIRA)
    form = erase_form(sandbox, f"erase <@{AMIRA}>", user=ADMIN)
    assert sandbox.sim.submit(form, {}, user=BEN).body == ""  # Ben submits a form made for an admin
    call = sandbox.slack.wait_for("chat.postEphemeral", where=lambda c: c.args["user"] == BEN)[-1]
    assert (
        call.args["text"]
        == "Sorry, only workspace owners and admins can erase someone else's data. Nothing has changed."
    )
    assert [s.body for s in shares(sandbox.sessions)] == [HER_SHARE]
    assert erased_entries(sandbox) == []


# ---- bad input ----------------------------------------------------------------------------------------------


def test_erasing_someone_the_app_holds_nothing_about_says_so_and_changes_nothing(sandbox):
    share_by(sandbox, BEN_SHARE, BEN)
    assert talks(sandbox, "erase <@U_NOBODY|nobody>", user=ADMIN) == (
        "Programme Talks holds nothing about <@U_NOBODY>, so there's nothing to erase. Nothing has changed."
    )
    assert talks(sandbox, "erase me", user=CHLOE) == (
        "Programme Talks holds nothing about you, so there's nothing to erase. Nothing has changed."
    )
    sandbox.slack.assert_no_call("views.open")
    assert count(sandbox.sessions, Share) == 1 and erased_entries(sandbox) == []


USAGE = (
    "Whose data should I erase? `/talks erase me` erases yours (you'll see what goes, and confirm, first). "
    "Workspace owners and admins can erase someone who has left with `/talks erase @name`, or everything with "
    "`/talks erase workspace`. Nothing has changed."
)


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("erase", USAGE),
        ("erase   ", USAGE),
        ("erase the lot of them", USAGE),
        (f"erase <@{AMIRA}> <@{BEN}>", "Please erase one person at a time: `/talks erase @name`. Nothing has changed."),
    ],
)
def test_erase_without_exactly_one_person_named_gets_the_usage(sandbox, words, said):
    reply, _ = sandbox.sim.command("/talks", words, user=ADMIN)
    assert reply.json() == {"text": said, "response_type": "ephemeral"}
    sandbox.slack.assert_no_call("views.open")


# ---- erasing the workspace ----------------------------------------------------------------------------------


def test_an_admin_erases_the_whole_workspace_after_typing_its_name_and_other_workspaces_keep_theirs(sandbox):
    share_by(sandbox, HER_SHARE, AMIRA)
    request_by(sandbox, BEN_REQUEST, BEN)
    talks(sandbox, f"leader <@{AMIRA}>", user=ADMIN)
    with sandbox.sessions.begin() as session:
        elsewhere = ss.add_share(
            session,
            team_id="T0002",
            author_id="U_OTHER",
            channel_id="C_OTHER",
            body="Elsewhere",
            now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )

    form = erase_form(sandbox, "erase workspace", user=ADMIN)
    assert form["callback_id"] == View.ERASE_WORKSPACE
    assert all_text(form["blocks"][:1]).startswith(
        "This deletes every record Programme Talks holds for this workspace (1 share, 1 request and 1 role, "
    )
    wrong = sandbox.sim.submit(form, {Block.ERASE_CONFIRM: "everything"}, user=ADMIN).json()
    assert wrong == {
        "response_action": "errors",
        "errors": {Block.ERASE_CONFIRM: "That isn't “example”. Type it exactly to erase everything, or Cancel."},
    }
    assert count(sandbox.sessions, Share) == 2

    assert sandbox.sim.submit(form, {Block.ERASE_CONFIRM: " Example "}, user=ADMIN).body == ""
    said = told(sandbox, ADMIN)
    assert said.startswith("✅ Done: I've erased everything Programme Talks held for this workspace (")
    with sandbox.sessions() as session:
        for t in Base.metadata.sorted_tables:
            if "team_id" not in t.c:
                continue
            rows = session.execute(select(t).where(t.c.team_id == "T0001")).all()
            if t.name == "audit_entries":
                [entry] = session.scalars(select(AuditEntry).where(AuditEntry.team_id == "T0001"))
                assert (entry.actor_id, entry.action, entry.subject) == (ADMIN, "erased", "workspace")
                assert json.loads(entry.details)["scope"] == "workspace"
            else:
                assert rows == [], t.name
        assert session.get(Share, elsewhere.id) is not None
    settled(sandbox)
    assert left_behind(sandbox, "Quokkaball", "minibus") == []


def test_only_an_admin_can_erase_the_workspace(sandbox):
    share_by(sandbox, HER_SHARE, AMIRA)
    assert talks(sandbox, "erase workspace", user=BEN) == (
        "Sorry, only workspace owners and admins can erase the workspace's data. Nothing has changed."
    )
    sandbox.slack.assert_no_call("views.open")
    assert count(sandbox.sessions, Share) == 1
