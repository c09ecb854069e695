"""Form submissions for shares and requests. Each checks field by field and saves before acknowledging, so a
person whose share could not be saved still has their words in the open form; posting happens after.

Then the personal-data check: when it finds something, the form is shown again with the words kept and what was
found at its top (handlers.personal_data), and is saved only once the words change or, outside strict mode, the
author ticks that it holds no child's or private personal data (recorded in the audit trail with what it saves)."""

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
from handlers import personal_data as pd
from handlers.blocks import notice_view, section
from handlers.context import Deps, Job, after_ack
from handlers.ids import Block
from handlers.jobs import JobRun
from handlers.metadata import ModalContext, from_metadata
from handlers.partnerships.forms import chosen as partners_chosen
from handlers.partnerships.forms import edit_error as partners_edit_error
from handlers.partnerships.forms import form_error as partners_error
from handlers.partnerships.forms import share_on_saving
from handlers.partnerships.withdrawing import withdraw_from_partners
from handlers.publish import delete_message, update_message
from handlers.shares.flagged import LABELS, HeldForm
from handlers.shares.posting import REQUEST, SHARE, Kind, post_and_tell_by_dm
from storage import audit
from storage import held_posts as hp
from storage import newsletters as news
from storage import requests as rs
from storage import shares as ss

NOT_DELETED = "Sorry, I couldn't delete your share just now. Nothing has changed: please try again in a minute."
NOT_SAVED = "Sorry, I couldn't save this just now. Your words are still here: please try again in a minute."
IMPACT = "What changed for children and young people"
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


def _personal_data(ack: Ack, deps: Deps, body: dict, fields: list[tuple[str, str | None]]) -> list[pd.Flagged] | None:
    """What the personal-data check found that the author has agreed to post ([] if nothing); None when the form
    has been shown again for them to decide (strict mode: to change the words)."""
    flagged = pd.check(fields)
    if not flagged:
        return []
    view = body["view"]
    strict = pd.is_strict(deps, body["team"]["id"])
    if strict or not pd.overridden(view):
        ack(response_action="update", view=pd.reshow(view, flagged, strict=strict))
        return None
    return flagged


def _share_texts(fields: checks.ShareFields) -> list[tuple[str, str | None]]:
    return [("Title", fields.title), (LABELS[checks.SHARE], fields.body), (IMPACT, fields.impact)]


def _after_saving(session: Session, deps: Deps, body: dict, flagged: list[pd.Flagged], subject: str) -> None:
    """In the transaction that saves a form: the override recorded, and words held for it forgotten."""
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    if flagged:
        where = body["view"].get("callback_id") or "form"
        pd.record_override(
            session, team_id=team_id, user_id=user_id, subject=subject, flagged=flagged, where=where, now=deps.clock()
        )
    held = from_metadata(HeldForm, body["view"].get("private_metadata"))
    if held is not None and held.held_id:
        hp.drop_held_post(session, team_id=team_id, held_id=held.held_id, author_id=user_id)


def _audit(session: Session, deps: Deps, body: dict, action: audit.Action, subject: str) -> None:
    audit.add_entry(
        session,
        team_id=body["team"]["id"],
        actor_id=body["user"]["id"],
        action=action,
        now=deps.clock(),
        subject=subject,
    )


def _names_me(view: dict) -> bool:
    """Whether the author ticked "You may name me in newsletters outside Slack"."""
    chosen = forms.value(view, Block.NAME_CONSENT).get("selected_options") or []
    return any(option.get("value") == blocks.NAME_ME_VALUE for option in chosen)


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
    if (flagged := _personal_data(ack, deps, body, _share_texts(fields))) is None:
        return
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    if why := partners_error(deps, team_id, view, flagged):
        ack(response_action="errors", errors={Block.PARTNERS: why})
        return

    def add(session: Session) -> int:
        share_id = ss.add_form_share(
            session, fields, team_id=team_id, author_id=user_id, channel_id=channel_id, now=deps.clock()
        ).id
        _after_saving(session, deps, body, flagged, f"share:{share_id}")
        news.set_share_naming(session, team_id=team_id, share_id=share_id, agreed=_names_me(view))
        _share_with_partners(session, deps, body, "share", share_id)
        return share_id

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
    if (flagged := _personal_data(ack, deps, body, [(LABELS[checks.REQUEST], request_text)])) is None:
        return
    if why := partners_error(deps, body["team"]["id"], view, flagged):
        ack(response_action="errors", errors={Block.PARTNERS: why})
        return

    def add(session: Session) -> int:
        request_id = rs.add_request(
            session,
            team_id=body["team"]["id"],
            requester_id=body["user"]["id"],
            channel_id=channel_id,
            body=request_text,
            needed_by=needed_by,
            now=deps.clock(),
        ).id
        _after_saving(session, deps, body, flagged, f"request:{request_id}")
        _share_with_partners(session, deps, body, "request", request_id)
        return request_id

    _save_then_post(ack, deps, REQUEST, body, Block.REQUEST, add)


def _share_with_partners(session: Session, deps: Deps, body: dict, kind: str, item_id: int) -> None:
    """In the transaction that saves a form: share it with the partnership, if its author chose to."""
    share, name_me = partners_chosen(body["view"])
    if share:
        share_on_saving(
            session,
            team_id=body["team"]["id"],
            user_id=body["user"]["id"],
            kind=kind,
            item_id=item_id,
            name_author=name_me,
            now=deps.clock(),
        )


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
    if (flagged := _personal_data(ack, deps, body, _share_texts(fields))) is None:
        return
    user_id, team_id, share_id = body["user"]["id"], body["team"]["id"], _context(view).share_id or 0
    if why := partners_edit_error(deps, team_id, share_id, flagged):
        ack(response_action="errors", errors={Block.BODY: why})
        return
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
            if card:
                _after_saving(session, deps, body, flagged, f"share:{share_id}")
                news.set_share_naming(session, team_id=team_id, share_id=share_id, agreed=_names_me(view))
                _audit(session, deps, body, audit.Action.EDITED, f"share:{share_id}")
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
                key = f"deleted:share:{team_id}:{share_id}"
                withdraw_from_partners(deps, session, team_id=team_id, kind=SHARE.name, item_id=share_id, key=key)
                ss.delete_share(session, team_id=team_id, share_id=share_id)
                _audit(session, deps, body, audit.Action.DELETED, f"share:{share_id}")
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
