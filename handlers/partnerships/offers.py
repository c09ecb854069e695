"""Offers of help across organisations, and the notes that follow.

**I can help** on a partner's request (in a digest or in `/talks search`) opens a form showing the request, asking
whether the requester may see the helper's name. The offer is the helper's own record, in their own workspace; the
requester is told in theirs, with their workspace's token, who offered (by name only if the helper agreed, else
"someone") and from which organisation.

Neither can message the other directly (their Slack accounts are in different organisations), so **Reply** passes
a note: each note goes to the other person in their own workspace, with Reply on it, carrying the sender's
organisation and their name only if they agreed to be named to partners (the request's author when they shared it,
the helper when they offered). Notes pass the personal-data check first, and are kept nowhere once delivered. Once
the request is withdrawn (or a workspace leaves), Reply says the conversation has closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from domain import partnerships as dp
from domain import text as t
from domain.quiet import Notice
from handlers import forms
from handlers import personal_data as pd
from handlers.blocks import notice_view
from handlers.context import Deps, Job, after_ack
from handlers.ids import Block
from handlers.jobs import JobRun
from handlers.metadata import from_metadata, to_metadata
from handlers.partnerships.blocks import NAME_VALUE, NOTE_CHARS, offer_modal, offer_notice, relayed_note, reply_modal
from handlers.partnerships.names import person_name
from handlers.publish import NotPosted, passing, say
from storage import partner_items as pi
from storage import partnerships as ps

GONE = (
    "That request is no longer shared with your organisation: it may have been withdrawn, resolved or deleted. "
    "Nothing has changed."
)
CLOSED = "This conversation has closed: the request is no longer shared with the partnership. Nothing was sent."


@dataclass(frozen=True)
class Offering:
    request_id: int = 0


@dataclass(frozen=True)
class Replying:
    offer_id: int = 0


def _value(body: dict) -> int:
    raw = str(body["actions"][0].get("value") or "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else 0


def handle_partner_offer(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """I can help, on a partner's request: the form, if the request is still shared with this organisation."""
    ack()
    team_id, request_id = body["team"]["id"], _value(body)
    with deps.sessions.begin() as session:
        card = pi.visible_item(session, team_id=team_id, kind=dp.REQUEST, item_id=request_id)
        own = ps.organisation_name(session, team_id=team_id)
    if card is None or card.resolved:
        say(respond, GONE)
        return
    view = offer_modal(card, own, to_metadata(Offering(request_id)))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_partner_offer_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """Record the offer, and the job telling the requester in their own workspace, before answering."""
    offering = from_metadata(Offering, body["view"].get("private_metadata")) or Offering()
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    picked = {o.get("value") for o in forms.value(body["view"], Block.PARTNER_NAME).get("selected_options") or []}
    with deps.sessions.begin() as session:
        card = pi.visible_item(session, team_id=team_id, kind=dp.REQUEST, item_id=offering.request_id)
        offer_id = None
        if card is not None and not card.resolved:
            offer_id = ps.add_partner_offer(
                session,
                team_id=team_id,
                request_id=card.id,
                user_id=user_id,
                name_helper=NAME_VALUE in picked,
                now=deps.clock(),
            )
            if offer_id is not None:
                tell = Job(tell_requester, (offer_id,))
                deps.hand_over_in(session, tell, {"team_id": card.team_id, "trigger_id": f"partner-offer:{offer_id}"})
    if card is None or card.resolved:
        ack(response_action="update", view=notice_view("Not sent", GONE))
        return
    org = t.escaped_within(card.organisation, 120)
    if offer_id is None:
        ack(
            response_action="update",
            view=notice_view("Already offered", f"You've already offered to help. {org} knows."),
        )
        return
    said = (
        f"✅ Thank you! I'm telling {org} that you can help. When they reply, their note comes to you in your "
        "messages with Programme Talks."
    )
    ack(response_action="update", view=notice_view("Offer sent", said))


@after_ack
def tell_requester(run: JobRun, offer_id: int) -> None:
    """In the requester's workspace: tell them who offered, from which organisation, with Reply."""
    with run.deps.sessions.begin() as session:
        offer = ps.get_partner_offer(session, offer_id=offer_id)
        organisation = ps.organisation_name(session, team_id=offer.team_id) if offer else ""
    if offer is None:
        return  # withdrawn meanwhile: nothing to tell
    helper = person_name(run.deps.clients, offer.team_id, offer.user_id) if offer.name_helper else None
    blocks = offer_notice(
        helper=helper,
        organisation=organisation,
        body=offer.request_body,
        permalink=offer.request_permalink,
        request_id=offer.request_id,
        offer_id=offer.id,
    )
    who = t.escaped_within(helper, 80) if helper else "Someone"
    text = f"{who} from {t.escaped_within(organisation, 120)} offered to help with your collaboration request"
    # Held while the requester is paused, like any offer of help (handlers.jobs.JobRun.notify_once).
    run.notify_once(
        "told requester", offer.requester_id, blocks, text, notice=Notice.OFFER, link=offer.request_permalink
    )


def _sides(offer: ps.Offer, team_id: str, user_id: str) -> str | None:
    """Which side of the offer this person is on: "requester", "helper", or None (neither)."""
    if team_id == offer.request_team_id and user_id == offer.requester_id:
        return "requester"
    if team_id == offer.team_id and user_id == offer.user_id:
        return "helper"
    return None


def handle_partner_reply(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """Reply: the form for a note to the other person, while the request is still shared."""
    ack()
    team_id, user_id, offer_id = body["team"]["id"], body["user"]["id"], _value(body)
    with deps.sessions.begin() as session:
        offer = ps.get_partner_offer(session, offer_id=offer_id)
        side = item = other = None
        if offer is not None:
            side = _sides(offer, team_id, user_id)
            item = ps.get_shared_item(session, kind=dp.REQUEST, item_id=offer.request_id)
            other = ps.organisation_name(
                session, team_id=offer.team_id if side == "requester" else offer.request_team_id
            )
    if offer is None or item is None or not other:
        say(respond, CLOSED)
        return
    if side is None:
        say(respond, "Only the person who asked and the person who offered can reply here.")
        return
    named = item.name_author if side == "requester" else offer.name_helper
    client.views_open(trigger_id=body["trigger_id"], view=reply_modal(other, named, to_metadata(Replying(offer_id))))


def handle_partner_reply_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """Check the note (its length, and the personal-data check), then hand it to a job in the other workspace."""
    view = body["view"]
    replying = from_metadata(Replying, view.get("private_metadata")) or Replying()
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    note = forms.text(view, Block.PARTNER_NOTE) or ""
    if not note.strip():
        ack(response_action="errors", errors={Block.PARTNER_NOTE: "Please write a note to send."})
        return
    if len(note) > NOTE_CHARS:
        ack(response_action="errors", errors={Block.PARTNER_NOTE: f"Please keep it under {NOTE_CHARS:,} characters."})
        return
    flagged = pd.check([("Your note", note)])
    if flagged and (answer := pd.to_answer(view, flagged, strict=pd.is_strict(deps, team_id))):
        ack(response_action="update", view=answer)
        return
    with deps.sessions.begin() as session:
        offer = ps.get_partner_offer(session, offer_id=replying.offer_id)
        side = offer and _sides(offer, team_id, user_id)
        if offer is not None and side is not None:
            to_team = offer.team_id if side == "requester" else offer.request_team_id
            if flagged:
                pd.record_override(
                    session,
                    team_id=team_id,
                    user_id=user_id,
                    subject=f"partner_offer:{offer.id}",
                    flagged=flagged,
                    where="partner note",
                    now=deps.clock(),
                )
            relay = Job(relay_note, (offer.id, side, note))
            deps.hand_over_in(session, relay, {"team_id": to_team, "trigger_id": f"partner-note:{body['trigger_id']}"})
    if offer is None or side is None:
        ack(response_action="update", view=notice_view("Not sent", CLOSED))
        return
    ack(
        response_action="update", view=notice_view("Sent", "✅ Sent. Their reply, if they send one, comes to you here.")
    )


@after_ack
def relay_note(run: JobRun, offer_id: int, side: str, note: str) -> None:
    """In the other person's workspace: the note, from whom (named only if they agreed) and which organisation."""
    with run.deps.sessions.begin() as session:
        offer = ps.get_partner_offer(session, offer_id=offer_id)
        item = ps.get_shared_item(session, kind=dp.REQUEST, item_id=offer.request_id) if offer is not None else None
        if offer is None or item is None:
            return  # withdrawn meanwhile: the conversation has closed
        from_team = offer.request_team_id if side == "requester" else offer.team_id
        organisation = ps.organisation_name(session, team_id=from_team)
    if side == "requester":
        sender = person_name(run.deps.clients, from_team, offer.requester_id) if item.name_author else None
        recipient = offer.user_id
    else:
        sender = person_name(run.deps.clients, from_team, offer.user_id) if offer.name_helper else None
        recipient = offer.requester_id
    blocks = relayed_note(
        sender=sender, organisation=organisation, note=note, to_requester=side == "helper", offer_id=offer.id
    )
    posted = run.post_once("relayed", recipient, blocks, f"A note from {t.escaped_within(organisation, 120)}")
    if isinstance(posted, NotPosted) and passing(posted.error):
        raise RuntimeError(f"could not pass on a note just now: {posted.error}")  # the job tries again later
