"""Restore or Delete, in the direct message telling a champion or admin about a concern.

Only Programme Talks champions and workspace owners and admins may decide (Slack's users.info says who is an
admin, so the check is part of the job); anyone else is told kindly, and nothing changes. Nor may the author
decide about their own post. The first decision stands: a second press, by anyone, changes nothing and says who
decided. Deciding commits the concern's outcome, the thing restored or deleted, and its audit entry (RESTORED or
REMOVED_AFTER_REPORT) together; then every message showing it is brought in line (shown again, or deleted), every
champion's and admin's direct message about it says who decided, and its author is told.
"""

from __future__ import annotations

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

import handlers.concerns.blocks as cb
from domain.words import ERASED
from handlers.concerns.notices import show_notices
from handlers.concerns.showing import remove_everywhere, show_everywhere, shown_on_homes
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.home.refresh import refresh_homes
from handlers.jobs import JobRun
from handlers.partnerships.withdrawing import withdraw_concern_subject
from handlers.permissions import CANT_CHECK, workspace_admin
from handlers.publish import say, update_message
from storage import audit
from storage import concerns as cs
from storage import roles as rq
from storage.concerns import Status, Where
from storage.roles import RoleName

AUDITED = {Status.RESTORED: audit.Action.RESTORED, Status.REMOVED: audit.Action.REMOVED_AFTER_REPORT}


def handle_restore(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(decide, (body, Status.RESTORED.value))


def handle_delete(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(decide, (body, Status.REMOVED.value))


@after_ack
def decide(run: JobRun, body: dict, decision: str) -> None:
    respond, deps = respond_to(body), run.deps
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    raw = str(body["actions"][0].get("value") or "")
    concern_id = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    if not run.done("allowed"):
        allowed = _may_decide(run, team_id, user_id)
        if allowed is None:
            say(respond, CANT_CHECK)
            return
        with deps.sessions.begin() as session:
            run.note(session, "allowed", allowed)
    if not run.value("allowed"):
        say(respond, cb.NOT_ALLOWED)
        return
    if not run.done("decided"):
        with deps.sessions.begin() as session:  # the decision, its effect and its audit entry commit together
            run.note(session, "decided", _decide(session, run, team_id, concern_id, user_id, Status(decision)))
    noted = run.value("decided")
    with deps.sessions.begin() as session:
        concern = cs.get_concern(session, team_id=team_id, concern_id=concern_id)
        notices = cs.list_notices(session, team_id=team_id, concern_id=concern_id)
    if noted is None or concern is None:
        say(respond, "That report is no longer here.")
        return
    if noted.get("own"):
        say(respond, cb.own_post(concern))
        return
    if not noted["changed"]:
        if concern.status is Status.GONE:  # deleted meanwhile: its messages no longer show its words
            show_notices(run, team_id, [concern.id])
        say(respond, cb.already_decided(concern))
        return
    if concern.status is Status.RESTORED:
        show_everywhere(run, concern.kind, team_id, concern.subject_id)
    else:
        remove_everywhere(run, [Where(channel_id, ts) for channel_id, ts in noted["messages"]])
    for notice in notices:
        update_message(run.client, notice.channel_id, notice.ts, cb.decided_notice(concern), cb.notice_text(concern))
    if concern.author_id != ERASED:  # an author since erased has no one to tell
        run.post_once("told author", concern.author_id, cb.author_decided(concern), cb.author_text(concern))
    say(respond, cb.decider_told(concern))
    refresh_homes(run, team_id, noted.get("homes") or [])  # shown on their Home tabs again, or gone for good


def _decide(
    session: Session, run: JobRun, team_id: str, concern_id: int, user_id: str, decision: Status
) -> dict | None:
    """Apply the decision, if it is this person's to make and nobody has made it; what happened, for the job's
    notes (the messages to remove, never the words)."""
    concern = cs.get_concern(session, team_id=team_id, concern_id=concern_id)
    if concern is None:
        return None
    if concern.author_id == user_id:
        return {"own": True}
    subject = cs.get_subject(session, team_id=team_id, kind=concern.kind, subject_id=concern.subject_id)
    homes = shown_on_homes(session, concern.kind, team_id, concern.subject_id)  # before it may be deleted
    if decision is Status.REMOVED:  # partners' digests that showed it say so
        key = f"deleted:{concern.kind}:{team_id}:{concern.subject_id}"
        withdraw_concern_subject(
            run.deps, session, kind=concern.kind, team_id=team_id, subject_id=concern.subject_id, key=key
        )
    outcome = cs.decide_concern(
        session, team_id=team_id, concern_id=concern_id, decision=decision, decided_by=user_id, now=run.deps.clock()
    )
    if outcome is None:
        return None
    decided, changed = outcome
    if changed:
        audit.add_entry(
            session,
            team_id=team_id,
            actor_id=user_id,
            action=AUDITED[decision],
            now=run.deps.clock(),
            subject=decided.subject,
            details={"concern": concern_id, "kind": str(decided.kind)},
        )
    messages = [[where.channel_id, where.ts] for where in subject.messages] if subject else []
    return {"changed": changed, "messages": messages, "homes": homes}


def _may_decide(run: JobRun, team_id: str, user_id: str) -> bool | None:
    """Whether this person is a champion here, or a workspace owner or admin; None when Slack couldn't say."""
    with run.deps.sessions.begin() as session:
        if rq.has_role(session, team_id=team_id, user_id=user_id, role=RoleName.CHAMPION):
            return True
    return workspace_admin(run.client, user_id)
