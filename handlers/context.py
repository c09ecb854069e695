"""What every handler needs besides Slack's own arguments, handed in by bot.app.create_app."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from storage.db import Sessions

Clock = Callable[[], dt.datetime]

log = logging.getLogger("programme_talks.handlers")


@dataclass(frozen=True)
class Deps:
    sessions: Sessions
    clock: Clock
    tz: ZoneInfo

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


Handler = Callable[..., None]  # handler(ack, body, respond, client, deps)


def listener(handler: Handler, deps: Deps) -> Callable[..., None]:
    """Adapt a handler to Bolt, in the one place that deals with failures.

    Bolt throws away an acknowledgement whose listener raises afterwards (Slack would then see a 404), so
    errors never leave here: they are logged with the traceback, and Slack is acknowledged if it was not.
    """

    def run(ack, body, respond, client) -> None:
        try:
            handler(ack, body, respond, client, deps)
        except Exception:
            log.exception("%s failed", handler.__name__)
            if ack.response is None:
                ack()

    run.__name__ = handler.__name__
    return run
