"""One workspace of a sandbox that serves many (installed through OAuth), shaped like a one-workspace sandbox (`sim`,
`slack`, `sessions`) so the shared helpers (tests.helpers.agreements) drive it as they drive the default one."""

from __future__ import annotations

from typing import Any

from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, Sandbox
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


def run_env(monkeypatch, sandbox: Sandbox) -> None:
    """The environment `programme-talks run-due` runs with against this many-workspace sandbox."""
    for name, value in {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": sandbox.settings.database_url,
        "SLACK_API_URL": sandbox.slack.url,
        "PROGRAMME_TALKS_TZ": "Europe/London",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("PROGRAMME_TALKS_SECRET_KEY", raising=False)
