"""Form submissions for shares and requests. Each checks field by field and saves before acknowledging, so a
person whose share could not be saved still has their words in the open form; posting happens after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import handlers.shares.blocks as blocks
from domain import shares as checks
from handlers import forms
from handlers.blocks import notice_view, section
from handlers.context import Deps, Job, after_ack
from handlers.ids import Block
from handlers.jobs import JobRun
from handlers.metadata import ModalContext, from_metadata
from handlers.publish import delete_message, update_message
from handlers.shares.posting import REQUEST, SHARE, Kind, post_and_tell_by_dm
from storage import requests as rs
from storage import shares as ss

NOT_DELETED = "Sorry, I couldn't delete your share just now. Nothing has changed: please try again in a minute."
NOT_SAVED = "Sorry, I couldn't save this just now. Your words are still here: please try again in a minute."
SHARE_BLOCKS = {
    "title": Block.TITLE,
    "body": Block.BODY,
    "impact": Block.IMPACT,
    "link": Block.LINK,
    "consent": Block.CONSENT,
    "request": Block.REQUEST,
    "needed_by": Block.NEEDED_BY,
}


def _context(view: dict) -> ModalContext:
    return from_metadata(ModalContext, view.get("private_metadata")) or ModalContext()


def _channel(view: dict) -> str | None:
    return _context(view).channel_id or forms.value(view, Block.CHANNEL).get("selected_conversation")


def _share_fields(view: dict) -> tuple[checks.ShareFields, dict[str, str]]:
    """The share form's values, and an error message per block that needs fixing."""
    chosen = [o.get("value") for o in forms.value(view, Block.CONSENT).get("selected_options") or []]
    fields, errors = checks.check_share(
        title=forms.text(view, Block.TITLE),
        body=forms.text(view, Block.BODY),
        impact=forms.text(view, Block.IMPACT),
        tags=forms.text(view, Block.TAGS),
        link=forms.text(view, Block.LINK),
        confirmed_no_personal_data=blocks.CONSENT_VALUE in chosen,
    )
    return fields, {SHARE_BLOCKS[field]: message for field, message in errors.items()}


def handle_share_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    fields, errors = _share_fields(view)
    channel_id = _channel(view)
    if not channel_id:
        errors[Block.CHANNEL] = "Please choose a channel to post in."
    if errors or channel_id is None:
        ack(response_action="errors", errors=errors)
        return
    user_id, team_id = body["user"]["id"], body["team"]["id"]

    def add(session: Session) -> int:
        return ss.add_share(
            session,
            team_id=team_id,
            author_id=user_id,
            channel_id=channel_id,
            now=deps.clock(),
            title=fields.title,
            body=fields.body,
            impact=fields.impact,
            tags=fields.tags,
            link=fields.link,
        ).id

    _save_then_post(ack, deps, SHARE, body, Block.BODY, add)


def handle_collab_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    request_text, needed_by = forms.text(view, Block.REQUEST), forms.date(view, Block.NEEDED_BY)
    errors: dict[str, str] = {
        SHARE_BLOCKS[field]: message
        for field, message in checks.check_request(text=request_text, needed_by=needed_by, today=deps.today()).items()
    }
    channel_id = _channel(view)
    if not channel_id:
        errors[Block.CHANNEL] = "Please choose a channel to post in."
    if errors or channel_id is None:
        ack(response_action="errors", errors=errors)
        return

    def add(session: Session) -> int:
        return rs.add_request(
            session,
            team_id=body["team"]["id"],
            requester_id=body["user"]["id"],
            channel_id=channel_id,
            body=request_text,
            needed_by=needed_by,
            now=deps.clock(),
        ).id

    _save_then_post(ack, deps, REQUEST, body, Block.REQUEST, add)


def _save_then_post(
    ack: Ack, deps: Deps, kind: Kind[Any], body: dict, field: str, add: Callable[[Session], int]
) -> None:
    """Save what a form holds, and the job that posts it, in one transaction before acknowledging (if that
    fails, the words stay in the form, with a note at `field`); problems posting reach the person by DM (a
    form has no response_url)."""
    try:
        with deps.sessions.begin() as session:
            record_id = add(session)
            post = Job(post_and_tell_by_dm, (kind.name, body["team"]["id"], record_id, body["user"]["id"]))
            deps.hand_over_in(session, post, body)
    except SQLAlchemyError:
        ack(response_action="errors", errors={field: NOT_SAVED})
        raise
    ack()


def handle_edit_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    fields, errors = _share_fields(view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    user_id, team_id, share_id = body["user"]["id"], body["team"]["id"], _context(view).share_id or 0
    try:
        with deps.sessions.begin() as session:
            before = ss.get_share(session, team_id=team_id, share_id=share_id)
            card = (
                before
                and before.author_id == user_id
                and ss.update_share(
                    session,
                    team_id=team_id,
                    share_id=share_id,
                    now=deps.clock(),
                    title=fields.title,
                    body=fields.body,
                    impact=fields.impact,
                    tags=fields.tags,
                    link=fields.link,
                )
            )
            if card and card.message_ts:
                deps.hand_over_in(session, Job(show_edited_share, (team_id, share_id)), body)
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.BODY: NOT_SAVED})
        raise
    if not card:
        ack(response_action="errors", errors={Block.BODY: "This share can't be edited: it may have been deleted."})
        return
    ack()


@after_ack
def show_edited_share(run: JobRun, team_id: str, share_id: int) -> None:
    """Show the share's new words in its message (an edit is idempotent: doing it twice shows the same)."""
    with run.deps.sessions.begin() as session:
        card = ss.get_share(session, team_id=team_id, share_id=share_id)
    if card is not None and card.message_ts:
        message, text = blocks.share_message(card), blocks.share_text(card)
        update_message(run.client, card.channel_id, card.message_ts, message, text)


def handle_delete_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    user_id, team_id, share_id = body["user"]["id"], body["team"]["id"], _context(view).share_id or 0
    try:
        with deps.sessions.begin() as session:
            share = ss.get_share(session, team_id=team_id, share_id=share_id)
            deleted = share if share and share.author_id == user_id else None
            if deleted:
                ss.delete_share(session, team_id=team_id, share_id=share_id)
                if deleted.message_ts:
                    remove = Job(delete_share_message, (user_id, deleted.channel_id, deleted.message_ts))
                    deps.hand_over_in(session, remove, body)
    except SQLAlchemyError:
        ack(response_action="update", view=notice_view("Not deleted", NOT_DELETED))
        raise
    ack()


@after_ack
def delete_share_message(run: JobRun, user_id: str, channel_id: str, ts: str) -> None:
    """Remove the deleted share's message; if Slack won't, tell its author rather than leave them guessing."""
    gone = delete_message(run.client, channel_id, ts)
    if gone is not True:
        said = section(
            "Your share is deleted from Programme Talks, but I couldn't remove its message in "
            f"<#{channel_id}>: {gone}. A workspace admin can remove it from the message's menu."
        )
        run.post_once("told author", user_id, [said], "Programme Talks")
