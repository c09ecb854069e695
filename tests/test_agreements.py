"""/agreement: written over two steps, confirmed by every party, changed, listed, shown and exported."""

from __future__ import annotations

import datetime as dt
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
    agreement,
    asked_to_confirm,
    confirm,
    details,
    first_step,
    opened,
    said,
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
    post = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHANNEL)[0]
    shown = all_text(post.args["blocks"])
    assert "Agreement #1: Summer sports hall" in shown and "Draft" in shown
    assert "Riverside Trust (contact: Sam Patel)" in shown and "Bring two coaches" in shown
    assert "Confirmed by <@U_AMIRA>; waiting for <@U_BEN> and <@U_CARA>" in shown
    assert_safe_mrkdwn(post)
    assert len(asked_to_confirm(sandbox, BEN)) == len(asked_to_confirm(sandbox, CARA)) == 1
    assert asked_to_confirm(sandbox, AMIRA) == []  # the writer counts as confirming what they wrote
    receipt = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == AMIRA)[0]
    assert "I've asked <@U_BEN> and <@U_CARA> to confirm it" in all_text(receipt.args["blocks"])

    assert "you've confirmed agreement #1" in confirm(sandbox, BEN)
    wait_until(lambda: any("waiting for <@U_CARA>" in text for text in summary_updates(sandbox)))
    assert agreement(sandbox, 1).status == "draft"
    assert "Everyone has confirmed, so agreement #1 is agreed" in confirm(sandbox, CARA)
    wait_until(lambda: any("Agreed by everyone" in text for text in summary_updates(sandbox)))
    assert "Confirmed by <@U_AMIRA>, <@U_BEN> and <@U_CARA>" in summary_updates(sandbox)[-1]
    assert agreement(sandbox, 1).status == "agreed"
    with sandbox.sessions() as session:
        assert session.scalars(select(AgreementVersion.version)).all() == [1]
    assert "already confirmed version 1" in confirm(sandbox, CARA)


def test_an_agreement_with_one_slack_party_and_an_organisation_is_agreed_at_once(sandbox):
    write_agreement(sandbox, step_one={Block.PARTY_USERS: [AMIRA]}, **{responsibility_block(1): "Bring coaches"})
    assert agreement(sandbox, 1).status == "agreed"
    assert "Agreed by everyone" in all_text(summary(sandbox)["blocks"])


def test_text_typed_into_an_agreement_cannot_ping_mention_or_forge_links(sandbox):
    write_agreement(
        sandbox,
        step_one={Block.AGREEMENT_TITLE: "Hall & friends", Block.PARTY_ORGANISATIONS: "Riverside <@U_MALLORY>, Sam"},
        **{Block.RECOGNITION: "Thanks @here <!here> <https://evil.example|this>"},
    )
    for call in sandbox.slack.calls_to("chat.postMessage"):
        assert_safe_mrkdwn(call)
    shown = all_text(summary(sandbox)["blocks"])
    assert "&lt;!here&gt;" in shown and "Riverside &lt;@U_MALLORY&gt;" in shown
    assert "Hall &amp; friends" in summary(sandbox)["text"]


@pytest.mark.parametrize(
    ("changes", "block", "words"),
    [
        ({Block.PARTY_USERS: [AMIRA], Block.PARTY_ORGANISATIONS: ""}, Block.PARTY_USERS, "at least two parties"),
        ({Block.PARTY_ORGANISATIONS: "Riverside Trust"}, Block.PARTY_ORGANISATIONS, "contact name"),
        ({Block.AGREEMENT_TITLE: ""}, Block.AGREEMENT_TITLE, "title"),
    ],
    ids=["fewer than two parties", "organisation without a contact", "no title"],
)
def test_each_mistake_in_the_first_step_is_answered_beside_its_field_and_nothing_is_saved(
    sandbox, changes, block, words
):
    answer = first_step(sandbox, **changes).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {block} and words in answer["errors"][block]
    assert count(sandbox.sessions, Agreement) == 0


@pytest.mark.parametrize(
    ("changes", "block", "words"),
    [
        ({Block.END_DATE: "2026-11-30"}, Block.END_DATE, "before the start"),
        ({Block.FIRST_REVIEW: "2026-11-20"}, Block.FIRST_REVIEW, "after today"),
        ({Block.FIRST_REVIEW: "2027-07-01"}, Block.FIRST_REVIEW, "after the agreement ends"),
        ({Block.RECOGNITION: ""}, Block.RECOGNITION, "recognised"),
        ({responsibility_block(2): ""}, responsibility_block(2), "what this party will do"),
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
    assert set(answer["errors"]) == {block} and words in answer["errors"][block]
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
    assert answer.body == ""
    found = agreement(sandbox, 1)
    assert (found.status, found.version, found.end_date) == ("draft", 2, dt.date(2027, 5, 31))
    with sandbox.sessions() as session:
        versions = session.scalars(select(AgreementVersion).order_by(AgreementVersion.version)).all()
    assert [v.version for v in versions] == [1, 2] and '"2027-06-30"' in versions[0].snapshot
    assert versions[1].note == "The hall is only free until May" and versions[1].changed_by == BEN
    wait_until(lambda: asked_to_confirm(sandbox, AMIRA))
    request = all_text(asked_to_confirm(sandbox, AMIRA)[-1]["blocks"])
    assert "<@U_BEN> proposed a change" in request and "The hall is only free until May" in request
    wait_until(lambda: any("waiting for <@U_AMIRA>" in text for text in summary_updates(sandbox)))

    stale = asked_to_confirm(sandbox, BEN)[0]  # Ben's request for version 1 no longer counts
    assert "changed since that message" in confirm(sandbox, BEN, stale)
    assert "agreement #1 is agreed" in confirm(sandbox, AMIRA)
    assert agreement(sandbox, 1).status == "agreed"


def test_a_change_with_a_mistake_is_answered_in_the_form_and_nothing_changes(sandbox):
    write_agreement(sandbox)
    _, answer = change(sandbox, AMIRA, **{Block.CHANGE_NOTE: "", Block.END_DATE: "2026-11-01"})
    assert set(answer.json()["errors"]) == {Block.CHANGE_NOTE, Block.END_DATE}
    assert agreement(sandbox, 1).version == 1


def test_someone_who_is_not_a_party_cannot_confirm_or_propose_a_change(sandbox):
    write_agreement(sandbox)
    message = summary(sandbox)
    for action in (Action.CONFIRM_AGREEMENT, Action.PROPOSE_CHANGE):
        _, url = sandbox.sim.click(message, action, user=DAN, channel=CHANNEL)
        assert "Only the people named in agreement #1" in said(sandbox, url)
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
    assert "next review Mon 7 Dec" in listed and "waiting for <@U_BEN>" in listed
    _, url = sandbox.sim.command("/agreement", "show 1", user=DAN)  # posted in a channel: anyone may read it
    shown = response_to(sandbox.slack, url).args
    assert shown["response_type"] == "ephemeral"
    assert "Run the sign-up sheet" in all_text(shown["blocks"]) and "Version 1" in all_text(shown["blocks"])
    assert not [b for b in shown["blocks"] if b["type"] == "actions"]  # nothing Dan can do with it


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
    assert "sent you agreement #1 as a document" in said(sandbox, url)
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
    assert "I can't find agreement #42" in said(sandbox, url)
    reply, _ = sandbox.sim.command("/agreement", verb, user=AMIRA)
    assert f"For example `/agreement {verb} 3`" in reply.json()["text"]
    assert sandbox.slack.uploaded_files() == []


def test_unknown_words_get_the_usage_and_help_explains_everything(sandbox):
    reply, _ = sandbox.sim.command("/agreement", "frobnicate", user=AMIRA)
    assert "I don't know `/agreement frobnicate`" in reply.json()["text"]
    reply, _ = sandbox.sim.command("/agreement", "help", user=AMIRA)
    assert "/agreement export 3" in all_text(reply.json()["blocks"])


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
    assert "Everyone has confirmed" in confirm(sandbox, BEN)
    wait_until(lambda: agreement(sandbox, number).message_ts not in (None, first))
    assert len(_summary_posts(sandbox)) == 2
    assert "Agreed by everyone" in all_text(summary(sandbox)["blocks"])
