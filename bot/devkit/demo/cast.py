"""Who is in the demo, where they talk, and when: its people and channels (added to the local Slack stand-in,
which is where the demo later reads their names), and the scene's clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

TIMEZONE = "Europe/London"  # the workspace's


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    admin: bool = False


AMIRA = Person("U_AMIRA", "Amira")  # a youth worker
BEN = Person("U_BEN", "Ben")  # a teacher
CHLOE = Person("U_CHLOE", "Chloe")  # becomes a champion
DEV = Person("U_DEV", "Dev")  # a youth worker who knows Riverside Trust
LEO = Person("U_LEO", "Leo")  # their service manager, a leader
PRIYA = Person("U_PRIYA", "Priya", admin=True)  # looks after the Slack workspace
PEOPLE = (AMIRA, BEN, CHLOE, DEV, LEO, PRIYA)

PRACTICE, PARTNERS = "C_PRACTICE", "C_PARTNERS"
CHANNELS = {PRACTICE: "practice", PARTNERS: "partners"}


def at(day: int, hour: int, minute: int = 0, *, month: int = 11) -> dt.datetime:
    """A moment of the scene, late November (or early December) 2026, in the workspace's time zone."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(TIMEZONE))


class SceneClock:
    """The app's clock, moved on by the scene so that the week's events happen on different days."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class StepFailed(Exception):
    """Something the scene expected from the app did not happen."""
