"""`/share` and `/collab`: help, the form when typed alone, or the quick path: check, record the job in the
outbox, acknowledge, then save and post after Slack has its answer.

When the personal-data check finds something, nothing is posted yet: the words are held (storage.held_posts) and
the acknowledgement shows their author, only them, what was found, with Edit and post-it-anyway buttons
(handlers.shares.flagged answers those)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import handlers.shares.blocks as blocks
from domain import partnerships as dp
from domain import shares as checks
from domain import text as t
from domain.personal_data import find_personal_data
from domain.words import HELP_WORDS
from handlers import personal_data as pd
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.help import help_blocks
from handlers.jobs import JobRun
from handlers.metadata import ModalContext, to_metadata
from handlers.partnerships.forms import partners_for_form, share_on_saving
from handlers.partnerships.forms import quick_refusal as partners_refusal
from handlers.publish import NotPosted, Posted, ephemeral
from handlers.shares.posting import REQUEST, SHARE, Kind, post_record
from storage import held_posts as hp
from storage import requests as rs
from storage import shares as ss
from storage import workspaces as ws


def handle_share_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    return _quick_or_form(ack, command, client, deps, blocks.share_modal, checks.SHARE, save_and_post_share)


def handle_collab_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    return _quick_or_form(ack, command, client, deps, blocks.collab_modal, checks.REQUEST, save_and_post_request)


def _quick_or_form(
    ack: Ack,
    command: dict,
    client: WebClient,
    deps: Deps,
    modal: Callable[..., View],
    kind: str,
    save_and_post: Callable[..., None],
) -> Job | None:
    """What /share and /collab have in common: help, the form when typed alone, a kind refusal for text that
    can't be taken (given back), the personal-data check's question when it finds something, or else hand back
    the saving and posting, recorded before Slack is answered (if it can't be recorded, the person's words are
    given back)."""
    text = t.unescape(command.get("text") or "").strip()
    if text.lower() in HELP_WORDS:
        ack(blocks=help_blocks(), response_type="ephemeral")
        return None
    partners, text = dp.partners_flag(text)  # `/share --partners …`: share it with the partnership too
    if not text:
        ack()
        metadata = to_metadata(ModalContext(channel_id=command["channel_id"]))
        view = modal(metadata, partners=partners_for_form(deps, command["team_id"]))
        client.views_open(trigger_id=command["trigger_id"], view=view)
        return None
    if why := checks.quick_refusal(text, kind):
        why = f"{why} Nothing was saved. Here is what you wrote:"
        ack(blocks=blocks.not_saved_blocks(text, why=why), response_type="ephemeral")
        return None
    if partners and (why := partners_refusal(deps, command["team_id"], text)):
        ack(blocks=blocks.not_saved_blocks(text, why=f"{why} Here is what you wrote:"), response_type="ephemeral")
        return None
    if findings := find_personal_data(text):
        _hold(ack, command, deps, kind, text, findings)
        return None
    return Job(
        save_and_post,
        (command, text, True) if partners else (command, text),
        not_saved=lambda: {"blocks": blocks.not_saved_blocks(text), "response_type": "ephemeral"},
    )


def _hold(ack: Ack, command: dict, deps: Deps, kind: str, text: str, findings: tuple) -> None:
    """Hold the words and ask their author, only them, what to do about what the check found."""
    try:
        with deps.sessions.begin() as session:
            strict = ws.get_personal_data_mode(session, team_id=command["team_id"]) == ws.STRICT
            held = hp.hold_post(
                session,
                team_id=command["team_id"],
                author_id=command["user_id"],
                channel_id=command["channel_id"],
                kind=kind,
                text=text,
                now=deps.clock(),
            )
    except SQLAlchemyError:
        ack(blocks=blocks.not_saved_blocks(text), response_type="ephemeral")
        raise
    ack(blocks=blocks.flagged_blocks(kind, text, findings, held.id, strict=strict), response_type="ephemeral")


@after_ack
def save_and_post_share(run: JobRun, command: dict, text: str, partners: bool = False) -> None:
    save_and_post_quick(run, command, checks.SHARE, text, partners=partners)


@after_ack
def save_and_post_request(run: JobRun, command: dict, text: str, partners: bool = False) -> None:
    save_and_post_quick(run, command, checks.REQUEST, text, partners=partners)


def save_and_post_quick(
    run: JobRun, command: dict, kind: str, text: str, *, overridden: bool = False, partners: bool = False
) -> Posted | NotPosted | None:
    """Save a quick share or request (`kind`) and post it: where it was posted, or why not (None: deleted
    meanwhile). `overridden` when its author said the personal data found in it is not: the audit trail records
    that with it, in the same transaction. With `partners`, it is shared with the partnership as it is saved."""

    def shared(session: Session, item_id: int) -> int:
        if partners:
            share_on_saving(
                session,
                team_id=command["team_id"],
                user_id=command["user_id"],
                kind=kind,
                item_id=item_id,
                name_author=False,
                now=run.deps.clock(),
            )
        return item_id

    if kind == checks.SHARE:
        quick = t.parse_quick_share(text)

        def add(session: Session) -> int:
            return shared(
                session,
                ss.add_share(
                    session,
                    team_id=command["team_id"],
                    author_id=command["user_id"],
                    channel_id=command["channel_id"],
                    body=quick.body,
                    tags=quick.tags,
                    link=quick.links[0] if quick.links else None,
                    now=run.deps.clock(),
                ).id,
            )

        return _save_and_post(run, command, text, SHARE, add, overridden=overridden)
    request = t.parse_quick_request(text, run.deps.today())

    def add_request(session: Session) -> int:
        return shared(
            session,
            rs.add_request(
                session,
                team_id=command["team_id"],
                requester_id=command["user_id"],
                channel_id=command["channel_id"],
                body=request.body,
                needed_by=request.needed_by,
                now=run.deps.clock(),
            ).id,
        )

    return _save_and_post(run, command, text, REQUEST, add_request, overridden=overridden)


def _save_and_post(
    run: JobRun, command: dict, text: str, kind: Kind[Any], add: Callable[[Session], int], *, overridden: bool
) -> Posted | NotPosted | None:
    """Save what someone typed (once, however many times the job runs), then post it. If it still can't be
    saved on the job's last try, tell them and give their words back."""
    respond = respond_to(command)
    record_id = run.value("saved")
    if record_id is None:
        try:
            with run.deps.sessions.begin() as session:
                record_id = add(session)
                if overridden:
                    pd.record_override(
                        session,
                        team_id=command["team_id"],
                        user_id=command["user_id"],
                        subject=f"{kind.name}:{record_id}",
                        flagged=pd.check([("", text)]),
                        where=f"/{'share' if kind is SHARE else 'collab'}",
                        now=run.deps.clock(),
                    )
                run.note(session, "saved", record_id)
        except SQLAlchemyError:
            if run.final:
                respond(blocks=blocks.not_saved_blocks(text), response_type="ephemeral")
            raise
    return post_record(run, kind, team_id=command["team_id"], record_id=record_id, tell=ephemeral(respond))
