"""Events from Slack's Events API.

Bolt acknowledges events before their listener runs, so listeners only have to be quick. Slack delivers an
event again (same event_id, header X-Slack-Retry-Num) when it thinks the first delivery failed; `_apply_once`
is the one place that makes sure an event's effect on the database happens exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from handlers import blocks
from handlers.context import Deps, listener
from handlers.ids import Event
from handlers.roles import base_emoji
from storage import roles as rq
from storage.roles import RoleName

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.event(Event.APP_HOME_OPENED)(listener(handle_app_home_opened, deps))
    app.event(Event.REACTION_ADDED)(listener(handle_reaction_added, deps))
    app.event(Event.REACTION_REMOVED)(listener(handle_reaction_removed, deps))


def handle_app_home_opened(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    event = body["event"]
    if event.get("tab", "home") == "home":
        client.views_publish(user_id=event["user"], view=blocks.home_view())


# ---- reactions: appreciation for everyone, highlights from leaders --------------------------------------


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
    fields = (body.get("team_id"), event.get("user"), event.get("reaction"), item.get("channel"), item.get("ts"))
    if item.get("type") != "message" or not all(fields):
        return None
    team_id, user_id, emoji, channel_id, ts = fields
    return MessageReaction(team_id=team_id, user_id=user_id, emoji=base_emoji(emoji), channel_id=channel_id, ts=ts)


def handle_reaction_added(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    if reaction := message_reaction(body):
        _apply_once(body, deps, lambda session: _add_reaction(session, reaction, deps.clock()))


def handle_reaction_removed(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    if reaction := message_reaction(body):
        _apply_once(body, deps, lambda session: _remove_reaction(session, reaction))


def _add_reaction(session: Session, reaction: MessageReaction, now: dt.datetime) -> bool:
    """Store the reaction if it is on a share the app posted, and a highlight if a leader used the emoji."""
    share = rq.find_posted_share(session, team_id=reaction.team_id, channel_id=reaction.channel_id, ts=reaction.ts)
    if share is None:
        return False
    rq.add_reaction(session, share, user_id=reaction.user_id, emoji=reaction.emoji, now=now)
    if _is_highlight_emoji(session, reaction) and rq.has_role(
        session, team_id=reaction.team_id, user_id=reaction.user_id, role=RoleName.LEADER
    ):
        rq.add_highlight(session, share, leader_id=reaction.user_id, now=now)
    return True


def _remove_reaction(session: Session, reaction: MessageReaction) -> bool:
    """Forget the reaction, and the highlight it made (even if its leader has since stood down)."""
    share = rq.find_posted_share(session, team_id=reaction.team_id, channel_id=reaction.channel_id, ts=reaction.ts)
    if share is None:
        return False
    rq.remove_reaction(session, share, user_id=reaction.user_id, emoji=reaction.emoji)
    if _is_highlight_emoji(session, reaction):
        rq.remove_highlight(session, share, leader_id=reaction.user_id)
    return True


def _is_highlight_emoji(session: Session, reaction: MessageReaction) -> bool:
    return reaction.emoji == rq.get_highlight_emoji(session, team_id=reaction.team_id)


# ---- exactly once -------------------------------------------------------------------------------------


def _apply_once(body: dict, deps: Deps, apply: Callable[[Session], bool]) -> None:
    """Apply an event's effect in one transaction that first records its event_id, so it happens exactly once.

    A retry that arrives later finds the event_id and changes nothing. A retry that races the first delivery
    fails on the event_id's unique constraint and is rolled back whole. When the event turns out to concern
    nothing of ours (`apply` returns False), nothing is kept, not even the event_id.
    """
    team_id, event_id = body["team_id"], body["event_id"]
    try:
        with deps.sessions.begin() as session:
            if not rq.record_event(session, team_id=team_id, event_id=event_id, now=deps.clock()):
                log.info("skipped event %s: already applied (Slack retried it)", event_id)
                return
            if not apply(session):
                session.rollback()
    except IntegrityError:
        # Slack's retry racing the first delivery, or the same reaction arriving twice at once: already done.
        log.info("skipped event %s: it clashed with a change made at the same moment", event_id)
