"""`/talks erase me`, `/talks erase @name` (workspace owners and admins, for someone who has left) and
`/talks erase workspace`: a form names exactly what will go and asks to confirm; the erasure is a job.

Erasing a person (storage.erasure.erase_person) deletes their rows and replaces their id in joint records in one
transaction, noted as the job's first step; then the app's messages for them are deleted in Slack (chat.delete: a
message already gone is fine), with its direct messages to them, and the messages that showed them among others (a
request they offered on, an agreement, an event, champions' and admins' messages about a concern) are shown again
without them, and without their words. Erasing a workspace deletes every row with its team_id. Each leaves one
audit entry saying an erasure happened, with counts.

Who may erase whom is checked twice: before the form opens (so someone not allowed is told kindly at once) and in
the job (handlers.permissions), which decides.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

import handlers.meetups.blocks as mb
import handlers.privacy.blocks as pb
import handlers.shares.blocks as sb
from domain import text as t
from handlers import forms
from handlers.agreements.publishing import publish_summary
from handlers.blocks import notice_view, section
from handlers.concerns.notices import show_notices
from handlers.context import NOT_TAKEN as NOT_TAKEN_TEXT
from handlers.context import Deps, Job, TalksRequest, after_ack
from handlers.ids import Block
from handlers.jobs import JobRun, talks_request
from handlers.metadata import from_metadata, to_metadata
from handlers.permissions import refusal
from handlers.publish import delete_message, passing, update_message
from storage import audit, installations
from storage import erasure as es
from storage import meetups as ms
from storage import people as ps
from storage import requests as rs
from storage.erasure import Erasure
from storage.workspace_data import compact_search

log = logging.getLogger(__name__)

DM_PAGES = 20  # pages of 200 messages read from a person's direct messages with the app when erasing them
SELF_WORDS = frozenset({"me", "myself", "my data", "mine"})
WORKSPACE_WORDS = frozenset({"workspace", "the workspace", "everything", "all"})
OUT_OF_DATE = "This form is out of date, so nothing has changed. Please type the command again."
NOT_TAKEN = {"response_action": "update", "view": notice_view("Erase", NOT_TAKEN_TEXT).to_dict()}


# ---- the command: open the form ---------------------------------------------------------------------------------


def handle_erase(request: TalksRequest) -> None:
    """Open the form that confirms an erasure, or say kindly why not (no one named, not allowed, nothing held)."""
    typed = request.rest.strip()
    if not typed:
        request.ack(text=pb.erase_usage(), response_type="ephemeral")
        return
    if typed.lower() in WORKSPACE_WORDS:
        _open_workspace_form(request)
        return
    if typed.lower() in SELF_WORDS:
        subject = request.user_id
    else:
        people = t.parse_people(typed)
        if people is None:
            request.ack(text=pb.erase_usage(), response_type="ephemeral")
            return
        if len(people) > 1:
            request.ack(
                text="Please erase one person at a time: `/talks erase @name`. Nothing has changed.",
                response_type="ephemeral",
            )
            return
        subject = people[0]
    request.ack()
    yourself = subject == request.user_id
    if not yourself and (why := refusal(request, "erase someone else's data", champions_may=False)):
        request.say(f"{why} To erase your own, type `/talks erase me`.")
        return
    with request.deps.sessions.begin() as session:
        data = ps.find_person_data(session, team_id=request.team_id, user_id=subject)
    if data.empty:
        whom = "you" if yourself else f"<@{subject}>"
        request.say(f"Programme Talks holds nothing about {whom}, so there's nothing to erase. Nothing has changed.")
        return
    who = pb.ErasePerson(user_id=subject, channel_id=request.command.get("channel_id"))
    view = pb.erase_person_modal(data, who, to_metadata(who), yourself=yourself)
    request.client.views_open(trigger_id=request.command["trigger_id"], view=view)


def _open_workspace_form(request: TalksRequest) -> None:
    request.ack()
    if why := refusal(request, "erase the workspace's data", champions_may=False):
        request.say(why)
        return
    with request.deps.sessions.begin() as session:
        counts = installations.count_workspace_rows(session, team_id=request.team_id)
    if not counts:
        request.say("Programme Talks holds nothing for this workspace, so there's nothing to erase.")
        return
    # Its name as in its Slack address; a code when Slack didn't say (the person types whichever the form shows).
    confirm = str(request.command.get("team_domain") or "") or secrets.token_hex(3).upper()
    form = pb.EraseWorkspace(confirm=confirm, channel_id=request.command.get("channel_id"))
    view = pb.erase_workspace_modal(counts, confirm, to_metadata(form))
    request.client.views_open(trigger_id=request.command["trigger_id"], view=view)


# ---- the forms: confirmed ---------------------------------------------------------------------------------------


def handle_erase_person_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    who = from_metadata(pb.ErasePerson, body["view"].get("private_metadata"))
    if who is None:
        ack(response_action="update", view=notice_view("Erase", OUT_OF_DATE))
        return None
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    return Job(erase_person, (team_id, user_id, who.user_id, who.channel_id), not_saved=NOT_TAKEN)


def handle_erase_workspace_submission(
    ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps
) -> Job | None:
    view = body["view"]
    form = from_metadata(pb.EraseWorkspace, view.get("private_metadata"))
    if form is None:
        ack(response_action="update", view=notice_view("Erase", OUT_OF_DATE))
        return None
    typed = forms.text(view, Block.ERASE_CONFIRM)
    if typed.strip().lower() != form.confirm.lower():
        shown = t.escape(form.confirm)
        ack(
            response_action="errors",
            errors={Block.ERASE_CONFIRM: f"That isn't “{shown}”. Type it exactly to erase everything, or Cancel."},
        )
        return None
    return Job(erase_workspace, (body["team"]["id"], body["user"]["id"], form.channel_id), not_saved=NOT_TAKEN)


# ---- the jobs ------------------------------------------------------------------------------------------------


@after_ack
def erase_person(run: JobRun, team_id: str, requester: str, subject: str, channel_id: str | None) -> None:
    """Erase a person (themselves, or someone a workspace owner or admin names), then tidy up Slack."""
    deps, yourself = run.deps, requester == subject
    request = talks_request(run, {"team_id": team_id, "user_id": requester, "channel_id": channel_id, "text": ""})
    if not yourself and (why := refusal(request, "erase someone else's data", champions_may=False)):
        _tell(run, requester, channel_id, why)
        return
    if not run.done("erased"):
        with deps.sessions.begin() as session:  # the erasure, its audit entry and the note of them commit together
            erasure = es.erase_person(
                session, team_id=team_id, user_id=subject, now=deps.clock(), keep_job_id=run.record.id
            )
            if erasure.deleted or erasure.anonymised:
                audit.add_entry(
                    session,
                    team_id=team_id,
                    actor_id=audit.ERASED if yourself else requester,
                    action=audit.Action.ERASED,
                    now=deps.clock(),
                    subject=f"user:{audit.ERASED}",
                    details={
                        "scope": "person",
                        "by": "themselves" if yourself else "a workspace admin",
                        "slack_messages": len(erasure.messages),
                        **erasure.counts,
                    },
                )
            run.note(session, "erased", erasure.to_json())
    erasure = Erasure.from_json(run.value("erased"))
    whom = "you" if yourself else f"<@{subject}>"
    if not (erasure.deleted or erasure.anonymised):
        _tell(run, requester, channel_id, f"Programme Talks held nothing about {whom}, so there was nothing to erase.")
        return
    deleted, left = _delete_messages(run.client, erasure.messages)
    deleted += _clear_direct_messages(run.client, subject)
    _show_again(run, team_id, erasure)
    summary = pb.erased_summary(erasure.deleted, erasure.anonymised, deleted)
    said = f"✅ Done: I've erased what Programme Talks held about {whom}: {summary}."
    if left:
        said += f" {left} of the app's messages couldn't be deleted in Slack: a workspace admin can delete them there."
    _tell(run, requester, channel_id, said)


@after_ack
def erase_workspace(run: JobRun, team_id: str, requester: str, channel_id: str | None) -> None:
    """Delete every row the workspace has, in every table, once its owner or admin has typed its name."""
    deps = run.deps
    request = talks_request(run, {"team_id": team_id, "user_id": requester, "channel_id": channel_id, "text": ""})
    if why := refusal(request, "erase the workspace's data", champions_may=False):
        _tell(run, requester, channel_id, why)
        return
    if not run.done("erased"):
        with deps.sessions.begin() as session:
            run.note(session, "erased", {})  # noted first: erasing deletes this job's own row with the rest
            erased = installations.erase_workspace(session, team_id=team_id)
            compact_search(session)
            audit.add_entry(
                session,
                team_id=team_id,
                actor_id=requester,
                action=audit.Action.ERASED,
                now=deps.clock(),
                subject="workspace",
                details={"scope": "workspace", "rows": sum(erased.values()), "tables": len(erased)},
            )
        rows = sum(erased.values())
        _tell(
            run,
            requester,
            channel_id,
            f"✅ Done: I've erased everything Programme Talks held for this workspace ({rows} records). "
            "Messages already posted in channels stay in Slack.",
        )


# ---- Slack --------------------------------------------------------------------------------------------------


def _delete_messages(client: WebClient, messages: Sequence[tuple[str, str]]) -> tuple[int, int]:
    """Delete the app's messages; (deleted or already gone, left because Slack refused)."""
    done = left = 0
    for channel_id, ts in messages:
        if delete_message(client, channel_id, ts) is True:
            done += 1
        else:
            left += 1
    return done, left


def _clear_direct_messages(client: WebClient, user_id: str) -> int:
    """Delete the app's messages in its direct messages with someone (digests, reminders, welcomes); how many."""
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        found: list[str] = []
        cursor = None
        for _ in range(DM_PAGES):
            page = client.conversations_history(channel=channel, limit=200, cursor=cursor)
            found += [m["ts"] for m in page.get("messages") or [] if m.get("bot_id") and m.get("ts")]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not read the direct messages with a person being erased: %s", type(error).__name__)
        return 0
    return sum(1 for ts in found if delete_message(client, channel, ts) is True)


def _show_again(run: JobRun, team_id: str, erasure: Erasure) -> None:
    """Show again the messages that named the person among others, now without them."""
    client, deps = run.client, run.deps
    for request_id in erasure.requests:
        with deps.sessions.begin() as session:
            card = rs.get_request(session, team_id=team_id, request_id=request_id)
        if card is not None and card.message_ts:
            update_message(client, card.channel_id, card.message_ts, sb.request_message(card), sb.request_text(card))
    for number in erasure.agreements:
        try:
            publish_summary(run, team_id, number)
        except LookupError:
            continue  # gone meanwhile
    for meetup_id in erasure.meetups:
        with deps.sessions.begin() as session:
            meetup = ms.get_meetup(session, team_id=team_id, meetup_id=meetup_id)
            copies = ms.list_meetup_copies(session, team_id=team_id, meetup_id=meetup_id)
        if meetup is None:
            continue
        for copy in copies:
            if copy.message_ts:
                shown = mb.meetup_message(meetup, deps.tz, invited=copy.invited_user is not None)
                update_message(client, copy.channel_id, copy.message_ts, shown, mb.meetup_text(meetup, deps.tz))
    show_notices(run, team_id, erasure.concerns)


def _tell(run: JobRun, user_id: str, channel_id: str | None, text: str) -> None:
    """Tell the person who asked, only them: in the channel they typed the command in, else by direct message."""
    if channel_id:
        try:
            run.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=[section(text)])
            return
        except (SlackApiError, SlackClientError, OSError):
            pass  # not in that channel any more (or a direct message): tell them directly instead
    run.post_once("told", user_id, [section(text)], text)


class SlackBusy(Exception):
    """Slack had a passing fault deleting some messages: the job is tried again later (those deleted are gone)."""


@after_ack
def delete_posted_messages(run: JobRun, messages: list[list[str]]) -> None:
    """Delete the app's messages about records that were deleted (the retention duty hands these over through the
    outbox, in the transaction that deleted the records). A message already gone is fine; one Slack refuses for
    good (an archived channel) is logged and left; a passing fault has the job tried again."""
    busy = 0
    for channel_id, ts in messages:
        try:
            run.client.chat_delete(channel=channel_id, ts=ts)
        except SlackApiError as error:
            code = str(error.response.get("error") or f"http_{error.response.status_code}")
            if passing(code):
                busy += 1
            elif code != "message_not_found":
                log.warning("could not delete a message in %s: %s", channel_id, code)
        except (SlackClientError, OSError):
            busy += 1
    if busy:
        raise SlackBusy(f"{busy} of {len(messages)} messages not deleted yet")
