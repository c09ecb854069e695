"""/agreement: written over two steps, confirmed by every party, changed, listed, shown and exported."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import select

from domain import agreements as ag
from handlers.ids import Action, Block, View, responsibility_block
from storage import agreements as store
from storage.db import make_engine, make_sessions
from storage.models import Agreement, AgreementParty, AgreementVersion
from tests.helpers import all_text, assert_safe_mrkdwn, count, response_to, wait_until
from tests.helpers.agreements import (
    JOBS,
    RIVERSIDE,
    agreement,
    amira_ben_and_riverside,
    asked_to_confirm,
    confirm,
    details,
    first_step,
    opened,
    said,
    shown,
    summary,
    summary_updates,
    write_agreement,
)

AMIRA, BEN, CARA, DAN = "U_AMIRA", "U_BEN", "U_CARA", "U_DAN"
CHANNEL = "C_PRACTICE"


# ---- writing and confirming ---------------------------------------------------------------------------------------


def test_an_agreement_written_in_two_steps_is_posted_and_agreed_once_every_slack_party_confirms(sandbox):
    number = write_agreement(sandbox, step_one={Block.PARTY_USERS: [AMIRA, BEN, CARA]})
    assert number == 1
    [post] = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHANNEL)
    four = [(f"<@{AMIRA}>", JOBS[0]), (f"<@{BEN}>", JOBS[1]), (f"<@{CARA}>", JOBS[2]), (RIVERSIDE, JOBS[3])]
    waiting = "Confirmed by <@U_AMIRA>; waiting for <@U_BEN> and <@U_CARA>"
    assert all_text(post.args["blocks"]) == shown("draft", four, waiting, buttons=("Confirm", "Propose a change"))
    assert post.args["text"] == "Agreement #1: Summer sports hall (draft)"
    assert_safe_mrkdwn(post)
    assert len(asked_to_confirm(sandbox, BEN)) == len(asked_to_confirm(sandbox, CARA)) == 1
    assert all_text(asked_to_confirm(sandbox, BEN)[0]["blocks"]) == (
        "👋 <@U_AMIRA> has written down an agreement with you. Please check it and confirm it's right.\n"
        + shown("draft", four, waiting, buttons=("Confirm", "Propose a change"))
    )
    assert asked_to_confirm(sandbox, AMIRA) == []  # the writer counts as confirming what they wrote
    [receipt] = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == AMIRA)
    assert all_text(receipt.args["blocks"]) == (
        "✅ Agreement #1 is posted in <#C_PRACTICE>. I've asked <@U_BEN> and <@U_CARA> to confirm it; "
        "it's a draft until they do."
    )

    assert confirm(sandbox, BEN) == "✅ Thank you, you've confirmed agreement #1."
    wait_until(lambda: any("waiting for <@U_CARA>" in text for text in summary_updates(sandbox)))
    assert agreement(sandbox, 1).status == "draft"
    assert confirm(sandbox, CARA) == "✅ Thank you. Everyone has confirmed, so agreement #1 is agreed."
    wait_until(lambda: any("Agreed by everyone" in text for text in summary_updates(sandbox)))
    everyone = "Confirmed by <@U_AMIRA>, <@U_BEN> and <@U_CARA>"
    assert "Confirmed by <@U_AMIRA>, <@U_BEN> and <@U_CARA>" in summary_updates(sandbox)[-1]
    assert summary_updates(sandbox) == [
        shown(
            "draft",
            four,
            "Confirmed by <@U_AMIRA> and <@U_BEN>; waiting for <@U_CARA>",
            buttons=("Confirm", "Propose a change"),
        ),
        shown("agreed", four, everyone, buttons=("Propose a change", "Record review")),
    ]
    assert agreement(sandbox, 1).status == "agreed"
    with sandbox.sessions() as session:
        assert session.scalars(select(AgreementVersion.version)).all() == [1]
    assert confirm(sandbox, CARA) == "You've already confirmed version 1 of agreement #1. Thank you!"


def test_an_agreement_with_one_slack_party_and_an_organisation_is_agreed_at_once(sandbox):
    write_agreement(sandbox, step_one={Block.PARTY_USERS: [AMIRA]}, **{responsibility_block(1): "Bring coaches"})
    assert agreement(sandbox, 1).status == "agreed"
    assert all_text(summary(sandbox)["blocks"]) == shown(
        "agreed",
        [(f"<@{AMIRA}>", JOBS[0]), (RIVERSIDE, "Bring coaches")],
        "Confirmed by <@U_AMIRA>",
        buttons=("Propose a change", "Record review"),
    )


def test_text_typed_into_an_agreement_cannot_ping_mention_or_forge_links(sandbox):
    write_agreement(
        sandbox,
        step_one={Block.AGREEMENT_TITLE: "Hall & friends", Block.PARTY_ORGANISATIONS: "Riverside <@U_MALLORY>, Sam"},
        **{Block.RECOGNITION: "Thanks @here <!here> <https://evil.example|this>"},
    )
    for call in sandbox.slack.calls_to("chat.postMessage"):
        assert_safe_mrkdwn(call)
    text = all_text(summary(sandbox)["blocks"])
    assert "&lt;!here&gt;" in text and "Riverside &lt;@U_MALLORY&gt;" in text
    assert text == shown(
        "draft",
        [(f"<@{AMIRA}>", JOBS[0]), (f"<@{BEN}>", JOBS[1]), ("Riverside &lt;@U_MALLORY&gt; (contact: Sam)", JOBS[2])],
        "Confirmed by <@U_AMIRA>; waiting for <@U_BEN>",
        title="Hall & friends",  # a header is plain text: shown as typed, nothing in it is read as mrkdwn
        recognition="Thanks @here &lt;!here&gt; &lt;https://evil.example|this&gt;",
        buttons=("Confirm", "Propose a change"),
    )
    assert summary(sandbox)["text"] == "Agreement #1: Hall &amp; friends (draft)"


@pytest.mark.parametrize(
    ("changes", "block", "words"),
    [
        (
            {Block.PARTY_USERS: [AMIRA], Block.PARTY_ORGANISATIONS: ""},
            Block.PARTY_USERS,
            "An agreement needs at least two parties. Add the other people here, or organisations outside Slack below.",
        ),
        (
            {Block.PARTY_ORGANISATIONS: "Riverside Trust"},
            Block.PARTY_ORGANISATIONS,
            "Line 1 (“Riverside Trust”) needs the organisation, a comma, then a contact name, like "
            "“Riverside Trust, Sam Patel”.",
        ),
        (
            {Block.AGREEMENT_TITLE: ""},
            Block.AGREEMENT_TITLE,
            "Please give the agreement a short title, like “Summer sports hall”.",
        ),
    ],
    ids=["fewer than two parties", "organisation without a contact", "no title"],
)
def test_each_mistake_in_the_first_step_is_answered_beside_its_field_and_nothing_is_saved(
    sandbox, changes, block, words
):
    answer = first_step(sandbox, **changes).json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {block: words}
    assert count(sandbox.sessions, Agreement) == 0


@pytest.mark.parametrize(
    ("changes", "block", "words"),
    [
        (
            {Block.END_DATE: "2026-11-30"},
            Block.END_DATE,
            "This is before the start (Tuesday 1 December 2026). Please choose a later end date.",
        ),
        ({Block.FIRST_REVIEW: "2026-11-20"}, Block.FIRST_REVIEW, "Please choose a review date after today."),
        (
            {Block.FIRST_REVIEW: "2027-07-01"},
            Block.FIRST_REVIEW,
            "This is after the agreement ends (Wednesday 30 June 2027). Please choose a date up to then.",
        ),
        (
            {Block.RECOGNITION: ""},
            Block.RECOGNITION,
            "Please say how each party will be recognised, like logos on posters or thanks in a newsletter.",
        ),
        ({responsibility_block(2): ""}, responsibility_block(2), "Please say what this party will do."),
    ],
    ids=["end before start", "first review in the past", "first review after the end", "no recognition", "no job"],
)
def test_each_mistake_in_the_second_step_is_answered_beside_its_field_and_nothing_is_saved(
    sandbox, changes, block, words
):
    second = first_step(sandbox).json()["view"]
    assert [b["block_id"] for b in second["blocks"] if b.get("block_id", "").startswith("responsibility_")] == [
        responsibility_block(i) for i in range(3)
    ]
    answer = sandbox.sim.submit(second, details(**changes), user=AMIRA).json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {block: words}
    assert count(sandbox.sessions, Agreement) == count(sandbox.sessions, AgreementParty) == 0
    sandbox.slack.assert_no_call("chat.postMessage")


# ---- changes ---------------------------------------------------------------------------------------------------


def change(sandbox, user: str, **changes):
    message = summary(sandbox)
    sandbox.sim.click(message, Action.PROPOSE_CHANGE, user=user, channel=CHANNEL)
    form = opened(sandbox, View.AGREEMENT_CHANGE)
    values = details(3, **{Block.CHANGE_NOTE: "The hall is only free until May"}) | changes
    return form, sandbox.sim.submit(form, values, user=user)


def test_a_change_by_a_party_returns_it_to_draft_keeps_version_one_and_asks_the_others_again(sandbox):
    write_agreement(sandbox)
    confirm(sandbox, BEN)
    wait_until(lambda: agreement(sandbox, 1).status == "agreed")
    form, answer = change(sandbox, BEN, **{Block.END_DATE: "2027-05-31"})
    assert "Book the hall on Saturdays" in str(form["blocks"])  # filled in with the agreement as it stands
    filled = [
        b["element"]["initial_value"] for b in form["blocks"] if b.get("block_id", "").startswith("responsibility_")
    ]
    assert filled == list(JOBS[:3])
    assert answer.body == ""
    found = agreement(sandbox, 1)
    assert (found.status, found.version, found.end_date) == ("draft", 2, dt.date(2027, 5, 31))
    with sandbox.sessions() as session:
        versions = session.scalars(select(AgreementVersion).order_by(AgreementVersion.version)).all()
    assert [v.version for v in versions] == [1, 2] and '"2027-06-30"' in versions[0].snapshot
    assert json.loads(versions[0].snapshot) == {
        "title": "Summer sports hall",
        "version": 1,
        "start_date": "2026-12-01",
        "end_date": "2027-06-30",
        "comms_internal": "A line in each team meeting",
        "comms_external": "Joint posts on both websites",
        "recognition": "Both logos on every poster; thanks in the newsletter",
        "review_every_days": 28,
        "next_review": "2026-12-07",
        "parties": [
            {"user_id": AMIRA, "organisation": None, "contact": None, "responsibility": JOBS[0]},
            {"user_id": BEN, "organisation": None, "contact": None, "responsibility": JOBS[1]},
            {"user_id": None, "organisation": "Riverside Trust", "contact": "Sam Patel", "responsibility": JOBS[2]},
        ],
    }
    assert versions[1].note == "The hall is only free until May" and versions[1].changed_by == BEN
    wait_until(lambda: asked_to_confirm(sandbox, AMIRA))
    request = all_text(asked_to_confirm(sandbox, AMIRA)[-1]["blocks"])
    assert "<@U_BEN> proposed a change" in request and "The hall is only free until May" in request
    version_two = shown(
        "draft",
        amira_ben_and_riverside(),
        "Confirmed by <@U_BEN>; waiting for <@U_AMIRA>",
        version=2,
        dates="Tuesday 1 December 2026 to Monday 31 May 2027",
        buttons=("Confirm", "Propose a change"),
    )
    assert request == (
        "✏️ <@U_BEN> proposed a change to agreement #1 (now version 2):\n>The hall is only free until May\n"
        f"Please check it and confirm.\n{version_two}"
    )
    wait_until(lambda: any("waiting for <@U_AMIRA>" in text for text in summary_updates(sandbox)))

    stale = asked_to_confirm(sandbox, BEN)[0]  # Ben's request for version 1 no longer counts
    answer = confirm(sandbox, BEN, stale)
    assert "changed since that message" in answer
    assert answer == f"Agreement #1 has changed since that message. Here is version 2:\n{version_two}"
    assert confirm(sandbox, AMIRA) == "✅ Thank you. Everyone has confirmed, so agreement #1 is agreed."
    assert agreement(sandbox, 1).status == "agreed"


def test_a_change_with_a_mistake_is_answered_in_the_form_and_nothing_changes(sandbox):
    write_agreement(sandbox)
    _, answer = change(sandbox, AMIRA, **{Block.CHANGE_NOTE: "", Block.END_DATE: "2026-11-01"})
    assert set(answer.json()["errors"]) == {Block.CHANGE_NOTE, Block.END_DATE}
    assert answer.json()["errors"] == {
        Block.CHANGE_NOTE: "Please say what changed and why, so the others can see it at a glance.",
        Block.END_DATE: "This is before the start (Tuesday 1 December 2026). Please choose a later end date.",
    }
    assert agreement(sandbox, 1).version == 1


def test_someone_who_is_not_a_party_cannot_confirm_or_propose_a_change(sandbox):
    write_agreement(sandbox)
    message = summary(sandbox)
    for action, what in ((Action.CONFIRM_AGREEMENT, "confirm"), (Action.PROPOSE_CHANGE, "change")):
        _, url = sandbox.sim.click(message, action, user=DAN, channel=CHANNEL)
        answer = said(sandbox, url)
        assert "Only the people named in agreement #1" in answer
        assert answer == (
            f"Only the people named in agreement #1 can {what} it. "
            "If you think you should be one of them, have a word with <@U_AMIRA>, who wrote it."
        )
    sandbox.slack.assert_no_call("views.open", where=lambda c: c.args["view"]["callback_id"] == View.AGREEMENT_CHANGE)
    found = agreement(sandbox, 1)
    assert (found.status, found.version) == ("draft", 1)


# ---- list, show, export ----------------------------------------------------------------------------------------


def test_a_party_can_list_their_agreements_and_anyone_can_show_one(sandbox):
    write_agreement(sandbox)
    write_agreement(sandbox, step_one={Block.AGREEMENT_TITLE: "Holiday meals", Block.PARTY_USERS: [CARA, DAN]})
    _, url = sandbox.sim.command("/agreement", "list", user=AMIRA)
    listed = said(sandbox, url)
    assert "#1" in listed and "Summer sports hall" in listed and "draft" in listed and "Holiday meals" not in listed
    assert listed == (
        "*Your agreements*\n*#1* Summer sports hall · 📝 draft · next review Mon 7 Dec · waiting for <@U_BEN>\n"
        "`/agreement show 3` shows one in full; `/agreement export 3` sends it to you as a document."
    )
    _, url = sandbox.sim.command("/agreement", "show 1", user=DAN)  # posted in a channel: anyone may read it
    answer = response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    assert all_text(answer["blocks"]) == (
        shown("draft", amira_ben_and_riverside(), "Confirmed by <@U_AMIRA>; waiting for <@U_BEN>")
        + "\n*History*\n• Version 1, Fri 27 Nov, by <@U_AMIRA>"
        + f"\n<{agreement(sandbox, 1).permalink}|open> in the channel"
    )
    assert not [b for b in answer["blocks"] if b["type"] == "actions"]  # nothing Dan can do with it


def test_export_sends_a_markdown_document_naming_every_party_responsibility_and_review(sandbox, clock):
    sandbox.slack.add_user(AMIRA, name="Amira Khan")
    sandbox.slack.add_user(BEN, name="Ben Ode")
    write_agreement(sandbox)
    confirm(sandbox, BEN)
    wait_until(lambda: agreement(sandbox, 1).status == "agreed")
    wait_until(lambda: "Record review" in str(summary(sandbox)["blocks"]))
    clock.set(dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC))
    sandbox.sim.click(summary(sandbox), Action.RECORD_REVIEW, user=BEN, channel=CHANNEL)
    form = opened(sandbox, View.AGREEMENT_REVIEW)
    values = {Block.OUTCOME: "on_track", Block.ACHIEVED: "Twelve Saturday sessions", Block.CREDITED: "yes"}
    assert sandbox.sim.submit(form, values | {Block.NEXT_REVIEW: "2027-01-04"}, user=BEN).body == ""

    _, url = sandbox.sim.command("/agreement", "export 1", user=AMIRA)
    assert said(sandbox, url) == "📄 I've sent you agreement #1 as a document, in our direct messages."
    [document] = sandbox.slack.uploaded_files()
    assert document["filename"] == "agreement-1.md" and document["channel_id"] == "DU_AMIRA"
    text = document["content"].decode()
    for words in (
        "# Agreement #1: Summer sports hall",
        "@Amira Khan",
        "@Ben Ode",
        "Riverside Trust (contact: Sam Patel)",
        "Book the hall on Saturdays",
        "Run the sign-up sheet",
        "Bring two coaches",
        "Review of Monday 7 December 2026: On track",
        "Twelve Saturday sessions",
        "Version 1",
    ):
        assert words in text, words
    assert "<@" not in text


@pytest.mark.parametrize("verb", ["show", "export"])
def test_show_or_export_of_an_unknown_number_gets_a_kind_answer(sandbox, verb):
    _, url = sandbox.sim.command("/agreement", f"{verb} 42", user=AMIRA)
    assert said(sandbox, url) == "I can't find agreement #42 here. `/agreement list` shows the ones you're part of."
    reply, _ = sandbox.sim.command("/agreement", verb, user=AMIRA)
    assert reply.json() == {
        "text": f"Which agreement? For example `/agreement {verb} 3`. `/agreement list` shows yours.",
        "response_type": "ephemeral",
    }
    assert sandbox.slack.uploaded_files() == []


def test_unknown_words_get_the_usage_and_help_explains_everything(sandbox):
    reply, _ = sandbox.sim.command("/agreement", "frobnicate", user=AMIRA)
    assert reply.json()["text"] == (
        "I don't know `/agreement frobnicate`. Try `/agreement` to write one, `/agreement list`, "
        "`/agreement show 3`, `/agreement export 3` or `/agreement help`."
    )
    reply, _ = sandbox.sim.command("/agreement", "help", user=AMIRA)
    assert all_text(reply.json()["blocks"]) == (
        "*Collaboration agreements*\n"
        "`/agreement` opens a short form to write down who does what, how you'll talk about the work, how everyone "
        "is credited, and when you'll review it. Each person named is asked to confirm.\n"
        "`/agreement list` shows the agreements you are part of.\n"
        "`/agreement show 3` shows agreement #3 in full.\n"
        "`/agreement export 3` sends it to you as a document you can share with partners outside Slack.\n"
        "I'll remind everyone when a review is due."
    )


# ---- numbering -------------------------------------------------------------------------------------------------


def test_agreements_saved_at_the_same_moment_get_different_numbers(sandbox):
    engines = [make_engine(sandbox.settings.database_url) for _ in range(4)]
    terms = ag.Terms(("a", "b"), dt.date(2026, 12, 1), dt.date(2027, 1, 1), "x", "y", "z", dt.date(2026, 12, 7), 28)
    barrier = threading.Barrier(len(engines))

    def save(engine) -> None:
        sessions = make_sessions(engine)
        barrier.wait()
        for _ in range(3):
            with sessions.begin() as session:
                store.add_agreement(
                    session,
                    team_id="T0001",
                    created_by=AMIRA,
                    title="Race",
                    channel_id=CHANNEL,
                    user_ids=[AMIRA, BEN],
                    organisations=[],
                    terms=terms,
                    now=dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC),
                )

    threads = [threading.Thread(target=save, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sandbox.sessions() as session:
        assert sorted(session.scalars(select(Agreement.number))) == list(range(1, 13))
    for engine in engines:
        engine.dispose()


# ---- the channel's summary ------------------------------------------------------------------------------------


def _summary_posts(sandbox) -> list:
    return [
        c
        for c in sandbox.slack.calls_to("chat.postMessage")
        if c.args["channel"] == CHANNEL and c.response["ok"] and "Agreement #" in (c.args.get("text") or "")
    ]


def test_two_parties_confirming_at_once_never_post_the_summary_twice(sandbox):
    sandbox.slack.fail("chat.postMessage", error="channel_not_found", where=lambda args: args["channel"] == CHANNEL)
    number = write_agreement(sandbox, step_one={Block.PARTY_USERS: [AMIRA, BEN, CARA]})
    assert agreement(sandbox, number).message_ts is None  # the first post was refused
    sandbox.slack.latency = 0.3  # a slow Slack, so both confirmations are publishing at the same time
    clicks = [
        threading.Thread(target=confirm, args=(sandbox, user, asked_to_confirm(sandbox, user)[-1]))
        for user in (BEN, CARA)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    wait_until(lambda: agreement(sandbox, number).status == "agreed" and agreement(sandbox, number).message_ts)
    wait_until(lambda: "Agreed by everyone" in all_text(summary(sandbox)["blocks"]), timeout=10)
    assert len(_summary_posts(sandbox)) == 1
    assert agreement(sandbox, number).message_ts == _summary_posts(sandbox)[0].response["ts"]


def test_a_summary_someone_deleted_is_posted_again_when_the_agreement_changes(sandbox):
    number = write_agreement(sandbox)
    wait_until(lambda: agreement(sandbox, number).message_ts)
    first = agreement(sandbox, number).message_ts
    sandbox.client.chat_delete(channel=CHANNEL, ts=first)  # as a workspace admin might
    assert confirm(sandbox, BEN) == "✅ Thank you. Everyone has confirmed, so agreement #1 is agreed."
    wait_until(lambda: agreement(sandbox, number).message_ts not in (None, first))
    assert len(_summary_posts(sandbox)) == 2
    assert all_text(summary(sandbox)["blocks"]) == shown(
        "agreed",
        amira_ben_and_riverside(),
        "Confirmed by <@U_AMIRA> and <@U_BEN>",
        buttons=("Propose a change", "Record review"),
    )
