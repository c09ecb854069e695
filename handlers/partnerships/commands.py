"""`/talks partnership`: who is in it (anyone may ask), and, for workspace owners and admins, `invite` (a one-time
code for another organisation's admin), `join CODE` and `leave`. Every change is audited, in each workspace it
touches. Leaving withdraws everything shared with the partnership, both ways (handlers.partnerships.withdrawing).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from domain import partnerships as dp
from domain import text as t
from domain.words import plural
from handlers.blocks import date_label, section
from handlers.context import Job, TalksRequest, after_ack
from handlers.jobs import JobRun, talks_request
from handlers.partnerships.blocks import organisations
from handlers.partnerships.own_messages import hand_over_unshowing
from handlers.permissions import refusal
from storage import audit
from storage import installations as inst
from storage import partnerships as ps

USAGE = (
    "Try `/talks partnership` to see who is in yours, or (workspace admins) `/talks partnership invite`, "
    "`/talks partnership join CODE` or `/talks partnership leave`."
)
NOT_SERVED = (
    "Partnerships join organisations that each installed Programme Talks from the same service (its install page), "
    "and this workspace has its own copy of the app, so it can't be in one. Nothing has changed."
)
UNCHANGED = " Nothing has changed."


def handle_partnership(request: TalksRequest) -> Job | None:
    words = request.rest.split()
    action = words[0].lower() if words else ""
    if action == "invite":
        return Job(invite, (request.command,))
    if action == "join" and len(words) > 1:
        return Job(join, (request.command, " ".join(words[1:])))
    if action == "leave":
        return Job(leave, (request.command,))
    if action == "join":
        request.ack(
            text=f"Which code? Type the one another organisation's admin sent you, for example "
            f"`/talks partnership join {dp.CODE_EXAMPLE}`.",
            response_type="ephemeral",
        )
    elif action in ("", "status", "show", "who"):
        request.ack()
        request.say(status(request))
    else:
        request.ack(
            text=f"I don't know `/talks partnership {t.escaped_within(action, 40)}`. {USAGE}", response_type="ephemeral"
        )
    return None


def status(request: TalksRequest) -> str:
    """Who is in this workspace's partnership, and what is shared with it from here."""
    with request.deps.sessions.begin() as session:
        own = ps.organisation_name(session, team_id=request.team_id)
        membership = ps.get_membership(session, team_id=request.team_id)
        members = ps.list_members(session, partnership=membership.partnership) if membership else []
        shares, requests = ps.count_shared(session, team_id=request.team_id)
    me = t.escaped_within(own, 120)
    if membership is None:
        return (
            f"{me} isn't in a partnership. Workspace admins can start one with `/talks partnership invite`: it makes a "
            "one-time code for another organisation's admin, who joins with `/talks partnership join CODE`."
        )
    others = [m for m in members if m.team_id != request.team_id]
    if not others:
        return (
            f"{me} has started a partnership, but no other organisation has joined yet. Workspace admins make a code "
            "for one with `/talks partnership invite`."
        )
    listed = "\n".join(
        f"• {t.escaped_within(m.organisation, 120)}, since {date_label(m.joined_at.astimezone(request.deps.tz).date())}"
        + ("" if m.installed else " (it has removed Programme Talks, so nothing reaches it)")
        for m in others
    )
    return (
        f"*{me}'s partnership*\n{listed}\n\nFrom here, {dp.shared_count(shares, requests)} "
        f"{'is' if shares + requests == 1 else 'are'} shared with it. Nothing is shared unless its author chooses: "
        "*Share with our partnership* in the share and request forms, `/share --partners …`, `/collab --partners …`, "
        "or the button on what they posted."
    )


def _allowed(run: JobRun, request: TalksRequest, what: str) -> bool:
    """Whether the person may do this (workspace owners and admins), telling them kindly if not."""
    if why := refusal(request, what, champions_may=False):
        request.say(why)
        return False
    with run.deps.sessions.begin() as session:
        installation = inst.get_installation(session, team_id=request.team_id)
    if installation is None or not installation.installed or not installation.bot_token:
        request.say(NOT_SERVED)
        return False
    return True


@after_ack
def invite(run: JobRun, command: dict) -> None:
    """Make a one-time code for another workspace's admin (shown only to the admin who asked)."""
    request = talks_request(run, command)
    if not _allowed(run, request, "invite another organisation into a partnership"):
        return
    now = run.deps.clock()
    if not run.done("invited"):
        code = dp.new_code()
        expires = now + dp.INVITE_FOR
        with run.deps.sessions.begin() as session:
            membership = ps.start_partnership(session, team_id=request.team_id, now=now)
            ps.add_invite(
                session,
                team_id=request.team_id,
                partnership=membership.partnership,
                code_hash=dp.code_hash(dp.normalise_code(code) or ""),
                created_by=request.user_id,
                now=now,
                expires_at=expires,
            )
            audit.add_entry(
                session,
                team_id=request.team_id,
                actor_id=request.user_id,
                action=audit.Action.PARTNERSHIP_INVITED,
                now=now,
                subject="partnership",
                details={"expires": expires.date().isoformat()},
            )
            run.note(session, "invited", {"code": code, "expires": expires.isoformat()})  # forgotten once told
    made = run.value("invited")
    until = date_label(dt.datetime.fromisoformat(made["expires"]).astimezone(request.deps.tz).date())
    request.say(
        f"Here is a one-time code for another organisation's workspace admin: *{made['code']}*\n"
        f"They type `/talks partnership join {made['code']}` in their workspace. It works once, until {until}. "
        "Only you can see this: send it to them yourself (by email, say).\n"
        "Once they join, people in each organisation can choose to share practice and requests with the other. "
        "Nothing is shared unless its author chooses."
    )


@after_ack
def join(run: JobRun, command: dict, typed: str) -> None:
    """Join the partnership another workspace's code invites this one into."""
    request = talks_request(run, command)
    if not _allowed(run, request, "join a partnership"):
        return
    if not run.done("joined"):
        with run.deps.sessions.begin() as session:
            outcome = _join(run, request, typed, session)
            run.note(session, "joined", outcome)
    outcome = run.value("joined")
    request.say(outcome["said"])


def _join(run: JobRun, request: TalksRequest, typed: str, session: Session) -> dict:
    """Check the code and join, in one transaction; what to tell the admin (and whether it worked)."""
    now, me = run.deps.clock(), request.team_id
    code = dp.normalise_code(typed)
    if code is None:
        return _no(f"That doesn't look like a partnership code: they look like {dp.CODE_EXAMPLE}.")
    invite = ps.find_invite(session, code_hash=dp.code_hash(code))
    if invite is None:
        return _no(
            "I don't recognise that code. Please check it with the admin who sent it: a code works once, for "
            f"{dp.INVITE_FOR.days} days."
        )
    own = t.escaped_within(ps.organisation_name(session, team_id=me), 120)
    if invite.team_id == me:
        return _no("That code is for inviting another organisation: send it to their workspace admin.")
    if invite.used_at is not None:
        return _no("That code has already been used. Ask the admin who sent it for a new one.")
    if invite.expires_at <= now:
        day = date_label(invite.expires_at.astimezone(request.deps.tz).date())
        return _no(f"That code expired on {day}. Ask the admin who sent it for a new one.")
    mine = ps.get_membership(session, team_id=me)
    if mine is not None and mine.partnership == invite.partnership:
        return _no(f"{own} is already in this partnership.")
    if mine is not None:
        return _no(
            f"{own} is already in a partnership, and a workspace is in one at a time. To join this one, leave yours "
            "first with `/talks partnership leave` (that withdraws everything shared with it)."
        )
    theirs = ps.get_membership(session, team_id=invite.team_id)
    installed = inst.get_installation(session, team_id=invite.team_id)
    if theirs is None or theirs.partnership != invite.partnership or installed is None or not installed.installed:
        return _no(
            "That code no longer works: the organisation that made it has left its partnership or removed "
            "Programme Talks."
        )
    if not ps.use_invite(session, invite_id=invite.id, now=now):
        return _no("That code has already been used. Ask the admin who sent it for a new one.")
    if ps.join_partnership(session, team_id=me, partnership=invite.partnership, now=now) is None:
        return _no(f"{own} is already in a partnership.")
    for team_id, actor, partner in ((me, request.user_id, invite.team_id), (invite.team_id, audit.APP, me)):
        audit.add_entry(
            session,
            team_id=team_id,
            actor_id=actor,
            action=audit.Action.PARTNERSHIP_JOINED,
            now=now,
            subject="partnership",
            details={"partner": partner},
        )
    tell = Job(tell_inviter, (invite.created_by, me))
    run.deps.hand_over_in(session, tell, {"team_id": invite.team_id, "trigger_id": f"partnership-joined:{invite.id}"})
    names = [m.organisation for m in ps.list_members(session, partnership=invite.partnership) if m.team_id != me]
    said = (
        f"✅ {own} is now in a partnership with {organisations(names)}. People here can share practice and requests "
        "with them by choice (*Share with our partnership* in the forms, or `/share --partners …`), and see what "
        "theirs share in digests and `/talks search`. `/talks partnership` shows who is in it."
    )
    return {"said": said, "joined": True}


def _no(why: str) -> dict:
    return {"said": why + UNCHANGED, "joined": False}


@after_ack
def tell_inviter(run: JobRun, user_id: str, joined_team: str) -> None:
    """Tell the admin whose code was used, in their own workspace, which organisation joined."""
    with run.deps.sessions.begin() as session:
        name = ps.organisation_name(session, team_id=joined_team)
    said = section(
        f"🤝 *{t.escaped_within(name, 120)}* joined your Programme Talks partnership with the code you made. "
        "`/talks partnership` shows who is in it."
    )
    run.post_once("told", user_id, [said], "An organisation joined your partnership")


@after_ack
def leave(run: JobRun, command: dict) -> None:
    """Leave the partnership: everything shared with it is withdrawn, both ways, and the messages about it changed."""
    request = talks_request(run, command)
    if not _allowed(run, request, "leave the partnership"):
        return
    now = run.deps.clock()
    if not run.done("left"):
        with run.deps.sessions.begin() as session:
            own = ps.organisation_name(session, team_id=request.team_id)
            left = ps.leave_partnership(session, team_id=request.team_id)
            if left is not None:
                audit.add_entry(
                    session,
                    team_id=request.team_id,
                    actor_id=request.user_id,
                    action=audit.Action.PARTNERSHIP_LEFT,
                    now=now,
                    subject="partnership",
                    details={"withdrawn": len(left.withdrawn)},
                )
                for other in left.others:
                    audit.add_entry(
                        session,
                        team_id=other,
                        actor_id=audit.APP,
                        action=audit.Action.PARTNERSHIP_LEFT,
                        now=now,
                        subject="partnership",
                        details={"partner": request.team_id},
                    )
                hand_over_unshowing(
                    run.deps, session, left, own=own, team_id=request.team_id, key=f"left:{run.record.id}"
                )
            run.note(session, "left", None if left is None else len(left.withdrawn))
    withdrawn = run.value("left")
    me = t.escaped_within(own_name(run, request.team_id), 120)
    if withdrawn is None:
        request.say(f"{me} isn't in a partnership, so there was nothing to leave." + UNCHANGED)
        return
    ours = (
        f"{plural(withdrawn, 'share or request', 'shares and requests')} shared with it from here "
        f"{'is' if withdrawn == 1 else 'are'} withdrawn"
        if withdrawn
        else "Nothing had been shared with it from here"
    )
    request.say(
        f"✅ {me} has left its partnership. {ours}, and partners' shares and requests no longer reach you. Digests "
        "that showed them, here and at the partners, now say they were withdrawn."
    )


def own_name(run: JobRun, team_id: str) -> str:
    with run.deps.sessions.begin() as session:
        return ps.organisation_name(session, team_id=team_id)
