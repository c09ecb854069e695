"""Leaders' highlights and everyone's appreciation: reactions on the shares the app posted, and
`/talks highlight-emoji` to choose the emoji leaders highlight with.

Bolt acknowledges events before their listener runs, so listeners only have to be quick. Slack delivers an
event again (same event_id, header X-Slack-Retry-Num) when it thinks the first delivery failed; `_apply_once`
is the one place that makes sure an event's effect on the database happens exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain import text as t
from handlers.context import Deps, Job, TalksRequest, TalksVerb, after_ack, listener
from handlers.ids import SlackEvent
from handlers.jobs import JobRun, talks_request
from handlers.permissions import refusal
from storage import audit, slack_events
from storage import reactions as rx
from storage import roles as rq
from storage import shares as ss
from storage import workspaces as ws
from storage.roles import RoleName

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.event(SlackEvent.REACTION_ADDED)(listener(handle_reaction_added, deps))
    app.event(SlackEvent.REACTION_REMOVED)(listener(handle_reaction_removed, deps))


@dataclass(frozen=True)
class MessageReaction:
    """Someone's reaction on a message, from a reaction_added or reaction_removed event."""

    team_id: str
    user_id: str
    emoji: str  # without a skin tone: "+1::skin-tone-2" arrives as "+1"
    channel_id: str
    ts: str


def message_reaction(body: dict) -> MessageReaction | None:
    """The reaction in this event, or None when it is not on a message (files and file comments have none)."""
    event = body.get("event") or {}
    item = event.get("item") or {}
    team_id, user_id, emoji, channel_id, ts = (
        body.get("team_id"),
        event.get("user"),
        event.get("reaction"),
        item.get("channel"),
        item.get("ts"),
    )
    if item.get("type") != "message" or not (team_id and user_id and emoji and channel_id and ts):
        return None
    return MessageReaction(team_id=team_id, user_id=user_id, emoji=t.base_emoji(emoji), channel_id=channel_id, ts=ts)


def handle_reaction_added(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    if reaction := message_reaction(body):
        _apply_once(
            body, deps, reaction, lambda session, share_id: _add_reaction(session, reaction, share_id, deps.clock())
        )


def handle_reaction_removed(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    if reaction := message_reaction(body):
        _apply_once(
            body, deps, reaction, lambda session, share_id: _remove_reaction(session, reaction, share_id, deps.clock())
        )


def _add_reaction(session: Session, reaction: MessageReaction, share_id: int, now: dt.datetime) -> None:
    """Store the reaction, and a highlight if a leader used the highlight emoji."""
    team_id, user_id = reaction.team_id, reaction.user_id
    rx.add_reaction(session, team_id=team_id, share_id=share_id, user_id=user_id, emoji=reaction.emoji, now=now)
    if (
        _is_highlight_emoji(session, reaction)
        and rq.has_role(session, team_id=team_id, user_id=user_id, role=RoleName.LEADER)
        and rx.add_highlight(session, team_id=team_id, share_id=share_id, leader_id=user_id, now=now)
    ):
        _audit_highlight(session, reaction, share_id, audit.Action.HIGHLIGHTED, now)


def _remove_reaction(session: Session, reaction: MessageReaction, share_id: int, now: dt.datetime) -> None:
    """Forget the reaction, and the highlight it made (even if its leader has since stood down)."""
    rx.remove_reaction(session, share_id=share_id, user_id=reaction.user_id, emoji=reaction.emoji)
    if _is_highlight_emoji(session, reaction) and rx.remove_highlight(
        session, share_id=share_id, leader_id=reaction.user_id
    ):
        _audit_highlight(session, reaction, share_id, audit.Action.UNHIGHLIGHTED, now)


def _audit_highlight(
    session: Session, reaction: MessageReaction, share_id: int, action: audit.Action, now: dt.datetime
) -> None:
    """Record a highlight made or taken back in the audit trail, in the transaction that made the change."""
    audit.add_entry(
        session,
        team_id=reaction.team_id,
        actor_id=reaction.user_id,
        action=action,
        now=now,
        subject=f"share:{share_id}",
    )


def _is_highlight_emoji(session: Session, reaction: MessageReaction) -> bool:
    return reaction.emoji == ws.get_highlight_emoji(session, team_id=reaction.team_id)


def _apply_once(body: dict, deps: Deps, reaction: MessageReaction, apply: Callable[[Session, int], None]) -> None:
    """Apply a reaction event to the share it is on, in one transaction that first records the event's id, so it
    happens exactly once.

    A retry that arrives later finds the event_id and changes nothing. A retry that races the first delivery
    fails on the event_id's unique constraint and is rolled back whole. An event on any message that is not a
    share the app posted concerns nothing of ours: nothing is kept, not even its event_id.
    """
    event_id = body["event_id"]
    try:
        with deps.sessions.begin() as session:
            share_id = ss.find_posted_share_id(
                session, team_id=reaction.team_id, channel_id=reaction.channel_id, ts=reaction.ts
            )
            if share_id is None:
                return
            if not slack_events.record_event(session, team_id=reaction.team_id, event_id=event_id, now=deps.clock()):
                log.info("skipped event %s: already applied (Slack retried it)", event_id)
                return
            apply(session, share_id)
    except IntegrityError:
        # Slack's retry racing the first delivery, or the same reaction arriving twice at once: already done.
        log.info("skipped event %s: it clashed with a change made at the same moment", event_id)


def _highlight_emoji(request: TalksRequest) -> Job | None:
    if not request.rest:
        request.ack()
        with request.deps.sessions.begin() as session:
            current = ws.get_highlight_emoji(session, team_id=request.team_id)
        request.say(
            f"Leaders highlight a share by reacting to it with :{current}: (`{current}`). Workspace owners, admins "
            "and champions can change it, for example: `/talks highlight-emoji star2`."
        )
        return None
    emoji = t.emoji_name(request.rest)
    if emoji is None:
        request.ack(
            text=(
                f"“{t.escape(t.shorten(request.rest, 100))}” isn't an emoji name I can use. Give one emoji name "
                "made of lowercase letters, numbers, `_`, `-`, `+` and `'` (up to 100 characters), for example "
                "`/talks highlight-emoji star2` or `/talks highlight-emoji :tada:`. Nothing has changed."
            ),
            response_type="ephemeral",
        )
        return None
    return Job(choose_highlight_emoji, (request.command, emoji))


@after_ack
def choose_highlight_emoji(run: JobRun, command: dict, emoji: str) -> None:
    request = talks_request(run, command)
    if why := refusal(request, "choose the highlight emoji", champions_may=True):
        request.say(why)
        return
    if not run.done("chosen"):
        with request.deps.sessions.begin() as session:
            was = ws.get_highlight_emoji(session, team_id=request.team_id)
            if was != emoji:
                ws.set_highlight_emoji(session, team_id=request.team_id, emoji=emoji, now=request.deps.clock())
            run.note(session, "chosen", was)
    before = run.value("chosen")
    if before == emoji:
        request.say(f"The highlight emoji is already :{emoji}:, so nothing has changed.")
        return
    request.say(
        f"✅ Done. Leaders now highlight a share by reacting with :{emoji}: instead of :{before}:. "
        "Highlights already made stay as they are."
    )


TALKS_VERBS: dict[str, TalksVerb] = {"highlight-emoji": _highlight_emoji}
