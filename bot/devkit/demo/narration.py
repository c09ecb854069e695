"""How the demo speaks: its lines, each scene's heading, what Slack shows a person (drawn by domain.slack_text, with
the cast's names), and the scheduler's work told in people's terms, never as ids, ledger keys or job names."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import TextIO

from domain.slack_text import render_blocks, to_terminal
from storage.ledger import Kind

RULE = 64  # how wide a scene's heading is drawn


def wants_color(out: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Bold and italics only for a person at a terminal who has not asked for none (https://no-color.org)."""
    return out.isatty() and not environ.get("NO_COLOR")


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


class Narrator:
    """Prints the scene: `users` and `channels` name the people and channels Slack's text mentions by id."""

    def __init__(self, out: TextIO, *, color: bool, users: Mapping[str, str], channels: Mapping[str, str]):
        self.out, self.color, self.users, self.channels = out, color, users, channels
        self.scenes = 0
        self.today: dt.date | None = None

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def day(self, moment: dt.datetime) -> None:
        """A line for each new day of the scene."""
        if moment.date() != self.today:
            self.today = moment.date()
            self.say(f"\n📅 {moment:%A} {moment.day} {moment:%B}")

    def heading(self, title: str) -> None:
        """The next scene's numbered heading."""
        self.scenes += 1
        self.titled(f"{self.scenes}. {title}")

    def titled(self, title: str) -> None:
        line = f"── {title} " + "─" * max(3, RULE - len(title))
        self.say("\n" + (f"\x1b[1m{line}\x1b[22m" if self.color else line))

    def show(self, caption: str, blocks: list[dict]) -> None:
        """What Slack shows for these blocks, framed under a caption saying who sees it where."""
        self.say(caption)
        for line in render_blocks(blocks, users=self.users, channels=self.channels, color=self.color):
            self.say(f"  │ {line}".rstrip())

    def words(self, mrkdwn: str) -> str:
        """Slack's text (a one-line answer, a message someone typed) as Slack shows it, for a line of narration."""
        return to_terminal(mrkdwn, users=self.users, channels=self.channels, color=self.color)

    def delivered(self, moment: dt.datetime, kind: str, target: str) -> None:
        """A line for one message the scheduler delivered: "Monday 09:00: the week's digest arrives in #practice"."""
        said = TOLD.get((kind, target in self.channels))
        if said is None:
            said = "a scheduled message arrives in {where}" if target in self.channels else "{who} gets a message"
        where, who = f"#{self.channels.get(target)}", self.users.get(target, "someone")
        self.say(f"{moment:%A %H:%M}: " + said.format(where=where, who=who))

    def told_first(self, kind: str, target: str) -> tuple[int, str]:
        """Where a delivered message comes in the telling: in TOLD's order, then by name."""
        told = list(TOLD)
        key = (kind, target in self.channels)
        return told.index(key) if key in told else len(told), self.channels.get(target) or self.users.get(target, "")


# The scheduler's messages in people's terms, by (kind, whether it goes to a channel), in the order they are told.
TOLD: dict[tuple[str, bool], str] = {
    (Kind.DIGEST, True): "the week's digest arrives in {where}",
    (Kind.CHAMPION_DIGEST, False): "{who}, a champion, gets a copy by direct message, with what needs a champion first",
    (Kind.PROMPT, True): "the two questions arrive in {where}, before the team meets",
    (Kind.REVIEW_NUDGE, True): "a nudge to review the agreement arrives in {where}",
    (Kind.REVIEW_NUDGE, False): "{who} gets the same nudge by direct message",
    (Kind.MEETUP_REMINDER, False): "{who}, who is going, gets a reminder of tomorrow's event",
    (Kind.FOLLOW_BUNDLE, False): "{who} gets one direct message with what's new for the tags they follow",
    (Kind.NEWSLETTER_DRAFT, False): "{who} gets the month's draft newsletter to look over",
}


def drawn(blocks: list[dict]) -> list[str]:
    """Blocks as lines of plain words (names left out), to wait for what a message says."""
    return render_blocks(blocks, users={}, channels={}, color=False)


def note(text: str) -> list[dict]:
    """A grey line of our own among what Slack would show, to say what was left out."""
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]
