"""Report a concern: on every share, request, agreement and event the app posts. Reporting hides it at once
everywhere (its messages, digests and search), tells champions and admins with Restore and Delete (who reported
it is shown to them alone), and tells its author kindly. Driven over signed HTTP against the local Slack
stand-in, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.devkit.local_slack import Call
from handlers.concerns.blocks import reviewer_notice
from handlers.ids import Action, Block
from storage import audit
from storage import roles as rq
from storage.concerns import ConcernRecord, Kind, Status, Subject
from storage.models import Concern, Meetup, Share
from storage.roles import RoleName
from tests.helpers import all_text, assert_safe_mrkdwn, count, requests, response_to, shares, wait_until
from tests.helpers.agreements import summary, write_agreement
from tests.helpers.limits import posted, typed

CHANNEL = "C_PRACTICE"
AUTHOR, REPORTER, CHAMPION, ADMIN, SOMEONE = "U_BEN", "U_DEV", "U_CHAMP", "U_ADMIN", "U_EVE"
HOMEWORK = "Homework club for young carers doubled attendance #carers"
BREAKFAST = "Breakfast club for young carers before school #carers"
HIDDEN_SHARE = (
    "🚩 This share is hidden while it is reviewed: someone reported a concern about it, and Programme Talks champions "
    "and workspace admins have been asked to look at it."
)
THANKS = (
    "Thank you for raising it. I've hidden it everywhere I posted it and told Programme Talks champions and workspace "
    "admins, who will restore or delete it. Only they can see that you reported it."
)


def team(sandbox) -> None:
    """A workspace with a champion and an admin (and a second admin account that is deactivated, and a bot)."""
    with sandbox.sessions.begin() as session:
        rq.add_role(
            session,
            team_id="T0001",
            user_id=CHAMPION,
            role=RoleName.CHAMPION,
            appointed_by=ADMIN,
            now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )
    sandbox.slack.add_user(ADMIN, is_admin=True)
    sandbox.slack.add_user(AUTHOR)
    sandbox.slack.add_user("U_GONE", is_admin=True)
    sandbox.slack.state.users["U_GONE"]["deleted"] = True
    sandbox.slack.add_user("U_BOT", is_admin=True)
    sandbox.slack.state.users["U_BOT"]["is_bot"] = True


def share(sandbox, text: str, user: str = AUTHOR) -> dict:
    """Share practice; the message once posted and remembered."""
    before = len(sandbox.slack.messages(CHANNEL))
    sandbox.sim.command("/share", text, user=user, channel=CHANNEL)
    wait_until(lambda: len(sandbox.slack.messages(CHANNEL)) > before)
    wait_until(lambda: all(s.message_ts for s in shares(sandbox.sessions)))
    return next(m for m in sandbox.slack.messages(CHANNEL) if text[:20] in all_text(m["blocks"]))


def message(sandbox, ts: str, channel: str = CHANNEL) -> dict | None:
    return next((m for m in sandbox.slack.messages(channel) if m["ts"] == ts), None)


def report(sandbox, posted_message: dict, user: str = REPORTER, action: str = Action.MANAGE_SHARE, channel=CHANNEL):
    """Choose Report a concern from a message's ⋯ menu; what the reporter is told."""
    reply, url = sandbox.sim.click(posted_message, action, user=user, channel=channel, option="report")
    assert (reply.status, reply.body) == (200, "")
    return response_to(sandbox.slack, url).args["text"]


def notice(sandbox, user: str) -> dict:
    """The direct message asking this champion or admin to decide."""
    wait_until(lambda: any("concern was reported" in (m.get("text") or "") for m in sandbox.slack.messages(user)))
    return next(m for m in sandbox.slack.messages(user) if "concern was reported" in (m.get("text") or ""))


def decide(sandbox, user: str, action: str, notice_message: dict) -> str:
    _, url = sandbox.sim.click(notice_message, action, user=user, channel="D" + user)
    return response_to(sandbox.slack, url).args["text"]


def audit_trail(sandbox) -> list[tuple]:
    with sandbox.sessions.begin() as session:
        entries = audit.list_entries(session, team_id="T0001", since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    return [(e.actor_id, e.action, e.subject, e.details) for e in entries]


def search(sandbox, words: str) -> str:
    _, url = sandbox.sim.command("/talks", f"search {words}", user=SOMEONE, channel=CHANNEL)
    return all_text(response_to(sandbox.slack, url).args["blocks"])


def digest_preview(sandbox) -> str:
    _, url = sandbox.sim.command("/talks", "digest preview", user=SOMEONE, channel=CHANNEL)
    return all_text(response_to(sandbox.slack, url).args["blocks"])


def reviewer_text(share_id: int, words: str) -> str:
    return (
        f"🚩 *A concern was reported* about a share by <@{AUTHOR}> in <#{CHANNEL}>. <@{REPORTER}> reported it. I've "
        "hidden it everywhere I posted it until one of you restores or deletes it.\n"
        f"*What it says*\n{words}\n"
        "Restore\nDelete\n"
        "*Restore* shows it again; *Delete* removes it. Only Programme Talks champions and workspace admins can do "
        "either, and only they can see who reported it."
    )


# ---- reporting ------------------------------------------------------------------------------------------------


def test_reporting_a_share_hides_it_in_the_channel_digest_and_search_and_asks_champions_and_admins(sandbox):
    team(sandbox)
    homework = share(sandbox, HOMEWORK)
    share(sandbox, BREAKFAST, user="U_AMIRA")
    assert "Homework club" in search(sandbox, "carers") and "Homework club" in digest_preview(sandbox)
    menu = next(e for b in homework["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert [o["text"]["text"] for o in menu["options"]] == ["Edit my share", "Delete my share", "🚩 Report a concern"]

    assert report(sandbox, homework) == THANKS
    [update] = sandbox.slack.wait_for("chat.update", where=lambda c: c.args["ts"] == homework["ts"])
    assert_safe_mrkdwn(update)
    shown = message(sandbox, homework["ts"])
    assert (all_text(shown["blocks"]), shown["text"]) == (
        HIDDEN_SHARE,
        "A share hidden while a concern about it is reviewed",
    )
    [homework_share] = [s for s in shares(sandbox.sessions) if s.author_id == AUTHOR]
    words = "Homework club for young carers doubled attendance #carers"
    for reviewer in (CHAMPION, ADMIN):  # the champion, and the admin Slack's users.list names
        told = notice(sandbox, reviewer)
        assert all_text(told["blocks"]) == reviewer_text(homework_share.id, words)
        buttons = [
            (e["action_id"], e.get("style")) for b in told["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert buttons == [(Action.RESTORE_REPORTED, "primary"), (Action.DELETE_REPORTED, "danger")]
    for never in ("U_GONE", "U_BOT", REPORTER, SOMEONE):
        assert sandbox.slack.messages(never) == []
    wait_until(lambda: sandbox.slack.messages(AUTHOR))
    [to_author] = sandbox.slack.messages(AUTHOR)
    assert all_text(to_author["blocks"]) == (
        f"🚩 Someone reported a concern about your share “{words}” in <#{CHANNEL}>, so I've hidden it while a "
        "Programme Talks champion or workspace admin looks at it. It often comes down to a detail that could identify "
        "a child or a family. You don't need to do anything now: I'll let you know what they decide."
    )
    assert REPORTER not in str(to_author)  # who reported it is for champions and admins only
    assert audit_trail(sandbox) == [
        (REPORTER, audit.Action.REPORTED, f"share:{homework_share.id}", {"concern": 1, "kind": "share"})
    ]
    found = search(sandbox, "carers")
    assert "Breakfast club" in found and "Homework club" not in found
    digest = digest_preview(sandbox)
    assert "Breakfast club" in digest and "Homework club" not in digest


def test_reporting_the_same_share_twice_changes_nothing_the_second_time(sandbox):
    team(sandbox)
    homework = share(sandbox, HOMEWORK)
    report(sandbox, homework)
    notice(sandbox, CHAMPION)
    notice(sandbox, ADMIN)
    sent_before = len(sandbox.slack.calls_to("chat.postMessage"))
    assert report(sandbox, homework, user=SOMEONE) == (
        "Thank you. Someone has already reported this, and it's hidden while it's reviewed, so there's nothing more "
        "to do."
    )
    assert report(sandbox, homework) == (  # the first reporter, again, from the message they still had
        "Thank you. Someone has already reported this, and it's hidden while it's reviewed, so there's nothing more "
        "to do."
    )
    sandbox.slack.assert_no_call(
        "chat.postMessage", where=lambda c: len(sandbox.slack.calls_to("chat.postMessage")) > sent_before
    )
    assert len(sandbox.slack.calls_to("chat.postMessage")) == sent_before
    assert count(sandbox.sessions, Concern) == 1
    assert [action for _, action, _, _ in audit_trail(sandbox)] == [audit.Action.REPORTED]


# ---- deciding -------------------------------------------------------------------------------------------------


def test_a_champion_restores_a_reported_share_and_it_shows_again_everywhere(sandbox):
    team(sandbox)
    homework = share(sandbox, HOMEWORK)
    report(sandbox, homework)
    admins_copy = notice(sandbox, ADMIN)  # as the admin's Slack still shows it, with its buttons
    assert decide(sandbox, CHAMPION, Action.RESTORE_REPORTED, notice(sandbox, CHAMPION)) == (
        f"✅ Restored: it's visible again everywhere I posted it, and I've let <@{AUTHOR}> know."
    )
    shown = message(sandbox, homework["ts"])
    assert all_text(shown["blocks"]) == all_text(homework["blocks"])  # just as it was
    decided = f"✅ <@{CHAMPION}> restored it: it's visible again."
    for reviewer in (CHAMPION, ADMIN):  # both see it is decided, and what it said is no longer in their messages
        assert all_text(notice(sandbox, reviewer)["blocks"]) == (
            f"🚩 A concern was reported about a share by <@{AUTHOR}> in <#{CHANNEL}>; <@{REPORTER}> reported it.\n"
            f"{decided}"
        )
    wait_until(lambda: len(sandbox.slack.messages(AUTHOR)) == 2)
    assert all_text(sandbox.slack.messages(AUTHOR)[-1]["blocks"]) == (
        f"✅ Good news: <@{CHAMPION}> reviewed your share in <#{CHANNEL}>, and it's visible again."
    )
    [homework_share] = shares(sandbox.sessions)
    assert [(actor, action) for actor, action, _, _ in audit_trail(sandbox)] == [
        (REPORTER, audit.Action.REPORTED),
        (CHAMPION, audit.Action.RESTORED),
    ]
    assert audit_trail(sandbox)[-1][2:] == (f"share:{homework_share.id}", {"concern": 1, "kind": "share"})
    assert "Homework club" in search(sandbox, "homework")
    # The admin presses Delete on their (older) copy of the message: the first decision stands.
    assert decide(sandbox, ADMIN, Action.DELETE_REPORTED, admins_copy) == (
        f"<@{CHAMPION}> already restored this, so nothing more has changed."
    )
    assert count(sandbox.sessions, Share) == 1


def test_an_admin_deletes_a_reported_share_and_its_message_goes(sandbox):
    team(sandbox)
    homework = share(sandbox, HOMEWORK)
    report(sandbox, homework)
    told = notice(sandbox, ADMIN)
    delete = next(
        e for b in told["blocks"] if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "Delete"
    )
    assert delete["confirm"]["text"]["text"] == (
        "This removes the share from Programme Talks and its messages from Slack. It can't be undone."
    )
    [homework_share] = shares(sandbox.sessions)
    assert decide(sandbox, ADMIN, Action.DELETE_REPORTED, told) == (
        f"🗑️ Deleted: I've removed it and its messages, and let <@{AUTHOR}> know."
    )
    sandbox.slack.wait_for("chat.delete", where=lambda c: c.args["ts"] == homework["ts"])
    assert message(sandbox, homework["ts"]) is None
    assert count(sandbox.sessions, Share) == 0
    wait_until(lambda: len(sandbox.slack.messages(AUTHOR)) == 2)
    assert all_text(sandbox.slack.messages(AUTHOR)[-1]["blocks"]) == (
        f"Your share in <#{CHANNEL}> that someone reported has been removed after review by <@{ADMIN}>. If you'd "
        "like to know why, or to share it again without the details, have a word with them."
    )
    assert audit_trail(sandbox)[-1] == (
        ADMIN,
        audit.Action.REMOVED_AFTER_REPORT,
        f"share:{homework_share.id}",
        {"concern": 1, "kind": "share"},
    )
    with sandbox.sessions() as session:
        assert session.scalars(select(Concern.status)).all() == [Status.REMOVED]
    assert "Homework club" not in str(audit_trail(sandbox))  # ids and kinds only


def test_someone_who_is_not_a_champion_or_admin_pressing_restore_is_told_kindly_and_nothing_changes(sandbox):
    team(sandbox)
    homework = share(sandbox, HOMEWORK)
    report(sandbox, homework)
    told = notice(sandbox, CHAMPION)  # forwarded, say, to someone else
    for who, action in ((SOMEONE, Action.RESTORE_REPORTED), (REPORTER, Action.DELETE_REPORTED)):
        assert decide(sandbox, who, action, told) == (
            "Sorry, only Programme Talks champions and workspace admins can restore or delete something that was "
            "reported. Nothing has changed."
        )
    assert all_text(message(sandbox, homework["ts"])["blocks"]) == HIDDEN_SHARE
    assert [s.body for s in shares(sandbox.sessions)] == [HOMEWORK]
    assert [action for _, action, _, _ in audit_trail(sandbox)] == [audit.Action.REPORTED]


def test_a_champion_cannot_decide_about_their_own_share(sandbox):
    team(sandbox)
    mine = share(sandbox, HOMEWORK, user=CHAMPION)
    report(sandbox, mine)
    notice(sandbox, ADMIN)
    assert [m for m in sandbox.slack.messages(CHAMPION) if "concern was reported" in (m.get("text") or "")] == []
    told = notice(sandbox, ADMIN)
    assert decide(sandbox, CHAMPION, Action.RESTORE_REPORTED, told) == (
        "This is your own share, so another champion or admin will decide. Nothing has changed."
    )
    assert all_text(message(sandbox, mine["ts"])["blocks"]) == HIDDEN_SHARE


# ---- requests, agreements and events ----------------------------------------------------------------------------


def test_a_reported_request_is_hidden_and_then_restored(sandbox):
    team(sandbox)
    sandbox.sim.command("/collab", "Looking for a youth music partner", user=AUTHOR, channel=CHANNEL)
    [post] = sandbox.slack.wait_for("chat.postMessage")
    wait_until(lambda: requests(sandbox.sessions)[0].message_ts)  # the app remembers where it posted it
    request = message(sandbox, post.response["ts"])
    assert report(sandbox, request, action=Action.REPORT_CONCERN) == THANKS
    wait_until(lambda: "hidden" in all_text(message(sandbox, request["ts"])["blocks"]))
    assert all_text(message(sandbox, request["ts"])["blocks"]) == HIDDEN_SHARE.replace(
        "This share", "This collaboration request"
    )
    assert "youth music" not in search(sandbox, "music")
    decide(sandbox, ADMIN, Action.RESTORE_REPORTED, notice(sandbox, ADMIN))
    assert all_text(message(sandbox, request["ts"])["blocks"]) == all_text(request["blocks"])
    assert "youth music partner" in search(sandbox, "music")


def test_a_reported_agreement_summary_is_hidden_and_then_restored(sandbox):
    team(sandbox)
    number = write_agreement(sandbox)
    posted_summary = summary(sandbox)
    assert report(sandbox, posted_summary, action=Action.REPORT_CONCERN, user=SOMEONE) == THANKS
    wait_until(lambda: "hidden" in all_text(message(sandbox, posted_summary["ts"])["blocks"]))
    assert all_text(message(sandbox, posted_summary["ts"])["blocks"]) == HIDDEN_SHARE.replace(
        "This share", "This agreement"
    )
    assert audit_trail(sandbox)[0] == (
        SOMEONE,
        audit.Action.REPORTED,
        f"agreement:{number}",
        {"concern": 1, "kind": "agreement"},
    )
    _, url = sandbox.sim.command("/agreement", f"show {number}", user=SOMEONE, channel=CHANNEL)
    assert "hidden while it is reviewed" in all_text(response_to(sandbox.slack, url).args["blocks"])
    decide(sandbox, CHAMPION, Action.RESTORE_REPORTED, notice(sandbox, CHAMPION))
    assert all_text(message(sandbox, posted_summary["ts"])["blocks"]) == all_text(posted_summary["blocks"])


def test_a_reported_event_is_hidden_in_every_channel_and_invitation_and_deleting_it_removes_them(sandbox):
    team(sandbox)
    sandbox.sim.command("/event", "", user=AUTHOR, channel=CHANNEL)
    form = sandbox.slack.wait_for("views.open")[-1].args["view"]
    values = {
        Block.MEETUP_TITLE: "Youth forum open evening",
        Block.MEETUP_DATE: "2026-12-03",
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "Riverside Hall",
        Block.CHANNEL: CHANNEL,
        Block.INVITE_PEOPLE: [SOMEONE],
        Block.INVITE_CHANNELS: ["C_YOUTH"],
    }
    assert sandbox.sim.submit(form, values, user=AUTHOR).body == ""
    sandbox.slack.wait_for("chat.postEphemeral")
    copies = [(c, sandbox.slack.messages(c)[0]) for c in (CHANNEL, "C_YOUTH", SOMEONE)]
    report(sandbox, copies[1][1], action=Action.REPORT_CONCERN, channel="C_YOUTH")
    hidden = HIDDEN_SHARE.replace("This share", "This event")
    wait_until(lambda: all(all_text(message(sandbox, m["ts"], c)["blocks"]) == hidden for c, m in copies))
    decide(sandbox, ADMIN, Action.DELETE_REPORTED, notice(sandbox, ADMIN))
    wait_until(lambda: all(message(sandbox, m["ts"], c) is None for c, m in copies))
    assert count(sandbox.sessions, Meetup) == 0


# ---- Slack's limits ---------------------------------------------------------------------------------------------


def test_the_message_asking_champions_to_decide_fits_however_long_and_escaped_the_words():
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    concern = ConcernRecord(1, "T", Kind.SHARE, 1, AUTHOR, CHANNEL, REPORTER, now, Status.OPEN, None, None)
    for kind in ("ampersands", "angles", "mixed"):
        words = "\n\n".join(
            [typed(kind, 150), typed(kind, 2500), typed(kind, 1500), "https://example.org/" + "a" * 400]
        )
        subject = Subject(Kind.SHARE, 1, "T", AUTHOR, CHANNEL, typed(kind, 150), words, (), True)
        shown = posted(reviewer_notice(concern, subject))
        assert_safe_mrkdwn(Call("chat.postMessage", {"blocks": shown, "text": ""}, 0, 200, {}))


# ---- what leaves hidden things out ------------------------------------------------------------------------------


def test_hidden_agreements_and_events_get_no_nudges_reminders_or_digest_lines_until_restored(sandbox):
    from domain.agreements import Terms
    from storage import agreements as ags
    from storage import concerns as cs
    from storage import meetups as ms

    now = dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC)
    terms = Terms(
        ("Book the hall",),
        dt.date(2026, 12, 1),
        dt.date(2027, 6, 30),
        "Team meetings",
        "Joint posts",
        "Logos on posters",
        dt.date(2026, 11, 30),
        28,
    )
    with sandbox.sessions.begin() as session:
        number = ags.add_agreement(
            session,
            team_id="T0001",
            created_by=AUTHOR,
            title="Summer sports hall",
            channel_id=CHANNEL,
            user_ids=[AUTHOR],
            organisations=[],
            terms=terms,
            now=now,
        ).number
        meetup, _ = ms.add_meetup(
            session,
            team_id="T0001",
            created_by=AUTHOR,
            channel_id=CHANNEL,
            title="Youth forum",
            starts_at=now + dt.timedelta(days=3),
            place="Riverside Hall",
            about="",
            channels=[CHANNEL],
            invited_users=[],
            now=now,
        )
        ms.save_answer(session, team_id="T0001", meetup_id=meetup.id, user_id=SOMEONE, answer="going", now=now)

    def shown() -> tuple[list[int], list[int], list[int], list[int]]:
        with sandbox.sessions.begin() as session:
            return (
                [r.number for r in ags.agreed_reviews_by(session, day=dt.date(2026, 12, 3))],
                [r.number for r in ags.reviews_due(session, team_id="T0001", now=now, tz=dt.UTC)],
                [m.id for m in ms.upcoming_meetups(session, team_id="T0001", now=now)],
                [a.meetup_id for a in ms.going_answers(session, starts_after=now, starts_before=now + dt.timedelta(7))],
            )

    assert shown() == ([number], [number], [meetup.id], [meetup.id])
    with sandbox.sessions.begin() as session:
        for kind, subject_id in ((Kind.AGREEMENT, number), (Kind.EVENT, meetup.id)):
            cs.report_concern(session, team_id="T0001", kind=kind, subject_id=subject_id, reported_by=REPORTER, now=now)
    assert shown() == ([], [], [], [])
    with sandbox.sessions.begin() as session:
        for concern_id in (1, 2):
            cs.decide_concern(
                session, team_id="T0001", concern_id=concern_id, decision=Status.RESTORED, decided_by=ADMIN, now=now
            )
    assert shown() == ([number], [number], [meetup.id], [meetup.id])
