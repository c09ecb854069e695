"""/collab: requests, offers of help, and resolving."""

from __future__ import annotations

import datetime as dt

from handlers.ids import Action, Block, View
from tests.helpers import all_text, assert_safe_mrkdwn, offers, requests, response_to, wait_until

BODY = "Looking for a partner with a sports hall for Saturday sessions"
ASKED = f"🤝 Collaboration request\n{BODY}\nAsked by <@U_CHLOE> · Needed by 15 January 2027"


def _post_request(sandbox, text=f"{BODY} by 15 January"):
    sandbox.sim.command("/collab", text, user="U_CHLOE")
    sandbox.slack.wait_for("chat.postMessage")
    wait_until(lambda: requests(sandbox.sessions)[0].message_ts)
    return sandbox.slack.messages("C_PRACTICE")[-1]


def test_quick_request_is_stored_with_its_deadline_and_posted_with_an_offer_button(sandbox):
    message = _post_request(sandbox)
    [request] = requests(sandbox.sessions)
    assert request.body == BODY
    assert request.needed_by == dt.date(2027, 1, 15)  # "15 January" after 27 November means next year
    assert request.status == "open" and request.requester_id == "U_CHLOE"
    assert request.message_ts == message["ts"]
    shown = all_text(message["blocks"])
    assert shown == f"{ASKED}\nNo offers yet. Could you or your team help?\nI can help\nMark resolved"
    assert_safe_mrkdwn(sandbox.slack.calls_to("chat.postMessage")[0])


def test_offering_help_tells_the_requester_and_updates_the_request(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    said = response_to(sandbox.slack, url).args["text"]
    assert said == "Thank you! I've let <@U_CHLOE> know you can help. They'll be in touch."
    [dm] = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "U_CHLOE")
    link = requests(sandbox.sessions)[0].permalink
    assert link == f"https://example.slack.com/archives/C_PRACTICE/p{message['ts'].replace('.', '')}"
    assert all_text(dm.args["blocks"]) == (
        f"🙋 <@U_DEV> offered to help with your collaboration request (<{link}|see the request>):\n"
        f">{BODY}\n\nSend them a message to get started.\nMark resolved"
    )
    [update] = sandbox.slack.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("C_PRACTICE", message["ts"])
    assert all_text(update.args["blocks"]) == f"{ASKED}\n🙋 *Offered to help:* <@U_DEV>\nI can help\nMark resolved"
    assert [(o.user_id, o.team_id) for o in offers(sandbox.sessions)] == [("U_DEV", "T0001")]


def test_offering_twice_is_recorded_once(sandbox):
    message = _post_request(sandbox)
    sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    sandbox.slack.wait_for("chat.update")
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    said = response_to(sandbox.slack, url).args["text"]
    assert said == "You've already offered to help. <@U_CHLOE> knows, and will be in touch."
    assert len(offers(sandbox.sessions)) == 1
    assert len(sandbox.slack.calls_to("chat.update")) == 1


def test_requester_cannot_offer_help_to_themselves(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_CHLOE", channel="C_PRACTICE")
    said = response_to(sandbox.slack, url).args["text"]
    assert said == "This is your own request. I'll message you when someone offers to help."
    assert offers(sandbox.sessions) == []


def test_requester_marks_it_resolved_and_the_message_shows_it_without_buttons(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.RESOLVE_REQUEST, user="U_CHLOE", channel="C_PRACTICE")
    assert response_to(sandbox.slack, url).args["text"] == "✅ Marked resolved. Thanks for letting people know!"
    [update] = sandbox.slack.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("C_PRACTICE", message["ts"])
    assert all_text(update.args["blocks"]) == ASKED.replace(
        "🤝 Collaboration request", "✅ Collaboration request (resolved)"
    )
    # No buttons left: only the ⋯ menu every posted request has, to report a concern.
    [menu] = [element for b in update.args["blocks"] if b["type"] == "actions" for element in b["elements"]]
    assert (menu["type"], menu["action_id"]) == ("overflow", Action.REPORT_CONCERN)
    assert [o["value"] for o in menu["options"]] == [f"report:request:{requests(sandbox.sessions)[0].id}"]
    assert requests(sandbox.sessions)[0].status == "resolved"


def test_only_the_requester_can_mark_a_request_resolved(sandbox):
    message = _post_request(sandbox)
    _, url = sandbox.sim.click(message, Action.RESOLVE_REQUEST, user="U_DEV", channel="C_PRACTICE")
    said = response_to(sandbox.slack, url).args["text"]
    assert said == "Only <@U_CHLOE>, who asked, can mark this request resolved."
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
    [post] = sandbox.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == "C_PRACTICE"
    assert all_text(post.args["blocks"]) == (
        "🤝 Collaboration request\nA speech therapist for a drop-in\n"
        "Asked by <@U_CHLOE> · Needed by 18 December 2026\n"
        "No offers yet. Could you or your team help?\nI can help\nMark resolved"
    )
    [request] = requests(sandbox.sessions)
    assert (request.body, request.needed_by) == ("A speech therapist for a drop-in", dt.date(2026, 12, 18))
    assert (request.requester_id, request.channel_id) == ("U_CHLOE", "C_PRACTICE")


def test_request_form_refuses_a_deadline_in_the_past_and_an_empty_request(sandbox):
    sandbox.sim.command("/collab", "", user="U_CHLOE")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    answer = sandbox.sim.submit(view, {Block.REQUEST: "", Block.NEEDED_BY: "2026-11-01"}, user="U_CHLOE").json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {Block.REQUEST, Block.NEEDED_BY}
    assert answer["errors"] == {
        Block.REQUEST: "Please say what partner or help you are looking for.",
        Block.NEEDED_BY: "That date has passed. Choose a date from today onwards, or leave it empty.",
    }
    assert requests(sandbox.sessions) == []


def test_an_offer_is_kept_and_the_offerer_told_when_the_requester_cannot_be_messaged(sandbox):
    message = _post_request(sandbox)
    sandbox.slack.fail("chat.postMessage", error="user_not_found", where=lambda a: a.get("channel") == "U_CHLOE")
    _, url = sandbox.sim.click(message, Action.OFFER_HELP, user="U_DEV", channel="C_PRACTICE")
    said = response_to(sandbox.slack, url).args["text"]
    assert said == (
        "Thank you! Your offer is recorded on the request, but I couldn't message <@U_CHLOE>: "
        "please get in touch with them directly."
    )
    assert [o.user_id for o in offers(sandbox.sessions)] == ["U_DEV"]
