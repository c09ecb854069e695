"""Two workspaces installed side by side through OAuth, each with its own bot token, the same channel and people ids
(as a Slack Connect channel has), and every command used from each: nobody in one ever sees the other's shares,
requests, agreements, events, digests, search results or exports, and numbers people type are per workspace.

Every test ends by reading everything the app sent into each workspace (through its token, or to a response_url of
one of its people's commands) for the other workspace's words (`assert_kept_apart`).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.devkit.sandbox import Sandbox
from bot.devkit.simulate import SlackSimulator
from handlers.ids import Action, Block, Command, View, responsibility_block
from storage.models import Agreement, CollabOffer, Meetup, MeetupRsvp, Share
from tests.helpers import all_text, response_to, wait_until

ALPHA, BETA = "TALPHA1", "TBETA22"
WORDS = {ALPHA: "Aardvark", BETA: "Bumblebee"}  # each workspace's own word, in everything its people write
CHANNEL, AMIRA, BEN, PRIYA = "C_PRACTICE", "U_AMIRA", "U_BEN", "U_PRIYA"  # the same ids in both workspaces


class Workspace:
    """People in one workspace, driving the app; the response_urls of their commands are remembered."""

    def __init__(self, sandbox: Sandbox, sim: SlackSimulator):
        self.sandbox, self.sim, self.team_id = sandbox, sim, sim.team_id
        self.word = WORDS[self.team_id]
        self.urls: list[str] = []

    def command(self, name: str, text: str = "", *, user: str = AMIRA) -> str:
        _, url = self.sim.command(name, text, user=user, channel=CHANNEL)
        self.urls.append(url)
        return url

    def said(self, name: str, text: str = "", *, user: str = AMIRA) -> str:
        """What the person is shown, only to them, after a command."""
        args = response_to(self.sandbox.slack, self.command(name, text, user=user)).args
        return args.get("text", "") + all_text(args.get("blocks") or [])

    def messages(self, channel: str = CHANNEL) -> list[dict]:
        return self.sandbox.slack.messages(channel, team_id=self.team_id)

    def opened(self, callback_id: str, count: int = 1) -> dict:
        calls = self.sandbox.slack.wait_for(
            "views.open",
            count=count,
            where=lambda c: c.team_id == self.team_id and c.args["view"]["callback_id"] == callback_id,
        )
        return calls[-1].args["view"]


@pytest.fixture
def two(database_url, clock):
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True) as sandbox:
        workspaces = {}
        for team_id, name in ((ALPHA, "Alpha Youth Trust"), (BETA, "Beta Borough Council")):
            workspace = Workspace(sandbox, sandbox.install(team_id, name))
            sandbox.slack.add_user(PRIYA, name="Priya", is_admin=True, team_id=team_id)
            workspaces[team_id] = workspace
        yield workspaces[ALPHA], workspaces[BETA]
        assert_kept_apart(sandbox, *workspaces.values())


def assert_kept_apart(sandbox: Sandbox, *workspaces: Workspace) -> None:
    """Nothing the app sent into a workspace holds another workspace's words."""
    sandbox.drain()  # every listener and job finished: nothing more will be sent
    calls = sandbox.slack.calls
    for workspace in workspaces:
        sent = [c for c in calls if c.team_id == workspace.team_id]
        sent += [c for c in calls if c.method == "response_url" and c.args["url"] in workspace.urls]
        assert sent, f"nothing was sent into {workspace.team_id}"
        for other in workspaces:
            if other is not workspace:
                leaked = [c.method for c in sent if other.word in json.dumps(c.args, ensure_ascii=False)]
                assert leaked == [], f"{other.team_id}'s words reached {workspace.team_id} through {leaked}"
    for team_id, state in sandbox.slack.workspaces.items():
        for other, word in WORDS.items():
            if other != team_id:
                assert word not in json.dumps(state.messages, ensure_ascii=False)


def share(workspace: Workspace, words: str) -> None:
    workspace.command(Command.SHARE, f"{workspace.word} {words}")
    wait_until(lambda: any(workspace.word in (m.get("text") or "") for m in workspace.messages()))


def test_shares_requests_and_search_stay_in_their_workspace_posted_with_its_own_token(two):
    alpha, beta = two
    share(alpha, "reading club doubled attendance #reading")
    alpha.command(Command.COLLAB, f"{alpha.word} partner wanted with a sports hall by 15 January")
    share(beta, "breakfast club for Year 7 #reading")

    assert WORDS[ALPHA] in alpha.said("/talks", f"search {WORDS[ALPHA]}")
    found = beta.said("/talks", "search reading partner sports hall attendance")  # words of Alpha's too
    assert f"{WORDS[BETA]} breakfast club" in found and WORDS[ALPHA] not in found
    assert WORDS[BETA] in beta.said("/talks", "search reading")

    for post in alpha.sandbox.slack.calls_to("chat.postMessage"):  # each with the token of its own workspace
        assert [team for team, word in WORDS.items() if word in json.dumps(post.args)] == [post.team_id]
    with alpha.sandbox.sessions() as session:
        owners = {(s.team_id, s.body.split()[0]) for s in session.scalars(select(Share))}
    assert owners == {(ALPHA, WORDS[ALPHA]), (BETA, WORDS[BETA])}


def test_a_click_on_a_copy_of_another_workspaces_request_offers_nothing_there(two):
    alpha, beta = two
    alpha.command(Command.COLLAB, f"{alpha.word} partner wanted with a sports hall by 15 January", user=BEN)
    request = wait_until(lambda: next((m for m in alpha.messages() if m.get("blocks")), None))

    _, url = beta.sim.click(request, Action.OFFER_HELP, user=AMIRA, channel=CHANNEL)  # Beta's person, Alpha's button
    beta.urls.append(url)

    response_to(beta.sandbox.slack, url)
    with beta.sandbox.sessions() as session:
        assert session.scalars(select(CollabOffer)).all() == []
    beta.sandbox.slack.assert_no_call("chat.postMessage", where=lambda c: c.args["channel"] == BEN)


def write_agreement(workspace: Workspace, title: str, written: int) -> None:
    """Write an agreement through both steps of the form; `written` is how many this workspace has so far."""
    workspace.command(Command.AGREEMENT)
    first = workspace.opened(View.AGREEMENT_PARTIES, count=written + 1)
    values = {
        Block.AGREEMENT_TITLE: f"{workspace.word} {title}",
        Block.CHANNEL: CHANNEL,
        Block.PARTY_USERS: [AMIRA, BEN],
        Block.PARTY_ORGANISATIONS: "",
    }
    second = workspace.sim.submit(first, values, user=AMIRA).json()["view"]
    jobs = [responsibility_block(i) for i in range(2)]
    details = {job: f"{workspace.word} task {i}" for i, job in enumerate(jobs)} | {
        Block.START_DATE: "2026-12-01",
        Block.END_DATE: "2027-06-30",
        Block.COMMS_INTERNAL: "Team meetings",
        Block.COMMS_EXTERNAL: "Joint posts",
        Block.RECOGNITION: "Both logos",
        Block.FIRST_REVIEW: "2026-12-07",
        Block.REVIEW_EVERY: "28",
    }
    assert workspace.sim.submit(second, details, user=AMIRA).body == ""
    saved = f"Agreement #{written + 1} saved"
    wait_until(lambda: any(m.get("text") == saved for m in workspace.messages(AMIRA)))


def test_agreements_are_numbered_in_each_workspace_and_a_guessed_number_shows_nothing(two):
    alpha, beta = two
    write_agreement(alpha, "sports hall", 0)
    write_agreement(alpha, "youth panel", 1)
    write_agreement(beta, "breakfast club", 0)

    with alpha.sandbox.sessions() as session:
        numbers = sorted(session.execute(select(Agreement.team_id, Agreement.number)).all())
    assert numbers == [(ALPHA, 1), (ALPHA, 2), (BETA, 1)]
    assert "I can't find agreement #2 here." in beta.said(Command.AGREEMENT, "show 2")
    assert "I can't find agreement #2 here." in beta.said(Command.AGREEMENT, "export 2")
    assert f"{WORDS[BETA]} breakfast club" in beta.said(Command.AGREEMENT, "show 1")
    listed = beta.said(Command.AGREEMENT, "list")
    assert f"{WORDS[BETA]} breakfast club" in listed and WORDS[ALPHA] not in listed

    beta.command(Command.AGREEMENT, "export 1")
    document = wait_until(lambda: [f for f in beta.sandbox.slack.workspaces[BETA].files.values() if f["content"]])
    assert WORDS[BETA].encode() in document[0]["content"] and WORDS[ALPHA].encode() not in document[0]["content"]
    assert beta.sandbox.slack.workspaces[ALPHA].files == {}  # nothing was uploaded into Alpha


def test_events_and_their_answers_stay_in_their_workspace(two):
    alpha, beta = two
    alpha.command(Command.EVENT)
    form = {
        Block.MEETUP_TITLE: f"{alpha.word} youth forum open evening",
        Block.MEETUP_DATE: "2026-12-03",
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "Riverside Hall",
        Block.ABOUT: "Young people show their projects",
        Block.CHANNEL: CHANNEL,
    }
    assert alpha.sim.submit(alpha.opened(View.MEETUP), form, user=AMIRA).body == ""
    posted = wait_until(lambda: next((m for m in alpha.messages() if alpha.word in (m.get("text") or "")), None))

    _, url = beta.sim.click(posted, Action.MEETUP_GOING, user=BEN, channel=CHANNEL)  # a copy of Alpha's button
    beta.urls.append(url)
    response_to(beta.sandbox.slack, url)

    with beta.sandbox.sessions() as session:
        assert [m.team_id for m in session.scalars(select(Meetup))] == [ALPHA]
        assert session.scalars(select(MeetupRsvp)).all() == []


def test_digests_and_roles_are_each_workspaces_own(two):
    alpha, beta = two
    assert alpha.said("/talks", f"champion <@{BEN}>", user=PRIYA).startswith(f"✅ <@{BEN}> is now a champion.")
    assert f"<@{BEN}>" in alpha.said("/talks", "champions")
    assert f"<@{BEN}>" not in beta.said("/talks", "champions")
    for workspace in (alpha, beta):
        workspace.said("/talks", "digest here weekly mon 09:00", user=PRIYA)
        share(workspace, "walking bus to school")

    preview = beta.said("/talks", "digest preview")
    assert f"{WORDS[BETA]} walking bus" in preview

    before = len(beta.messages())
    beta.said("/talks", "digest now", user=PRIYA)
    digest = wait_until(lambda: beta.messages()[before:])[-1]  # in Beta's channel: posted with Beta's token
    assert f"{WORDS[BETA]} walking bus" in all_text(digest["blocks"])
