"""What reaches partner organisations once an author chose to share it, and how it stops: their digests' "From our
partners" (credited to the organisation, the author named only if they agreed), `/talks search`, "I can help" and
the requester told in their own workspace with its own token, Reply notes between organisations, withdrawing (the
author, a champion or an admin; nobody else) and leaving, which withdraw from partners' digests and search at once."""

from __future__ import annotations

import pytest

from bot.devkit.sandbox import Sandbox
from handlers.ids import Action, Block, View
from tests.helpers import all_text, assert_safe_mrkdwn, response_to, run_due
from tests.helpers.partnerships import (
    ADMIN,
    ALPHA,
    AMIRA,
    BEN,
    BETA,
    CHAMPION,
    Orgs,
    install_orgs,
    partners_part,
    partners_ticked,
    section_texts,
    subscribe,
)
from tests.helpers.workspaces import run_env

ALPHA_SHOWN, BETA_SHOWN = "Alpha Youth &amp; Family &lt;Trust&gt;", "Beta Borough Council"
HALL = "A hall for Saturday sessions by 15 January"
MONDAY = "2026-11-30T09:00"


@pytest.fixture
def orgs(database_url, clock, monkeypatch):
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True) as sandbox:
        run_env(monkeypatch, sandbox)
        orgs = install_orgs(sandbox, ALPHA, BETA)
        orgs.partner(ALPHA, BETA)
        subscribe(orgs, BETA)
        yield orgs


def digest_on_monday(orgs: Orgs, capsys, team_id: str = BETA) -> dict:
    capsys.readouterr()
    run_due(MONDAY, capsys)
    return orgs.digest_in(team_id)


def searched(orgs: Orgs, team_id: str, words: str, user: str = BEN) -> list[dict]:
    _, url = orgs.sim(team_id).command("/talks", f"search {words}", user=user)
    return response_to(orgs.slack, url, timeout=10).args["blocks"]


def share_by_form(orgs: Orgs, *, name: bool) -> None:
    orgs.sim(ALPHA).command("/share", "", user=AMIRA)
    form = {Block.TITLE: "Walking bus", Block.BODY: "Parents walk children to school.", Block.CONSENT: True}
    assert orgs.sim(ALPHA).submit(orgs.opened(ALPHA), form | partners_ticked(name=name), user=AMIRA).body == ""
    orgs.slack.wait_for("chat.getPermalink", where=lambda c: c.team_id == ALPHA)


def offered(orgs: Orgs, capsys, *, name: bool) -> dict:
    """Ben in Beta presses I can help on Alpha's request in his digest: the direct message Amira got in Alpha."""
    orgs.post(ALPHA, "/collab", f"--partners {HALL}")
    digest = digest_on_monday(orgs, capsys)
    orgs.press(BETA, digest, Action.PARTNER_OFFER, user=BEN)
    view = orgs.opened(BETA)
    assert view["callback_id"] == View.PARTNER_OFFER
    assert orgs.sim(BETA).submit(view, {Block.PARTNER_NAME: name}, user=BEN).json()["view"]["title"]["text"] == (
        "Offer sent"
    )
    [told] = orgs.dms(ALPHA, AMIRA)
    return told.args | {"team_id": told.team_id, "ts": told.response["ts"]}


# ---- partners' digests and search --------------------------------------------------------------------------------


def test_a_partners_digest_credits_the_organisation_and_names_the_author_only_if_they_agreed(orgs, capsys):
    share_by_form(orgs, name=True)
    orgs.post(ALPHA, "/collab", f"--partners {HALL}")
    orgs.post(ALPHA, "/share", "Not for partners: our rota")

    digest = digest_on_monday(orgs, capsys)

    part = partners_part(digest["blocks"])
    assert section_texts(part) == [
        f"💡 *Walking bus* Parents walk children to school.\n_Shared by Amira Khan at {ALPHA_SHOWN}_",
        f"🤝 A hall for Saturday sessions\n_Asked by {ALPHA_SHOWN} · needed by 15 Jan_",
    ]
    assert [b.get("block_id") for b in part[1:]] == ["partner_share_1", "partner_request_1"]
    assert "accessory" not in part[1] and part[2]["accessory"]["action_id"] == Action.PARTNER_OFFER
    assert "Not for partners" not in str(digest) and "U_AMIRA" not in str(part)
    assert_safe_mrkdwn(orgs.slack.calls_to("chat.postMessage")[-1])


def test_search_in_a_partner_workspace_finds_only_what_was_shared_with_it(orgs):
    orgs.post(ALPHA, "/share", "--partners Walking bus to school")
    orgs.post(ALPHA, "/share", "Walking club for staff, kept here")

    found = searched(orgs, BETA, "walking")

    assert all_text(found) == (
        "*Nothing from here matches, but partner organisations shared these.*\n*From our partners*\n"
        f"💡 Walking bus to school\n_Shared by {ALPHA_SHOWN}_"
    )


# ---- offers and notes ---------------------------------------------------------------------------------------------


def test_i_can_help_tells_the_requester_in_their_own_workspace_who_offered_and_from_where(orgs, capsys):
    told = offered(orgs, capsys, name=True)

    assert told["team_id"] == ALPHA  # posted with Alpha's own token, to Amira there
    assert all_text(told["blocks"]) == (
        f"🙋 Ben Okafor from *{BETA_SHOWN}* offered to help with your collaboration request (<"
        f"{told['blocks'][0]['text']['text'].split('(<')[1].split('|')[0]}|see the request>):\n"
        f">{HALL.removesuffix(' by 15 January')}\n\nThey're in another organisation's Slack, so press *Reply* to send "
        "them a note through Programme Talks.\nReply\nMark resolved"
    )
    digest = orgs.digest_in(BETA)
    orgs.press(BETA, digest, Action.PARTNER_OFFER, user=BEN)
    again = orgs.sim(BETA).submit(orgs.opened(BETA, 2), {}, user=BEN).json()["view"]
    assert all_text(again["blocks"]) == f"You've already offered to help. {ALPHA_SHOWN} knows."
    assert len(orgs.dms(ALPHA, AMIRA)) == 1


def test_a_helper_who_did_not_agree_is_someone_from_their_organisation(orgs, capsys):
    told = offered(orgs, capsys, name=False)
    assert told["text"] == f"Someone from {BETA_SHOWN} offered to help with your collaboration request"
    assert "Ben" not in str(told["blocks"]) and "U_BEN" not in str(told["blocks"])


def test_reply_notes_pass_between_organisations_each_in_the_others_own_workspace(orgs, capsys):
    told = offered(orgs, capsys, name=True)
    orgs.press(ALPHA, orgs.message(ALPHA, told["ts"], channel=AMIRA), Action.PARTNER_REPLY, user=AMIRA)
    view = orgs.opened(ALPHA)
    assert all_text(view["blocks"]).endswith(
        "It goes with your organisation's name (not yours), and comes to them in their messages with Programme Talks."
    )
    sent = orgs.sim(ALPHA).submit(view, {Block.PARTNER_NOTE: "Thank you! Thursday? <!here> & more"}, user=AMIRA)
    assert all_text(sent.json()["view"]["blocks"]) == "✅ Sent. Their reply, if they send one, comes to you here."

    [note] = orgs.dms(BETA, BEN)
    assert all_text(note.args["blocks"]) == (
        f"📨 Someone from *{ALPHA_SHOWN}* sent you a note about the request you offered to help with:\n"
        "Thank you! Thursday? &lt;!here&gt; &amp; more\nReply"
    )
    assert_safe_mrkdwn(note)
    orgs.press(BETA, orgs.message(BETA, note.response["ts"], channel=BEN), Action.PARTNER_REPLY, user=BEN)
    back = orgs.sim(BETA).submit(orgs.opened(BETA, 2), {Block.PARTNER_NOTE: "Thursday at 2 works"}, user=BEN)
    assert back.json()["response_action"] == "update"
    [_, answer] = orgs.dms(ALPHA, AMIRA, count=2)
    assert all_text(answer.args["blocks"]) == (
        f"📨 Ben Okafor from *{BETA_SHOWN}* sent you a note about your collaboration request:\nThursday at 2 works\n"
        "Reply"
    )
    url = orgs.press(ALPHA, orgs.message(ALPHA, told["ts"], channel=AMIRA), Action.PARTNER_REPLY, user=CHAMPION)
    assert response_to(orgs.slack, url).args["text"] == (
        "Only the person who asked and the person who offered can reply here."
    )


# ---- withdrawing and leaving ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [AMIRA, CHAMPION, ADMIN], ids=["author", "champion", "admin"])
def test_withdrawing_takes_it_out_of_partners_digests_and_search_at_once(orgs, capsys, who):
    request = orgs.post(ALPHA, "/collab", f"--partners {HALL}")
    digest = digest_on_monday(orgs, capsys)
    assert all_text(searched(orgs, BETA, "hall")) == (
        "*Nothing from here matches, but partner organisations shared these.*\n*From our partners*\n"
        f"🤝 A hall for Saturday sessions\n_Asked by {ALPHA_SHOWN} · needed by 15 Jan_"
    )

    url = orgs.press(ALPHA, request, Action.PARTNERS_WITHDRAW, user=who)

    assert response_to(orgs.slack, url, timeout=10).args["text"] == (
        "✅ Withdrawn from our partnership: partners no longer see this request in their digests or search, and "
        "their digests that showed it now say it was withdrawn."
    )
    [changed] = orgs.slack.wait_for("chat.update", where=lambda c: c.team_id == BETA and c.args["ts"] == digest["ts"])
    assert section_texts(partners_part(changed.args["blocks"])) == [f"_This request was withdrawn by {ALPHA_SHOWN}._"]
    assert all_text(searched(orgs, BETA, "hall")) == (
        "Nothing found for “hall”. Try fewer or different words, or be the first: `/share` what works for you."
    )
    orgs.press(BETA, digest, Action.PARTNER_OFFER, user=BEN)  # the old button, pressed anyway
    orgs.slack.assert_no_call("views.open", where=lambda c: c.team_id == BETA)
    assert (who, "withdrawn_from_partners", "request:1") in orgs.audit(ALPHA)


def test_a_shared_share_its_author_deletes_is_withdrawn_from_partners_digests_too(orgs, capsys):
    share = orgs.post(ALPHA, "/share", "--partners Walking bus to school")
    digest = digest_on_monday(orgs, capsys)
    assert section_texts(partners_part(digest["blocks"]))[0].startswith("💡 Walking bus to school")

    orgs.sim(ALPHA).click(share, Action.MANAGE_SHARE, user=AMIRA, channel="C_PRACTICE", option="delete")
    assert orgs.sim(ALPHA).submit(orgs.opened(ALPHA), {}, user=AMIRA).body == ""

    [changed] = orgs.slack.wait_for("chat.update", where=lambda c: c.team_id == BETA and c.args["ts"] == digest["ts"])
    assert section_texts(partners_part(changed.args["blocks"])) == [f"_This share was withdrawn by {ALPHA_SHOWN}._"]
    assert all_text(searched(orgs, BETA, "walking")) == (
        "Nothing found for “walking”. Try fewer or different words, or be the first: `/share` what works for you."
    )


def test_a_shared_request_reported_as_a_concern_leaves_partners_digests_at_once_and_is_deleted_there_too(orgs, capsys):
    request = orgs.post(ALPHA, "/collab", f"--partners {HALL}")
    digest = digest_on_monday(orgs, capsys)

    orgs.sim(ALPHA).click(request, Action.REPORT_CONCERN, user=BEN, channel="C_PRACTICE", option="report")

    [changed] = orgs.slack.wait_for("chat.update", where=lambda c: c.team_id == BETA and c.args["ts"] == digest["ts"])
    assert section_texts(partners_part(changed.args["blocks"])) == [f"_This request was withdrawn by {ALPHA_SHOWN}._"]
    assert all_text(searched(orgs, BETA, "hall")).startswith("Nothing found for “hall”.")
    told = orgs.slack.wait_for(
        "chat.postMessage", where=lambda c: c.team_id == ALPHA and "concern was reported" in c.args.get("text", "")
    )[0]
    notice = {"ts": told.response["ts"], "text": told.args["text"], "blocks": told.args["blocks"]}
    # The channel's digest and the champion's copy of it.
    changed_at_beta = orgs.slack.wait_for("chat.update", count=2, where=lambda c: c.team_id == BETA)
    _, url = orgs.sim(ALPHA).click(notice, Action.DELETE_REPORTED, user=ADMIN, channel=told.args["channel"])
    assert response_to(orgs.slack, url, timeout=10).args["text"].startswith("🗑️ Deleted")
    assert [c for c in orgs.slack.calls_to("chat.update") if c.team_id == BETA] == changed_at_beta  # nothing more


def test_nobody_else_may_withdraw_and_nothing_changes(orgs):
    request = orgs.post(ALPHA, "/collab", f"--partners {HALL}")
    url = orgs.press(ALPHA, request, Action.PARTNERS_WITHDRAW, user=BEN)
    assert response_to(orgs.slack, url, timeout=10).args["text"] == (
        "Only <@U_AMIRA>, who posted this request, a Programme Talks champion or a workspace admin here can "
        "withdraw it from the partnership. Nothing has changed."
    )
    assert all_text(searched(orgs, BETA, "hall")).startswith("*Nothing from here matches")


def test_leaving_withdraws_everything_shared_both_ways_and_changes_both_sides_digests(orgs, capsys):
    subscribe(orgs, ALPHA)
    orgs.post(ALPHA, "/share", "--partners Walking bus to school")
    orgs.post(BETA, "/share", "--partners Breakfast club for Year 7", user=BEN)
    digest_on_monday(orgs, capsys)
    alpha_digest, beta_digest = orgs.digest_in(ALPHA), orgs.digest_in(BETA)

    said = orgs.talks(BETA, "partnership leave")

    assert said == (
        f"✅ {BETA_SHOWN} has left its partnership. 1 share or request shared with it from here is withdrawn, and "
        "partners' shares and requests no longer reach you. Digests that showed them, here and at the partners, "
        "now say they were withdrawn."
    )
    for team, digest, withdrawn_by in ((ALPHA, alpha_digest, BETA_SHOWN), (BETA, beta_digest, ALPHA_SHOWN)):
        [changed] = orgs.slack.wait_for(
            "chat.update", where=lambda c, t=team, d=digest: c.team_id == t and c.args["ts"] == d["ts"], timeout=10
        )
        assert section_texts(partners_part(changed.args["blocks"])) == [
            f"_This share was withdrawn by {withdrawn_by}._"
        ]
    assert "From our partners" not in str(searched(orgs, ALPHA, "breakfast", user=AMIRA))
    assert "From our partners" not in str(searched(orgs, BETA, "walking"))
    assert orgs.talks(BETA, "partnership", user=BEN).startswith(f"{BETA_SHOWN} isn't in a partnership.")
