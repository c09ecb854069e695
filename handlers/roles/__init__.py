"""Champions and leaders: `/talks champion @name`, `/talks leader @name` (add `remove` to undo), and
`/talks champions`, `/talks leaders` to see who they are.

Workspace owners and admins (Slack's users.info says so) appoint champions; they and champions appoint leaders.
Anyone else is told, kindly, who can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy.orm import Session

from domain import text as t
from domain.words import TWO_QUESTIONS, mentions
from handlers.blocks import section
from handlers.context import Deps, Job, TalksRequest, TalksVerb, after_ack
from handlers.home.refresh import refresh_homes
from handlers.jobs import JobRun, talks_request
from handlers.permissions import ADMINS, ADMINS_AND_CHAMPIONS, refusal
from handlers.publish import Posted
from storage import audit
from storage import roles as rq
from storage import workspaces as ws
from storage.roles import RoleName

_REMOVE_WORDS = {"remove", "delete"}


@dataclass(frozen=True)
class _Role:
    name: RoleName
    plural: str
    champions_may: bool  # appoint and remove people in this role (owners and admins always may)

    @property
    def appointers(self) -> str:
        return ADMINS_AND_CHAMPIONS if self.champions_may else ADMINS


CHAMPION = _Role(RoleName.CHAMPION, "champions", champions_may=False)


LEADER = _Role(RoleName.LEADER, "leaders", champions_may=True)


def welcome_text(role: RoleName, appointed_by: str, highlight_emoji: str) -> str:
    """The direct message telling someone they now hold a role, and what it means."""
    if role is RoleName.CHAMPION:
        return (
            f"👋 <@{appointed_by}> made you a *champion* in Programme Talks. Here's what that means:\n"
            "• You'll get regular digests of the practice people share and the help they ask for.\n"
            "• You help make sure that whenever teams meet they ask: "
            f"_{TWO_QUESTIONS[0]}_ and _{TWO_QUESTIONS[1]}_\n"
            "• You can appoint leaders with `/talks leader @name`, and choose the emoji they highlight shares "
            "with, using `/talks highlight-emoji`.\n"
            "Type `/talks help` any time to see everything Programme Talks can do."
        )
    return (
        f"👋 <@{appointed_by}> made you a *leader* in Programme Talks. Here's what that means:\n"
        f"• When a share stands out, react to it with :{highlight_emoji}: to highlight it. "
        "The highlight is credited to you and helps others find practice worth trying.\n"
        "• Changed your mind? Just remove your reaction.\n"
        "Type `/talks leaders` to see who else is a leader."
    )


def _usage(role: _Role, typed: str) -> str:
    example = f"`/talks {role.name} @name`"
    found = f"I couldn't find anyone mentioned in “{t.escape(t.shorten(typed, 100))}”. " if typed else ""
    return (
        f"{found}Who should be a {role.name}? Mention them with @, for example {example} "
        f"(several people at once is fine). To undo it: `/talks {role.name} remove @name`. "
        f"To see everyone: `/talks {role.plural}`."
    )


def _champion(request: TalksRequest) -> Job | None:
    return _appoint_or_remove(request, CHAMPION)


def _leader(request: TalksRequest) -> Job | None:
    return _appoint_or_remove(request, LEADER)


def _champions(request: TalksRequest) -> Job | None:
    return _list_or_manage(request, CHAMPION)


def _leaders(request: TalksRequest) -> Job | None:
    return _list_or_manage(request, LEADER)


def _list_or_manage(request: TalksRequest, role: _Role) -> Job | None:
    if request.rest:  # "/talks leaders @ann @ben": they meant to appoint
        return _appoint_or_remove(request, role)
    request.ack()
    with request.deps.sessions.begin() as session:
        holders = rq.list_roles(session, team_id=request.team_id, role=role.name)
        emoji = ws.get_highlight_emoji(session, team_id=request.team_id)
    if not holders:
        request.say(
            f"There are no {role.plural} yet. {role.appointers[0].upper() + role.appointers[1:]} can appoint one with "
            f"`/talks {role.name} @name`."
        )
        return None
    how = f" They highlight shares by reacting with :{emoji}:." if role is LEADER else ""
    request.say(f"{role.plural.capitalize()} in Programme Talks: {mentions(holders)}.{how}")
    return None


def _appoint_or_remove(request: TalksRequest, role: _Role) -> Job | None:
    words = request.rest.split(maxsplit=1)
    first = words[0].lower() if words else ""
    remove = first in _REMOVE_WORDS
    typed = (words[1] if len(words) > 1 else "") if remove or first == "add" else request.rest
    user_ids = t.parse_people(typed)
    if user_ids is None:
        request.ack(text=_usage(role, typed), response_type="ephemeral")
        return None
    return Job(change_roles, (request.command, role.name, list(user_ids), remove))


@after_ack
def change_roles(run: JobRun, command: dict, role_name: str, user_ids: list[str], remove: bool) -> None:
    """Appoint or stand down, once the person who asked is known to be allowed (Slack's users.info)."""
    request, role = talks_request(run, command), CHAMPION if role_name == CHAMPION.name else LEADER
    if why := refusal(request, f"appoint or remove {role.plural}", champions_may=role.champions_may):
        request.say(why)
        return
    if remove:
        _remove(run, request, role, user_ids)
    else:
        _appoint(run, request, role, user_ids)


def _appoint(run: JobRun, request: TalksRequest, role: _Role, user_ids: list[str]) -> None:
    deps = request.deps
    if not run.done("added"):
        with deps.sessions.begin() as session:  # the appointments and the note of them commit together
            made = [
                user_id
                for user_id in user_ids
                if rq.add_role(
                    session,
                    team_id=request.team_id,
                    user_id=user_id,
                    role=role.name,
                    appointed_by=request.user_id,
                    now=deps.clock(),
                )
            ]
            _audit_roles(session, request, role, made, audit.Action.ROLE_GRANTED)
            run.note(session, "added", made)
    added: list[str] = run.value("added")
    with deps.sessions.begin() as session:
        emoji = ws.get_highlight_emoji(session, team_id=request.team_id)
    told = [user_id for user_id in added if _welcome(run, request, role, user_id, emoji)]
    said = []
    if added:
        are = f"is now a {role.name}" if len(added) == 1 else f"are now {role.plural}"
        said.append(f"✅ {mentions(added)} {are}.")
    if told:
        said.append(f"I've sent {mentions(told) if told != added else 'them'} a message explaining what that means.")
    if untold := [user_id for user_id in added if user_id not in told]:
        said.append(f"I couldn't send {mentions(untold)} a message, so please let them know yourself.")
    if already := [user_id for user_id in user_ids if user_id not in added]:
        was = f"was already a {role.name}" if len(already) == 1 else f"were already {role.plural}"
        said.append(f"{mentions(already)} {was}, so nothing changed there.")
    request.say(" ".join(said))
    refresh_homes(run, request.team_id, added)  # they now see what needs attention, and the last four weeks


def _remove(run: JobRun, request: TalksRequest, role: _Role, user_ids: list[str]) -> None:
    if not run.done("removed"):
        with request.deps.sessions.begin() as session:
            made = [
                user_id
                for user_id in user_ids
                if rq.remove_role(session, team_id=request.team_id, user_id=user_id, role=role.name)
            ]
            _audit_roles(session, request, role, made, audit.Action.ROLE_REMOVED)
            run.note(session, "removed", made)
    removed: list[str] = run.value("removed")
    said = []
    if removed:
        said.append(f"✅ {mentions(removed)} {'is' if len(removed) == 1 else 'are'} no longer {_a(role, removed)}.")
    if absent := [user_id for user_id in user_ids if user_id not in removed]:
        wasnt = "wasn't" if len(absent) == 1 else "weren't"
        said.append(f"{mentions(absent)} {wasnt} {_a(role, absent)}, so there was nothing to remove.")
    request.say(" ".join(said))
    refresh_homes(run, request.team_id, removed)


def _audit_roles(
    session: Session, request: TalksRequest, role: _Role, user_ids: list[str], action: audit.Action
) -> None:
    """Record each appointment or standing down in the audit trail, in the transaction that made it."""
    for user_id in user_ids:
        audit.add_entry(
            session,
            team_id=request.team_id,
            actor_id=request.user_id,
            action=action,
            now=request.deps.clock(),
            subject=f"user:{user_id}",
            details={"role": str(role.name)},
        )


def _a(role: _Role, user_ids: Sequence[str]) -> str:
    return f"a {role.name}" if len(user_ids) == 1 else role.plural


def _welcome(run: JobRun, request: TalksRequest, role: _Role, user_id: str, emoji: str) -> bool:
    """Tell someone by direct message (once) that they now hold a role; False if Slack wouldn't take it."""
    text = welcome_text(role.name, request.user_id, emoji)
    said = f"<@{request.user_id}> made you a {role.name} in Programme Talks"
    return isinstance(run.post_once(f"welcome {user_id}", user_id, [section(text)], said), Posted)


TALKS_VERBS: dict[str, TalksVerb] = {
    "champion": _champion,
    "champions": _champions,
    "leader": _leader,
    "leaders": _leaders,
}


def register(app: App, deps: Deps) -> None:
    """Roles have no listeners of their own: their words arrive through TALKS_VERBS."""
