"""`programme-talks demo`: a short scene played by the real app against the local Slack stand-in.

No Slack account is needed. Over a week, colleagues share practice, ask for a partner, offer help, search and
react, through signed requests exactly as Slack sends them; then the scheduler posts the weekly digest. The
demo prints what Slack would show each of them. The app's clock is the scene's: each step happens at its
own moment of the week.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from bot.scheduler import make_runner
from bot.simulate import Reply, render
from handlers.blocks import TWO_QUESTIONS
from handlers.ids import Action, Command
from handlers.ids import Block as B
from storage import ledger
from storage.models import CollabRequest, Delivery, Highlight, Reaction, Share

PRACTICE = "C_PRACTICE"
AMIRA, BEN, CHLOE, DEV, LEO, PRIYA = "U_AMIRA", "U_BEN", "U_CHLOE", "U_DEV", "U_LEO", "U_PRIYA"
NAMES = {AMIRA: "Amira", BEN: "Ben", CHLOE: "Chloe", DEV: "Dev", LEO: "Leo", PRIYA: "Priya"}
TIMEZONE = "Europe/London"  # the workspace's
DIGEST_DUE = "2026-11-30T09:00"  # Monday morning, when the first weekly digest is due
_MENTION = re.compile(r"<@([A-Z0-9_]+)(?:\|[^>]*)?>")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of the scene's week, late November 2026, in the workspace's time zone."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo(TIMEZONE))


class SceneClock:
    """The app's clock, moved on by the scene so that the week's events happen on different days."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class StepFailed(Exception):
    """Something the scene expected from the app did not happen."""


def run_demo(database_url: str | None = None, out: TextIO = sys.stdout) -> int:
    with tempfile.TemporaryDirectory(prefix="programme-talks-demo-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        clock = SceneClock(SCENE[0][0])
        with Sandbox(url, clock=clock, timezone=TIMEZONE) as sb:
            for user_id, name in NAMES.items():
                sb.slack.add_user(user_id, name=name, is_admin=user_id == PRIYA)
            sb.slack.add_channel(PRACTICE, name="practice")
            say = _printer(out)
            say("Programme Talks demo: the real app, talking to a pretend Slack on this computer.")
            say("Amira (a youth worker), Ben, Chloe and Dev work together in #practice.")
            say("Leo is their service manager; Priya looks after the Slack workspace.")
            try:
                day = None
                for moment, step in SCENE:
                    if moment.date() != day:
                        day = moment.date()
                        say(f"\n📅 {moment:%A} {moment.day} {moment:%B}")
                    clock.now = moment
                    step(sb, say)
            except (StepFailed, AssertionError) as error:
                say(f"\nThe demo stopped: {error}")
                return 1
            summarise(sb, say)
    return 0


def set_up_the_team(sb: Sandbox, say) -> None:
    heading(say, "1. Priya appoints a champion and a leader; Chloe asks for a weekly digest")
    for role, person in (("champion", CHLOE), ("leader", LEO)):
        response_url = command(sb, say, PRIYA, Command.TALKS, f"{role} <@{person}>")
        say(f"Only Priya sees: {mentions(answer(sb, response_url)['text'])}")
    response_url = command(sb, say, CHLOE, Command.TALKS, "digest here weekly mon 09:00")
    say(f"Only Chloe sees: {mentions(answer(sb, response_url)['text'])}")
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 1)["blocks"])


def share_in_one_line(sb: Sandbox, say) -> None:
    text = (
        "Texting parents the night before doubled attendance at our homework club "
        "#attendance #parents https://example.org/homework-club"
    )
    heading(say, "2. Amira shares practice in one line")
    command(sb, say, AMIRA, Command.SHARE, text)
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 2)["blocks"])


def share_with_the_form(sb: Sandbox, say) -> None:
    heading(say, "3. Ben uses the form")
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
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 3)["blocks"])


def ask_for_a_partner(sb: Sandbox, say) -> None:
    heading(say, "4. Chloe asks for a partner")
    text = "Looking for a partner with a sports hall for Saturday youth sessions by 15 January"
    command(sb, say, CHLOE, Command.COLLAB, text)
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 4)["blocks"])


def offer_help(sb: Sandbox, say) -> None:
    heading(say, "5. Dev can help")
    request = posted(sb, PRACTICE, 4)
    say("Dev clicks “I can help” on Chloe's request.")
    reply, response_url = sb.sim.click(request, Action.OFFER_HELP, user=DEV, channel=PRACTICE)
    check(reply, "clicking “I can help”")
    sb.slack.wait_for("chat.update", where=lambda call: call.args.get("ts") == request["ts"])
    updated = next(m for m in sb.slack.messages(PRACTICE) if m["ts"] == request["ts"])
    show(say, "The request in #practice now reads:", updated["blocks"])
    show(say, "Chloe gets a direct message:", posted(sb, CHLOE, 2)["blocks"])  # her first: she's a champion
    say(f"Dev sees, only to Dev: {mentions(answer(sb, response_url)['text'])}")


def careless_share(sb: Sandbox, say) -> None:
    heading(say, "6. A careless share cannot ping anyone")
    command(sb, say, AMIRA, Command.SHARE, "Great session today @here <!channel> see <https://evil.example|this>")
    message = posted(sb, PRACTICE, 5)
    show(say, "Programme Talks posts in #practice:", message["blocks"])
    call = sb.slack.wait_for("chat.postMessage", where=lambda c: c.response.get("ts") == message["ts"])[0]
    sent = json.dumps(call.args, ensure_ascii=False)
    risky = [text for text in ("<!", "|this>") if text in sent] + [k for k in ("link_names", "parse") if k in call.args]
    say(f"Special mentions (<!here>, <!channel>), forged links or link_names in what the app sent: {risky or 'none'}.")
    say("@here and <!channel> arrive as plain, escaped text; the link shows its real address. No one is pinged.")
    if risky:
        raise StepFailed(f"the careless share could ping people or forge a link: {risky}")


def search(sb: Sandbox, say) -> None:
    heading(say, "7. Ben searches")
    response_url = command(sb, say, BEN, Command.TALKS, "search attendance")
    show(say, "Only Ben sees:", answer(sb, response_url)["blocks"])


def react(sb: Sandbox, say) -> None:
    heading(say, "8. Leo highlights Ben's share; Dev thanks Amira")
    reactions = ((LEO, "star", 3, "Ben's share about peer mentors"), (DEV, "clap", 2, "Amira's share about texting"))
    for user, emoji, nth, what in reactions:
        say(f"{NAMES[user]} reacts with :{emoji}: to {what}.")
        item = {"type": "message", "channel": PRACTICE, "ts": posted(sb, PRACTICE, nth)["ts"]}
        event = {"type": "reaction_added", "user": user, "reaction": emoji, "item_user": "UBOT", "item": item}
        check(sb.sim.event({**event, "event_ts": f"{time.time():.6f}"}), f"{NAMES[user]}'s reaction")
    wait_until(lambda: stored(sb, Reaction) == 2, "the app did not record both reactions")
    if stored(sb, Highlight, Highlight.leader_id == LEO) != 1:
        raise StepFailed("Leo is a leader, but his :star: did not make Ben's share a highlight")
    say("Slack shows the reactions as usual. Leo is a leader, so his :star: makes Ben's share a highlight;")
    say("Dev's :clap: counts as appreciation. Both go into the next digest.")


def digest_is_posted(sb: Sandbox, say) -> None:
    heading(say, "9. The week passes: Monday's digest")
    say("The scheduler wakes up every minute; by hand, an operator would type the same thing:")
    run_due(sb, say, DIGEST_DUE)
    show(say, "Programme Talks posts in #practice:", only_digest(sb, PRACTICE)["blocks"])
    show(say, "Chloe, a champion, gets it by direct message, with what needs her first:", champion_part(sb))


def nothing_twice(sb: Sandbox, say) -> None:
    heading(say, "10. The scheduler runs again for the same moment")
    if run_due(sb, say, DIGEST_DUE):
        raise StepFailed("a second run at the same moment did something again")
    only_digest(sb, PRACTICE)
    only_digest(sb, CHLOE)
    say("Still one digest in #practice and one for Chloe: the delivery ledger remembers what went out.")


def summarise(sb: Sandbox, say) -> None:
    shares, requests = stored(sb, Share), stored(sb, CollabRequest)
    highlights, reactions = plural(stored(sb, Highlight), "highlight"), plural(stored(sb, Reaction), "reaction")
    delivered = plural(stored(sb, Delivery, Delivery.status == ledger.DELIVERED), "digest")
    heading(say, "Summary")
    say(f"Stored in the database: {shares} shares and {requests} collaboration request{'s' * (requests != 1)}.")
    say(f"Also {highlights}, {reactions}, and {delivered} delivered.")
    say(f"No Slack account was used: every call went to the local stand-in at {sb.slack.url}")
    say("\nTwo questions every team should ask when it meets:")
    for question in TWO_QUESTIONS:
        say(f"  • {question}")


SCENE = (  # (when, what happens): the app's clock is moved to each moment before its step
    (at(27, 10), set_up_the_team),
    (at(27, 10, 30), share_in_one_line),
    (at(27, 16), share_with_the_form),
    (at(28, 11), ask_for_a_partner),
    (at(28, 19), offer_help),
    (at(29, 17), careless_share),
    (at(29, 20), search),
    (at(29, 20, 30), react),
    (at(30, 9), digest_is_posted),  # DIGEST_DUE
    (at(30, 9), nothing_twice),
)


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


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def mentions(text: str) -> str:
    """Slack's <@U123> mentions as @Name, for people reading the demo."""
    return _MENTION.sub(lambda match: "@" + NAMES.get(match.group(1), match.group(1)), text)


def command(sb: Sandbox, say, user: str, name: str, text: str) -> str:
    """Type a slash command in #practice; returns its response_url."""
    say(mentions(f"{NAMES[user]} types in #practice:  {name} {text}".rstrip()))
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


def wait_until_recorded(sb: Sandbox) -> None:
    """Background work finishes after Slack's call: wait until every share and request knows its message."""
    wait_until(
        lambda: (
            not stored(sb, Share, Share.message_ts.is_(None))
            and not stored(sb, CollabRequest, CollabRequest.message_ts.is_(None))
        ),
        "the app posted but did not record where",
    )


def wait_until(condition: Callable[[], bool], failure: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise StepFailed(f"{failure} within {timeout}s")
        time.sleep(0.02)


def stored(sb: Sandbox, model, *where) -> int:
    """How many rows of `model` (matching `where`) the database holds."""
    with sb.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def run_due(sb: Sandbox, say, when: str) -> list[str]:
    """Do and print what `programme-talks run-due --at <when>` would, against the sandbox's database and Slack."""
    moment = dt.datetime.fromisoformat(when).replace(tzinfo=sb.settings.tz)
    lines = make_runner(sb.sessions, sb.client, sb.settings.tz, clock=lambda: moment).run_due(moment)
    done = f"{len(lines)} thing{'s' * (len(lines) != 1)} done" if lines else "nothing to do"
    say(f"  $ programme-talks run-due --at {when}")
    say(f"  run-due at {moment:%Y-%m-%d %H:%M %Z}: {done}")
    for line in lines:
        say(f"    {line}")
    return lines


def only_digest(sb: Sandbox, channel: str) -> dict:
    """The one digest the app has posted in channel (or to a person); it is a step failure if there are more."""
    found = [m for m in sb.slack.messages(channel) if m["text"].startswith("Programme Talks digest:")]
    if len(found) != 1:
        raise StepFailed(f"expected one digest in {channel}, found {len(found)}")
    return found[0]


def champion_part(sb: Sandbox) -> list[dict]:
    """The champion's copy of the digest up to where it is the same as the channel's, and a line saying so."""
    theirs, channels = only_digest(sb, CHLOE)["blocks"], only_digest(sb, PRACTICE)["blocks"]
    same = 0
    while same < min(len(theirs), len(channels)) - 2 and theirs[-1 - same] == channels[-1 - same]:
        same += 1
    rest = {"type": "context", "elements": [{"type": "mrkdwn", "text": "…then the same digest as in #practice."}]}
    return theirs[: len(theirs) - same] + ([rest] if same else [])


def answer(sb: Sandbox, response_url: str) -> dict:
    """What the app sent back through a response_url (an ephemeral message)."""
    return sb.slack.wait_for("response_url", where=lambda call: call.args.get("url") == response_url)[0].args
