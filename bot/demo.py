"""`programme-talks demo`: a short scene played by the real app against the local Slack stand-in.

No Slack account is needed. Four colleagues share practice, ask for a partner, offer help and search,
through signed requests exactly as Slack sends them; the demo prints what Slack would show each of them.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from bot.simulate import Reply, render
from handlers.blocks import TWO_QUESTIONS
from handlers.ids import Action, Command
from handlers.ids import Block as B
from storage.models import CollabRequest, Share

PRACTICE = "C_PRACTICE"
AMIRA, BEN, CHLOE, DEV = "U_AMIRA", "U_BEN", "U_CHLOE", "U_DEV"
NAMES = {AMIRA: "Amira", BEN: "Ben", CHLOE: "Chloe", DEV: "Dev"}
_MENTION = re.compile(r"<@([A-Z0-9_]+)(?:\|[^>]*)?>")


class StepFailed(Exception):
    """Something the scene expected from the app did not happen."""


def run_demo(database_url: str | None = None, out: TextIO = sys.stdout) -> int:
    with tempfile.TemporaryDirectory(prefix="programme-talks-demo-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        with Sandbox(url) as sb:
            for user_id, name in NAMES.items():
                sb.slack.add_user(user_id, name=name)
            sb.slack.add_channel(PRACTICE, name="practice")
            say = _printer(out)
            say("Programme Talks demo: the real app, talking to a pretend Slack on this computer.")
            say("Amira (a youth worker), Ben, Chloe and Dev work together in #practice.")
            try:
                for step in SCENE:
                    step(sb, say)
            except (StepFailed, AssertionError) as error:
                say(f"\nThe demo stopped: {error}")
                return 1
            summarise(sb, say)
    return 0


def share_in_one_line(sb: Sandbox, say) -> None:
    text = (
        "Texting parents the night before doubled attendance at our homework club "
        "#attendance #parents https://example.org/homework-club"
    )
    heading(say, "1. Amira shares practice in one line")
    command(sb, say, AMIRA, Command.SHARE, text)
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 1)["blocks"])


def share_with_the_form(sb: Sandbox, say) -> None:
    heading(say, "2. Ben uses the form")
    command(sb, say, BEN, Command.SHARE, "")
    view = sb.slack.wait_for("views.open")[0].response["view"]
    show(say, f"A form opens for Ben: “{view['title']['text']}”", view["blocks"])
    say(f"   [{view['close']['text']}]  [{view['submit']['text']}]")
    values = {
        B.TITLE: "Peer mentors for Year 7 transition",
        B.BODY: "Year 9 volunteers met each new Year 7 twice in the summer and once a week in September.",
        B.IMPACT: "Fewer worried calls from families, and better attendance in the first half-term.",
        B.TAGS: "transition, mentoring",
        B.LINK: "https://example.org/peer-mentors",
        B.CONSENT: True,
    }
    say("Ben fills it in, ticks “names no child or young person”, and presses Share.")
    check(sb.sim.submit(view, values, user=BEN), "submitting the form")
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 2)["blocks"])


def ask_for_a_partner(sb: Sandbox, say) -> None:
    heading(say, "3. Chloe asks for a partner")
    text = "Looking for a partner with a sports hall for Saturday youth sessions by 15 January"
    command(sb, say, CHLOE, Command.COLLAB, text)
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 3)["blocks"])


def offer_help(sb: Sandbox, say) -> None:
    heading(say, "4. Dev can help")
    request = posted(sb, PRACTICE, 3)
    say("Dev clicks “I can help” on Chloe's request.")
    reply, response_url = sb.sim.click(request, Action.OFFER_HELP, user=DEV, channel=PRACTICE)
    check(reply, "clicking “I can help”")
    sb.slack.wait_for("chat.update", where=lambda call: call.args.get("ts") == request["ts"])
    updated = next(m for m in sb.slack.messages(PRACTICE) if m["ts"] == request["ts"])
    show(say, "The request in #practice now reads:", updated["blocks"])
    show(say, "Chloe gets a direct message:", posted(sb, CHLOE, 1)["blocks"])
    say(f"Dev sees, only to Dev: {mentions(answer(sb, response_url)['text'])}")


def careless_share(sb: Sandbox, say) -> None:
    heading(say, "5. A careless share cannot ping anyone")
    command(sb, say, AMIRA, Command.SHARE, "Great session today @here <!channel> see <https://evil.example|this>")
    message = posted(sb, PRACTICE, 4)
    show(say, "Programme Talks posts in #practice:", message["blocks"])
    call = sb.slack.wait_for("chat.postMessage", where=lambda c: c.response.get("ts") == message["ts"])[0]
    sent = json.dumps(call.args, ensure_ascii=False)
    risky = [text for text in ("<!", "|this>") if text in sent] + [k for k in ("link_names", "parse") if k in call.args]
    say(f"Special mentions (<!here>, <!channel>), forged links or link_names in what the app sent: {risky or 'none'}.")
    say("@here and <!channel> arrive as plain, escaped text; the link shows its real address. No one is pinged.")
    if risky:
        raise StepFailed(f"the careless share could ping people or forge a link: {risky}")


def search(sb: Sandbox, say) -> None:
    heading(say, "6. Ben searches")
    response_url = command(sb, say, BEN, Command.TALKS, "search attendance")
    show(say, "Only Ben sees:", answer(sb, response_url)["blocks"])


def summarise(sb: Sandbox, say) -> None:
    with sb.sessions.begin() as session:
        shares = session.scalar(select(func.count()).select_from(Share))
        requests = session.scalar(select(func.count()).select_from(CollabRequest))
    heading(say, "Summary")
    say(f"Stored in the database: {shares} shares and {requests} collaboration request{'s' * (requests != 1)}.")
    say(f"No Slack account was used: every call went to the local stand-in at {sb.slack.url}")
    say("\nTwo questions every team should ask when it meets:")
    for question in TWO_QUESTIONS:
        say(f"  • {question}")


SCENE = (share_in_one_line, share_with_the_form, ask_for_a_partner, offer_help, careless_share, search)


# ---- helpers ---------------------------------------------------------------------------------------------


def _printer(out: TextIO):
    def say(line: str = "") -> None:
        print(line, file=out, flush=True)

    return say


def heading(say, title: str) -> None:
    say(f"\n── {title} " + "─" * max(3, 60 - len(title)))


def show(say, caption: str, blocks: list[dict]) -> None:
    say(caption)
    for line in mentions(render(blocks)).splitlines():
        say(f"  │ {line}")


def mentions(text: str) -> str:
    """Slack's <@U123> mentions as @Name, for people reading the demo."""
    return _MENTION.sub(lambda match: "@" + NAMES.get(match.group(1), match.group(1)), text)


def command(sb: Sandbox, say, user: str, name: str, text: str) -> str:
    """Type a slash command in #practice; returns its response_url."""
    say(f"{NAMES[user]} types in #practice:  {name} {text}".rstrip())
    reply, response_url = sb.sim.command(name, text, user=user, channel=PRACTICE)
    check(reply, name)
    return response_url


def check(reply: Reply, what: str) -> None:
    if reply.status != 200 or reply.body.strip():
        answered = reply.body[:500] or "(empty)"
        raise StepFailed(f"Slack sent {what} and the app answered HTTP {reply.status}: {answered}")


def posted(sb: Sandbox, channel: str, count: int) -> dict:
    """The count-th message the app posted in channel, once it has also recorded where it posted it."""
    calls = sb.slack.wait_for("chat.postMessage", count=count, where=lambda call: call.args.get("channel") == channel)
    ts = calls[count - 1].response.get("ts")
    if ts is None:
        raise StepFailed(f"Slack refused the message in {channel}: {calls[count - 1].response}")
    wait_until_recorded(sb)
    return next(message for message in sb.slack.messages(channel) if message["ts"] == ts)


def wait_until_recorded(sb: Sandbox, timeout: float = 5.0) -> None:
    """Background work finishes after Slack's call: wait until every share and request knows its message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sb.sessions.begin() as session:
            unposted = session.scalar(select(func.count()).select_from(Share).where(Share.message_ts.is_(None)))
            unposted += session.scalar(
                select(func.count()).select_from(CollabRequest).where(CollabRequest.message_ts.is_(None))
            )
        if not unposted:
            return
        time.sleep(0.02)
    raise StepFailed(f"the app posted but did not record where within {timeout}s")


def answer(sb: Sandbox, response_url: str) -> dict:
    """What the app sent back through a response_url (an ephemeral message)."""
    return sb.slack.wait_for("response_url", where=lambda call: call.args.get("url") == response_url)[0].args
