"""Buttons and menus on the app's messages: manage a share, offer help, resolve, try posting again."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import blocks
from handlers.capture import KINDS, ephemeral, post_record, say
from handlers.context import Deps, Job, ModalContext, listener, respond_to
from handlers.ids import Action
from handlers.publish import NotPosted, Posted, post_message, update_message
from storage import queries as q


def register(app: App, deps: Deps) -> None:
    app.action(Action.MANAGE_SHARE)(listener(handle_manage_share, deps))
    app.action(Action.OFFER_HELP)(listener(handle_offer_help, deps))
    app.action(Action.RESOLVE_REQUEST)(listener(handle_resolve_request, deps))
    app.action(Action.RETRY_POST)(listener(handle_retry_post, deps))
    app.action(Action.OPEN_SHARE_MODAL)(listener(handle_open_share_modal, deps))
    app.action(Action.OPEN_COLLAB_MODAL)(listener(handle_open_collab_modal, deps))


def _first_action(body: dict) -> dict:
    return body["actions"][0]


def handle_manage_share(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    verb, _, raw_id = _first_action(body)["selected_option"]["value"].partition(":")
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    with deps.sessions.begin() as session:
        share = q.get_share(session, team_id=team_id, share_id=int(raw_id))
        card = q.share_card(share) if share else None
    if card is None:
        say(respond, "That share has already been deleted.")
        return
    if card.author_id != user_id:
        say(respond, f"Only <@{card.author_id}>, who shared this, can edit or delete it.")
        return
    context = ModalContext(share_id=card.id).to_json()
    view = blocks.share_modal(context, prefill=card) if verb == "edit" else blocks.delete_share_modal(card, context)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_offer_help(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    ack()
    return Job(_offer_help, (body,))


def _offer_help(client: WebClient, deps: Deps, body: dict) -> None:
    respond = respond_to(body)
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    request_id = int(_first_action(body)["value"])
    with deps.sessions.begin() as session:
        request = q.get_request(session, team_id=team_id, request_id=request_id)
        refusal = _offer_refusal(request, user_id)
        if refusal is None:
            offer = q.add_offer(session, request, user_id=user_id, now=deps.clock())
            card, where = q.request_card(request), (request.channel_id, request.message_ts)
    if refusal is not None:
        say(respond, refusal)
        return
    if offer is None:
        say(respond, f"You've already offered to help. <@{card.requester_id}> knows, and will be in touch.")
        return
    if where[1]:
        update_message(client, where[0], where[1], blocks.request_message(card), blocks.request_text(card))
    told = post_message(
        client,
        card.requester_id,
        blocks.offer_notice(card, user_id),
        f"<@{user_id}> offered to help with your collaboration request",
        permalink=False,
    )
    if isinstance(told, NotPosted):
        say(
            respond,
            f"Thank you! Your offer is recorded on the request, but I couldn't message "
            f"<@{card.requester_id}>: please get in touch with them directly.",
        )
        return
    say(respond, f"Thank you! I've let <@{card.requester_id}> know you can help. They'll be in touch.")


def _offer_refusal(request, user_id: str) -> str | None:
    if request is None:
        return "That request is no longer here."
    if request.status == "resolved":
        return "Thank you! This request has already been resolved."
    if request.requester_id == user_id:
        return "This is your own request. I'll message you when someone offers to help."
    return None


def handle_resolve_request(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    ack()
    return Job(_resolve_request, (body,))


def _resolve_request(client: WebClient, deps: Deps, body: dict) -> None:
    respond = respond_to(body)
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    request_id = int(_first_action(body)["value"])
    with deps.sessions.begin() as session:
        request = q.get_request(session, team_id=team_id, request_id=request_id)
        if request is None:
            refusal = "That request is no longer here."
        elif request.requester_id != user_id:
            refusal = f"Only <@{request.requester_id}>, who asked, can mark this request resolved."
        else:
            refusal, already = None, request.status == "resolved"
            if not already:
                q.resolve_request(session, request, now=deps.clock())
            card, where = q.request_card(request), (request.channel_id, request.message_ts)
    if refusal is not None:
        say(respond, refusal)
        return
    if where[1] and not already:
        update_message(client, where[0], where[1], blocks.request_message(card), blocks.request_text(card))
    say(
        respond,
        "This request was already resolved." if already else "✅ Marked resolved. Thanks for letting people know!",
    )


def handle_retry_post(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    ack()
    return Job(_retry_post, (body,))


def _retry_post(client: WebClient, deps: Deps, body: dict) -> None:
    respond = respond_to(body)
    kind, _, raw_id = _first_action(body)["value"].partition(":")
    team_id = body["team"]["id"]
    # Failures are shown by post_record itself (a fresh ephemeral with the reason and the button again).
    result = post_record(client, deps, KINDS[kind], team_id=team_id, record_id=int(raw_id), tell=ephemeral(respond))
    if result is None:
        respond(text=f"That {kind} has been deleted, so there is nothing to post.", replace_original=True)
    elif isinstance(result, Posted):
        respond(text=f"✅ Your {kind} is posted.", replace_original=True)


def handle_open_share_modal(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    _open_modal(ack, body, client, "share")


def handle_open_collab_modal(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    _open_modal(ack, body, client, "collab")


def _open_modal(ack: Ack, body: dict, client: WebClient, kind: str) -> None:
    ack()
    channel_id = (body.get("channel") or {}).get("id")
    context = ModalContext(channel_id=channel_id).to_json()
    ask = channel_id is None  # opened from the App Home: ask where to post
    view = (
        blocks.share_modal(context, ask_channel=ask)
        if kind == "share"
        else blocks.collab_modal(context, ask_channel=ask)
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
