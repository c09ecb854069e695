"""Where the scene is played: the real app in a sandbox, against the local Slack stand-in. What the cast can do
there (type a command, click, fill in a form, use a shortcut, react, open the Home tab), what they can see (the
messages, forms and tabs Slack holds), what the database holds, and the scheduler, told in people's terms."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, func, select

from bot.delivery import Runner
from bot.delivery.runner import left_undone
from bot.devkit.demo.cast import PRACTICE, Person, SceneClock, StepFailed
from bot.devkit.demo.narration import Narrator
from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import Sandbox
from bot.devkit.simulate import Reply, SlackSimulator
from storage.db import reading
from storage.jobs import JobStatus
from storage.ledger import Kind, Status
from storage.models import Base, CollabRequest, Delivery, QueuedJob, Share

MENTION = re.compile(r"<[@#][A-Z0-9_]+(?:\|[^<>]*)?>")  # a person or channel picked in Slack's message box


class Stage:
    """The sandbox (`sb`), the scene's clock, and the narrator; a scene does everything through it."""

    def __init__(self, sb: Sandbox, clock: SceneClock, narrator: Narrator):
        self.sb, self.clock, self.narrator = sb, clock, narrator
        self.say, self.show, self.heading, self.words = narrator.say, narrator.show, narrator.heading, narrator.words
        self.answered_at_once: dict[str, dict] = {}  # by response_url

    @property
    def slack(self) -> LocalSlack:
        """The sandbox's Slack stand-in, which the demo's always has (it runs one of its own)."""
        assert self.sb.slack is not None
        return self.sb.slack

    @property
    def sim(self) -> SlackSimulator:
        """What sends the app Slack's requests, made with the stand-in."""
        assert self.sb.sim is not None
        return self.sb.sim

    # ---- what people do --------------------------------------------------------------------------------------

    def command(self, person: Person, name: str, text: str = "", *, channel: str = PRACTICE) -> str:
        """Type a slash command (and say so); returns its response_url."""
        typed = MENTION.sub(lambda mention: self.words(mention[0]), f"{name} {text}".rstrip())
        self.say(f"{person.name} types in #{self.narrator.channels[channel]}:  {typed}")
        reply, response_url = self.sim.command(name, text, user=person.id, channel=channel)
        if reply.status == 200 and reply.body.strip().startswith("{"):
            self.answered_at_once[response_url] = reply.json()  # the app answered in its acknowledgement
        else:
            check(reply, name)
        return response_url

    def click(self, message: dict, action_id: str, person: Person, *, channel: str, what: str) -> str:
        """Click a button on a message (`channel` is where it is: a direct message's is "D" + the person's id)."""
        reply, response_url = self.sim.click(message, action_id, user=person.id, channel=channel)
        check(reply, f"clicking {what}")
        return response_url

    def submit(self, view: dict, values: Mapping[str, object], person: Person, what: str) -> Reply:
        reply = self.sim.submit(view, values, user=person.id)
        check(reply, what)
        return reply

    def next_step(self, view: dict, values: Mapping[str, object], person: Person, what: str) -> dict:
        """Submit a form whose answer is its next step (response_action update); that step."""
        reply = self.sim.submit(view, values, user=person.id)
        if reply.status != 200 or not reply.body.strip() or reply.json().get("response_action") != "update":
            raise StepFailed(f"Slack sent {what} and the app answered HTTP {reply.status}: {reply.body[:500]}")
        return reply.json()["view"]

    def shortcut(self, message: dict, callback_id: str, person: Person, *, author: Person, channel: str) -> None:
        """Use a message shortcut (from a message's ⋯ menu) on a message `author` wrote in `channel`."""
        reply, _ = self.sim.shortcut(message, callback_id, user=person.id, channel=channel, author=author.id)
        check(reply, "a message shortcut")

    def react(self, person: Person, emoji: str, message: dict, *, channel: str = PRACTICE) -> None:
        item = {"type": "message", "channel": channel, "ts": message["ts"]}
        event = {"type": "reaction_added", "user": person.id, "reaction": emoji, "item_user": "UBOT", "item": item}
        check(self.sim.event({**event, "event_ts": f"{time.time():.6f}"}), f"{person.name}'s reaction")

    def open_home(self, person: Person) -> dict:
        """Open the app's Home tab, as Slack tells the app; the view the app published there."""
        published = len(self.published_for(person))
        event = {"type": "app_home_opened", "user": person.id, "channel": f"D{person.id}", "tab": "home"}
        check(self.sim.event({**event, "event_ts": f"{time.time():.6f}"}), f"{person.name} opening the Home tab")
        calls = self.slack.wait_for(
            "views.publish", count=published + 1, where=lambda c: c.args["user_id"] == person.id
        )
        return calls[published].response["view"]

    def published_for(self, person: Person) -> list:
        return [call for call in self.slack.calls_to("views.publish") if call.args["user_id"] == person.id]

    # ---- what they see ---------------------------------------------------------------------------------------

    def answer(self, response_url: str) -> dict:
        """What the app answered a command with, only to its typist: in its acknowledgement, or later through the
        response_url."""
        if response_url in self.answered_at_once:
            return self.answered_at_once[response_url]
        return self.slack.wait_for("response_url", where=lambda call: call.args.get("url") == response_url)[0].args

    def seen_only_by(self, person: Person) -> dict:
        """The latest message the app showed only this person in a channel (chat.postEphemeral)."""
        return self.slack.wait_for("chat.postEphemeral", where=lambda call: call.args.get("user") == person.id)[-1].args

    def message(self, where: str, starting: str, *, nth: int = -1) -> dict:
        """A message in a channel (or a person's direct messages, by their id) whose notification text starts with
        `starting`, as it stands: the latest, or the `nth`."""
        self.wait_until(lambda: self.find(where, starting), f"no message “{starting}…” in {self.name_of(where)}")
        return self.find(where, starting)[nth]

    def latest(self, where: str) -> dict:
        """The latest message the app posted in a channel (or to a person)."""
        self.wait_until(lambda: self.slack.messages(where), f"no message in {self.name_of(where)}")
        return self.slack.messages(where)[-1]

    def only(self, where: str, starting: str) -> dict:
        """The one such message; it is a step failure if there are more."""
        found = self.find(where, starting)
        if len(found) != 1:
            raise StepFailed(f"expected one message “{starting}…” in {self.name_of(where)}, found {len(found)}")
        return found[0]

    def find(self, where: str, starting: str) -> list[dict]:
        return [m for m in self.slack.messages(where) if m["text"].startswith(starting)]

    def opened(self, callback_id: str) -> dict:
        """The latest form the app opened with this callback_id, as Slack holds it."""
        calls = self.slack.wait_for("views.open", where=lambda call: call.args["view"]["callback_id"] == callback_id)
        return calls[-1].response["view"]

    def name_of(self, where: str) -> str:
        channels, users = self.narrator.channels, self.narrator.users
        return f"#{channels[where]}" if where in channels else users.get(where, "someone") + "'s direct messages"

    def wait_until(self, condition: Callable[[], Any], failure: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise StepFailed(f"{failure} within {timeout}s")
            time.sleep(0.01)

    def settle(self) -> None:
        """Wait until the app's outbox is drained: every job it handed on after answering Slack is done (none is
        waiting, none is being done), and every share and request knows its message. So the next moment of the
        scene starts from a quiet app, and what the database holds can be counted."""
        self.wait_until(
            lambda: (
                not self.stored(QueuedJob, QueuedJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
                and not self.stored(Share, Share.message_ts.is_(None))
                and not self.stored(CollabRequest, CollabRequest.message_ts.is_(None))
            ),
            "the app did not finish its work",
            timeout=60,
        )
        if given_up := self.stored(QueuedJob, QueuedJob.status == JobStatus.FAILED):
            raise StepFailed(f"the app gave up on {given_up} piece(s) of its work")

    # ---- the database ----------------------------------------------------------------------------------------

    def stored(self, model: type[Base], *where: ColumnElement[bool]) -> int:
        """How many rows of `model` (matching `where`) the database holds. Read without taking SQLite's one write
        lock, so that looking never holds up the app's own work."""
        with reading(self.sb.sessions) as session:
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    def delivered(self, *kinds: Kind) -> int:
        """How many of the scheduler's messages of these kinds the delivery ledger records as delivered."""
        return self.stored(Delivery, Delivery.status == Status.DELIVERED, Delivery.kind.in_(kinds))

    # ---- the scheduler ---------------------------------------------------------------------------------------

    def scheduler(self, moment: dt.datetime) -> list[tuple[str, str]]:
        """Wake the scheduler at `moment`, as it wakes every minute (and as `programme-talks run-due` does by hand),
        and say what it delivered, read from the delivery ledger; (kind, target) for each."""
        with reading(self.sb.sessions) as session:
            seen = session.scalar(select(func.max(Delivery.id))) or 0
        lines = Runner(self.sb.sessions, self.sb.client, self.sb.settings.tz, clock=lambda: moment).run_due(moment)
        with reading(self.sb.sessions) as session:
            done = session.execute(select(Delivery.kind, Delivery.target, Delivery.status).where(Delivery.id > seen))
            rows = [(kind, target, status) for kind, target, status in done]
        if left_undone(lines) or any(status != Status.DELIVERED for *_, status in rows):
            raise StepFailed("the scheduler could not deliver everything: " + "; ".join(lines))
        told = sorted(((kind, target) for kind, target, _ in rows), key=lambda row: self.narrator.told_first(*row))
        for kind, target in told:
            self.narrator.delivered(moment, kind, target)
        if not told:
            self.say(f"{moment:%A %H:%M}: the scheduler wakes up and finds nothing new to send.")
        return told


def check(reply: Reply, what: str) -> None:
    if reply.status != 200 or reply.body.strip():
        answered = reply.body[:500] or "(empty)"
        raise StepFailed(f"Slack sent {what} and the app answered HTTP {reply.status}: {answered}")
