"""One workspace of a sandbox that serves many (installed through OAuth), shaped like a one-workspace sandbox (`sim`,
`slack`, `sessions`) so the shared helpers (tests.helpers.agreements) drive it as they drive the default one."""

from __future__ import annotations

from typing import Any

from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import Sandbox
from bot.devkit.simulate import SlackSimulator


class TeamSlack:
    """The stand-in as one workspace sees it: `messages` reads that workspace's; everything else is the stand-in's."""

    def __init__(self, slack: LocalSlack, team_id: str):
        self._slack, self.team_id = slack, team_id

    def messages(self, channel: str, *, team_id: str | None = None) -> list[dict[str, Any]]:
        return self._slack.messages(channel, team_id=team_id or self.team_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._slack, name)


class Workspace:
    """A workspace the app is installed in: people there act through `sim`; `slack` shows what they were sent."""

    def __init__(self, sandbox: Sandbox, sim: SlackSimulator):
        assert sandbox.slack is not None
        self.sim, self.sessions, self.team_id = sim, sandbox.sessions, sim.team_id
        self.slack = TeamSlack(sandbox.slack, sim.team_id)
