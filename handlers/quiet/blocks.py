"""Block Kit and words for quiet: the "While you were away" message, someone's pause and their choices of direct
messages. Pure functions over plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from domain import text as t
from domain.quiet import ALWAYS_ON, BACK_AT, CHOICES, Choice, Notice, back_words, held_line, summarise
from handlers.blocks import context, section

DMS_HINT = "Choose which direct messages you get with `/talks dms`."
PAUSE_EXAMPLE = "`/talks pause 2 weeks` or `/talks pause until 2027-01-04`"


def catch_up_blocks(held: Sequence[tuple[Notice, str | None]], *, since: dt.date | None) -> list[Block]:
    """The one message someone gets when they are back: what was held while they were away, counted, with links."""
    when = f" (since {back_words(since)})" if since else ""
    lines = [f"• {held_line(item, _open)}" for item in summarise(held)]
    said = (
        f"👋 *Welcome back.* While you were away{when}, I held back these direct messages so as not to disturb you:\n"
        + "\n".join(lines)
    )
    return [section(said), context(DMS_HINT)]


CATCH_UP_TEXT = "Welcome back: what I held back while you were away"


def paused_words(back_on: dt.date) -> str:
    """What `/talks pause` says when it starts (or moves) a pause."""
    return (
        f"⏸️ You're paused until {back_words(back_on)}. Until then I won't send you direct messages, except ones "
        "that need your answer (an agreement waiting for you to confirm, or someone asking whether they may share "
        f"your words). At {BACK_AT:%H:%M} that day I'll send you one message with what you missed. "
        "`/talks resume` ends it sooner."
    )


def showing_pause(back_on: dt.date | None, *, resuming: bool = False) -> str:
    """What `/talks pause` on its own says (or `/talks resume` when there is nothing to resume)."""
    if back_on is None:
        nothing = "You're not paused, so there's nothing to resume." if resuming else "You're not paused."
        return (
            f"{nothing} To have a break from my direct messages, type {PAUSE_EXAMPLE}: when you're back you get "
            "one message with what you missed."
        )
    return f"You're paused until {back_words(back_on)}. `/talks resume` ends it now."


def resumed_words(sent: str) -> str:
    """What `/talks resume` says, with what became of the catch-up: "sent", "nothing" or "later"."""
    if sent == "sent":
        return "👋 Welcome back! I've sent you a message with what you missed."
    if sent == "nothing":
        return "👋 Welcome back! Nothing was held for you while you were away."
    return "👋 Welcome back! I'll send you a message with what you missed in a minute or two."


def dms_blocks(turned_off: frozenset[Choice], back_on: dt.date | None) -> list[Block]:
    """`/talks dms`: each kind of direct message, on or off, and how to change one."""
    lines = [
        f"• `{choice.value}`: {'*off*' if choice in turned_off else 'on'}, {what}" for choice, what in CHOICES.items()
    ]
    paused = f"\n⏸️ You're paused until {back_words(back_on)}." if back_on else ""
    said = (
        "*Your direct messages from Programme Talks*\n" + "\n".join(lines) + f"\n{ALWAYS_ON}{paused}\n"
        "Turn one off with `/talks dms follow off`, and on again with `/talks dms follow on`. To have a break from "
        f"all of them for a while, type {PAUSE_EXAMPLE}."
    )
    return [section(said)]


def choice_changed(choice: Choice, on: bool, changed: bool) -> str:
    what = CHOICES[choice]
    if not changed:
        return f"`{choice.value}` is already {'on' if on else 'off'}: {what}. Nothing has changed."
    if on:
        return f"🔔 On again: {what}."
    return f"🔕 Off: {what}. `/talks dms {choice.value} on` turns it back on."


def _open(url: str) -> str:
    return t.link(url, "open")
