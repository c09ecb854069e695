"""Buttons and menus on shares and requests: edit or delete a share, offer help, mark resolved, try posting
again, and the buttons that open the share and request forms (in help, digests and prompts)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

import handlers.shares.blocks as blocks
from domain import shares as checks
from domain.quiet import Notice
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.home.refresh import refresh_homes
from handlers.jobs import Held, JobRun
from handlers.metadata import ModalContext, to_metadata
from handlers.partnerships.forms import partners_for_form
from handlers.publish import NotPosted, Posted, ephemeral, say, update_message
from handlers.shares.posting import KINDS, post_record
from storage import requests as rs
from storage import shares as ss


def _first_action(body: dict) -> dict:
    return body["actions"][0]


def handle_manage_share(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    verb, _, raw_id = _first_action(body)["selected_option"]["value"].partition(":")
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    with deps.sessions.begin() as session:
        card = ss.get_share(session, team_id=team_id, share_id=int(raw_id))
    if card is None:
        say(respond, "That share has already been deleted.")
        return
    if card.author_id != user_id:
        say(respond, f"Only <@{card.author_id}>, who shared this, can edit or delete it.")
        return
    metadata = to_metadata(ModalContext(share_id=card.id))
    view = blocks.share_modal(metadata, prefill=card) if verb == "edit" else blocks.delete_share_modal(card, metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_offer_help(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(offer_help, (body,))


@after_ack
def offer_help(run: JobRun, body: dict) -> None:
    respond = respond_to(body)
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    request_id = int(_first_action(body)["value"])
    if not run.done("offered"):
        with run.deps.sessions.begin() as session:  # the offer and the note that it was made commit together
            card = rs.get_request(session, team_id=team_id, request_id=request_id)
            refusal = checks.offer_refusal(card, user_id)
            offered = refusal is None and rs.add_offer(
                session, team_id=team_id, request_id=request_id, user_id=user_id, now=run.deps.clock()
            )
            run.note(session, "offered", {"refusal": refusal, "offered": offered})
    outcome = run.value("offered")
    with run.deps.sessions.begin() as session:
        card = rs.get_request(session, team_id=team_id, request_id=request_id)
    if outcome["refusal"] is not None or card is None:
        say(respond, outcome["refusal"] or "That request is no longer here.")
        return
    if not outcome["offered"]:
        say(respond, f"You've already offered to help. <@{card.requester_id}> knows, and will be in touch.")
        return
    if card.message_ts:
        update_message(
            run.client, card.channel_id, card.message_ts, blocks.request_message(card), blocks.request_text(card)
        )
    told = run.notify_once(
        "told requester",
        card.requester_id,
        blocks.offer_notice(card, user_id),
        f"<@{user_id}> offered to help with your collaboration request",
        notice=Notice.OFFER,
        link=card.permalink,
    )
    if isinstance(told, Held):  # away (or not taking these by message): they see it on the request, or when back
        say(respond, f"Thank you! Your offer is recorded on the request. <@{card.requester_id}> will see it there.")
        return
    if isinstance(told, NotPosted):
        say(
            respond,
            f"Thank you! Your offer is recorded on the request, but I couldn't message "
            f"<@{card.requester_id}>: please get in touch with them directly.",
        )
    else:
        say(respond, f"Thank you! I've let <@{card.requester_id}> know you can help. They'll be in touch.")
    refresh_homes(run, team_id, [card.requester_id, user_id])


def handle_resolve_request(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(resolve_request, (body,))


@after_ack
def resolve_request(run: JobRun, body: dict) -> None:
    respond = respond_to(body)
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    request_id = int(_first_action(body)["value"])
    if not run.done("resolved"):
        with run.deps.sessions.begin() as session:
            card = rs.get_request(session, team_id=team_id, request_id=request_id)
            mine = card is not None and card.requester_id == user_id
            resolved = mine and rs.resolve_request(
                session, team_id=team_id, request_id=request_id, now=run.deps.clock()
            )
            run.note(session, "resolved", {"mine": mine, "resolved": resolved})
    outcome = run.value("resolved")
    with run.deps.sessions.begin() as session:
        card = rs.get_request(session, team_id=team_id, request_id=request_id)
    if card is None:
        say(respond, "That request is no longer here.")
        return
    if not outcome["mine"]:
        say(respond, f"Only <@{card.requester_id}>, who asked, can mark this request resolved.")
        return
    if outcome["resolved"] and card.message_ts:
        update_message(
            run.client, card.channel_id, card.message_ts, blocks.request_message(card), blocks.request_text(card)
        )
    said = "✅ Marked resolved. Thanks for letting people know!"
    say(respond, said if outcome["resolved"] else "This request was already resolved.")
    if outcome["resolved"]:
        refresh_homes(run, team_id, [card.requester_id, *card.offerers])


def handle_retry_post(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(retry_post, (body,))


@after_ack
def retry_post(run: JobRun, body: dict) -> None:
    respond = respond_to(body)
    kind, _, raw_id = _first_action(body)["value"].partition(":")
    team_id = body["team"]["id"]
    # Failures are shown by post_record itself (a fresh ephemeral with the reason and the button again).
    result = post_record(run, KINDS[kind], team_id=team_id, record_id=int(raw_id), tell=ephemeral(respond))
    if result is None:
        respond(text=f"That {kind} has been deleted, so there is nothing to post.", replace_original=True)
    elif isinstance(result, Posted):
        respond(text=f"✅ Your {kind} is posted.", replace_original=True)


def handle_open_share_modal(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    _open_modal(ack, body, client, blocks.share_modal, deps)


def handle_open_collab_modal(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    _open_modal(ack, body, client, blocks.collab_modal, deps)


def _open_modal(ack: Ack, body: dict, client: WebClient, modal: Callable[..., View], deps: Deps) -> None:
    ack()
    channel_id = (body.get("channel") or {}).get("id")
    metadata = to_metadata(ModalContext(channel_id=channel_id))
    partners = partners_for_form(deps, body["team"]["id"])
    client.views_open(
        trigger_id=body["trigger_id"], view=modal(metadata, ask_channel=channel_id is None, partners=partners)
    )
