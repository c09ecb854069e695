"""Two (or three) organisations, each with its own workspace that installed the app through OAuth, and what their
people do in partnerships: invite, join, share with partners, offer help and send notes. For test_partnerships*
and test_slack_connect."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.devkit.local_slack import Call
from bot.devkit.sandbox import Sandbox
from bot.devkit.simulate import SlackSimulator
from domain.partnerships import partners_flag
from handlers.ids import Action, Block
from storage.models import AuditEntry
from tests.helpers import response_to

ALPHA, BETA, GAMMA = "TALPHA1", "TBETA22", "TGAMMA3"
NAMES = {ALPHA: "Alpha Youth & Family <Trust>", BETA: "Beta Borough Council", GAMMA: "Gamma Schools"}
CHANNEL = "C_PRACTICE"
ADMIN, AMIRA, BEN, CHAMPION = "U_ADMIN", "U_AMIRA", "U_BEN", "U_CHAMP"
PEOPLE = {ADMIN: "Priya Admin", AMIRA: "Amira Khan", BEN: "Ben Okafor", CHAMPION: "Chloe Champion"}
CODE = re.compile(r"\*(PT-[A-Z0-9]{5}-[A-Z0-9]{5})\*")


@dataclass
class Orgs:
    """The app serving several organisations' workspaces, each with an admin, Amira, Ben and a champion."""

    sandbox: Sandbox
    sims: dict[str, SlackSimulator]

    @property
    def slack(self):
        return self.sandbox.slack

    def sim(self, team_id: str) -> SlackSimulator:
        return self.sims[team_id]

    def talks(self, team_id: str, words: str, *, user: str = ADMIN, channel: str = CHANNEL) -> str:
        """Type `/talks WORDS` in a workspace: what the app answered (only to that person)."""
        _, url = self.sim(team_id).command("/talks", words, user=user, channel=channel)
        return response_to(self.slack, url, timeout=10).args["text"]

    def invite(self, team_id: str, *, user: str = ADMIN) -> str:
        """An admin's one-time code."""
        said = self.talks(team_id, "partnership invite", user=user)
        found = CODE.search(said)
        assert found, said
        return found[1]

    def partner(self, inviter: str, joiner: str) -> str:
        """The joiner's admin joins the inviter's partnership; what they were told."""
        said = self.talks(joiner, f"partnership join {self.invite(inviter)}")
        assert said.startswith("✅"), said
        return said

    def post(self, team_id: str, command: str, words: str, *, user: str = AMIRA, channel: str = CHANNEL) -> dict:
        """`/share WORDS` or `/collab WORDS`, typed in a workspace: the message the app posted."""
        self.sim(team_id).command(command, words, user=user, channel=channel)
        key = partners_flag(words)[1][:20]
        posted = self.slack.wait_for(
            "chat.postMessage",
            where=lambda c: c.team_id == team_id and c.args.get("channel") == channel and key in str(c.args["blocks"]),
            timeout=10,
        )[-1]
        return self.message(team_id, posted.response["ts"], channel=channel)

    def message(self, team_id: str, ts: str, *, channel: str = CHANNEL) -> dict:
        """A message as it is now in a workspace's channel (or, by a person's id, their messages with the app)."""
        return next(m for m in self.slack.messages(channel, team_id=team_id) if m["ts"] == ts)

    def press(self, team_id: str, message: dict, action: Action, *, user: str, channel: str = CHANNEL) -> str:
        """Press a button on a message; the response_url it gave."""
        reply, url = self.sim(team_id).click(message, action, user=user, channel=channel)
        assert reply.status == 200
        return url

    def opened(self, team_id: str, count: int = 1) -> dict:
        """The last form the app opened in a workspace (after `count` opened there in all)."""
        calls = self.slack.wait_for("views.open", count=count, where=lambda c: c.team_id == team_id, timeout=10)
        return calls[-1].args["view"]

    def dms(self, team_id: str, user: str, count: int = 1) -> list[Call]:
        """The direct messages the app posted to someone in a workspace, with that workspace's token."""
        return self.slack.wait_for(
            "chat.postMessage",
            count=count,
            where=lambda c: c.team_id == team_id and c.args.get("channel") == user,
            timeout=10,
        )

    def digest_in(self, team_id: str, *, channel: str = CHANNEL) -> dict:
        """The last digest posted in a workspace's channel."""
        found = [m for m in self.slack.messages(channel, team_id=team_id) if "digest" in (m.get("text") or "")]
        assert found, f"no digest in {channel} of {team_id}"
        return found[-1]

    def audit(self, team_id: str) -> list[tuple[str, str, str]]:
        """The audit trail of a workspace: (actor, action, subject), oldest first."""
        with self.sandbox.sessions() as session:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.team_id == team_id).order_by(AuditEntry.id))
            return [(row.actor_id, row.action, row.subject) for row in rows]


def install_orgs(sandbox: Sandbox, *team_ids: str) -> Orgs:
    """Install the app in each workspace through OAuth, with its admin, people and a champion appointed."""
    sims = {}
    for team_id in team_ids:
        sims[team_id] = sandbox.install(team_id, NAMES[team_id])
        for user, name in PEOPLE.items():
            sandbox.slack.add_user(user, name=name, is_admin=user == ADMIN, team_id=team_id)
    orgs = Orgs(sandbox, sims)
    for team_id in team_ids:
        assert orgs.talks(team_id, f"champion <@{CHAMPION}>").startswith("✅")
    return orgs


def subscribe(orgs: Orgs, team_id: str, *, channel: str = CHANNEL) -> None:
    said = orgs.talks(team_id, "digest here weekly mon 09:00", channel=channel)
    assert said.startswith("✅"), said


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and isinstance(b.get("text"), dict)]


def partners_part(blocks: list[dict]) -> list[dict]:
    """The blocks of a digest from its "From our partners" header to the next header or divider (or the end)."""
    start = next(i for i, b in enumerate(blocks) if b["type"] == "header" and "From our partners" in str(b))
    end = next((i for i, b in enumerate(blocks) if i > start and b["type"] in ("header", "divider")), len(blocks))
    return blocks[start:end]


def partners_ticked(share: bool = True, name: bool = False) -> dict[str, list[str]]:
    """The forms' "Our partnership" box, ticked as the author chose."""
    chosen = (["share_with_partners"] if share else []) + (["name_me_to_partners"] if name else [])
    return {Block.PARTNERS: chosen}
