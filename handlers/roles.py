"""Champions and leaders: `/talks champion|leader [remove] @user`, `/talks champions|leaders`,
`/talks highlight-emoji <name>`.

Workspace owners and admins (Slack's users.info says so) appoint champions; they and champions appoint
leaders and choose the highlight emoji. Anyone may see who holds a role and which emoji highlights.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from domain import text as t
from handlers.blocks import TWO_QUESTIONS, section
from handlers.context import TalksRequest, TalksVerb
from storage import roles as rq
from storage.roles import RoleName

log = logging.getLogger(__name__)

# A user mention as Slack sends it in an escaped command: <@U123|name> or <@U123>.
_MENTION = re.compile(r"<@([UW][A-Z0-9_]{1,31})(?:\|[^<>]*)?>")
_BETWEEN_MENTIONS = re.compile(r"[\s,&]+|\band\b", re.IGNORECASE)
_EMOJI_NAME = re.compile(r"[a-z0-9_\-+']{1,100}")
_REMOVE_WORDS = {"remove", "delete"}

CANT_CHECK = (
    "Sorry, I couldn't check with Slack whether you can do that just now. Nothing has changed; "
    "please try again in a minute."
)


ADMINS = "workspace owners and admins"
ADMINS_AND_CHAMPIONS = "workspace owners, admins and Programme Talks champions"


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


# ---- pure parsing and wording ---------------------------------------------------------------------------


def parse_people(text: str) -> tuple[str, ...] | None:
    """The user ids mentioned in `text` ("<@U1|ann>, <@U2> and <@U3>"), or None if anything else is there."""
    ids = _MENTION.findall(text)
    if not ids or _BETWEEN_MENTIONS.sub("", _MENTION.sub(" ", text)):
        return None
    return tuple(dict.fromkeys(ids))


def base_emoji(name: str) -> str:
    """An emoji name without its skin tone: "+1::skin-tone-2" -> "+1"."""
    return name.split("::", 1)[0]


def emoji_name(text: str) -> str | None:
    """The emoji name in "star2", ":star2:" or ":+1::skin-tone-2:", or None if it can't be an emoji name."""
    name = base_emoji(text.strip().lower().strip(":"))
    return name if _EMOJI_NAME.fullmatch(name) else None


def people(user_ids: Sequence[str]) -> str:
    """Mentions of these people, joined in plain English: <@A>; <@A> and <@B>; <@A>, <@B> and <@C>."""
    mentions = [f"<@{user_id}>" for user_id in user_ids]
    return mentions[0] if len(mentions) == 1 else ", ".join(mentions[:-1]) + " and " + mentions[-1]


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


# ---- verbs ----------------------------------------------------------------------------------------------


def _champion(request: TalksRequest) -> None:
    _appoint_or_remove(request, CHAMPION)


def _leader(request: TalksRequest) -> None:
    _appoint_or_remove(request, LEADER)


def _champions(request: TalksRequest) -> None:
    _list_or_manage(request, CHAMPION)


def _leaders(request: TalksRequest) -> None:
    _list_or_manage(request, LEADER)


def _list_or_manage(request: TalksRequest, role: _Role) -> None:
    if request.rest:  # "/talks leaders @ann @ben": they meant to appoint
        _appoint_or_remove(request, role)
        return
    request.ack()
    with request.deps.sessions.begin() as session:
        holders = rq.list_roles(session, team_id=request.team_id, role=role.name)
        emoji = rq.get_highlight_emoji(session, team_id=request.team_id)
    if not holders:
        request.say(
            f"There are no {role.plural} yet. {role.appointers.capitalize()} can appoint one with "
            f"`/talks {role.name} @name`."
        )
        return
    how = f" They highlight shares by reacting with :{emoji}:." if role is LEADER else ""
    request.say(f"{role.plural.capitalize()} in Programme Talks: {people(holders)}.{how}")


def _appoint_or_remove(request: TalksRequest, role: _Role) -> None:
    words = request.rest.split(maxsplit=1)
    first = words[0].lower() if words else ""
    remove = first in _REMOVE_WORDS
    typed = (words[1] if len(words) > 1 else "") if remove or first == "add" else request.rest
    user_ids = parse_people(typed)
    if user_ids is None:
        request.ack(text=_usage(role, typed), response_type="ephemeral")
        return
    request.ack()
    if why := refusal(request, f"appoint or remove {role.plural}", champions_may=role.champions_may):
        request.say(why)
        return
    if remove:
        _remove(request, role, user_ids)
    else:
        _appoint(request, role, user_ids)


def _appoint(request: TalksRequest, role: _Role, user_ids: tuple[str, ...]) -> None:
    deps = request.deps
    with deps.sessions.begin() as session:
        added = [
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
        emoji = rq.get_highlight_emoji(session, team_id=request.team_id)
    told = [user_id for user_id in added if _welcome(request, role, user_id, emoji)]
    said = []
    if added:
        are = f"is now a {role.name}" if len(added) == 1 else f"are now {role.plural}"
        said.append(f"✅ {people(added)} {are}.")
    if told:
        said.append(f"I've sent {people(told) if told != added else 'them'} a message explaining what that means.")
    if untold := [user_id for user_id in added if user_id not in told]:
        said.append(f"I couldn't send {people(untold)} a message, so please let them know yourself.")
    if already := [user_id for user_id in user_ids if user_id not in added]:
        was = f"was already a {role.name}" if len(already) == 1 else f"were already {role.plural}"
        said.append(f"{people(already)} {was}, so nothing changed there.")
    request.say(" ".join(said))


def _remove(request: TalksRequest, role: _Role, user_ids: tuple[str, ...]) -> None:
    with request.deps.sessions.begin() as session:
        removed = [
            user_id
            for user_id in user_ids
            if rq.remove_role(session, team_id=request.team_id, user_id=user_id, role=role.name)
        ]
    said = []
    if removed:
        said.append(f"✅ {people(removed)} {'is' if len(removed) == 1 else 'are'} no longer {_a(role, removed)}.")
    if absent := [user_id for user_id in user_ids if user_id not in removed]:
        wasnt = "wasn't" if len(absent) == 1 else "weren't"
        said.append(f"{people(absent)} {wasnt} {_a(role, absent)}, so there was nothing to remove.")
    request.say(" ".join(said))


def _a(role: _Role, user_ids: Sequence[str]) -> str:
    return f"a {role.name}" if len(user_ids) == 1 else role.plural


def _highlight_emoji(request: TalksRequest) -> None:
    if not request.rest:
        request.ack()
        with request.deps.sessions.begin() as session:
            emoji = rq.get_highlight_emoji(session, team_id=request.team_id)
        request.say(
            f"Leaders highlight a share by reacting to it with :{emoji}: (`{emoji}`). Workspace owners, admins "
            "and champions can change it, for example: `/talks highlight-emoji star2`."
        )
        return
    emoji = emoji_name(request.rest)
    if emoji is None:
        request.ack(
            text=(
                f"“{t.escape(t.shorten(request.rest, 100))}” isn't an emoji name I can use. Give one emoji name "
                "made of lowercase letters, numbers, `_`, `-`, `+` and `'` (up to 100 characters), for example "
                "`/talks highlight-emoji star2` or `/talks highlight-emoji :tada:`. Nothing has changed."
            ),
            response_type="ephemeral",
        )
        return
    request.ack()
    if why := refusal(request, "choose the highlight emoji", champions_may=True):
        request.say(why)
        return
    with request.deps.sessions.begin() as session:
        before = rq.get_highlight_emoji(session, team_id=request.team_id)
        if before != emoji:
            rq.set_highlight_emoji(session, team_id=request.team_id, emoji=emoji, now=request.deps.clock())
    if before == emoji:
        request.say(f"The highlight emoji is already :{emoji}:, so nothing has changed.")
        return
    request.say(
        f"✅ Done. Leaders now highlight a share by reacting with :{emoji}: instead of :{before}:. "
        "Highlights already made stay as they are."
    )


# ---- who may -------------------------------------------------------------------------------------------


def refusal(request: TalksRequest, what: str, *, champions_may: bool) -> str | None:
    """Why the person who typed the command may not do `what`, naming who can; None if they may."""
    allowed = _allowed(request, champions_may=champions_may)
    if allowed is None:
        return CANT_CHECK
    if allowed:
        return None
    said = f"Sorry, only {ADMINS_AND_CHAMPIONS if champions_may else ADMINS} can {what}."
    if champions_may:
        with request.deps.sessions.begin() as session:
            champions = rq.list_roles(session, team_id=request.team_id, role=RoleName.CHAMPION)
        if champions:
            said += f" The {'champion is' if len(champions) == 1 else 'champions are'} {people(champions)}."
    return said + " Nothing has changed."


def _allowed(request: TalksRequest, *, champions_may: bool) -> bool | None:
    """Whether the person who typed the command is a workspace owner or admin (or, when enough, a champion).

    None when Slack couldn't be asked.
    """
    if champions_may:
        with request.deps.sessions.begin() as session:
            if rq.has_role(session, team_id=request.team_id, user_id=request.user_id, role=RoleName.CHAMPION):
                return True
    return workspace_admin(request.client, request.user_id)


def workspace_admin(client: WebClient, user_id: str) -> bool | None:
    """Whether Slack (users.info) says this person is a workspace owner or admin; None if Slack couldn't say."""
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not look up %s with users.info: %s", user_id, type(error).__name__)
        return None
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def _welcome(request: TalksRequest, role: _Role, user_id: str, emoji: str) -> bool:
    """Tell someone by direct message that they now hold a role; False if Slack wouldn't take the message."""
    text = welcome_text(role.name, request.user_id, emoji)
    try:
        request.client.chat_postMessage(
            channel=user_id,
            blocks=[section(text)],
            text=f"<@{request.user_id}> made you a {role.name} in Programme Talks",
        )
    except (SlackApiError, SlackClientError, OSError):
        return False
    return True


VERBS: dict[str, TalksVerb] = {
    "champion": _champion,
    "champions": _champions,
    "leader": _leader,
    "leaders": _leaders,
    "highlight-emoji": _highlight_emoji,
}
