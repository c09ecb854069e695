"""Reporting a concern: **Report a concern** in the ⋯ menu of a share, a request, an agreement or an event.

The click is recorded in the outbox and acknowledged; then, as a job: the concern is recorded and the thing hidden
in one transaction, with its REPORTED entry in the audit trail (a second report of something already hidden
changes nothing); every message showing it says it is hidden; the person who reported it is thanked, only them;
its author is told kindly by direct message (not who reported it); the workspace's champions and admins are
each sent a direct message naming who reported it, with Restore and Delete; and it leaves the Home tabs showing it.

Admins are the workspace's owners and admins as Slack's users.list says now (users:read), not only those who once
appointed a champion: an admin who never used the app should still hear that a child may be named in a channel.
A workspace with no champions still reaches someone that way. The author, if a champion or admin, is not asked.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

import handlers.concerns.blocks as cb
from domain.words import ERASED
from handlers.concerns.showing import show_everywhere, shown_on_homes
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.home.refresh import refresh_homes
from handlers.jobs import CantCheck, JobRun
from handlers.partnerships.withdrawing import withdraw_concern_subject
from handlers.publish import PASSING, Posted, say
from handlers.report_menu import reported
from storage import audit
from storage import concerns as cs
from storage import roles as rq
from storage.roles import RoleName

log = logging.getLogger(__name__)

MEMBER_PAGES = 50  # of 200 members each: workspaces of up to 10,000 people are read whole for their admins


def handle_report(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(report, (body,))


@after_ack
def report(run: JobRun, body: dict) -> None:
    respond, deps = respond_to(body), run.deps
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    chosen = reported(str((body["actions"][0].get("selected_option") or {}).get("value") or ""))
    if chosen is None:
        say(respond, cb.GONE)
        return
    kind, subject_id = chosen
    if not run.done("reported"):
        with deps.sessions.begin() as session:  # the concern, the hiding and the audit entry commit together
            outcome = cs.report_concern(
                session, team_id=team_id, kind=kind, subject_id=subject_id, reported_by=user_id, now=deps.clock()
            )
            if outcome is not None and outcome[1]:
                audit.add_entry(
                    session,
                    team_id=team_id,
                    actor_id=user_id,
                    action=audit.Action.REPORTED,
                    now=deps.clock(),
                    subject=outcome[0].subject,
                    details={"concern": outcome[0].id, "kind": str(kind)},
                )
                withdraw_concern_subject(  # partners' digests that showed it say it was withdrawn, at once
                    deps,
                    session,
                    kind=kind,
                    team_id=team_id,
                    subject_id=subject_id,
                    key=f"reported:{kind}:{team_id}:{subject_id}",
                )
            run.note(session, "reported", outcome and {"concern": outcome[0].id, "new": outcome[1]})
    noted = run.value("reported")
    if noted is None:
        say(respond, cb.GONE)
        return
    if not noted["new"]:
        say(respond, cb.ALREADY_REPORTED)
        return
    show_everywhere(run, kind, team_id, subject_id)
    with deps.sessions.begin() as session:
        concern = cs.get_concern(session, team_id=team_id, concern_id=noted["concern"])
        subject = cs.get_subject(session, team_id=team_id, kind=kind, subject_id=subject_id)
        homes = shown_on_homes(session, kind, team_id, subject_id)
    if concern is None or subject is None:  # decided and deleted meanwhile
        return
    say(respond, cb.THANKS)
    if concern.author_id not in (concern.reported_by, ERASED):  # not themselves, nor someone since erased
        run.post_once("told author", concern.author_id, cb.author_reported(concern, subject), cb.author_text(concern))
    deciding = reviewers(run, team_id, concern.author_id)
    if not deciding:  # Slack always has an owner, so only when the author is the one owner and there's no champion
        log.warning("concern %s in %s: no champion or admin to tell besides its author", concern.id, team_id)
    for reviewer in deciding:
        told = run.post_once(
            f"told {reviewer}", reviewer, cb.reviewer_notice(concern, subject), cb.notice_text(concern)
        )
        if isinstance(told, Posted):
            with deps.sessions.begin() as session:
                cs.add_notice(
                    session,
                    team_id=team_id,
                    concern_id=concern.id,
                    user_id=reviewer,
                    channel_id=told.channel_id,
                    ts=told.ts,
                )
    refresh_homes(run, team_id, homes)  # it is hidden from their Home tabs too


def reviewers(run: JobRun, team_id: str, author_id: str) -> list[str]:
    """Who decides: the workspace's champions, then its owners and admins (users.list), leaving out the author."""
    with run.deps.sessions.begin() as session:
        champions = rq.list_roles(session, team_id=team_id, role=RoleName.CHAMPION)
    everyone = dict.fromkeys([*champions, *workspace_admins(run.client)])
    return [user_id for user_id in everyone if user_id != author_id]


def workspace_admins(client: WebClient) -> list[str]:
    """The workspace's owners and admins now, as Slack's users.list says (people, not bots or deactivated
    accounts). A passing fault raises CantCheck, so the job is tried again; a final refusal is logged, and the
    champions alone are told."""
    admins: list[str] = []
    cursor = None
    try:
        for _ in range(MEMBER_PAGES):
            page = client.users_list(limit=200, cursor=cursor)
            for member in page.get("members") or []:
                if member.get("deleted") or member.get("is_bot") or member.get("id") == "USLACKBOT":
                    continue
                if member.get("is_admin") or member.get("is_owner") or member.get("is_primary_owner"):
                    admins.append(str(member["id"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return admins
        log.warning(
            "more than %s members: admins listed from the first %s only", 200 * MEMBER_PAGES, 200 * MEMBER_PAGES
        )
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if error.response.status_code == 429 or error.response.status_code >= 500 or code in PASSING:
            raise CantCheck(code or f"http_{error.response.status_code}") from error
        log.warning("could not list the workspace's admins: %s", code)
    except (SlackClientError, OSError) as error:
        raise CantCheck("connection_error") from error
    return admins
