"""What every handler needs besides Slack's own arguments, handed in by bot.app.create_app."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from storage.db import Sessions

Clock = Callable[[], dt.datetime]


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
