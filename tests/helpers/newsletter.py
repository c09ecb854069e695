"""A scripted November 2026, played through the app the way people would, for the newsletter and report tests;
and readers for what the app then sends (a draft's outline, uploaded files).

Everything is done over signed HTTP at its own moment of the test's clock, and the outbox is left empty before
the clock moves on, so what the app stores carries the moment the script gives it.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib

from sqlalchemy import func, select

from handlers.ids import Action, Block, Command, View
from storage.models import QueuedJob
from tests.helpers import all_text, response_to, wait_until
from tests.helpers.agreements import confirm, write_agreement

ADMIN, CHLOE, LEO, AMIRA, BEN, DEV, STAFF = "U_ADMIN", "U_CHLOE", "U_LEO", "U_AMIRA", "U_BEN", "U_DEV", "U_STAFF"
NAMES = {
    ADMIN: "Priya Shah",
    CHLOE: "Chloe Adams",
    LEO: "Leo Grant",
    AMIRA: "Amira Khan",
    BEN: "Ben Ortiz",
    DEV: "Dev Patel",
    STAFF: "Sam Jones",
}
TITLES = {DEV: "Northside Youth Service"}  # the title in Dev's Slack profile: his organisation
PRACTICE, NEWS = "C_PRACTICE", "C_NEWS"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def people(sandbox) -> None:
    """The workspace's people: Priya an admin, Dev with his organisation in his profile."""
    for user_id, name in NAMES.items():
        sandbox.slack.add_user(user_id, name=name, is_admin=user_id == ADMIN)
    for user_id, title in TITLES.items():
        sandbox.slack.state.users[user_id]["profile"]["title"] = title


def settle(sandbox, timeout: float = 15.0) -> None:
    """Wait until the outbox has nothing queued or running: every job handed over so far is done."""

    def idle() -> bool:
        with sandbox.sessions() as session:
            waiting = session.scalar(
                select(func.count()).select_from(QueuedJob).where(QueuedJob.status.in_(("queued", "running")))
            )
        return waiting == 0

    wait_until(idle, timeout)


def command(sandbox, user: str, name: str, text: str = "", channel: str = PRACTICE) -> str:
    """Type a command and let its work finish; the answer only its typist sees (text), if any."""
    reply, url = sandbox.sim.command(name, text, user=user, channel=channel)
    assert reply.status == 200, reply.body
    if reply.body:
        return reply.json().get("text", "")
    settle(sandbox)
    answered = [c for c in sandbox.slack.calls_to("response_url") if c.args.get("url") == url]
    return answered[-1].args.get("text", "") if answered else ""


def roles(sandbox) -> None:
    command(sandbox, ADMIN, Command.TALKS, f"champion <@{CHLOE}>")
    command(sandbox, CHLOE, Command.TALKS, f"leader <@{LEO}>")


def share_with_form(sandbox, user: str, *, title: str, body: str, impact: str | None, name_me: bool) -> dict:
    """Share through the form, ticking (or not) "You may name me in newsletters outside Slack"; the message."""
    opened_before = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.command(Command.SHARE, "", user=user, channel=PRACTICE)
    form = sandbox.slack.wait_for("views.open", count=opened_before + 1)[-1].args["view"]
    values = {
        Block.TITLE: title,
        Block.BODY: body,
        Block.IMPACT: impact,
        Block.CONSENT: True,
        Block.NAME_CONSENT: name_me,
    }
    reply = sandbox.sim.submit(form, values, user=user)
    assert reply.status == 200 and reply.body == "", reply.body
    settle(sandbox)
    return posted_with(sandbox, PRACTICE, title)


def posted_with(sandbox, channel: str, words: str) -> dict:
    found = [m for m in sandbox.slack.messages(channel) if words in all_text(m.get("blocks") or [])]
    assert found, f"nothing in {channel} says {words!r}"
    return found[-1]


def react(sandbox, user: str, message: dict, emoji: str = "clap") -> None:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": emoji,
        "item_user": "UBOT",
        "item": {"type": "message", "channel": PRACTICE, "ts": message["ts"]},
        "event_ts": message["ts"],
    }
    assert sandbox.sim.event(event).status == 200
    settle(sandbox)


def offer(sandbox, user: str, request: dict) -> None:
    reply, _ = sandbox.sim.click(request, Action.OFFER_HELP, user=user, channel=PRACTICE)
    assert reply.status == 200
    settle(sandbox)


def going(sandbox, user: str, event: dict, action: str = Action.MEETUP_GOING) -> None:
    reply, _ = sandbox.sim.click(event, action, user=user, channel=PRACTICE)
    assert reply.status == 200
    settle(sandbox)


HALL = "Looking for a sports hall for Saturday sessions"
MUSIC = "A partner for a youth music project"
SPEAKER = "Need a speaker on online safety"
MENTORS = "Peer mentors for new starters"
HOMEWORK = "Homework club texts"
FAMILY_HUB = "Family hub drop-in at the library #family"
AGREEMENT = "Saturday sports sessions at Riverside"
RECOGNITION = "Riverside Trust named on every poster; our teams thanked in its newsletter"
ACHIEVED = "Two sessions so far, with 24 young people"
FORUM = "Youth forum open evening"


def november(sandbox, clock) -> None:
    """What happened, in order: the October and December items are there to be left out of November's newsletter.

    November: Amira (agreeing to be named) and Ben (not) share with the form, Ben shares in one line; Dev and
    Sam appreciate Ben's share, Amira Ben's other one, Ben his own (which doesn't count); Leo highlights Amira's.
    Chloe asks for a hall (Dev, of Northside Youth Service, offers) and Sam for a speaker (nobody offers); Amira
    offers on Ben's October request. Chloe and Dev agree to work with Riverside Trust from the 16th and review it
    on time on the 23rd. Amira's forum on the 19th has two going (Ben, Dev) and one interested (Sam).
    """
    people(sandbox)
    clock.set(at(10, 29))
    roles(sandbox)
    command(sandbox, BEN, Command.COLLAB, MUSIC)
    clock.set(at(10, 30))
    command(sandbox, BEN, Command.SHARE, "An October share about reading buddies")
    clock.set(at(11, 3))
    mentors = share_with_form(
        sandbox,
        AMIRA,
        title=MENTORS,
        body="Older students met each new starter twice in the summer and weekly in September.",
        impact="Fewer worried calls from families, and better attendance in the first half-term.",
        name_me=True,
    )
    clock.set(at(11, 4))
    homework = share_with_form(
        sandbox,
        BEN,
        title=HOMEWORK,
        body="We texted parents the night before each homework club.",
        impact="Twice as many came.",
        name_me=False,
    )
    clock.set(at(11, 5))
    command(sandbox, BEN, Command.SHARE, FAMILY_HUB)
    family = posted_with(sandbox, PRACTICE, "Family hub drop-in")
    clock.set(at(11, 6))
    react(sandbox, DEV, homework)
    react(sandbox, STAFF, homework, "+1")
    react(sandbox, BEN, homework)  # his own: not appreciation
    react(sandbox, AMIRA, family)
    clock.set(at(11, 7))
    react(sandbox, LEO, mentors, "star")
    clock.set(at(11, 9))
    command(sandbox, CHLOE, Command.COLLAB, HALL)
    command(sandbox, STAFF, Command.COLLAB, SPEAKER)
    clock.set(at(11, 10))
    offer(sandbox, DEV, posted_with(sandbox, PRACTICE, HALL))
    clock.set(at(11, 12))
    offer(sandbox, AMIRA, posted_with(sandbox, PRACTICE, MUSIC))
    clock.set(at(11, 13))
    agree(sandbox)
    clock.set(at(11, 16))
    forum = meetup(sandbox)
    going(sandbox, BEN, forum)
    going(sandbox, DEV, posted_with(sandbox, PRACTICE, FORUM))
    going(sandbox, STAFF, posted_with(sandbox, PRACTICE, FORUM), Action.MEETUP_INTERESTED)
    clock.set(at(11, 23))
    review(sandbox)
    clock.set(at(12, 1))
    command(sandbox, AMIRA, Command.SHARE, "A December share about breakfast clubs")


def agree(sandbox) -> None:
    """Chloe writes down the agreement with Dev and Riverside Trust; Dev confirms, so it is agreed."""
    write_agreement(
        sandbox,
        CHLOE,
        step_one={Block.AGREEMENT_TITLE: AGREEMENT, Block.PARTY_USERS: [CHLOE, DEV]},
        **{
            Block.START_DATE: "2026-11-16",
            Block.END_DATE: "2027-02-27",
            Block.RECOGNITION: RECOGNITION,
            Block.FIRST_REVIEW: "2026-11-23",
        },
    )
    confirm(sandbox, DEV)
    settle(sandbox)


def review(sandbox) -> None:
    """Chloe records the first review on its day: on track, everyone credited."""
    summary = next(m for m in sandbox.slack.messages(PRACTICE) if m["text"].startswith("Agreement #1:"))
    forms = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.click(summary, Action.RECORD_REVIEW, user=CHLOE, channel=PRACTICE)
    form = sandbox.slack.wait_for("views.open", count=forms + 1)[-1].args["view"]
    assert form["callback_id"] == View.AGREEMENT_REVIEW
    values = {
        Block.OUTCOME: "on_track",
        Block.ACHIEVED: ACHIEVED,
        Block.CREDITED: "yes",
        Block.NEXT_REVIEW: "2026-12-21",
    }
    reply = sandbox.sim.submit(form, values, user=CHLOE)
    assert reply.status == 200 and reply.body == "", reply.body
    settle(sandbox)


def meetup(sandbox) -> dict:
    opened_before = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.command(Command.EVENT, "", user=AMIRA, channel=PRACTICE)
    form = sandbox.slack.wait_for("views.open", count=opened_before + 1)[-1].args["view"]
    values = {
        Block.MEETUP_TITLE: FORUM,
        Block.MEETUP_DATE: "2026-11-19",
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "Riverside Hall",
        Block.ABOUT: "Young people show what they have worked on this term.",
        Block.CHANNEL: PRACTICE,
    }
    reply = sandbox.sim.submit(form, values, user=AMIRA)
    assert reply.status == 200 and reply.body == "", reply.body
    settle(sandbox)
    return posted_with(sandbox, PRACTICE, FORUM)


# ---- reading what the app sent --------------------------------------------------------------------------------

_BOLD_LINE = re.compile(r"\*([^\n]+)\*")


def outline(messages: list[dict]) -> list[tuple[str, list[str]]]:
    """A newsletter's sections as its messages show them: each header, and the items (bold one-line sections)."""
    found: list[tuple[str, list[str]]] = []
    for message in messages:
        for block in message.get("blocks") or []:
            if block["type"] == "header":
                found.append((block["text"]["text"], []))
            elif block["type"] == "section" and (match := _BOLD_LINE.fullmatch(block["text"]["text"])):
                found[-1][1].append(match.group(1))
    return found


def context_lines(messages: list[dict]) -> list[str]:
    return [
        element["text"]
        for message in messages
        for block in message.get("blocks") or []
        if block["type"] == "context"
        for element in block["elements"]
    ]


def drafts(sandbox, user: str) -> list[dict]:
    """The draft newsletter messages in someone's direct messages, in order: its first message, then its items."""
    messages = sandbox.slack.messages(user)
    start = max(i for i, m in enumerate(messages) if m["text"].startswith("Draft newsletter for "))
    return [m for m in messages[start:] if "newsletter" in m["text"].lower()]


def uploads(sandbox, channel: str, suffix: str) -> list[dict]:
    return [f for f in sandbox.slack.uploaded_files() if f["channel_id"] == channel and f["filename"].endswith(suffix)]


def alt_texts(sandbox) -> dict[str, str | None]:
    """Each uploaded file's alt text, by file name, as files.getUploadURLExternal was given it."""
    return {c.args["filename"]: c.args.get("alt_txt") for c in sandbox.slack.calls_to("files.getUploadURLExternal")}


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, after checking its signature, every chunk's CRC and that it ends."""
    assert png[:8] == PNG_SIGNATURE
    at_, kinds, size = 8, [], (0, 0)
    while at_ < len(png):
        (length,) = struct.unpack(">I", png[at_ : at_ + 4])
        kind, data = png[at_ + 4 : at_ + 8], png[at_ + 8 : at_ + 8 + length]
        assert zlib.crc32(kind + data) == struct.unpack(">I", png[at_ + 8 + length : at_ + 12 + length])[0]
        if kind == b"IHDR":
            size = struct.unpack(">II", data[:8])
        kinds.append(kind)
        at_ += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    return size


def said_to(sandbox, url: str) -> str:
    return response_to(sandbox.slack, url, timeout=20).args.get("text", "")
