"""/collab: requests, offers of help, and resolving."""

from __future__ import annotations

import datetime as dt

from handlers.ids import Action, Block, View
from tests.helpers import all_text, assert_safe_mrkdwn, offers, requests, response_to, wait_until


def _post_request(sandbox, text="Looking for a partner with a sports hall for Saturday sessions by 15 January"):
    sandbox.sim.command("/collab", text, user="U_CHLOE")
    sandbox.slack.wait_for("chat.postMessage")
    wait_until(lambda: requests(sandbox.sessions)[0].message_ts)
    return sandbox.slack.messages("C_PRACTICE")[-1]


def test_quick_request_is_stored_with_its_deadline_and_posted_with_an_offer_button(sandbox):
    message = _post_request(sandbox)
    [request] = requests(sandbox.sessions)
    assert request.body == "Looking for a partner with a sports hall for Saturday sessions"
    assert request.needed_by == dt.date(2027, 1, 15)  # "15 January" after 27 November means next year
    assert request.status == "open" and request.requester_id == "U_CHLOE"
    shown = all_text(message["blocks"])
    assert "Needed by 15 January 2027" in shown and "I can help" in shown
    assert_safe_mrkdwn(sandbox.slack.calls_to("chat.postMessage")[0])


def test_offering_help_tells_the_requester_and_updates_the_request(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    assert "let <@U_CHLOE> know" in response_to(sandbox.slack, url).args["text"]
    dm = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "U_CHLOE")[0]
    assert "<@U_DEV> offered to help" in all_text(dm.args["blocks"])
    update = sandbox.slack.wait_for("chat.update")[0]
    assert "Offered to help:* <@U_DEV>" in all_text(update.args["blocks"])
    assert [(o.user_id, o.team_id) for o in offers(sandbox.sessions)] == [("U_DEV", "T0001")]


def test_offering_twice_is_recorded_once(sandbox):
    message = _post_request(sandbox)
    sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    sandbox.slack.wait_for("chat.update")
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    assert "already offered" in response_to(sandbox.slack, url).args["text"]
    assert len(offers(sandbox.sessions)) == 1
    assert len(sandbox.slack.calls_to("chat.update")) == 1


def test_requester_cannot_offer_help_to_themselves(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_CHLOE", channel="C_PRACTICE")
    assert "your own request" in response_to(sandbox.slack, url).args["text"]
    assert offers(sandbox.sessions) == []


def test_requester_marks_it_resolved_and_the_message_shows_it_without_buttons(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.RESOLVE_REQUEST, user="U_CHLOE", channel="C_PRACTICE")
    assert "Marked resolved" in response_to(sandbox.slack, url).args["text"]
    update = sandbox.slack.wait_for("chat.update")[0]
    assert "resolved" in all_text(update.args["blocks"])
    assert not [b for b in update.args["blocks"] if b["type"] == "actions"]
    assert requests(sandbox.sessions)[0].status == "resolved"


def test_only_the_requester_can_mark_a_request_resolved(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.RESOLVE_REQUEST, user="U_DEV", channel="C_PRACTICE")
    assert "Only <@U_CHLOE>" in response_to(sandbox.slack, url).args["text"]
    assert requests(sandbox.sessions)[0].status == "open"
    sandbox.slack.assert_no_call("chat.update")


def test_request_form_posts_with_a_chosen_deadline(sandbox):
    sandbox.sim.command("/collab", "", user="U_CHLOE")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == View.COLLAB
    reply = sandbox.sim.submit(
        view, {Block.REQUEST: "A speech therapist for a drop-in", Block.NEEDED_BY: "2026-12-18"}, user="U_CHLOE"
    )
    assert reply.body == ""
    sandbox.slack.wait_for("chat.postMessage")
    [request] = requests(sandbox.sessions)
    assert (request.body, request.needed_by) == ("A speech therapist for a drop-in", dt.date(2026, 12, 18))


def test_request_form_refuses_a_deadline_in_the_past_and_an_empty_request(sandbox):
    sandbox.sim.command("/collab", "", user="U_CHLOE")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    answer = sandbox.sim.submit(view, {Block.REQUEST: "", Block.NEEDED_BY: "2026-11-01"}, user="U_CHLOE").json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {Block.REQUEST, Block.NEEDED_BY}
    assert requests(sandbox.sessions) == []


def test_an_offer_is_kept_and_the_offerer_told_when_the_requester_cannot_be_messaged(sandbox):
    message = _post_request(sandbox)
    sandbox.slack.fail("chat.postMessage", error="user_not_found", where=lambda a: a.get("channel") == "U_CHLOE")
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    said = response_to(sandbox.slack, url).args["text"]
    assert "couldn't message <@U_CHLOE>" in said and "get in touch with them directly" in said
    assert [o.user_id for o in offers(sandbox.sessions)] == ["U_DEV"]
