"""Submitting a form opened from a message: checked as the share and request forms are (field by field, then the
personal-data check, handlers.personal_data), saved before Slack is answered with where it came from, then posted
after: the person who used the shortcut is its author.

The job keeps the message's permalink on the share or request, posts it (handlers.shares.posting.post_record),
credits the message's author under it when they wrote it themselves, or else asks them by direct message
(handlers.capture.credit), and hands it to matching (handlers.follows.matching.after_posting).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import handlers.shares.blocks as share_blocks
from domain import shares as checks
from handlers import forms
from handlers import personal_data as pd
from handlers.capture.credit import ask_for_credit, post_credit
from handlers.capture.forms import CaptureContext
from handlers.context import Deps, Job, after_ack
from handlers.follows.matching import after_posting
from handlers.ids import Block as B
from handlers.jobs import JobRun
from handlers.metadata import from_metadata
from handlers.publish import Posted
from handlers.shares.posting import KINDS, post_record
from storage import captures as store
from storage import newsletters as news
from storage import requests as rs
from storage import shares as ss
from storage.captures import SHARE, CreditStatus

log = logging.getLogger(__name__)

NOT_SAVED = "Sorry, I couldn't save this just now. Your words are still here: please try again in a minute."
NO_CHANNEL = "Please choose a channel to post in."
FIELDS: dict[str, str] = {
    "title": B.TITLE,
    "body": B.BODY,
    "impact": B.IMPACT,
    "link": B.LINK,
    "consent": B.CONSENT,
    "request": B.REQUEST,
    "needed_by": B.NEEDED_BY,
}


def handle_captured_share(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    chosen = [o.get("value") for o in forms.value(view, B.CONSENT).get("selected_options") or []]
    fields, problems = checks.check_share(
        title=forms.text(view, B.TITLE),
        body=forms.text(view, B.BODY),
        impact=forms.text(view, B.IMPACT),
        tags=forms.text(view, B.TAGS),
        link=forms.text(view, B.LINK),
        confirmed_no_personal_data=share_blocks.CONSENT_VALUE in chosen,
    )
    errors: dict[str, str] = {FIELDS[field]: message for field, message in problems.items()}
    channel_id = forms.value(view, B.CHANNEL).get("selected_conversation")
    if not channel_id:
        errors[B.CHANNEL] = NO_CHANNEL
    if errors or not channel_id:
        ack(response_action="errors", errors=errors)
        return
    texts = [("Title", fields.title), ("What we did", fields.body), ("What changed", fields.impact)]
    if (flagged := _personal_data(ack, deps, body, texts)) is None:
        return
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    names_me = any(o.get("value") == share_blocks.NAME_ME_VALUE for o in _chosen(view, B.NAME_CONSENT))

    def add(session: Session) -> int:
        share_id = ss.add_form_share(
            session, fields, team_id=team_id, author_id=user_id, channel_id=channel_id, now=deps.clock()
        ).id
        news.set_share_naming(session, team_id=team_id, share_id=share_id, agreed=names_me)
        return share_id

    _save_then_post(ack, deps, body, SHARE, B.BODY, add, flagged)


def handle_captured_request(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    text, needed_by = forms.text(view, B.REQUEST), forms.date(view, B.NEEDED_BY)
    problems = checks.check_request(text=text, needed_by=needed_by, today=deps.today())
    errors: dict[str, str] = {FIELDS[field]: message for field, message in problems.items()}
    channel_id = forms.value(view, B.CHANNEL).get("selected_conversation")
    if not channel_id:
        errors[B.CHANNEL] = NO_CHANNEL
    if errors or not channel_id:
        ack(response_action="errors", errors=errors)
        return
    if (flagged := _personal_data(ack, deps, body, [("Your request", text)])) is None:
        return

    def add(session: Session) -> int:
        return rs.add_request(
            session,
            team_id=body["team"]["id"],
            requester_id=body["user"]["id"],
            channel_id=channel_id,
            body=text,
            needed_by=needed_by,
            now=deps.clock(),
        ).id

    _save_then_post(ack, deps, body, store.REQUEST, B.REQUEST, add, flagged)


def _chosen(view: dict, block: str) -> list[dict]:
    return forms.value(view, block).get("selected_options") or []


def _personal_data(ack: Ack, deps: Deps, body: dict, texts: list[tuple[str, str | None]]) -> list[pd.Flagged] | None:
    """What the personal-data check found that the author agreed to post ([] if nothing); None when the form was
    shown again for them to decide, as on the share and request forms."""
    flagged = pd.check(texts)
    if not flagged:
        return []
    strict = pd.is_strict(deps, body["team"]["id"])
    if strict or not pd.overridden(body["view"]):
        ack(response_action="update", view=pd.reshow(body["view"], flagged, strict=strict))
        return None
    return flagged


def _save_then_post(
    ack: Ack,
    deps: Deps,
    body: dict,
    kind: str,
    field: str,
    add: Callable[[Session], int],
    flagged: list[pd.Flagged],
) -> None:
    """Save the form, where its words came from and the job that posts it, in one transaction, before Slack is
    answered; if that fails the words stay in the form."""
    view = body["view"]
    context = from_metadata(CaptureContext, view.get("private_metadata")) or CaptureContext()
    user_id, team_id, now = body["user"]["id"], body["team"]["id"], deps.clock()
    try:
        with deps.sessions.begin() as session:
            record_id = add(session)
            if flagged:
                subject = f"{kind}:{record_id}"
                where = view.get("callback_id") or "form"
                pd.record_override(
                    session, team_id=team_id, user_id=user_id, subject=subject, flagged=flagged, where=where, now=now
                )
            if context.source_channel and context.source_ts:
                store.add_credit(
                    session,
                    team_id=team_id,
                    kind=kind,
                    record_id=record_id,
                    captured_by=user_id,
                    source_author=context.source_author,
                    source_channel=context.source_channel,
                    source_ts=context.source_ts,
                    now=now,
                )
            post = Job(post_captured, (kind, team_id, record_id, user_id, context.fallback_link))
            deps.hand_over_in(session, post, body)
    except SQLAlchemyError:
        ack(response_action="errors", errors={field: NOT_SAVED})
        raise
    ack()


@after_ack
def post_captured(
    run: JobRun, kind: str, team_id: str, record_id: int, user_id: str, fallback_link: str | None
) -> None:
    """Keep the message's link, post, credit or ask, then match."""
    sessions = run.deps.sessions
    with sessions.begin() as session:
        credit = store.credit_for(session, team_id=team_id, kind=kind, record_id=record_id)
    if credit is not None and not run.done("linked"):
        link = permalink(run.client, credit.source_channel, credit.source_ts) or fallback_link
        with sessions.begin() as session:
            store.record_source_link(session, team_id=team_id, kind=kind, record_id=record_id, link=link)
            run.note(session, "linked", link)

    def tell(message: list[Block]) -> None:
        run.post_once("told", user_id, message, "Programme Talks")

    posted = post_record(run, KINDS[kind], team_id=team_id, record_id=record_id, tell=tell)
    if not isinstance(posted, Posted):
        return
    if credit is not None and credit.status is CreditStatus.SELF:
        post_credit(run, credit, run.value("linked"))
    elif credit is not None and credit.status is CreditStatus.ASKED:
        ask_for_credit(run, credit, posted)
    after_posting(run, kind, team_id, record_id)


def permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    """The message's permalink from Slack (threads included); None when Slack won't say."""
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except (SlackApiError, SlackClientError, OSError) as error:
        log.info("no permalink for %s %s: %s", channel_id, ts, error)
        return None
