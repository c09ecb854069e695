"""Meeting prompts: the two questions before a channel's team meeting, posted exactly once by the scheduler (driven
through the CLI), and Capture replies, which turns replies in its thread into shares with each author's consent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.ids import Action, Block, View
from storage.models import AuditEntry, Delivery, MessageCredit, PromptSchedule, ReplyAsk
from tests.helpers import all_text, assert_safe_mrkdwn, response_to, run_due, shares, wait_until
from tests.helpers.agreements import confirm, write_agreement

ADMIN, CHAMPION, STAFF = "U_ADMIN", "U_CHAMP", "U_STAFF"
AMIRA, BEN, CARA = "U_AMIRA", "U_BEN", "U_CARA"
TEAM = "C_PRACTICE"
QUESTIONS = (
    "*🗓️ Two questions for your team meeting*\n• What collaborative opportunities are there?\n"
    "• Is there an opportunity to share any best practice?"
)
HINT = (
    "💬 Reply in this thread with what worked or what you need. Afterwards, *Capture replies* asks each person who "
    "replied whether their words may be shared as practice: nothing is shared unless they say yes."
)


@pytest.fixture
def env(env, sandbox):
    """The shared environment, with a workspace admin who may set up prompts."""
    sandbox.slack.add_user(ADMIN, is_admin=True)
    for person, name in ((AMIRA, "Amira Khan"), (BEN, "Ben Jones"), (CARA, "Cara Lee")):
        sandbox.slack.add_user(person, name=name)
    return env


def talks(sandbox, words: str, *, user: str = ADMIN, channel: str = TEAM) -> str:
    _, url = sandbox.sim.command("/talks", words, user=user, channel=channel)
    answer = response_to(sandbox.slack, url).args
    return answer.get("text") or all_text(answer.get("blocks") or [])


def done(out: str) -> tuple[str, list[str]]:
    """What a `run-due` printed: its moment, and its lines sorted."""
    first, *lines = out.splitlines()
    return first.split(":", 2)[0] + ":" + first.split(":", 2)[1], sorted(line.strip() for line in lines)


def prompts_in(sandbox, channel: str = TEAM) -> list[dict]:
    return [m for m in sandbox.slack.messages(channel) if (m.get("text") or "").startswith("Two questions")]


def ledger(sandbox, kind: str = "prompt") -> list[tuple[str, str, str]]:
    with sandbox.sessions() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        return [(row.target, row.period_key, row.status) for row in rows]


def prompt_at_tuesday(sandbox, capsys) -> dict:
    talks(sandbox, "prompt here weekly tue 09:45")
    run_due("2026-12-01T09:45", capsys)
    [prompt] = prompts_in(sandbox)
    return prompt


# ---- setting it up ---------------------------------------------------------------------------------------------


def test_an_admin_sets_up_the_prompt_and_is_told_when_the_first_comes(sandbox, env):
    assert talks(sandbox, "prompt here weekly tue 09:45") == (
        "✅ Done: this channel will get the two questions every Tuesday at 09:45 (UK time), ahead of "
        "your team meeting. The first is on Tuesday 1 December at 09:45."
    )
    [announced] = [m for m in sandbox.slack.messages(TEAM) if m["text"] == "Team meeting questions set up"]
    assert all_text(announced["blocks"]) == (
        f"🗓️ <@{ADMIN}> set up the team meeting questions here: every Tuesday at 09:45. I'll post the two questions, "
        "with what's still open in this channel, so your meeting can talk about what to share and who to work with."
    )
    assert talks(sandbox, "prompt", user=STAFF) == (
        "This channel gets the two questions every Tuesday at 09:45 (UK time), ahead of its team "
        "meeting. The next is on Tuesday 1 December at 09:45."
    )
    with sandbox.sessions() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "setting_changed"))
        assert (entry.actor_id, entry.subject, entry.details) == (
            ADMIN,
            f"channel:{TEAM}",
            '{"setting":"meeting_prompt","to":"weekly tue 09:45"}',
        )


def test_a_channel_without_a_prompt_says_how_to_start_one(sandbox, env):
    assert talks(sandbox, "prompt", user=STAFF) == (
        "This channel doesn't get the two questions before its team meeting. Champions and admins can start them "
        "with `/talks prompt here weekly tue 09:45`: the time is when they arrive, so choose a few minutes before "
        "your meeting."
    )


def test_staff_cannot_change_a_channels_prompt_and_nothing_changes(sandbox, env):
    for words in ("prompt here weekly tue 09:45", "prompt now", "prompt pause 2 weeks", "prompt off"):
        assert talks(sandbox, words, user=STAFF) == (
            "Sorry, only workspace owners, admins and Programme Talks champions can change a channel's meeting "
            "prompt. Nothing has changed."
        )
    with sandbox.sessions() as session:
        assert session.scalars(select(PromptSchedule)).all() == []
    assert prompts_in(sandbox) == []


def test_a_schedule_that_does_not_parse_gets_the_digests_kind_words_and_nothing_changes(sandbox, env):
    assert talks(sandbox, "prompt here monthly 09:00") == (
        'Sorry, I didn\'t understand "monthly". Start with "weekly", "fortnightly" or "daily", for example '
        '"weekly mon 09:00" or "daily 08:30".'
    )
    assert talks(sandbox, "prompt here weekly tue") == (
        'What time should the questions go out? Add a time, for example "weekly tue 09:00".'
    )
    assert talks(sandbox, "prompt sometimes", user=STAFF) == (
        "I don't know `/talks prompt sometimes`. Try `/talks prompt here weekly tue 09:45` (the time the questions "
        "arrive, a few minutes before your team meeting), `/talks prompt now`, `/talks prompt pause 2 weeks` or "
        "`/talks prompt off`."
    )
    with sandbox.sessions() as session:
        assert session.scalars(select(PromptSchedule)).all() == []


# ---- the scheduler -----------------------------------------------------------------------------------------------


def test_the_prompt_is_posted_at_its_time_exactly_once_across_runs(sandbox, env, capsys):
    talks(sandbox, "prompt here weekly tue 09:45")
    assert done(run_due("2026-12-01T09:44", capsys))[1] == []
    assert done(run_due("2026-12-01T09:45", capsys)) == (
        "run-due at 2026-12-01 09:45 GMT",
        ["posted prompt to C_PRACTICE 2026-12-01T09:45"],
    )
    assert done(run_due("2026-12-01T09:45", capsys))[1] == []
    assert done(run_due("2026-12-01T10:10", capsys))[1] == []
    assert len(prompts_in(sandbox)) == 1
    assert ledger(sandbox) == [(TEAM, "2026-12-01T09:45", "delivered")]
    assert done(run_due("2026-12-08T09:46", capsys))[1] == ["posted prompt to C_PRACTICE 2026-12-08T09:45"]


def test_a_prompt_found_more_than_half_an_hour_late_is_skipped_not_posted(sandbox, env, capsys):
    talks(sandbox, "prompt here daily 09:15")
    assert done(run_due("2026-11-28T09:46", capsys))[1] == [
        "skipped prompt C_PRACTICE 2026-11-28T09:15: 31 minutes late"
    ]
    assert done(run_due("2026-11-28T09:50", capsys))[1] == []
    assert prompts_in(sandbox) == []
    assert ledger(sandbox) == [(TEAM, "2026-11-28T09:15", "skipped")]


def test_the_prompt_holds_the_two_questions_open_requests_and_reviews_near(sandbox, env, capsys, clock):
    sandbox.sim.command("/collab", "A hall for Saturday sessions & a <!here> coach by 15 January", user=BEN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: "hall" in str(c.args.get("blocks")))
    number = write_agreement(sandbox)
    confirm(sandbox, BEN)  # its writer, Amira, counts as confirming what she wrote
    [request] = [m for m in sandbox.slack.messages(TEAM) if "A hall for" in all_text(m.get("blocks") or [])]
    prompt = prompt_at_tuesday(sandbox, capsys)
    link = f"https://example.slack.com/archives/C_PRACTICE/p{request['ts'].replace('.', '')}"
    assert all_text(prompt["blocks"]) == "\n".join(
        [
            QUESTIONS,
            "Share practice",
            "Ask for collaboration",
            "*🤝 Still open in this channel*: could someone here help?\n"
            "• A hall for Saturday sessions &amp; a &lt;!here&gt; coach\n"
            f"_asked by <@{BEN}> · 27 Nov · needed by 15 Jan · no offers yet · <{link}|open>_",
            "*🔁 Agreement reviews coming up*\n"
            f"#{number} Summer sports hall — review due Mon 7 Dec (in 6 days) · <@{AMIRA}>, <@{BEN}>, Riverside Trust",
            HINT,
            "Capture replies",
        ]
    )
    assert prompt["text"] == (
        "Two questions for your team meeting: What collaborative opportunities are there? Is there an opportunity "
        "to share any best practice?"
    )
    [call] = sandbox.slack.calls_to("chat.postMessage")[-1:]
    assert_safe_mrkdwn(call)


def test_share_practice_on_a_prompt_opens_the_share_form_for_its_channel(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    sandbox.sim.click(prompt, Action.OPEN_SHARE_MODAL, user=STAFF, channel=TEAM)
    [opened] = sandbox.slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == View.SHARE
    assert Block.CHANNEL not in [b.get("block_id") for b in opened.args["view"]["blocks"]]  # it posts in the prompt's


def test_prompt_now_posts_at_once_and_off_stops_the_schedule(sandbox, env, capsys):
    talks(sandbox, "prompt here weekly tue 09:45")
    assert talks(sandbox, "prompt now") == "✅ Posted the two questions here."
    assert len(prompts_in(sandbox)) == 1
    assert talks(sandbox, "prompt off") == (
        "Meeting prompt stopped for this channel. You can start it again at any time with "
        "`/talks prompt here weekly tue 09:45`."
    )
    assert talks(sandbox, "prompt off") == "This channel doesn't get the meeting prompt, so there was nothing to stop."
    assert done(run_due("2026-12-01T09:45", capsys))[1] == []
    assert len(prompts_in(sandbox)) == 1


def test_a_channel_that_is_gone_stops_its_prompt_and_tells_champions_once(sandbox, env, capsys):
    talks(sandbox, f"champion <@{CHAMPION}>")
    talks(sandbox, "prompt here weekly tue 09:45", channel="C_GONE")
    sandbox.slack.fail("chat.postMessage", error="is_archived", times=3, where=lambda a: a.get("channel") == "C_GONE")
    assert done(run_due("2026-12-01T09:45", capsys))[1] == [
        "could not post to C_GONE 2026-12-01T09:45: is_archived; prompt stopped and champions told"
    ]
    [notice] = [m for m in sandbox.slack.messages(CHAMPION) if "C_GONE" in all_text(m.get("blocks") or [])]
    assert all_text(notice["blocks"]) == (
        "⚠️ I couldn't post the two questions in <#C_GONE>: the channel is archived. I've stopped that channel's "
        "meeting prompt. To start it again, invite me there and type `/talks prompt here weekly tue 09:45`."
    )
    assert talks(sandbox, "prompt", channel="C_GONE") == (
        "This channel's meeting prompt (every Tuesday at 09:45) is stopped: the channel is archived. To start it "
        "again, type `/talks prompt here weekly tue 09:45`."
    )
    assert done(run_due("2026-12-08T09:45", capsys))[1] == []


# ---- pausing a channel's prompt -------------------------------------------------------------------------------------


def test_a_champion_pauses_a_channels_prompt_and_its_slots_are_recorded_paused_not_posted_later(
    sandbox, env, capsys, clock
):
    talks(sandbox, "prompt here weekly tue 09:45")
    assert talks(sandbox, "prompt pause 2 weeks") == (
        "⏸️ This channel's meeting prompt is paused until Friday 11 December: any due before then won't be posted. "
        "It starts again by itself; `/talks prompt resume` starts it sooner."
    )
    assert talks(sandbox, "prompt", user=STAFF) == (
        "This channel gets the two questions every Tuesday at 09:45 (UK time), ahead of its team "
        "meeting. It's paused until Friday 11 December. The next is on Tuesday 15 December at 09:45."
    )
    assert done(run_due("2026-12-01T09:45", capsys))[1] == [
        "paused prompt to C_PRACTICE 2026-12-01T09:45: paused until 2026-12-11"
    ]
    assert done(run_due("2026-12-08T09:45", capsys))[1] == [
        "paused prompt to C_PRACTICE 2026-12-08T09:45: paused until 2026-12-11"
    ]
    assert done(run_due("2026-12-15T09:45", capsys))[1] == ["posted prompt to C_PRACTICE 2026-12-15T09:45"]
    assert ledger(sandbox) == [
        (TEAM, "2026-12-01T09:45", "paused"),
        (TEAM, "2026-12-08T09:45", "paused"),
        (TEAM, "2026-12-15T09:45", "delivered"),
    ]


def test_resume_ends_a_channels_pause_and_bad_pauses_change_nothing(sandbox, env, capsys):
    talks(sandbox, "prompt here weekly tue 09:45")
    assert talks(sandbox, "prompt pause for a while") == (
        'Sorry, I couldn\'t read "a while". Use whole numbers, for example "2 weeks", "10 days", "1 month" or '
        '"until 4 January".'
    )
    assert talks(sandbox, "prompt pause 7 months") == (
        "A pause can be at most 6 months, so until Thursday 27 May 2027 at the latest. For a shorter pause, try for "
        'example "3 months".'
    )
    assert (
        talks(sandbox, "prompt resume") == "This channel's meeting prompt isn't paused, so there's nothing to resume."
    )
    talks(sandbox, "prompt pause until 2027-01-04")
    assert talks(sandbox, "prompt resume") == (
        "▶️ This channel's meeting prompt is back on. The next is on Tuesday 1 December at 09:45."
    )
    assert done(run_due("2026-12-01T09:45", capsys))[1] == ["posted prompt to C_PRACTICE 2026-12-01T09:45"]
    assert talks(sandbox, "prompt pause 2 weeks", channel="C_NONE") == (
        "This channel doesn't get the meeting prompt, so there's nothing to pause."
    )


# ---- capturing replies -------------------------------------------------------------------------------------------


def replied(sandbox, prompt: dict, *replies: tuple[str, str]) -> list[dict]:
    return [sandbox.slack.post_as(user, TEAM, text, thread_ts=prompt["ts"]) for user, text in replies]


def capture(sandbox, prompt: dict, *, user: str = STAFF) -> str:
    _, url = sandbox.sim.click(prompt, Action.CAPTURE_REPLIES, user=user, channel=TEAM)
    wait_until(lambda: any(c.args.get("url") == url for c in sandbox.slack.calls_to("response_url")), timeout=10)
    return response_to(sandbox.slack, url).args["text"]


def asks_to(sandbox, user: str) -> list[dict]:
    return [m for m in sandbox.slack.messages(user) if (m.get("text") or "").startswith("Share your reply")]


def test_capture_replies_asks_each_person_who_replied_skips_bots_and_asks_nobody_twice(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    amira, _ = replied(
        sandbox,
        prompt,
        (AMIRA, "Our *walking bus* doubled attendance. Thanks <@U_BEN> & carers #attendance"),
        (BEN, "We need a minibus driver for Saturdays"),
    )
    sandbox.slack.state.messages[TEAM].append(  # another app's message in the thread
        {"ts": "1764582000.000900", "text": "Reminder bot", "bot_id": "B_OTHER", "thread_ts": prompt["ts"]}
    )
    assert capture(sandbox, prompt) == (
        f"📨 I've asked 2 people (<@{AMIRA}> and <@{BEN}>) whether their replies may be shared as practice. Nothing "
        "is shared unless they say yes."
    )
    [ask] = asks_to(sandbox, AMIRA)
    link = f"https://example.slack.com/archives/C_PRACTICE/p{amira['ts'].replace('.', '')}"
    prompt_link = link  # the reply's own link
    assert all_text(ask["blocks"]) == (
        f"👋 <@{STAFF}> pressed *Capture replies* on the team meeting questions in <#C_PRACTICE> "
        f"(<{prompt_link}|open>). "
        "Would you like your reply shared there as practice? You'll be its author, and can edit or delete it "
        "afterwards.\n"
        "*Your reply*\nOur walking bus doubled attendance. Thanks @Ben Jones &amp; carers #attendance\n"
        "Share it\nNo thanks"
    )
    assert ask["text"] == "Share your reply in <#C_PRACTICE> as practice?"
    assert len(asks_to(sandbox, BEN)) == 1
    assert asks_to(sandbox, "B_OTHER") == []
    for call in sandbox.slack.calls_to("chat.postMessage"):
        assert_safe_mrkdwn(call)

    assert capture(sandbox, prompt, user=AMIRA) == (
        "Nothing new to capture: I've already asked about every reply here (2)."
    )
    replied(sandbox, prompt, (CARA, "Happy to share our mentoring scheme"))
    assert capture(sandbox, prompt) == (
        f"📨 I've asked 1 person (<@{CARA}>) whether their reply may be shared as practice. Nothing is shared unless "
        "they say yes. 2 other replies had been asked about already."
    )
    assert [len(asks_to(sandbox, who)) for who in (AMIRA, BEN, CARA)] == [1, 1, 1]
    with sandbox.sessions() as session:
        asked = session.scalars(select(ReplyAsk).order_by(ReplyAsk.id)).all()
        assert [(a.author_id, a.asked_by, a.status) for a in asked] == [
            (AMIRA, STAFF, "asked"),
            (BEN, STAFF, "asked"),
            (CARA, STAFF, "asked"),
        ]
    assert shares(sandbox.sessions) == []


def test_a_thread_with_no_replies_says_so(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    assert capture(sandbox, prompt) == (
        "There are no replies in this thread yet. When people have replied with what worked or what they need, "
        "press *Capture replies* again."
    )


def test_share_it_posts_the_reply_as_its_authors_share_in_the_prompts_channel_once(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    [reply] = replied(sandbox, prompt, (AMIRA, "Our walking bus doubled attendance. Parents take turns #attendance"))
    capture(sandbox, prompt)
    [ask] = asks_to(sandbox, AMIRA)
    _, url = sandbox.sim.click(ask, Action.SHARE_REPLY, user=AMIRA, channel="D" + AMIRA)
    answer = response_to(sandbox.slack, url).args
    assert (answer["text"], answer["replace_original"]) == (
        "✅ Thank you! Your reply is being shared in <#C_PRACTICE> as practice. You can edit or delete it from its ⋯ "
        "menu.",
        True,
    )
    wait_until(lambda: shares(sandbox.sessions) and shares(sandbox.sessions)[0].message_ts)
    [share] = shares(sandbox.sessions)
    assert (share.author_id, share.channel_id, share.title, share.body, share.tags) == (
        AMIRA,
        TEAM,
        "Our walking bus doubled attendance",
        "Our walking bus doubled attendance. Parents take turns #attendance",
        "attendance",
    )
    link = f"https://example.slack.com/archives/C_PRACTICE/p{reply['ts'].replace('.', '')}"
    credit = wait_until(lambda: [m for m in sandbox.slack.messages(TEAM) if m.get("thread_ts") == share.message_ts])
    assert [m["text"] for m in credit] == [f"📎 From a message by <@{AMIRA}> (<{link}|open>)"]
    with sandbox.sessions() as session:
        assert session.scalar(select(ReplyAsk.status)) == "shared"
        assert session.scalar(select(MessageCredit.status)) == "self"

    _, again = sandbox.sim.click(ask, Action.SHARE_REPLY, user=AMIRA, channel="D" + AMIRA)
    assert response_to(sandbox.slack, again).args["text"] == "You've answered this already, so nothing more happens."
    assert len(shares(sandbox.sessions)) == 1
    assert capture(sandbox, prompt) == "Nothing new to capture: I've already asked about every reply here (1)."


def test_no_thanks_shares_nothing_and_only_the_replys_author_can_answer(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    replied(sandbox, prompt, (AMIRA, "Our walking bus doubled attendance"))
    capture(sandbox, prompt)
    [ask] = asks_to(sandbox, AMIRA)
    _, url = sandbox.sim.click(ask, Action.SHARE_REPLY, user=BEN, channel="D" + BEN)
    assert response_to(sandbox.slack, url).args["text"] == f"Only <@{AMIRA}>, who wrote the reply, can answer this."
    _, url = sandbox.sim.click(ask, Action.DECLINE_REPLY, user=AMIRA, channel="D" + AMIRA)
    answer = response_to(sandbox.slack, url).args
    assert (answer["text"], answer["replace_original"]) == (
        "👍 No problem: your reply stays where it is, and nothing is shared.",
        True,
    )
    _, url = sandbox.sim.click(ask, Action.SHARE_REPLY, user=AMIRA, channel="D" + AMIRA)
    assert response_to(sandbox.slack, url).args["text"] == "You've answered this already, so nothing more happens."
    assert shares(sandbox.sessions) == []
    with sandbox.sessions() as session:
        assert session.scalar(select(ReplyAsk.status)) == "declined"


def test_a_reply_naming_a_child_opens_the_form_with_what_was_found_and_nothing_is_saved(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    replied(sandbox, prompt, (AMIRA, "Jo Bloggs, aged 12, now walks to school with us"))
    capture(sandbox, prompt)
    [ask] = asks_to(sandbox, AMIRA)
    sandbox.sim.click(ask, Action.SHARE_REPLY, user=AMIRA, channel="D" + AMIRA)
    [opened] = sandbox.slack.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == View.CAPTURE_SHARE
    texts = all_text(view["blocks"])
    assert texts.startswith("⚠️ *This looks like it holds personal data.* I found a name next to an age")
    assert "⟦Jo Bloggs, aged 12⟧" in texts
    assert "📎 From your message in <#C_PRACTICE>: it will say so under the post." in texts
    [channel] = [b for b in view["blocks"] if b.get("block_id") == Block.CHANNEL]
    assert channel["element"]["initial_conversation"] == TEAM
    assert shares(sandbox.sessions) == []
    with sandbox.sessions() as session:
        assert session.scalar(select(ReplyAsk.status)) == "asked"


def test_a_deleted_reply_is_not_shared(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    [reply] = replied(sandbox, prompt, (AMIRA, "Our walking bus doubled attendance"))
    capture(sandbox, prompt)
    [ask] = asks_to(sandbox, AMIRA)
    sandbox.slack.state.messages[TEAM] = [m for m in sandbox.slack.state.messages[TEAM] if m["ts"] != reply["ts"]]
    _, url = sandbox.sim.click(ask, Action.SHARE_REPLY, user=AMIRA, channel="D" + AMIRA)
    assert response_to(sandbox.slack, url).args["text"] == (
        "That reply has been deleted from the thread, so there's nothing to share."
    )
    assert shares(sandbox.sessions) == []


def test_a_slack_that_cannot_give_the_thread_is_said_and_nothing_is_asked(sandbox, env, capsys):
    prompt = prompt_at_tuesday(sandbox, capsys)
    replied(sandbox, prompt, (AMIRA, "Our walking bus doubled attendance"))
    sandbox.slack.fail("conversations.replies", status=500, times=10)
    assert capture(sandbox, prompt) == (
        "Sorry, I couldn't read the replies from Slack just now. Please press *Capture replies* again in a minute."
    )
    with sandbox.sessions() as session:
        assert session.scalars(select(ReplyAsk)).all() == []
    assert asks_to(sandbox, AMIRA) == []
