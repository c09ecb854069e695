"""`/share` and `/collab`: help, the form when typed alone, or the quick path: check, record the job in the
outbox, acknowledge, then save and post after Slack has its answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import handlers.shares.blocks as blocks
from domain import shares as checks
from domain import text as t
from domain.words import HELP_WORDS
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.help import help_blocks
from handlers.jobs import JobRun
from handlers.metadata import ModalContext, to_metadata
from handlers.publish import ephemeral
from handlers.shares.posting import REQUEST, SHARE, Kind, post_record
from storage import requests as rs
from storage import shares as ss


def handle_share_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    return _quick_or_form(ack, command, client, blocks.share_modal, checks.SHARE, save_and_post_share)


def handle_collab_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    return _quick_or_form(ack, command, client, blocks.collab_modal, checks.REQUEST, save_and_post_request)


def _quick_or_form(
    ack: Ack,
    command: dict,
    client: WebClient,
    modal: Callable[..., View],
    kind: str,
    save_and_post: Callable[..., None],
) -> Job | None:
    """What /share and /collab have in common: help, the form when typed alone, a kind refusal for text that
    can't be taken (given back), or else hand back the saving and posting, recorded before Slack is answered
    (if it can't be recorded, the person's words are given back)."""
    text = t.unescape(command.get("text") or "").strip()
    if text.lower() in HELP_WORDS:
        ack(blocks=help_blocks(), response_type="ephemeral")
        return None
    if not text:
        ack()
        metadata = to_metadata(ModalContext(channel_id=command["channel_id"]))
        client.views_open(trigger_id=command["trigger_id"], view=modal(metadata))
        return None
    if why := checks.quick_refusal(text, kind):
        why = f"{why} Nothing was saved. Here is what you wrote:"
        ack(blocks=blocks.not_saved_blocks(text, why=why), response_type="ephemeral")
        return None
    return Job(
        save_and_post,
        (command, text),
        not_saved={"blocks": blocks.not_saved_blocks(text), "response_type": "ephemeral"},
    )


@after_ack
def save_and_post_share(run: JobRun, command: dict, text: str) -> None:
    quick = t.parse_quick_share(text)

    def add(session: Session) -> int:
        return ss.add_share(
            session,
            team_id=command["team_id"],
            author_id=command["user_id"],
            channel_id=command["channel_id"],
            body=quick.body,
            tags=quick.tags,
            link=quick.links[0] if quick.links else None,
            now=run.deps.clock(),
        ).id

    _save_and_post(run, command, text, SHARE, add)


@after_ack
def save_and_post_request(run: JobRun, command: dict, text: str) -> None:
    quick = t.parse_quick_request(text, run.deps.today())

    def add(session: Session) -> int:
        return rs.add_request(
            session,
            team_id=command["team_id"],
            requester_id=command["user_id"],
            channel_id=command["channel_id"],
            body=quick.body,
            needed_by=quick.needed_by,
            now=run.deps.clock(),
        ).id

    _save_and_post(run, command, text, REQUEST, add)


def _save_and_post(run: JobRun, command: dict, text: str, kind: Kind[Any], add: Callable[[Session], int]) -> None:
    """Save what someone typed (once, however many times the job runs), then post it. If it still can't be
    saved on the job's last try, tell them and give their words back."""
    respond = respond_to(command)
    record_id = run.value("saved")
    if record_id is None:
        try:
            with run.deps.sessions.begin() as session:
                record_id = add(session)
                run.note(session, "saved", record_id)
        except SQLAlchemyError:
            if run.final:
                respond(blocks=blocks.not_saved_blocks(text), response_type="ephemeral")
            raise
    post_record(run, kind, team_id=command["team_id"], record_id=record_id, tell=ephemeral(respond))
