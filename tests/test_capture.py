"""Capturing from any message: the message shortcuts open the share and request forms filled in with the message's
words, linked back to it; the person who used the shortcut is the author, and the message's author is credited
only if they wrote it themselves or accept when asked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from domain.capture import fit, message_tags, named_people, share_words, unnamed_channels
from handlers.capture.forms import built_permalink
from handlers.ids import Action, Block, Shortcut, View
from storage.models import MessageCredit
from tests.helpers import all_text, assert_safe_mrkdwn, requests, response_to, shares, wait_until

AMIRA, BEN = "U_AMIRA", "U_BEN"
CHANNEL, YOUTH = "C_PRACTICE", "C_YOUTH"
MESSAGE = {
    "ts": "1764237000.000100",
    "text": (
        "*Walking bus* to school worked for us. Parents &amp; carers take turns with <@U_BEN>.\n"
        "See <https://example.org/walking-bus|our guide> in <#C_YOUTH|> #attendance #Parents"
    ),
}
WORDS = (
    "Walking bus to school worked for us. Parents & carers take turns with @Ben Jones.\n"
    "See our guide (https://example.org/walking-bus) in #youth-work #attendance #Parents"
)
LINK = "https://example.slack.com/archives/C_PRACTICE/p1764237000000100"


@pytest.fixture
def people(sandbox):
    sandbox.slack.add_user(BEN, name="Ben Jones")
    sandbox.slack.add_channel(YOUTH, name="youth-work")
    return sandbox


def open_form(sandbox, shortcut: str, message: dict = MESSAGE, *, author: str | None = AMIRA, user: str = AMIRA):
    """Use a message shortcut; the form it opened, as Slack keeps it (with its id)."""
    reply, _ = sandbox.sim.shortcut(message, shortcut, user=user, channel=CHANNEL, author=author)
    assert (reply.status, reply.body) == (200, "")
    [opened] = sandbox.slack.wait_for("views.open")
    return opened.response["view"]


def kept(view: dict) -> dict:
    """What a person who changes nothing submits: every input's words as the form filled them in."""
    return {
        block["block_id"]: block["element"].get("initial_value")
        for block in view["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }


def initial(view: dict, block_id: str):
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return block["element"].get("initial_value")


def credits(sessions) -> list[MessageCredit]:
    with sessions() as session:
        return list(session.scalars(select(MessageCredit).order_by(MessageCredit.id)))


def thread_replies(sandbox, channel: str, ts: str) -> list[dict]:
    return [m for m in sandbox.slack.messages(channel) if m.get("thread_ts") == ts]


def submit_share(sandbox, form: dict, user: str = AMIRA):
    answer = sandbox.sim.submit(form, kept(form) | {Block.CHANNEL: CHANNEL, Block.CONSENT: True}, user=user)
    assert answer.body == ""
    wait_until(lambda: shares(sandbox.sessions) and shares(sandbox.sessions)[0].message_ts)
    return shares(sandbox.sessions)[0]


# ---- the form --------------------------------------------------------------------------------------------------


def test_share_as_practice_opens_the_share_form_with_the_messages_words_names_and_link(people):
    form = open_form(people, Shortcut.SHARE_MESSAGE)
    assert form["callback_id"] == View.CAPTURE_SHARE
    assert (form["title"]["text"], form["submit"]["text"]) == ("Share practice", "Share")
    assert initial(form, Block.TITLE) == "Walking bus to school worked for us"
    assert initial(form, Block.BODY) == WORDS
    assert initial(form, Block.TAGS) == "attendance, parents"
    assert initial(form, Block.LINK) == "https://example.org/walking-bus"
    assert (
        form["blocks"][0]["elements"][0]["text"]
        == "📎 From your message in <#C_PRACTICE>: it will say so under the post."
    )
    [channel] = [b for b in form["blocks"] if b.get("block_id") == Block.CHANNEL]
    assert channel["element"]["default_to_current_conversation"] is True
    assert json.loads(form["private_metadata"]) == {
        "source_channel": CHANNEL,
        "source_ts": MESSAGE["ts"],
        "source_author": AMIRA,
        "fallback_link": LINK,
    }
    looked_up = [call.args for call in people.slack.calls_to("users.info")]
    assert looked_up == [{"user": BEN}]
    assert [call.args for call in people.slack.calls_to("conversations.info")] == [{"channel": YOUTH}]


def test_ask_for_collaboration_opens_the_request_form_with_the_messages_words(people):
    form = open_form(people, Shortcut.ASK_FROM_MESSAGE, author=BEN)
    assert form["callback_id"] == View.CAPTURE_REQUEST
    assert initial(form, Block.REQUEST) == WORDS
    assert form["blocks"][0]["elements"][0]["text"] == (
        "📎 From a message by <@U_BEN> in <#C_PRACTICE>. You'll be the author; I'll ask <@U_BEN> whether they'd "
        "like to be credited, and nobody is named unless they agree."
    )


def test_a_name_slack_is_too_slow_to_give_reads_as_someone_and_the_form_still_opens(people):
    people.slack.fail("users.info", status=500, times=5)
    form = open_form(people, Shortcut.SHARE_MESSAGE)
    assert initial(form, Block.BODY) == WORDS.replace("@Ben Jones", "@someone")
    assert len(people.slack.calls_to("users.info")) == 1  # no retries: the form can't wait


def test_when_slack_will_not_open_the_form_the_person_is_told_only_them(people):
    people.slack.fail("views.open", error="expired_trigger_id")
    _, url = people.sim.shortcut(MESSAGE, Shortcut.SHARE_MESSAGE, user=AMIRA, channel=CHANNEL, author=AMIRA)
    said = response_to(people.slack, url).args
    assert (said["text"], said["response_type"]) == (
        "Sorry, Slack took too long to open the form. Please use the shortcut on the message again.",
        "ephemeral",
    )


# ---- saving, posting and crediting -------------------------------------------------------------------------------


def test_sharing_your_own_message_posts_it_keeps_the_link_and_credits_you_under_it(people):
    share = submit_share(people, open_form(people, Shortcut.SHARE_MESSAGE))
    assert (share.author_id, share.channel_id, share.title, share.tags) == (
        AMIRA,
        CHANNEL,
        "Walking bus to school worked for us",
        "attendance parents",
    )
    assert share.source_link == LINK
    wait_until(lambda: thread_replies(people, CHANNEL, share.message_ts))
    [credit] = thread_replies(people, CHANNEL, share.message_ts)
    assert credit["text"] == f"📎 From a message by <@U_AMIRA> (<{LINK}|open>)"
    assert [(c.status, c.captured_by, c.source_author, c.share_id) for c in credits(people.sessions)] == [
        ("self", AMIRA, AMIRA, share.id)
    ]
    people.slack.assert_no_call("chat.postMessage", where=lambda c: c.args["channel"] in (AMIRA, BEN))


def test_someone_elses_message_is_credited_only_once_they_accept(people):
    share = submit_share(people, open_form(people, Shortcut.SHARE_MESSAGE, author=BEN))
    assert share.author_id == AMIRA
    [ask] = people.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == BEN)
    assert all_text(ask.args["blocks"]) == (
        f"👋 <@U_AMIRA> shared your message as practice in <#C_PRACTICE> (<{share.permalink}|open>). May it say "
        "*“From a message by you”* under it? Nothing names you unless you accept.\nAccept\nNo thanks"
    )
    assert thread_replies(people, CHANNEL, share.message_ts) == []
    assert [c.status for c in credits(people.sessions)] == ["asked"]

    message = {"ts": ask.response["ts"], "blocks": ask.args["blocks"]}
    _, url = people.sim.click(message, Action.ACCEPT_CREDIT, user=BEN, channel="D_BEN")
    answer = response_to(people.slack, url)
    assert (answer.args["text"], answer.args["replace_original"]) == (
        "✅ Thank you: it now says it came from your message.",
        True,
    )
    [credit] = thread_replies(people, CHANNEL, share.message_ts)
    assert credit["text"] == f"📎 From a message by <@U_BEN> (<{LINK}|open>)"
    assert [c.status for c in credits(people.sessions)] == ["accepted"]
    assert_safe_mrkdwn(ask)


def test_no_thanks_means_nobody_is_named_and_a_second_answer_changes_nothing(people):
    share = submit_share(people, open_form(people, Shortcut.SHARE_MESSAGE, author=BEN))
    [ask] = people.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == BEN)
    message = {"ts": ask.response["ts"], "blocks": ask.args["blocks"]}
    _, url = people.sim.click(message, Action.DECLINE_CREDIT, user=BEN, channel="D_BEN")
    assert response_to(people.slack, url).args["text"] == "👍 No problem: you won't be named."
    _, again = people.sim.click(message, Action.ACCEPT_CREDIT, user=BEN, channel="D_BEN")
    assert response_to(people.slack, again).args["text"] == "You've answered this already: you are not named."
    assert thread_replies(people, CHANNEL, share.message_ts) == []
    assert [c.status for c in credits(people.sessions)] == ["declined"]


def test_only_the_messages_author_can_answer_whether_they_are_credited(people):
    share = submit_share(people, open_form(people, Shortcut.SHARE_MESSAGE, author=BEN))
    [ask] = people.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == BEN)
    message = {"ts": ask.response["ts"], "blocks": ask.args["blocks"]}
    _, url = people.sim.click(message, Action.ACCEPT_CREDIT, user=AMIRA, channel="D_AMIRA")
    assert response_to(people.slack, url).args["text"] == "Only <@U_BEN>, who wrote the message, can answer this."
    assert [c.status for c in credits(people.sessions)] == ["asked"]
    assert thread_replies(people, CHANNEL, share.message_ts) == []


def test_an_apps_message_is_shared_with_nobody_to_credit_or_ask(people):
    share = submit_share(people, open_form(people, Shortcut.SHARE_MESSAGE, author=None))
    assert [(c.status, c.source_author) for c in credits(people.sessions)] == [("none", None)]
    people.slack.assert_no_call("chat.postMessage", where=lambda c: c.args["channel"] == BEN)
    assert thread_replies(people, CHANNEL, share.message_ts) == []


def test_a_request_from_a_reply_in_a_thread_keeps_the_replys_link(people):
    reply = {"ts": "1764237100.000200", "thread_ts": "1764237000.000100", "text": "Anyone got a minibus for trips?"}
    form = open_form(people, Shortcut.ASK_FROM_MESSAGE, reply)
    assert initial(form, Block.REQUEST) == "Anyone got a minibus for trips?"
    answer = people.sim.submit(form, kept(form) | {Block.CHANNEL: YOUTH}, user=AMIRA)
    assert answer.body == ""
    wait_until(lambda: requests(people.sessions) and requests(people.sessions)[0].message_ts)
    [request] = requests(people.sessions)
    assert (request.requester_id, request.channel_id, request.body) == (AMIRA, YOUTH, reply["text"])
    assert request.source_link == "https://example.slack.com/archives/C_PRACTICE/p1764237100000200"
    wait_until(lambda: thread_replies(people, YOUTH, request.message_ts))
    [credit] = thread_replies(people, YOUTH, request.message_ts)
    assert credit["text"] == f"📎 From a message by <@U_AMIRA> (<{request.source_link}|open>)"


def test_when_slack_gives_no_permalink_the_link_is_built_from_the_workspaces_address(people):
    people.slack.fail("chat.getPermalink", error="channel_not_found", where=lambda args: args["channel"] == CHANNEL)
    share = submit_share(people, open_form(people, Shortcut.SHARE_MESSAGE))
    assert share.source_link == LINK  # built: https://example.slack.com/archives/<channel>/p<ts>


def test_a_captured_message_naming_a_child_is_shown_again_before_anything_is_saved(people):
    message = {"ts": "1764237200.000300", "text": "Jamie Smith, 14, loved the walking bus."}
    form = open_form(people, Shortcut.SHARE_MESSAGE, message)
    answer = people.sim.submit(form, kept(form) | {Block.CHANNEL: CHANNEL, Block.CONSENT: True}, user=AMIRA)
    shown = answer.json()
    assert shown["response_action"] == "update"
    assert shown["view"]["callback_id"] == View.CAPTURE_SHARE
    assert json.loads(shown["view"]["private_metadata"])["source_ts"] == message["ts"]
    assert "Jamie Smith, 14" in all_text(shown["view"]["blocks"])
    assert (shares(people.sessions), credits(people.sessions)) == ([], [])


def test_each_mistake_in_a_captured_share_is_shown_on_its_field_and_nothing_is_saved(people):
    form = open_form(people, Shortcut.SHARE_MESSAGE)
    answer = people.sim.submit(form, kept(form) | {Block.TITLE: ""}, user=AMIRA)
    assert answer.json() == {
        "response_action": "errors",
        "errors": {
            Block.TITLE: "Please give your share a title.",
            Block.CONSENT: "Please confirm this share names no child or young person and holds no personal data.",
            Block.CHANNEL: "Please choose a channel to post in.",
        },
    }
    assert shares(people.sessions) == []


# ---- reading a message, pure ------------------------------------------------------------------------------------


def test_a_message_names_people_and_unnamed_channels_to_look_up_and_keeps_only_typed_tags():
    text = "<@U1> and <@U2|ann> and <@U1> in <#C1|> and <#C2|named>: #send <https://x.org/#top|x> &amp;#not"
    assert named_people(text) == ["U1", "U2"]
    assert unnamed_channels(text) == ["C1"]
    assert message_tags(text) == ("send",)


def test_a_long_message_is_cut_at_a_word_within_the_forms_limit_and_its_first_sentence_is_the_title():
    words = share_words("Sessions ran weekly! " + "word " * 600, ())
    assert words.title == "Sessions ran weekly!"
    assert len(words.body) <= 2500 and words.body.endswith("word…")
    assert fit("short\ntext", 100) == "short\ntext"


def test_a_permalink_is_built_like_slacks_own_for_messages_and_thread_replies():
    assert built_permalink("example", "C1", "1.000200", None) == "https://example.slack.com/archives/C1/p1000200"
    assert built_permalink("example", "C1", "2.5", "1.0") == (
        "https://example.slack.com/archives/C1/p25?thread_ts=1.0&cid=C1"
    )
    assert built_permalink(None, "C1", "1.0", None) is None
