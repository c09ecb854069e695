"""Reactions on the app's shares: appreciation from anyone, highlights from leaders, each applied exactly once."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import select

from storage.models import Highlight, ProcessedEvent, Reaction
from tests.helpers import count, response_to, shares, wait_until

CHANNEL = "C_PRACTICE"
ADMIN, LEO, LIZ, STAFF = "U_ADMIN", "U_LEO", "U_LIZ", "U_STAFF"


@pytest.fixture(autouse=True)
def workspace(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)


@pytest.fixture
def share_ts(sandbox) -> str:
    """The ts of a share the app posted in CHANNEL."""
    sandbox.sim.command("/share", "Texting parents the night before doubled homework club attendance", user=STAFF)
    return wait_until(lambda: shares(sandbox.sessions) and shares(sandbox.sessions)[0].message_ts)


def appoint_leaders(sandbox, *leaders: str) -> None:
    mentions = " ".join(f"<@{leader}>" for leader in leaders)
    _, url = sandbox.sim.command("/talks", f"leader {mentions}", user=ADMIN)
    named = " and ".join(f"<@{leader}>" for leader in leaders)  # one or two of them here
    are = "is now a leader" if len(leaders) == 1 else "are now leaders"
    said = response_to(sandbox.slack, url).args["text"]
    assert said.startswith("✅")
    assert said == f"✅ {named} {are}. I've sent them a message explaining what that means."


def react(
    sandbox,
    user: str,
    emoji: str,
    ts: str,
    *,
    removed: bool = False,
    channel: str = CHANNEL,
    event_id: str | None = None,
    retry_num: int | None = None,
) -> None:
    """Slack telling the app that someone added (or removed) a reaction on a message."""
    event = {
        "type": "reaction_removed" if removed else "reaction_added",
        "user": user,
        "reaction": emoji,
        "item_user": "UBOT",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": "1764237600.000200",
    }
    assert sandbox.sim.event(event, event_id=event_id, retry_num=retry_num).status == 200


def reactions(sandbox) -> list[tuple[str, str]]:
    with sandbox.sessions() as session:
        return [(r.user_id, r.emoji) for r in session.scalars(select(Reaction).order_by(Reaction.id))]


def highlighters(sandbox) -> list[str]:
    with sandbox.sessions() as session:
        return list(session.scalars(select(Highlight.leader_id).order_by(Highlight.id)))


def finish_listeners(sandbox) -> None:
    """Wait for every listener already started to finish. Slack is acknowledged first and the work runs after,
    so this is how to be sure something did *not* happen. No more requests can be handled afterwards."""
    sandbox.drain()


def test_leader_star_on_a_share_makes_it_a_highlight_credited_to_them(sandbox, share_ts):
    appoint_leaders(sandbox, LEO)
    react(sandbox, LEO, "star", share_ts)
    wait_until(lambda: highlighters(sandbox) == [LEO])
    assert reactions(sandbox) == [(LEO, "star")]
    share_id = shares(sandbox.sessions)[0].id
    with sandbox.sessions() as session:
        highlight = session.scalar(select(Highlight))
        assert (highlight.team_id, highlight.share_id) == ("T0001", share_id)


def test_leader_removing_their_star_takes_the_highlight_back(sandbox, share_ts):
    appoint_leaders(sandbox, LEO)
    react(sandbox, LEO, "star", share_ts)
    wait_until(lambda: highlighters(sandbox) == [LEO])
    react(sandbox, LEO, "star", share_ts, removed=True)
    wait_until(lambda: not reactions(sandbox))
    assert highlighters(sandbox) == []


def test_a_share_stays_highlighted_while_another_leaders_highlight_remains(sandbox, share_ts):
    appoint_leaders(sandbox, LEO, LIZ)
    react(sandbox, LEO, "star", share_ts)
    react(sandbox, LIZ, "star", share_ts)
    wait_until(lambda: sorted(highlighters(sandbox)) == [LEO, LIZ])
    react(sandbox, LEO, "star", share_ts, removed=True)
    wait_until(lambda: reactions(sandbox) == [(LIZ, "star")])
    assert highlighters(sandbox) == [LIZ]


def test_a_star_from_someone_who_is_not_a_leader_is_appreciation_only(sandbox, share_ts):
    react(sandbox, STAFF, "star", share_ts)
    wait_until(lambda: reactions(sandbox) == [(STAFF, "star")])
    assert highlighters(sandbox) == []  # stored in the same transaction as the reaction


def test_a_leaders_other_emoji_is_appreciation_only_and_skin_tones_are_ignored(sandbox, share_ts):
    appoint_leaders(sandbox, LEO)
    react(sandbox, LEO, "+1::skin-tone-2", share_ts)
    react(sandbox, STAFF, "+1::skin-tone-5", share_ts)
    wait_until(lambda: sorted(reactions(sandbox)) == [(LEO, "+1"), (STAFF, "+1")])
    assert highlighters(sandbox) == []
    react(sandbox, STAFF, "+1::skin-tone-5", share_ts, removed=True)
    wait_until(lambda: reactions(sandbox) == [(LEO, "+1")])


def test_a_custom_highlight_emoji_highlights_and_star_then_does_not(sandbox, share_ts):
    appoint_leaders(sandbox, LEO)
    _, url = sandbox.sim.command("/talks", "highlight-emoji :raised_hands:", user=ADMIN)
    assert response_to(sandbox.slack, url).args["text"] == (
        "✅ Done. Leaders now highlight a share by reacting with :raised_hands: instead of :star:. "
        "Highlights already made stay as they are."
    )
    react(sandbox, LEO, "star", share_ts)
    wait_until(lambda: reactions(sandbox) == [(LEO, "star")])
    assert highlighters(sandbox) == []
    react(sandbox, LEO, "raised_hands::skin-tone-3", share_ts)
    wait_until(lambda: highlighters(sandbox) == [LEO])
    react(sandbox, LEO, "star", share_ts, removed=True)
    wait_until(lambda: reactions(sandbox) == [(LEO, "raised_hands")])
    assert highlighters(sandbox) == [LEO]


def test_reactions_on_messages_the_app_did_not_post_store_nothing(sandbox, share_ts):
    appoint_leaders(sandbox, LEO)
    react(sandbox, LEO, "star", "1700000000.999999")  # someone else's message
    react(sandbox, LEO, "star", share_ts, channel="C_ELSEWHERE")  # same ts, other channel
    file_event = {"type": "reaction_added", "user": LEO, "reaction": "star", "item": {"type": "file", "file": "F1"}}
    assert sandbox.sim.event(file_event).status == 200
    finish_listeners(sandbox)
    assert (reactions(sandbox), highlighters(sandbox)) == ([], [])
    assert count(sandbox.sessions, ProcessedEvent) == 0  # not even the event_ids are kept


def test_a_retried_event_is_applied_once_and_a_retried_removal_does_not_undo_a_later_highlight(sandbox, share_ts):
    appoint_leaders(sandbox, LEO)
    react(sandbox, LEO, "star", share_ts, event_id="Ev_ADD_1")
    wait_until(lambda: highlighters(sandbox) == [LEO])
    react(sandbox, LEO, "star", share_ts, event_id="Ev_ADD_1", retry_num=1)
    react(sandbox, LEO, "star", share_ts, removed=True, event_id="Ev_REMOVE")
    wait_until(lambda: highlighters(sandbox) == [])
    react(sandbox, LEO, "star", share_ts, event_id="Ev_ADD_2")
    wait_until(lambda: highlighters(sandbox) == [LEO])
    react(sandbox, LEO, "star", share_ts, removed=True, event_id="Ev_REMOVE", retry_num=1)  # arrives late
    react(sandbox, LEO, "star", share_ts, removed=True, event_id="Ev_REMOVE", retry_num=2)
    finish_listeners(sandbox)
    assert highlighters(sandbox) == [LEO]
    assert reactions(sandbox) == [(LEO, "star")]
    assert count(sandbox.sessions, ProcessedEvent) == 3


def test_the_same_event_delivered_twice_at_once_is_applied_once_without_errors(sandbox, share_ts, caplog):
    appoint_leaders(sandbox, LEO)
    react(sandbox, LEO, "star", share_ts, event_id="Ev_FIRST")
    wait_until(lambda: highlighters(sandbox) == [LEO])
    deliveries = [
        threading.Thread(
            target=react,
            args=(sandbox, LEO, "star", share_ts),
            kwargs={"removed": True, "event_id": "Ev_TWICE", "retry_num": retry},
        )
        for retry in (None, 1, 2)
    ]
    with caplog.at_level(logging.WARNING):
        for delivery in deliveries:
            delivery.start()
        for delivery in deliveries:
            delivery.join()
        finish_listeners(sandbox)
    assert (highlighters(sandbox), reactions(sandbox)) == ([], [])
    assert count(sandbox.sessions, ProcessedEvent) == 2
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


def test_reactions_in_another_workspace_do_not_touch_this_one(sandbox, share_ts):
    appoint_leaders(sandbox, LEO)
    react(sandbox, LEO, "star", share_ts)
    wait_until(lambda: highlighters(sandbox) == [LEO])
    sandbox.sim.team_id = "T_OTHER"
    react(sandbox, LEO, "star", share_ts, removed=True)
    react(sandbox, STAFF, "tada", share_ts)
    finish_listeners(sandbox)
    assert highlighters(sandbox) == [LEO]
    assert reactions(sandbox) == [(LEO, "star")]
