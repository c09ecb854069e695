"""Crediting the author of a message that became a share or request.

"From a message by @name" is posted under the share or request (a reply in its thread, so editing the share
never removes it) when the person who used the shortcut wrote the message, or once its author presses Accept in
the direct message asking them. Until then, and after No thanks, nobody is named.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

import handlers.capture.blocks as blocks
from domain.records import RequestCard, ShareCard
from handlers.blocks import context
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.jobs import MARKER_EVENT, JobRun
from handlers.publish import Posted, say
from storage import captures as store
from storage import requests as rs
from storage import shares as ss
from storage.captures import SHARE, Credit, CreditStatus

log = logging.getLogger(__name__)


def ask_for_credit(run: JobRun, credit: Credit, posted: Posted) -> None:
    """Ask the message's author, once, whether the share or request made from it may credit them."""
    if credit.source_author is None:
        return
    said = blocks.ask_blocks(credit.id, credit.captured_by, credit.kind, posted.channel_id, posted.permalink)
    run.post_once("asked credit", credit.source_author, said, blocks.ask_text(credit.captured_by, credit.kind))


def post_credit(run: JobRun, credit: Credit, source_link: str | None) -> None:
    """Post the credit under the share or request, once (a reply in its thread)."""
    if run.done("credited") or credit.source_author is None:
        return
    card: ShareCard | RequestCard | None
    with run.deps.sessions.begin() as session:
        if credit.kind == SHARE:
            card = ss.get_share(session, team_id=credit.team_id, share_id=credit.record_id)
        else:
            card = rs.get_request(session, team_id=credit.team_id, request_id=credit.record_id)
    if card is None or not card.message_ts:
        return
    text = blocks.credit_text(credit.source_author, source_link)
    marker = {"event_type": MARKER_EVENT, "event_payload": {"key": f"job:{run.record.id}:credited"}}
    try:
        run.client.chat_postMessage(
            channel=card.channel_id,
            thread_ts=card.message_ts,
            text=text,
            blocks=[context(text)],
            unfurl_links=False,
            unfurl_media=False,
            metadata=marker,
        )
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not post the credit for %s %s: %s", credit.kind, credit.record_id, error)
        return
    with run.deps.sessions.begin() as session:
        run.note(session, "credited")


def handle_accept_credit(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(answer_credit, (body, True))


def handle_decline_credit(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(answer_credit, (body, False))


@after_ack
def answer_credit(run: JobRun, body: dict, accepted: bool) -> None:
    respond, sessions = respond_to(body), run.deps.sessions
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    value = str(body["actions"][0].get("value") or "")
    credit_id = int(value) if value.isdigit() else 0
    if not run.done("answered"):
        with sessions.begin() as session:
            changed = store.answer_credit(
                session, team_id=team_id, credit_id=credit_id, user_id=user_id, accepted=accepted, now=run.deps.clock()
            )
            run.note(session, "answered", changed)
    with sessions.begin() as session:
        credit = store.get_credit(session, team_id=team_id, credit_id=credit_id)
        link = None
        if credit is not None:
            link = store.source_link_of(session, team_id=team_id, kind=credit.kind, record_id=credit.record_id)
    if credit is None:
        say(respond, "That share or request is no longer here, so there is nobody to credit.")
        return
    if credit.source_author != user_id:
        say(respond, f"Only <@{credit.source_author}>, who wrote the message, can answer this.")
        return
    if not run.value("answered"):
        now_says = "credited" if credit.status is CreditStatus.ACCEPTED else "not named"
        say(respond, f"You've answered this already: you are {now_says}.")
        return
    if credit.status is CreditStatus.ACCEPTED:
        post_credit(run, credit, link)
    respond(text=blocks.answered_text(accepted), replace_original=True)
