"""What every handler needs besides Slack's own arguments, handed in by bot.app.create_app."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from storage.db import Sessions

Clock = Callable[[], dt.datetime]

log = logging.getLogger("programme_talks.handlers")


class DigestDesk(Protocol):
    """What handlers may ask of the digest runner (bot.scheduler.DigestRunner), handed in by create_app."""

    def preview(self, team_id: str, channel_id: str, now: dt.datetime) -> list: ...

    def post_now(self, team_id: str, channel_id: str, now: dt.datetime) -> str: ...


@dataclass(frozen=True)
class Deps:
    sessions: Sessions
    clock: Clock
    tz: ZoneInfo
    digests: DigestDesk | None = None
    background: Executor | None = None  # runs the work handlers hand back after acknowledging

    def later(self, work: Later, name: str) -> None:
        """Run `work` after Slack has its acknowledgement, off the threads that acknowledge."""

        def run() -> None:
            try:
                work()
            except Exception:
                log.exception("%s failed after acknowledging", name)

        if self.background is None:
            run()
        else:
            self.background.submit(run)

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()


@dataclass(frozen=True)
class ModalContext:
    """A modal's private_metadata: where it was opened from and what it edits."""

    channel_id: str | None = None
    share_id: int | None = None

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def from_json(cls, text: str | None) -> ModalContext:
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return cls()
        return cls(channel_id=data.get("channel_id"), share_id=data.get("share_id"))


Later = Callable[[], None]
Handler = Callable[..., Later | None]  # handler(ack, body, respond, client, deps) -> slow work for after ack


def listener(handler: Handler, deps: Deps) -> Callable[..., None]:
    """Adapt a handler to Bolt, in the one place that deals with failures and with work after acknowledging.

    A handler acknowledges, and may return the slow part of its work (saving, posting): that runs on the
    `background` executor, so acknowledgements never queue behind earlier requests' work. Bolt throws away an
    acknowledgement whose listener raises afterwards (Slack would then see a 404), so errors never leave here:
    they are logged with the traceback, and Slack is acknowledged if it was not.
    """

    def run(ack, body, respond, client) -> None:
        try:
            work = handler(ack, body, respond, client, deps)
        except Exception:
            log.exception("%s failed", handler.__name__)
            if ack.response is None:
                ack()
            return
        if ack.response is None:
            ack()
        if work is not None:
            deps.later(work, handler.__name__)

    run.__name__ = handler.__name__
    return run


@dataclass(frozen=True)
class TalksRequest:
    """One `/talks <verb> <rest>` command, parsed, with what a verb needs to answer it."""

    ack: Callable[..., None]
    command: dict
    respond: Callable[..., None]
    client: object  # slack_sdk.WebClient
    deps: Deps
    verb: str
    rest: str

    @property
    def team_id(self) -> str:
        return self.command["team_id"]

    @property
    def user_id(self) -> str:
        return self.command["user_id"]

    def say(self, text: str) -> None:
        """Answer only the person who typed the command (after ack)."""
        self.respond(text=text, response_type="ephemeral")


TalksVerb = Callable[[TalksRequest], None]
