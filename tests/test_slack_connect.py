"""Slack Connect: one channel shared by two organisations that both installed the app. A share posted there by a
member of B belongs to B, is seen by both in that channel, and appears in each workspace's digest for it; a
person's role (champion, admin) counts only in their own workspace."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.devkit.sandbox import Sandbox
from handlers.ids import Action
from storage.models import Share
from tests.helpers import all_text, response_to, run_due
from tests.helpers.partnerships import ALPHA, BETA, Orgs, install_orgs, subscribe
from tests.helpers.workspaces import run_env

SHARED = "C_SHARED"
BEA, DEV = "U_BETA_ADMIN", "U_BETA_DEV"  # Beta's own people: their ids are theirs, in every workspace


@pytest.fixture
def orgs(database_url, clock, monkeypatch):
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True) as sandbox:
        run_env(monkeypatch, sandbox)
        orgs = install_orgs(sandbox, ALPHA, BETA)
        sandbox.slack.add_user(BEA, name="Bea Admin", is_admin=True, team_id=BETA)
        sandbox.slack.add_user(DEV, name="Dev Patel", team_id=BETA)
        sandbox.slack.share_channel(SHARED, [ALPHA, BETA])
        yield orgs


def digest_posted_by(orgs: Orgs, team_id: str) -> dict:
    [call] = [
        c
        for c in orgs.slack.calls_to("chat.postMessage")
        if c.team_id == team_id and c.args["channel"] == SHARED and c.args["text"].startswith("Programme Talks digest:")
    ]
    return call.args


def test_a_share_posted_by_a_member_of_b_belongs_to_b_and_is_in_each_workspaces_digest_for_the_channel(orgs, capsys):
    subscribe(orgs, ALPHA, channel=SHARED)
    subscribe(orgs, BETA, channel=SHARED)

    posted = orgs.post(BETA, "/share", "Breakfast club for Year 7", user=DEV, channel=SHARED)

    assert posted in orgs.slack.messages(SHARED, team_id=ALPHA)  # one channel: both see the message
    assert posted in orgs.slack.messages(SHARED, team_id=BETA)
    with orgs.sandbox.sessions() as session:
        assert [(s.team_id, s.author_id) for s in session.scalars(select(Share))] == [(BETA, DEV)]
    capsys.readouterr()
    run_due("2026-11-30T09:00", capsys)
    alpha, beta = digest_posted_by(orgs, ALPHA), digest_posted_by(orgs, BETA)
    assert alpha["text"] == "Programme Talks digest: 🔗 Posted here by Beta Borough Council"
    assert "🔗 Posted here by Beta Borough Council\n💡 Breakfast club for Year 7\n_Shared by Beta Borough Council_" in (
        all_text(alpha["blocks"])
    )
    assert "U_BETA_DEV" not in str(alpha["blocks"])  # credited to the organisation: an id would not resolve there
    assert beta["text"] == "Programme Talks digest: 1 new share"
    assert "Breakfast club for Year 7\n_Shared by <@U_BETA_DEV> · 27 Nov" in all_text(beta["blocks"])


def test_a_role_counts_only_in_its_own_workspace(orgs):
    subscribe(orgs, ALPHA, channel=SHARED)
    orgs.partner(ALPHA, BETA)
    message = orgs.post(ALPHA, "/share", "--partners Walking bus to school", channel=SHARED)

    # Bea is an admin in Beta; in Alpha's workspace (acting on Alpha's app there) she is nobody special.
    said = orgs.talks(ALPHA, "digest off", user=BEA, channel=SHARED)
    assert said == (
        "Sorry, only workspace owners, admins and Programme Talks champions can change a channel's digest. "
        "The champion is <@U_CHAMP>. Nothing has changed."
    )
    url = orgs.press(ALPHA, message, Action.PARTNERS_WITHDRAW, user=BEA, channel=SHARED)
    assert response_to(orgs.slack, url, timeout=10).args["text"] == (
        "Only <@U_AMIRA>, who posted this share, a Programme Talks champion or a workspace admin here can withdraw "
        "it from the partnership. Nothing has changed."
    )
    url = orgs.press(BETA, message, Action.PARTNERS_WITHDRAW, user=BEA, channel=SHARED)  # from her own workspace
    assert response_to(orgs.slack, url, timeout=10).args["text"] == (
        "That share isn't from this workspace (or it has been deleted), so nothing has changed."
    )
    assert orgs.talks(ALPHA, "digest", user=BEA, channel=SHARED).startswith("This channel gets a digest")
    assert "Withdraw from partnership" in all_text(orgs.message(ALPHA, message["ts"], channel=SHARED)["blocks"])
