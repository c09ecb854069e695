"""Partnerships across organisations: admins invite and join with a one-time code (kept only as its hash), who is
in it, and the three ways an author chooses to share with it (the forms' box, `/share --partners`, the button on
what they posted), with words the personal-data check marks never crossing. Nothing unshared ever reaches a
partner. What partners then see, offers, notes, withdrawing and leaving: test_partnerships_reach."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from bot.devkit.sandbox import Sandbox
from handlers.ids import Action, Block, View
from storage.models import PartnerItem, PartnershipInvite, PartnershipMember, Share
from tests.helpers import all_text, count, response_to, wait_until
from tests.helpers.partnerships import (
    ADMIN,
    ALPHA,
    AMIRA,
    BEN,
    BETA,
    CHAMPION,
    GAMMA,
    Orgs,
    install_orgs,
    partners_ticked,
)

ALPHA_SHOWN, BETA_SHOWN = "Alpha Youth &amp; Family &lt;Trust&gt;", "Beta Borough Council"
SHARE_FORM = {
    Block.TITLE: "Peer mentors for Year 7",
    Block.BODY: "Year 9 volunteers met new Year 7s weekly.",
    Block.CONSENT: True,
}


@pytest.fixture
def orgs(database_url, clock):
    with Sandbox(database_url, clock=clock, migrate_schema=False, oauth=True) as sandbox:
        yield install_orgs(sandbox, ALPHA, BETA, GAMMA)


def members(orgs: Orgs) -> list[tuple[str, str]]:
    with orgs.sandbox.sessions() as session:
        rows = session.scalars(select(PartnershipMember).order_by(PartnershipMember.team_id))
        return [(row.team_id, row.partnership) for row in rows]


def shared_items(orgs: Orgs) -> list[tuple[str, int | None, int | None, bool]]:
    with orgs.sandbox.sessions() as session:
        rows = session.scalars(select(PartnerItem).order_by(PartnerItem.id))
        return [(row.team_id, row.share_id, row.request_id, row.name_author) for row in rows]


# ---- inviting and joining ---------------------------------------------------------------------------------------


def test_an_admin_invites_another_organisation_whose_admin_joins_once_with_a_code_kept_only_as_its_hash(orgs):
    said = orgs.talks(ALPHA, "partnership invite")
    code = said.split("*")[1]
    assert said == (
        f"Here is a one-time code for another organisation's workspace admin: *{code}*\n"
        f"They type `/talks partnership join {code}` in their workspace. It works once, until 4 December 2026. "
        "Only you can see this: send it to them yourself (by email, say).\n"
        "Once they join, people in each organisation can choose to share practice and requests with the other. "
        "Nothing is shared unless its author chooses."
    )
    with orgs.sandbox.sessions() as session:
        [invite] = session.scalars(select(PartnershipInvite))
    raw = code.replace("PT-", "").replace("-", "")
    assert invite.code_hash == hashlib.sha256(raw.encode()).hexdigest() and invite.used_at is None
    assert raw not in str([invite.code_hash, invite.partnership, invite.created_by])  # the code itself is not kept

    joined = orgs.talks(BETA, f"partnership join {code.lower()}")  # typed in any case

    assert joined == (
        f"✅ {BETA_SHOWN} is now in a partnership with {ALPHA_SHOWN}. People here can share practice and requests "
        "with them by choice (*Share with our partnership* in the forms, or `/share --partners …`), and see what "
        "theirs share in digests and `/talks search`. `/talks partnership` shows who is in it."
    )
    [told] = orgs.dms(ALPHA, ADMIN)  # the inviter, in their own workspace, with its token
    assert all_text(told.args["blocks"]) == (
        f"🤝 *{BETA_SHOWN}* joined your Programme Talks partnership with the code you made. "
        "`/talks partnership` shows who is in it."
    )
    [(alpha, key), (beta, same)] = members(orgs)
    assert (alpha, beta) == (ALPHA, BETA) and key == same
    assert ("U_ADMIN", "partnership_joined", "partnership") in orgs.audit(BETA)
    assert ("programme-talks", "partnership_joined", "partnership") in orgs.audit(ALPHA)
    assert orgs.talks(GAMMA, f"partnership join {code}") == (
        "That code has already been used. Ask the admin who sent it for a new one. Nothing has changed."
    )
    assert len(members(orgs)) == 2


def test_a_wrong_expired_or_own_code_is_answered_kindly_and_nothing_changes(orgs, clock):
    code = orgs.invite(ALPHA)
    answers = {
        "hello": "That doesn't look like a partnership code: they look like PT-7KQ4M-2XWAB. Nothing has changed.",
        "PT-AAAAA-AAAAA": "I don't recognise that code. Please check it with the admin who sent it: a code works "
        "once, for 7 days. Nothing has changed.",
    }
    for typed, answer in answers.items():
        assert orgs.talks(BETA, f"partnership join {typed}") == answer
    assert orgs.talks(ALPHA, f"partnership join {code}") == (
        "That code is for inviting another organisation: send it to their workspace admin. Nothing has changed."
    )
    reply, _ = orgs.sim(BETA).command("/talks", "partnership join", user=ADMIN)
    assert reply.json()["text"] == (
        "Which code? Type the one another organisation's admin sent you, for example "
        "`/talks partnership join PT-7KQ4M-2XWAB`."
    )
    clock.advance(days=7)
    assert orgs.talks(BETA, f"partnership join {code}") == (
        "That code expired on 4 December 2026. Ask the admin who sent it for a new one. Nothing has changed."
    )
    assert [team for team, _ in members(orgs)] == [ALPHA]  # only the inviter, who started it
    with orgs.sandbox.sessions() as session:
        assert session.scalar(select(PartnershipInvite.used_at)) is None


def test_only_workspace_admins_invite_join_or_leave_and_nothing_changes_for_anyone_else(orgs):
    code = orgs.invite(ALPHA)
    for words, what in (
        ("partnership invite", "invite another organisation into a partnership"),
        (f"partnership join {code}", "join a partnership"),
        ("partnership leave", "leave the partnership"),
    ):
        for person in (AMIRA, CHAMPION):  # a champion is not enough
            said = orgs.talks(BETA, words, user=person)
            assert said == f"Sorry, only workspace owners and admins can {what}. Nothing has changed."
    assert [team for team, _ in members(orgs)] == [ALPHA] and count(orgs.sandbox.sessions, PartnershipInvite) == 1


def test_joining_a_partnership_you_are_in_or_a_second_one_is_refused(orgs):
    orgs.partner(ALPHA, BETA)
    assert orgs.talks(BETA, f"partnership join {orgs.invite(ALPHA)}") == (
        f"{BETA_SHOWN} is already in this partnership. Nothing has changed."
    )
    assert orgs.talks(GAMMA, f"partnership join {orgs.invite(BETA)}").startswith("✅")  # a third joins
    before = members(orgs)
    code = orgs.invite(GAMMA)
    assert orgs.talks(ALPHA, f"partnership join {code}") == (
        f"{ALPHA_SHOWN} is already in this partnership. Nothing has changed."
    )
    assert members(orgs) == before


def test_champions_see_who_is_in_the_partnership_and_how_much_is_shared_from_here(orgs):
    assert orgs.talks(ALPHA, "partnership", user=CHAMPION) == (
        f"{ALPHA_SHOWN} isn't in a partnership. Workspace admins can start one with `/talks partnership invite`: it "
        "makes a one-time code for another organisation's admin, who joins with `/talks partnership join CODE`."
    )
    orgs.partner(ALPHA, BETA)
    orgs.partner(ALPHA, GAMMA)
    orgs.post(ALPHA, "/share", "--partners Walking bus to school")

    assert orgs.talks(ALPHA, "partnership", user=CHAMPION) == (
        f"*{ALPHA_SHOWN}'s partnership*\n• {BETA_SHOWN}, since 27 November 2026\n• Gamma Schools, since 27 November "
        "2026\n\nFrom here, 1 share is shared with it. Nothing is shared unless its author chooses: *Share with our "
        "partnership* in the share and request forms, `/share --partners …`, `/collab --partners …`, or the button "
        "on what they posted."
    )


# ---- choosing to share ------------------------------------------------------------------------------------------


def test_the_form_box_shares_with_the_partnership_naming_the_author_only_if_they_tick_it(orgs):
    for team in (ALPHA, GAMMA):
        orgs.sim(team).command("/share", "", user=AMIRA)
    assert Block.PARTNERS not in [b.get("block_id") for b in orgs.opened(GAMMA)["blocks"]]  # in no partnership
    orgs.partner(ALPHA, BETA)
    for number, name in ((2, False), (3, True)):
        orgs.sim(ALPHA).command("/share", "", user=AMIRA)
        view = orgs.opened(ALPHA, number)
        [box] = [b for b in view["blocks"] if b.get("block_id") == Block.PARTNERS]
        assert box["hint"]["text"] == (
            "Shared, it reaches Beta Borough Council in their digests and search, credited to your organisation. "
            "Your name goes with it only if you tick the second box. You can withdraw it at any time."
        )
        reply = orgs.sim(ALPHA).submit(view, SHARE_FORM | partners_ticked(name=name), user=AMIRA)
        assert reply.body == ""
    post, _ = orgs.slack.wait_for("chat.postMessage", count=2, where=lambda c: c.args["channel"] == "C_PRACTICE")
    assert [(team, name) for team, _, _, name in shared_items(orgs)] == [(ALPHA, False), (ALPHA, True)]
    assert all_text(post.args["blocks"]).endswith(
        "Withdraw from partnership\nShared by <@U_AMIRA>\n"
        "🌍 Shared with our partnership: partner organisations see it, credited to ours"
    )
    assert ("U_AMIRA", "shared_with_partners", f"share:{shared_items(orgs)[0][1]}") in orgs.audit(ALPHA)


def test_words_the_personal_data_check_marks_can_be_posted_here_but_never_shared_with_partners(orgs):
    orgs.partner(ALPHA, BETA)
    orgs.sim(ALPHA).command("/collab", "", user=AMIRA)
    view = orgs.opened(ALPHA)
    flagged = {Block.REQUEST: "Call Jo's mum on 07700 900123 about a hall"} | partners_ticked()
    shown = orgs.sim(ALPHA).submit(view, flagged, user=AMIRA).json()["view"]  # asked: is it personal data?

    answer = orgs.sim(ALPHA).submit(shown, flagged | {Block.PERSONAL_DATA_OVERRIDE: True}, user=AMIRA).json()

    assert answer == {
        "response_action": "errors",
        "errors": {
            Block.PARTNERS: "Partner organisations only see what passes the personal-data check with nothing found: "
            "take out what's marked, or untick this box."
        },
    }
    assert shared_items(orgs) == []
    untick = flagged | partners_ticked(share=False) | {Block.PERSONAL_DATA_OVERRIDE: True}
    assert orgs.sim(ALPHA).submit(shown, untick, user=AMIRA).body == ""  # here only: its author's choice
    wait_until(lambda: orgs.slack.calls_to("chat.getPermalink"))
    assert shared_items(orgs) == []

    reply, _ = orgs.sim(ALPHA).command("/share", "--partners Ring 07700 900123 for a place", user=AMIRA)
    assert all_text(reply.json()["blocks"]) == (
        "I haven't posted it: it looks like it holds personal data (a phone number), and what is shared with "
        "partner organisations must have none. Take it out and try again, or leave out `--partners` to share it "
        "here only. Here is what you wrote:\n```Ring 07700 900123 for a place```"
    )
    assert shared_items(orgs) == []


def test_share_partners_on_the_quick_path_shares_it_and_is_refused_outside_a_partnership(orgs):
    reply, _ = orgs.sim(ALPHA).command("/share", "--partners Walking bus to school", user=AMIRA)
    assert all_text(reply.json()["blocks"]).startswith(
        "This workspace isn't in a partnership, so I haven't posted it with `--partners`. Leave that out to share "
        "it here only. Here is what you wrote:"
    )
    orgs.partner(ALPHA, BETA)

    posted = orgs.post(ALPHA, "/share", "--partners Walking bus to school")
    request = orgs.post(ALPHA, "/collab", "—partners A hall for Saturdays")  # Slack may make a dash of "--"

    assert [(team, name) for team, _, _, name in shared_items(orgs)] == [(ALPHA, False), (ALPHA, False)]
    assert all_text(posted["blocks"]).startswith("💡 Practice share\nWalking bus to school\nWithdraw from partnership")
    assert "Withdraw from partnership" in all_text(request["blocks"])


def test_the_button_on_a_posted_share_shares_it_for_its_author_alone(orgs):
    orgs.partner(ALPHA, BETA)
    message = orgs.post(ALPHA, "/share", "Breakfast club for Year 7")
    assert "Share with our partnership" in all_text(message["blocks"])

    url = orgs.press(ALPHA, message, Action.PARTNERS_SHARE, user=BEN)
    assert response_to(orgs.slack, url).args["text"] == (
        "Only <@U_AMIRA>, who posted this share, can share it with the partnership."
    )
    orgs.press(ALPHA, message, Action.PARTNERS_SHARE, user=AMIRA)
    view = orgs.opened(ALPHA)
    assert view["callback_id"] == View.PARTNERS_SHARE
    assert all_text(view["blocks"]) == (
        f"{BETA_SHOWN} will see this share in their digests and search, credited to {ALPHA_SHOWN}. You can "
        "withdraw it at any time: it then leaves their digests and search at once.\nYour name\n"
        "Unticked, they see only your organisation's name."
    )
    answer = orgs.sim(ALPHA).submit(view, {Block.PARTNER_NAME: True}, user=AMIRA).json()

    assert answer["view"]["blocks"][0]["text"]["text"] == (
        "✅ Your share is shared with our partnership: it reaches them in their next digest and in their search. "
        "Press *Withdraw from partnership* on it at any time."
    )
    assert [(team, name) for team, _, _, name in shared_items(orgs)] == [(ALPHA, True)]
    [update] = orgs.slack.wait_for("chat.update", where=lambda c: c.team_id == ALPHA)
    assert all_text(update.args["blocks"]) == (
        "💡 Practice share\nBreakfast club for Year 7\nWithdraw from partnership\nShared by <@U_AMIRA>\n"
        "🌍 Shared with our partnership: partner organisations see it, credited to ours"
    )
    again = orgs.sim(ALPHA).submit(view, {}, user=AMIRA).json()  # the form sent twice
    assert again["view"]["blocks"][0]["text"]["text"] == (
        "This share is already shared with our partnership. Nothing has changed."
    )


def test_a_shared_share_edited_to_hold_personal_data_is_refused_and_stays_as_it_was(orgs):
    orgs.partner(ALPHA, BETA)
    message = orgs.post(ALPHA, "/share", "--partners Breakfast club for Year 7")
    orgs.sim(ALPHA).click(message, Action.MANAGE_SHARE, user=AMIRA, channel="C_PRACTICE", option="edit")
    edit = orgs.opened(ALPHA)
    words = SHARE_FORM | {Block.BODY: "Ask Jo Bloggs on 07700 900123 for a place."}
    shown = orgs.sim(ALPHA).submit(edit, words, user=AMIRA).json()["view"]

    answer = orgs.sim(ALPHA).submit(shown, words | {Block.PERSONAL_DATA_OVERRIDE: True}, user=AMIRA).json()

    assert answer == {
        "response_action": "errors",
        "errors": {
            Block.BODY: "This share is shared with our partnership, and partner organisations only see what passes "
            "the personal-data check with nothing found: take out what's marked, or withdraw it from the partnership "
            "first."
        },
    }
    with orgs.sandbox.sessions() as session:
        assert session.scalar(select(Share.body)) == "Breakfast club for Year 7"


# ---- nothing unshared ---------------------------------------------------------------------------------------------


def test_nothing_an_author_did_not_share_ever_reaches_a_partner(orgs):
    orgs.partner(ALPHA, BETA)
    orgs.post(ALPHA, "/share", "Walking bus to school")
    request = orgs.post(ALPHA, "/collab", "A hall for Saturday sessions")
    _, url = orgs.sim(BETA).command("/talks", "search walking hall", user=BEN)
    assert all_text(response_to(orgs.slack, url).args["blocks"]) == (
        "Nothing found for “walking hall”. Try fewer or different words, or be the first: `/share` what works for you."
    )
    [offer] = [e for b in request["blocks"] for e in b.get("elements") or [] if e.get("action_id") == Action.OFFER_HELP]
    forged = {"blocks": [{"type": "actions", "elements": [offer | {"action_id": Action.PARTNER_OFFER}]}]}
    url = orgs.press(BETA, forged, Action.PARTNER_OFFER, user=BEN)  # a click made up from A's request id
    assert response_to(orgs.slack, url).args["text"] == (
        "That request is no longer shared with your organisation: it may have been withdrawn, resolved or "
        "deleted. Nothing has changed."
    )
    orgs.slack.assert_no_call("views.open", where=lambda c: c.team_id == BETA)
    assert shared_items(orgs) == []
