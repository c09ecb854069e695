"""`/agreement`: the two-step form when typed alone, and `list`, `show N` and `export N` (a Markdown document
sent by direct message)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

import handlers.agreements.messages as messages
import handlers.agreements.modals as modals
from domain import agreements as ag
from domain import text as t
from domain.agreement_document import export_markdown
from domain.words import HELP_WORDS
from handlers.agreements.publishing import parse_number
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.jobs import JobRun
from storage import agreements as store

log = logging.getLogger(__name__)


def handle_agreement_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    words = t.unescape(command.get("text") or "").split()
    verb = words[0].lower() if words else ""
    if not verb:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=modals.parties_modal(command["user_id"]))
    elif verb in HELP_WORDS:
        ack(blocks=messages.help_blocks(), response_type="ephemeral")
    elif verb == "list":
        return Job(list_agreements, (command,))
    elif verb in ("show", "export"):
        number = parse_number(words[1] if len(words) > 1 else "")
        if number is None:
            example = f"For example `/agreement {verb} 3`. `/agreement list` shows yours."
            ack(text=f"Which agreement? {example}", response_type="ephemeral")
            return None
        return Job(show_or_export, (verb, number, command))
    else:
        ack(text=messages.usage_text(verb), response_type="ephemeral")
    return None


@after_ack
def list_agreements(run: JobRun, command: dict) -> None:
    respond = respond_to(command)
    with run.deps.sessions.begin() as session:
        mine = store.list_party_agreements(session, team_id=command["team_id"], user_id=command["user_id"])
    respond(blocks=messages.list_blocks(mine, run.deps.today()), response_type="ephemeral")


@after_ack
def show_or_export(run: JobRun, verb: str, number: int, command: dict) -> None:
    respond, deps = respond_to(command), run.deps
    with deps.sessions.begin() as session:
        record = store.get_agreement(session, team_id=command["team_id"], number=number, versions=True)
    if record is None:
        respond(
            text=f"I can't find agreement #{number} here. `/agreement list` shows the ones you're part of.",
            response_type="ephemeral",
        )
    elif verb == "show":
        shown = messages.show_blocks(record, command["user_id"], deps.today(), deps.tz)
        respond(blocks=shown, response_type="ephemeral")
    else:
        _export(run, record, command["user_id"], respond)


def _export(run: JobRun, record: ag.AgreementRecord, user_id: str, respond: Respond) -> None:
    """Send the agreement as a Markdown document to the person's direct messages, once."""
    client, deps = run.client, run.deps
    if run.done("sent"):
        return
    people = [*record.slack_parties, *(v.changed_by for v in record.versions), *(r.recorded_by for r in record.reviews)]
    names = {person: name for person in dict.fromkeys(people) if (name := _display_name(client, person))}
    document = export_markdown(record, names, today=deps.today(), tz=deps.tz)
    try:
        dm_id = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm_id,
            content=document,
            filename=f"agreement-{record.number}.md",
            title=f"Agreement #{record.number}: {t.shorten(record.title, 100)}",
        )
        with deps.sessions.begin() as session:
            run.note(session, "sent")
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not send agreement %s to %s: %s", record.number, user_id, error)
        respond(
            text="Sorry, I couldn't send you the document just now. Please try again in a minute.",
            response_type="ephemeral",
        )
        return
    respond(
        text=f"📄 I've sent you agreement #{record.number} as a document, in our direct messages.",
        response_type="ephemeral",
    )


def _display_name(client: WebClient, user_id: str) -> str | None:
    try:
        profile = client.users_info(user=user_id)["user"]
    except (SlackApiError, SlackClientError, OSError):
        return None
    shown = profile.get("profile") or {}
    return shown.get("display_name") or shown.get("real_name") or profile.get("real_name") or profile.get("name")
