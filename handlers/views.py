"""Modal submissions. Each validates field by field and saves before acknowledging, so a person whose
share could not be saved still has their words in the open form; posting to Slack happens after."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from domain import text as t
from handlers import blocks, forms
from handlers.capture import REQUEST, SHARE, Kind, dm, post_and_tell_by_dm
from handlers.context import Deps, Job, ModalContext, listener
from handlers.ids import Block, View
from handlers.publish import delete_message, update_message
from storage import queries as q

NOT_DELETED = "Sorry, I couldn't delete your share just now. Nothing has changed: please try again in a minute."
NOT_SAVED = "Sorry, I couldn't save this just now. Your words are still here: please try again in a minute."


def register(app: App, deps: Deps) -> None:
    app.view(View.SHARE)(listener(handle_share_submission, deps))
    app.view(View.EDIT_SHARE)(listener(handle_edit_submission, deps))
    app.view(View.DELETE_SHARE)(listener(handle_delete_submission, deps))
    app.view(View.COLLAB)(listener(handle_collab_submission, deps))


def _channel(view: dict, context: ModalContext) -> str | None:
    return context.channel_id or forms.value(view, Block.CHANNEL).get("selected_conversation")


def _share_fields(view: dict) -> tuple[dict, dict[str, str]]:
    """The share form's values, and an error message per field that needs fixing."""
    errors: dict[str, str] = {}
    fields = {
        "title": forms.text(view, Block.TITLE),
        "body": forms.text(view, Block.BODY),
        "impact": forms.text(view, Block.IMPACT) or None,
        "tags": t.parse_tags(forms.text(view, Block.TAGS)),
    }
    if not fields["title"]:
        errors[Block.TITLE] = "Please give your share a title."
    elif len(fields["title"]) > t.MAX_TITLE_CHARS:
        errors[Block.TITLE] = f"Please keep the title under {t.MAX_TITLE_CHARS} characters."
    if not fields["body"]:
        errors[Block.BODY] = "Please say what you did."
    elif len(fields["body"]) > t.MAX_SHARE_CHARS:
        errors[Block.BODY] = f"Please keep this under {t.MAX_SHARE_CHARS:,} characters (it is {len(fields['body']):,})."
    if fields["impact"] and len(fields["impact"]) > t.MAX_IMPACT_CHARS:
        errors[Block.IMPACT] = f"Please keep this under {t.MAX_IMPACT_CHARS:,} characters."
    try:
        fields["link"] = t.clean_link(forms.text(view, Block.LINK))
    except ValueError as error:
        errors[Block.LINK] = str(error)
    for block, key in ((Block.TITLE, "title"), (Block.BODY, "body"), (Block.IMPACT, "impact")):
        warning = t.personal_data_warning(fields[key] or "")
        if warning and block not in errors:
            errors[block] = f"Please take out personal details: {warning}."
    chosen = [o.get("value") for o in forms.value(view, Block.CONSENT).get("selected_options") or []]
    if blocks.CONSENT_VALUE not in chosen:
        errors[Block.CONSENT] = "Please confirm this share names no child or young person and holds no personal data."
    return fields, errors


def handle_share_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    context = ModalContext.from_json(view.get("private_metadata"))
    fields, errors = _share_fields(view)
    channel_id = _channel(view, context)
    if not channel_id:
        errors[Block.CHANNEL] = "Please choose a channel to post in."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    return _save_then_post(
        ack,
        deps,
        SHARE,
        body,
        Block.BODY,
        lambda session: q.add_share(
            session, team_id=team_id, author_id=user_id, channel_id=channel_id, now=deps.clock(), **fields
        ),
    )


def _save_then_post(ack: Ack, deps: Deps, kind: Kind, body: dict, field: str, add) -> Job:
    """Save what a form holds before acknowledging it (if that fails, the words stay in the form, with a note
    at `field`), then hand back its posting; problems posting reach the person by DM (a form has no
    response_url)."""
    try:
        with deps.sessions.begin() as session:
            record_id = add(session).id
    except SQLAlchemyError:
        ack(response_action="errors", errors={field: NOT_SAVED})
        raise
    ack()
    return Job(post_and_tell_by_dm, (kind.name, body["team"]["id"], record_id, body["user"]["id"]))


def handle_edit_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    context = ModalContext.from_json(view.get("private_metadata"))
    fields, errors = _share_fields(view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    try:
        with deps.sessions.begin() as session:
            share = q.get_share(session, team_id=team_id, share_id=context.share_id or 0)
            if share is None or share.author_id != user_id:
                ack(
                    response_action="errors",
                    errors={Block.BODY: "This share can't be edited: it may have been deleted."},
                )
                return
            q.update_share(session, share, now=deps.clock(), **fields)
            card, where = q.share_card(share), (share.channel_id, share.message_ts)
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.BODY: NOT_SAVED})
        raise
    ack()
    if where[1]:
        update_message(client, where[0], where[1], blocks.share_message(card), blocks.share_text(card))


def handle_delete_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    context = ModalContext.from_json(view.get("private_metadata"))
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    try:
        with deps.sessions.begin() as session:
            share = q.get_share(session, team_id=team_id, share_id=context.share_id or 0)
            where = (share.channel_id, share.message_ts) if share and share.author_id == user_id else None
            if where:
                q.delete_share(session, share)
    except SQLAlchemyError:
        ack(response_action="update", view=blocks.notice_view("Not deleted", NOT_DELETED))
        raise
    ack()
    if where and where[1]:
        return Job(_delete_message, (user_id, *where))
    return None


def _delete_message(client: WebClient, deps: Deps, user_id: str, channel_id: str, ts: str) -> None:
    """Remove the deleted share's message; if Slack won't, tell its author rather than leave them guessing."""
    gone = delete_message(client, channel_id, ts)
    if gone is not True:
        dm(client, user_id)(
            [
                blocks.section(
                    "Your share is deleted from Programme Talks, but I couldn't remove its message in "
                    f"<#{channel_id}>: {gone}. A workspace admin can remove it from the message's menu."
                )
            ]
        )


def handle_collab_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    context = ModalContext.from_json(view.get("private_metadata"))
    request_text = forms.text(view, Block.REQUEST)
    needed_by = forms.date(view, Block.NEEDED_BY)
    channel_id = _channel(view, context)
    errors: dict[str, str] = {}
    if not request_text:
        errors[Block.REQUEST] = "Please say what partner or help you are looking for."
    elif len(request_text) > t.MAX_REQUEST_CHARS:
        errors[Block.REQUEST] = f"Please keep this under {t.MAX_REQUEST_CHARS:,} characters."
    elif warning := t.personal_data_warning(request_text):
        errors[Block.REQUEST] = f"Please take out personal details: {warning}."
    if needed_by and needed_by < deps.today():
        errors[Block.NEEDED_BY] = "That date has passed. Choose a date from today onwards, or leave it empty."
    if not channel_id:
        errors[Block.CHANNEL] = "Please choose a channel to post in."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    return _save_then_post(
        ack,
        deps,
        REQUEST,
        body,
        Block.REQUEST,
        lambda session: q.add_request(
            session,
            team_id=body["team"]["id"],
            requester_id=body["user"]["id"],
            channel_id=channel_id,
            body=request_text,
            needed_by=needed_by,
            now=deps.clock(),
        ),
    )
