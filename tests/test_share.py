"""/share: quick capture and the form, posted to the channel, safe, and never lost."""

from __future__ import annotations

import time

from handlers.ids import Action, Block, View
from storage.models import Share
from tests.helpers import all_text, assert_safe_mrkdwn, count, response_to, shares, wait_until

CHANNEL = "C_PRACTICE"


def test_quick_share_is_acknowledged_stored_and_posted_with_tags_and_link(sandbox):
    reply, _ = sandbox.sim.command(
        "/share",
        "Texting parents the night before doubled homework club attendance #Attendance #parents "
        "https://example.org/homework-club",
        channel=CHANNEL,
    )
    assert reply.status == 200 and reply.seconds < 3
    post = sandbox.slack.wait_for("chat.postMessage")[0]
    assert post.args["channel"] == CHANNEL
    assert "doubled homework club attendance" in all_text(post.args["blocks"])
    assert "#attendance #parents" in all_text(post.args["blocks"])
    assert_safe_mrkdwn(post)
    sandbox.slack.wait_for("chat.getPermalink")
    wait_until(lambda: shares(sandbox.sessions)[0].permalink)
    [share] = shares(sandbox.sessions)
    assert (share.team_id, share.author_id, share.channel_id) == ("T0001", "U_AMIRA", CHANNEL)
    assert share.tag_list == ("attendance", "parents")
    assert share.link == "https://example.org/homework-club"
    assert share.message_ts == post.response["ts"]
    assert share.permalink.startswith("https://")


def test_share_text_cannot_ping_a_channel_mention_anyone_or_forge_a_link(sandbox):
    sandbox.sim.command("/share", "Great session @here <!channel> <@U_MALLORY> see <https://evil.example|this> & more")
    post = sandbox.slack.wait_for("chat.postMessage")[0]
    assert_safe_mrkdwn(post)
    shown = all_text(post.args["blocks"])
    assert "&lt;!channel&gt;" in shown and "&amp; more" in shown
    assert "link_names" not in post.args and "parse" not in post.args


def test_share_over_the_limit_is_refused_with_the_limit_and_given_back(sandbox):
    text = "word " * 600
    reply, _ = sandbox.sim.command("/share", text)
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert "the limit is 2,500" in all_text(answer["blocks"])
    assert "word word word" in all_text(answer["blocks"])
    sandbox.slack.assert_no_call("chat.postMessage")
    assert count(sandbox.sessions, Share) == 0


def test_share_with_an_email_address_is_refused_kindly_and_nothing_saved(sandbox):
    reply, _ = sandbox.sim.command("/share", "Call Jo's mum on jo.smith@example.com about the trip")
    assert "email address" in all_text(reply.json()["blocks"])
    sandbox.slack.assert_no_call("chat.postMessage")
    assert count(sandbox.sessions, Share) == 0


def test_share_in_a_public_channel_the_app_is_not_in_joins_it_then_posts(sandbox):
    sandbox.slack.add_channel("C_NEW", name="new-ideas", bot_is_member=False)
    sandbox.sim.command("/share", "Walking bus to school #attendance", channel="C_NEW")
    sandbox.slack.wait_for("conversations.join", where=lambda c: c.args["channel"] == "C_NEW")
    posts = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.response.get("ok"))
    assert posts[0].args["channel"] == "C_NEW"
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)


def test_share_in_a_private_channel_is_kept_and_explains_how_to_invite_then_posts_on_retry(sandbox):
    sandbox.slack.add_channel("G_TEAM", name="team-only", is_private=True, bot_is_member=False)
    _, url = sandbox.sim.command("/share", "Quiet room at lunch helped anxious pupils", channel="G_TEAM")
    told = response_to(sandbox.slack, url)
    assert told.args["response_type"] == "ephemeral"
    assert "/invite @Programme Talks" in all_text(told.args["blocks"])
    [share] = shares(sandbox.sessions)
    assert share.body == "Quiet room at lunch helped anxious pupils" and share.message_ts is None

    sandbox.slack.add_channel("G_TEAM", name="team-only", is_private=True, bot_is_member=True)  # they invited us
    _, retry_url = sandbox.sim.click(told.args, Action.RETRY_POST, user="U_AMIRA", channel="G_TEAM")
    assert "is posted" in response_to(sandbox.slack, retry_url).args["text"]
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)
    assert sandbox.slack.messages("G_TEAM")


def test_rate_limited_post_waits_for_retry_after_then_posts_once(sandbox):
    sandbox.slack.fail("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    sandbox.sim.command("/share", "Breakfast club before exams")
    posted = sandbox.slack.wait_for("chat.postMessage", count=2)
    assert [c.status for c in posted] == [429, 200]
    assert posted[1].at - posted[0].at >= 0.9
    assert time.monotonic() - started < 5
    assert len(sandbox.slack.messages("C_PRACTICE")) == 1


def test_server_errors_are_retried_with_backoff(sandbox):
    sandbox.slack.fail("chat.postMessage", status=500, times=2)
    sandbox.sim.command("/share", "Mentoring circles")
    posted = sandbox.slack.wait_for("chat.postMessage", count=3, timeout=8)
    assert [c.status for c in posted] == [500, 500, 200]
    assert posted[2].at - posted[1].at > posted[1].at - posted[0].at  # backing off


def test_share_is_kept_when_slack_keeps_failing_and_the_author_can_retry(sandbox):
    sandbox.slack.fail("chat.postMessage", status=503, times=4)
    _, url = sandbox.sim.command("/share", "Holiday hunger programme lessons")
    told = response_to(sandbox.slack, url, timeout=10)
    assert "is saved" in all_text(told.args["blocks"])
    assert shares(sandbox.sessions)[0].body == "Holiday hunger programme lessons"
    _, retry_url = sandbox.sim.click(told.args, Action.RETRY_POST, user="U_AMIRA", channel="C_PRACTICE")
    response_to(sandbox.slack, retry_url)
    assert len(sandbox.slack.messages("C_PRACTICE")) == 1


def test_share_form_opens_and_submitting_it_stores_and_posts(sandbox):
    reply, _ = sandbox.sim.command("/share", "")
    assert reply.status == 200 and reply.body == ""
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == View.SHARE
    answer = sandbox.sim.submit(view, _form(), user="U_BEN")
    assert answer.status == 200 and answer.body == ""
    post = sandbox.slack.wait_for("chat.postMessage")[0]
    assert post.args["channel"] == "C_PRACTICE"
    shown = all_text(post.args["blocks"])
    assert "Peer mentors for Year 7" in shown and "What changed for children and young people" in shown
    assert_safe_mrkdwn(post)
    [share] = shares(sandbox.sessions)
    assert (share.title, share.tag_list, share.link) == (
        "Peer mentors for Year 7 transition",
        ("transition", "mentoring"),
        "https://example.org/mentors",
    )


def test_share_form_answers_each_bad_field_and_saves_nothing(sandbox):
    sandbox.sim.command("/share", "")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    bad = _form(
        **{Block.TITLE: "", Block.LINK: "example dot org", Block.IMPACT: "Ring 07700 900123", Block.CONSENT: False}
    )
    answer = sandbox.sim.submit(view, bad, user="U_BEN").json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {Block.TITLE, Block.LINK, Block.IMPACT, Block.CONSENT}
    assert "https://" in answer["errors"][Block.LINK]
    assert "phone number" in answer["errors"][Block.IMPACT]
    assert count(sandbox.sessions, Share) == 0
    sandbox.slack.assert_no_call("chat.postMessage")


def test_author_can_edit_their_share_and_the_posted_message_changes(sandbox):
    sandbox.sim.command("/share", "Homework club", user="U_AMIRA")
    message = _posted_message(sandbox)
    sandbox.sim.click(message, Action.MANAGE_SHARE, user="U_AMIRA", channel="C_PRACTICE", option="edit")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == View.EDIT_SHARE
    assert sandbox.sim.submit(view, _form(**{Block.TITLE: "Homework club, revised"}), user="U_AMIRA").body == ""
    update = sandbox.slack.wait_for("chat.update")[0]
    assert "Homework club, revised" in all_text(update.args["blocks"])
    assert shares(sandbox.sessions)[0].title == "Homework club, revised"


def test_only_the_author_can_edit_or_delete_a_share(sandbox):
    sandbox.sim.command("/share", "Homework club", user="U_AMIRA")
    message = _posted_message(sandbox)
    for option in ("edit", "delete"):
        _, url = sandbox.sim.click(message, Action.MANAGE_SHARE, user="U_BEN", channel="C_PRACTICE", option=option)
        said = response_to(sandbox.slack, url).args
        assert said["response_type"] == "ephemeral" and "Only <@U_AMIRA>" in said["text"]
    sandbox.slack.assert_no_call("views.open")
    assert shares(sandbox.sessions)[0].body == "Homework club"


def test_author_can_delete_their_share_after_confirming(sandbox):
    sandbox.sim.command("/share", "Homework club", user="U_AMIRA")
    message = _posted_message(sandbox)
    sandbox.sim.click(message, Action.MANAGE_SHARE, user="U_AMIRA", channel="C_PRACTICE", option="delete")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == View.DELETE_SHARE
    assert count(sandbox.sessions, Share) == 1  # nothing gone until they confirm
    sandbox.sim.submit(view, {}, user="U_AMIRA")
    sandbox.slack.wait_for("chat.delete", where=lambda c: c.args["ts"] == message["ts"])
    assert count(sandbox.sessions, Share) == 0
    assert sandbox.slack.messages("C_PRACTICE") == []


def _form(**changes) -> dict:
    values = {
        Block.TITLE: "Peer mentors for Year 7 transition",
        Block.BODY: "Year 9 volunteers met new Year 7s weekly in their first term.",
        Block.IMPACT: "Fewer reported worries about moving up; attendance held steady.",
        Block.TAGS: "Transition, mentoring",
        Block.LINK: "https://example.org/mentors",
        Block.CONSENT: True,
    }
    return values | changes


def _posted_message(sandbox) -> dict:
    sandbox.slack.wait_for("chat.postMessage")
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)
    return sandbox.slack.messages("C_PRACTICE")[-1]


def test_a_quick_share_with_a_link_too_long_to_keep_is_refused_and_given_back(sandbox):
    reply, _ = sandbox.sim.command("/share", "Our guide https://example.org/" + "a" * 520)
    shown = all_text(reply.json()["blocks"])
    assert "longer than 500 characters" in shown and "Our guide" in shown
    sandbox.slack.assert_no_call("chat.postMessage")
    assert count(sandbox.sessions, Share) == 0


def test_when_slack_will_not_remove_a_deleted_shares_message_the_author_is_told(sandbox):
    sandbox.sim.command("/share", "Homework club", user="U_AMIRA")
    message = _posted_message(sandbox)
    sandbox.sim.click(message, Action.MANAGE_SHARE, user="U_AMIRA", channel="C_PRACTICE", option="delete")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    sandbox.slack.fail("chat.delete", error="cant_delete_message")
    sandbox.sim.submit(view, {}, user="U_AMIRA")
    told = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "U_AMIRA")[0]
    assert "couldn't remove its message in <#C_PRACTICE>" in all_text(told.args["blocks"])
    assert count(sandbox.sessions, Share) == 0
