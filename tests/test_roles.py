"""Champions and leaders: who may appoint whom, what they are told, and the highlight emoji."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Role, WorkspaceSettings
from tests.helpers import all_text, assert_safe_mrkdwn, count, response_to

ADMIN, OWNER, CHLOE, LEO, MIA, STAFF = "U_ADMIN", "U_OWNER", "U_CHLOE", "U_LEO", "U_MIA", "U_STAFF"


@pytest.fixture(autouse=True)
def workspace(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)
    sandbox.slack.add_user(OWNER, is_owner=True)
    for user in (CHLOE, LEO, MIA, STAFF):
        sandbox.slack.add_user(user)


def talks(sandbox, text: str, *, user: str) -> str:
    """Type `/talks <text>` as Slack would send it, and return what the app answered, only to that person."""
    reply, url = sandbox.sim.command("/talks", text, user=user)
    assert reply.status == 200
    answer = reply.json() if reply.body else response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    return answer["text"]


def holders(sandbox, role: str) -> list[tuple[str, str]]:
    """(user, appointed by) for everyone stored in a role, in order of appointment."""
    with sandbox.sessions() as session:
        rows = session.scalars(select(Role).where(Role.role == role).order_by(Role.id))
        return [(row.user_id, row.appointed_by) for row in rows]


ONLY_ADMINS = "Sorry, only workspace owners and admins can appoint or remove champions. Nothing has changed."
ONLY_ADMINS_AND_CHAMPIONS = (
    "Sorry, only workspace owners, admins and Programme Talks champions can appoint or remove leaders."
)
CHAMPION_WELCOME = (
    "👋 <@{by}> made you a *champion* in Programme Talks. Here's what that means:\n"
    "• You'll get regular digests of the practice people share and the help they ask for.\n"
    "• You help make sure that whenever teams meet they ask: _What collaborative opportunities are there?_ and "
    "_Is there an opportunity to share any best practice?_\n"
    "• You can appoint leaders with `/talks leader @name`, and choose the emoji they highlight shares with, using "
    "`/talks highlight-emoji`.\n"
    "Type `/talks help` any time to see everything Programme Talks can do."
)
LEADER_WELCOME = (
    "👋 <@{by}> made you a *leader* in Programme Talks. Here's what that means:\n"
    "• When a share stands out, react to it with :star: to highlight it. The highlight is credited to you and "
    "helps others find practice worth trying.\n"
    "• Changed your mind? Just remove your reaction.\n"
    "Type `/talks leaders` to see who else is a leader."
)


def direct_message(sandbox, user: str) -> str:
    [call] = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == user)
    assert_safe_mrkdwn(call)
    return all_text(call.args["blocks"])


# ---- appointing -----------------------------------------------------------------------------------------


def test_admin_appoints_a_champion_who_is_stored_told_what_it_means_and_listed(sandbox):
    said = talks(sandbox, f"champion <@{CHLOE}|chloe>", user=ADMIN)
    assert said.startswith(f"✅ <@{CHLOE}> is now a champion.")
    assert said == f"✅ <@{CHLOE}> is now a champion. I've sent them a message explaining what that means."
    assert holders(sandbox, "champion") == [(CHLOE, ADMIN)]
    told = direct_message(sandbox, CHLOE)
    assert told == CHAMPION_WELCOME.format(by=ADMIN)
    assert talks(sandbox, "champions", user=STAFF) == f"Champions in Programme Talks: <@{CHLOE}>."


def test_admin_appoints_a_leader_who_learns_to_highlight_with_the_workspace_emoji(sandbox):
    said = talks(sandbox, f"leader <@{LEO}>", user=ADMIN)
    assert said == f"✅ <@{LEO}> is now a leader. I've sent them a message explaining what that means."
    assert holders(sandbox, "leader") == [(LEO, ADMIN)]
    told = direct_message(sandbox, LEO)
    assert told == LEADER_WELCOME.format(by=ADMIN)
    listed = talks(sandbox, "leaders", user=STAFF)
    assert listed == f"Leaders in Programme Talks: <@{LEO}>. They highlight shares by reacting with :star:."


def test_workspace_owner_can_appoint_champions_and_leaders(sandbox):
    talks(sandbox, f"champion <@{CHLOE}>", user=OWNER)
    talks(sandbox, f"leader <@{LEO}>", user=OWNER)
    assert holders(sandbox, "champion") == [(CHLOE, OWNER)]
    assert holders(sandbox, "leader") == [(LEO, OWNER)]


def test_champion_appoints_a_leader(sandbox):
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    said = talks(sandbox, f"leader <@{LEO}|leo>", user=CHLOE)
    assert said == f"✅ <@{LEO}> is now a leader. I've sent them a message explaining what that means."
    assert holders(sandbox, "leader") == [(LEO, CHLOE)]
    assert direct_message(sandbox, LEO) == LEADER_WELCOME.format(by=CHLOE)


def test_several_people_can_be_appointed_at_once_and_those_already_appointed_are_named(sandbox):
    talks(sandbox, f"leader <@{LEO}>", user=ADMIN)
    said = talks(sandbox, f"leader <@{MIA}|mia>, <@{STAFF}> and <@{LEO}|leo>", user=ADMIN)
    assert said == (
        f"✅ <@{MIA}> and <@{STAFF}> are now leaders. I've sent them a message explaining what that means. "
        f"<@{LEO}> was already a leader, so nothing changed there."
    )
    assert [user for user, _ in holders(sandbox, "leader")] == [LEO, MIA, STAFF]
    assert talks(sandbox, "leaders", user=STAFF) == (
        f"Leaders in Programme Talks: <@{LEO}>, <@{MIA}> and <@{STAFF}>. They highlight shares by reacting with :star:."
    )


def test_appointing_someone_already_appointed_says_so_and_changes_nothing(sandbox):
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    direct_message(sandbox, CHLOE)
    sandbox.slack.clear()
    said = talks(sandbox, f"champion <@{CHLOE}>", user=OWNER)
    assert said == f"<@{CHLOE}> was already a champion, so nothing changed there."
    assert holders(sandbox, "champion") == [(CHLOE, ADMIN)]
    sandbox.slack.assert_no_call("chat.postMessage")


# ---- who may --------------------------------------------------------------------------------------------


def test_champion_cannot_appoint_a_champion_and_is_told_who_can(sandbox):
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    said = talks(sandbox, f"champion <@{MIA}>", user=CHLOE)
    assert said == ONLY_ADMINS
    assert holders(sandbox, "champion") == [(CHLOE, ADMIN)]
    sandbox.slack.assert_no_call("chat.postMessage", where=lambda c: c.args["channel"] == MIA)


def test_ordinary_user_cannot_appoint_champions_or_leaders_and_is_told_who_can(sandbox):
    said = talks(sandbox, f"champion <@{MIA}>", user=STAFF)
    assert said == ONLY_ADMINS
    said = talks(sandbox, f"leader <@{MIA}>", user=STAFF)
    assert said == f"{ONLY_ADMINS_AND_CHAMPIONS} Nothing has changed."
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    said = talks(sandbox, f"leader <@{MIA}>", user=STAFF)
    assert said == f"{ONLY_ADMINS_AND_CHAMPIONS} The champion is <@{CHLOE}>. Nothing has changed."
    assert count(sandbox.sessions, Role) == 1
    sandbox.slack.assert_no_call("chat.postMessage", where=lambda c: c.args["channel"] == MIA)


def test_when_slack_cannot_say_who_is_an_admin_nothing_changes_and_they_can_try_again(sandbox):
    sandbox.slack.fail("users.info", error="fatal_error")
    said = talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    assert said == (
        "Sorry, I couldn't check with Slack whether you can do that just now. Nothing has changed; "
        "please try again in a minute."
    )
    assert count(sandbox.sessions, Role) == 0
    assert talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN) == (
        f"✅ <@{CHLOE}> is now a champion. I've sent them a message explaining what that means."
    )


# ---- removing -------------------------------------------------------------------------------------------


def test_admin_removes_a_champion_and_champion_removes_a_leader(sandbox):
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    talks(sandbox, f"champion <@{MIA}>", user=ADMIN)
    talks(sandbox, f"leader <@{LEO}>", user=CHLOE)
    assert talks(sandbox, f"champion remove <@{MIA}|mia>", user=ADMIN) == f"✅ <@{MIA}> is no longer a champion."
    assert talks(sandbox, f"leader remove <@{LEO}>", user=CHLOE) == f"✅ <@{LEO}> is no longer a leader."
    assert holders(sandbox, "champion") == [(CHLOE, ADMIN)]
    assert holders(sandbox, "leader") == []
    assert talks(sandbox, "leaders", user=STAFF) == (
        "There are no leaders yet. Workspace owners, admins and Programme Talks champions can appoint one with "
        "`/talks leader @name`."
    )


def test_removing_someone_who_was_never_appointed_says_so_and_changes_nothing(sandbox):
    talks(sandbox, f"leader <@{LEO}>", user=ADMIN)
    said = talks(sandbox, f"leader remove <@{LEO}> <@{MIA}>", user=ADMIN)
    assert said == f"✅ <@{LEO}> is no longer a leader. <@{MIA}> wasn't a leader, so there was nothing to remove."
    assert talks(sandbox, f"champion remove <@{MIA}>", user=ADMIN) == (
        f"<@{MIA}> wasn't a champion, so there was nothing to remove."
    )
    assert count(sandbox.sessions, Role) == 0


def test_only_those_who_may_appoint_may_remove(sandbox):
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    talks(sandbox, f"champion <@{MIA}>", user=ADMIN)
    talks(sandbox, f"leader <@{LEO}>", user=ADMIN)
    assert talks(sandbox, f"champion remove <@{MIA}>", user=CHLOE) == ONLY_ADMINS
    assert talks(sandbox, f"leader remove <@{LEO}>", user=STAFF) == (
        f"{ONLY_ADMINS_AND_CHAMPIONS} The champions are <@{CHLOE}> and <@{MIA}>. Nothing has changed."
    )
    assert [user for user, _ in holders(sandbox, "champion")] == [CHLOE, MIA]
    assert holders(sandbox, "leader") == [(LEO, ADMIN)]


# ---- saying it wrong ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["champion", "champion chloe", "champion @chloe", "leader remove", f"leader <@{LEO}> please", "champion <@>"],
)
def test_a_missing_or_malformed_mention_gets_a_kind_example_and_changes_nothing(sandbox, text):
    said = talks(sandbox, text, user=ADMIN)
    role = text.split()[0]
    assert f"Who should be a {role}? Mention them with @, for example `/talks {role} @name`" in said
    typed = text.split(maxsplit=1)[1] if " " in text else ""
    typed = typed.removeprefix("remove").strip()
    found = (
        f"I couldn't find anyone mentioned in “{typed.replace('<', '&lt;').replace('>', '&gt;')}”. " if typed else ""
    )
    assert said == (
        f"{found}Who should be a {role}? Mention them with @, for example `/talks {role} @name` (several people at "
        f"once is fine). To undo it: `/talks {role} remove @name`. To see everyone: `/talks {role}s`."
    )
    assert count(sandbox.sessions, Role) == 0
    sandbox.slack.assert_no_call("users.info")


def test_what_was_typed_is_shown_back_escaped(sandbox):
    said = talks(sandbox, "champion <!channel> & <https://evil.example|this>", user=ADMIN)
    assert "“&lt;!channel&gt; &amp; &lt;https://evil.example|this&gt;”" in said
    assert said == (
        "I couldn't find anyone mentioned in “&lt;!channel&gt; &amp; &lt;https://evil.example|this&gt;”. "
        "Who should be a champion? Mention them with @, for example `/talks champion @name` (several people at "
        "once is fine). To undo it: `/talks champion remove @name`. To see everyone: `/talks champions`."
    )
    assert "<!channel>" not in said


def test_nobody_appointed_yet_says_who_can_appoint(sandbox):
    assert talks(sandbox, "champions", user=STAFF) == (
        "There are no champions yet. Workspace owners and admins can appoint one with `/talks champion @name`."
    )


def test_a_direct_message_that_cannot_be_sent_is_reported_to_the_appointer(sandbox):
    sandbox.slack.fail("chat.postMessage", error="cannot_dm_bot", where=lambda a: a.get("channel") == LEO)
    said = talks(sandbox, f"leader <@{LEO}>", user=ADMIN)
    assert said == f"✅ <@{LEO}> is now a leader. I couldn't send <@{LEO}> a message, so please let them know yourself."
    assert holders(sandbox, "leader") == [(LEO, ADMIN)]


def test_roles_belong_to_one_workspace(sandbox):
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    sandbox.sim.team_id = "T_OTHER"  # the same people, as members of another workspace (Slack's users.info says so)
    sandbox.slack.state.team_id = "T_OTHER"
    assert talks(sandbox, "champions", user=STAFF) == (
        "There are no champions yet. Workspace owners and admins can appoint one with `/talks champion @name`."
    )
    said = talks(sandbox, f"leader <@{LEO}>", user=ADMIN)
    assert "only workspace owners and admins" not in said
    assert said == f"✅ <@{LEO}> is now a leader. I've sent them a message explaining what that means."
    said = talks(sandbox, f"leader <@{MIA}>", user=CHLOE)  # a champion elsewhere, not here
    assert "Sorry, only" in said
    assert said == f"{ONLY_ADMINS_AND_CHAMPIONS} Nothing has changed."


# ---- the highlight emoji --------------------------------------------------------------------------------


def test_highlight_emoji_alone_shows_the_current_one(sandbox):
    said = talks(sandbox, "highlight-emoji", user=STAFF)
    shown = (
        "Leaders highlight a share by reacting to it with :{0}: (`{0}`). Workspace owners, admins and champions "
        "can change it, for example: `/talks highlight-emoji star2`."
    )
    assert said.startswith("Leaders highlight a share by reacting to it with :star: (`star`).")
    assert said == shown.format("star")
    talks(sandbox, "highlight-emoji star2", user=ADMIN)
    assert talks(sandbox, "highlight-emoji", user=STAFF) == shown.format("star2")


@pytest.mark.parametrize("typed", ["tada", ":tada:", ":raised_hands::skin-tone-3:", "Tada"])
def test_champion_sets_the_highlight_emoji_with_or_without_colons(sandbox, typed):
    talks(sandbox, f"champion <@{CHLOE}>", user=ADMIN)
    emoji = "raised_hands" if "hands" in typed else "tada"
    said = talks(sandbox, f"highlight-emoji {typed}", user=CHLOE)
    assert said == (
        f"✅ Done. Leaders now highlight a share by reacting with :{emoji}: instead of :star:. "
        "Highlights already made stay as they are."
    )
    with sandbox.sessions() as session:
        assert session.get(WorkspaceSettings, "T0001").highlight_emoji == emoji
    assert talks(sandbox, f"highlight-emoji {emoji}", user=ADMIN) == (
        f"The highlight emoji is already :{emoji}:, so nothing has changed."
    )


def test_ordinary_user_cannot_change_the_highlight_emoji(sandbox):
    said = talks(sandbox, "highlight-emoji tada", user=STAFF)
    assert said == (
        "Sorry, only workspace owners, admins and Programme Talks champions can choose the highlight emoji. "
        "Nothing has changed."
    )
    assert count(sandbox.sessions, WorkspaceSettings) == 0


@pytest.mark.parametrize("typed", ["star two", ":star: :tada:", "st*r", "<@U_MALLORY>", "x" * 101, "::", "💫"])
def test_a_name_that_cannot_be_an_emoji_is_refused_kindly_and_nothing_changes(sandbox, typed):
    said = talks(sandbox, f"highlight-emoji {typed}", user=ADMIN)
    shown = typed if len(typed) <= 100 else "x" * 99 + "…"  # what was typed, cut to 100 characters
    assert said == (
        f"“{shown.replace('<', '&lt;').replace('>', '&gt;')}” isn't an emoji name I can use. Give one emoji name "
        "made of lowercase letters, numbers, `_`, `-`, `+` and `'` (up to 100 characters), for example "
        "`/talks highlight-emoji star2` or `/talks highlight-emoji :tada:`. Nothing has changed."
    )
    assert "<@U_MALLORY>" not in said
    assert count(sandbox.sessions, WorkspaceSettings) == 0
