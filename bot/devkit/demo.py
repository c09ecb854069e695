"""`programme-talks demo`: a short scene played by the real app against the local Slack stand-in.

No Slack account is needed. Over a week, colleagues share practice, ask for a partner, offer help, write a
collaboration agreement with a partner outside Slack, invite people to an event, search and react, through
signed requests exactly as Slack sends them; then the scheduler posts the weekly digest and, played forward
into December, the event's reminder and the agreement's first review nudge. The demo prints what Slack would
show each of them. The app's clock is the scene's: each step happens at its own moment.
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

from sqlalchemy import ColumnElement, func, select

from bot.delivery import Runner
from bot.devkit.local_slack import LocalSlack
from bot.devkit.sandbox import Sandbox
from bot.devkit.simulate import Reply, SlackSimulator, render
from domain.words import TWO_QUESTIONS
from handlers.ids import Action, Command, View, responsibility_block
from handlers.ids import Block as B
from storage.ledger import Kind, Status
from storage.models import Agreement, Base, CollabRequest, Delivery, Highlight, Meetup, Reaction, Share

PRACTICE, PARTNERS = "C_PRACTICE", "C_PARTNERS"
CHANNELS = {PRACTICE: "practice", PARTNERS: "partners"}
AMIRA, BEN, CHLOE, DEV, LEO, PRIYA = "U_AMIRA", "U_BEN", "U_CHLOE", "U_DEV", "U_LEO", "U_PRIYA"
NAMES = {AMIRA: "Amira", BEN: "Ben", CHLOE: "Chloe", DEV: "Dev", LEO: "Leo", PRIYA: "Priya"}
TIMEZONE = "Europe/London"  # the workspace's
DIGEST_DUE = "2026-11-30T09:00"  # Monday morning, when the first weekly digest is due
REMINDER_DUE = "2026-12-02T09:00"  # the morning before Amira's event on Thursday 3 December
NUDGE_DUE = "2026-12-07T09:00"  # three days before the agreement's first review, on Thursday 10 December
_MENTION = re.compile(r"<([@#])([A-Z0-9_]+)(?:\|[^>]*)?>")

Say = Callable[[str], None]  # prints a line of the scene


def at(day: int, hour: int, minute: int = 0, *, month: int = 11) -> dt.datetime:
    """A moment of the scene, late November (or early December) 2026, in the workspace's time zone."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(TIMEZONE))


class SceneClock:
    """The app's clock, moved on by the scene so that the week's events happen on different days."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class StepFailed(Exception):
    """Something the scene expected from the app did not happen."""


def run_demo(
    database_url: str | None = None, out: TextIO = sys.stdout, *, socket_mode: bool = False, files: Path | None = None
) -> int:
    """Play the scene; with `socket_mode`, Slack's requests reach the app over Socket Mode instead of HTTP. The
    newsletter and chart of its last scene are written to `files` (by default a new folder, which it prints)."""
    with tempfile.TemporaryDirectory(prefix="programme-talks-demo-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        clock = SceneClock(SCENE[0][0])
        with Sandbox(url, clock=clock, timezone=TIMEZONE, socket_mode=socket_mode) as sb:
            for user_id, name in NAMES.items():
                slack(sb).add_user(user_id, name=name, is_admin=user_id == PRIYA)
            for channel_id, name in CHANNELS.items():
                slack(sb).add_channel(channel_id, name=name)
            say = _printer(out)
            say("Programme Talks demo: the real app, talking to a pretend Slack on this computer.")
            say("Amira (a youth worker), Ben, Chloe and Dev work together in #practice.")
            say("Leo is their service manager; Priya looks after the Slack workspace.")
            say("Riverside Trust, a local charity with a sports hall, works with them but isn't in Slack.")
            try:
                day = None
                for moment, step in SCENE:
                    if moment.date() != day:
                        day = moment.date()
                        say(f"\n📅 {moment:%A} {moment.day} {moment:%B}")
                    clock.now = moment
                    step(sb, say)
                clock.now = NEWSLETTER_DUE
                newsletter_and_chart(sb, say, files or Path(tempfile.mkdtemp(prefix="programme-talks-demo-files-")))
            except (StepFailed, AssertionError) as error:
                say(f"\nThe demo stopped: {error}")
                return 1
            summarise(sb, say)
    return 0


def set_up_the_team(sb: Sandbox, say: Say) -> None:
    heading(say, "1. Priya appoints a champion and a leader; Chloe asks for a weekly digest")
    for role, person in (("champion", CHLOE), ("leader", LEO)):
        response_url = command(sb, say, PRIYA, Command.TALKS, f"{role} <@{person}>")
        say(f"Only Priya sees: {mentions(answer(sb, response_url)['text'])}")
    response_url = command(sb, say, CHLOE, Command.TALKS, "digest here weekly mon 09:00")
    say(f"Only Chloe sees: {mentions(answer(sb, response_url)['text'])}")
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 1)["blocks"])


def share_in_one_line(sb: Sandbox, say: Say) -> None:
    text = (
        "Texting parents the night before doubled attendance at our homework club "
        "#attendance #parents https://example.org/homework-club"
    )
    heading(say, "2. Amira shares practice in one line")
    command(sb, say, AMIRA, Command.SHARE, text)
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 2)["blocks"])


def share_with_the_form(sb: Sandbox, say: Say) -> None:
    heading(say, "3. Ben uses the form")
    command(sb, say, BEN, Command.SHARE, "")
    view = slack(sb).wait_for("views.open")[0].response["view"]
    show(say, f"A form opens for Ben: “{view['title']['text']}”", view["blocks"])
    say(f"   [{view['close']['text']}]  [{view['submit']['text']}]")
    values: dict[str, object] = {
        B.TITLE: "Peer mentors for Year 7 transition",
        B.BODY: "Year 9 volunteers met each new Year 7 twice in the summer and once a week in September.",
        B.IMPACT: "Fewer worried calls from families, and better attendance in the first half-term.",
        B.TAGS: "transition, mentoring",
        B.LINK: "https://example.org/peer-mentors",
        B.CONSENT: True,
    }
    say("Ben fills it in, ticks “names no child or young person”, and presses Share.")
    check(sim(sb).submit(view, values, user=BEN), "submitting the form")
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 3)["blocks"])


def ask_for_a_partner(sb: Sandbox, say: Say) -> None:
    heading(say, "4. Chloe asks for a partner")
    text = "Looking for a partner with a sports hall for Saturday youth sessions by 15 January"
    command(sb, say, CHLOE, Command.COLLAB, text)
    show(say, "Programme Talks posts in #practice:", posted(sb, PRACTICE, 4)["blocks"])


def offer_help(sb: Sandbox, say: Say) -> None:
    heading(say, "5. Dev can help")
    request = posted(sb, PRACTICE, 4)
    say("Dev clicks “I can help” on Chloe's request.")
    reply, response_url = sim(sb).click(request, Action.OFFER_HELP, user=DEV, channel=PRACTICE)
    check(reply, "clicking “I can help”")
    slack(sb).wait_for("chat.update", where=lambda call: call.args.get("ts") == request["ts"])
    updated = next(m for m in slack(sb).messages(PRACTICE) if m["ts"] == request["ts"])
    show(say, "The request in #practice now reads:", updated["blocks"])
    show(say, "Chloe gets a direct message:", posted(sb, CHLOE, 2)["blocks"])  # her first: she's a champion
    say(f"Dev sees, only to Dev: {mentions(answer(sb, response_url)['text'])}")


def write_an_agreement(sb: Sandbox, say: Say) -> None:
    heading(say, "6. Chloe and Dev write down how they'll work with Riverside Trust")
    command(sb, say, CHLOE, Command.AGREEMENT, "")
    step_one = opened(sb, View.AGREEMENT_PARTIES)
    show(say, f"A form opens for Chloe: “{step_one['title']['text']}”", step_one["blocks"])
    say(f"   [{step_one['close']['text']}]  [{step_one['submit']['text']}]")
    parties: dict[str, object] = {
        B.AGREEMENT_TITLE: "Saturday sports sessions at Riverside",
        B.CHANNEL: PRACTICE,
        B.PARTY_USERS: [CHLOE, DEV],
        B.PARTY_ORGANISATIONS: "Riverside Trust, Sam Patel",
    }
    say("Chloe names it, adds Dev, types “Riverside Trust, Sam Patel” for the partner outside Slack, presses Next.")
    step_two = next_step(sim(sb).submit(step_one, parties, user=CHLOE), "the first step of the agreement form")
    show(say, "The form moves on to its second step:", step_two["blocks"])
    say(f"   [{step_two['close']['text']}]  [{step_two['submit']['text']}]")
    jobs = (  # in the form's order: Chloe, Dev, Riverside Trust
        "Plan the sessions with the young people, run the sign-up sheet, bring two youth workers",
        "Be Riverside's contact: book the hall each month and look after first aid",
        "Open the sports hall on Saturdays 10:00 to 12:00 and lend the kit",
    )
    details = {responsibility_block(position): job for position, job in enumerate(jobs)} | {
        B.START_DATE: "2026-12-01",
        B.END_DATE: "2027-02-27",
        B.COMMS_INTERNAL: "A line in each team meeting, and a short monthly update to Leo and to Riverside's board",
        B.COMMS_EXTERNAL: "Joint posts on both organisations' social media; no photos of young people without consent",
        B.RECOGNITION: "Riverside Trust named on every poster and social post; our teams thanked in its newsletter",
        B.FIRST_REVIEW: "2026-12-10",
        B.REVIEW_EVERY: "28",
    }
    say("Together they fill in who does what, 1 December to 27 February, how they'll tell people inside and")
    say("outside, how each party is credited, and a first review on Thursday 10 December, then every 4 weeks.")
    check(sim(sb).submit(step_two, details, user=CHLOE), "the second step of the agreement form")
    saved = direct_message(sb, CHLOE, "Agreement #1 saved")  # the writer is told last, once everyone is asked
    show(say, "Programme Talks posts in #practice:", agreement_summary(sb)["blocks"])
    show(say, "Only Chloe sees, by direct message:", saved["blocks"])
    request = direct_message(sb, DEV, "Please confirm agreement #1")["blocks"]
    show(say, "Dev gets a direct message:", [request[0], *note("…then the agreement as above, and:"), request[-1]])


def confirm_the_agreement(sb: Sandbox, say: Say) -> None:
    heading(say, "7. Dev confirms, so the agreement is agreed")
    say("Dev reads it through in his direct messages and clicks “Confirm”.")
    request, draft = direct_message(sb, DEV, "Please confirm agreement #1"), agreement_summary(sb)["blocks"]
    reply, response_url = sim(sb).click(request, Action.CONFIRM_AGREEMENT, user=DEV, channel=f"D{DEV}")
    check(reply, "clicking “Confirm”")
    say(f"His message now begins: {mentions(answer(sb, response_url)['text'])}")
    wait_until(lambda: "Agreed by everyone" in render(agreement_summary(sb)["blocks"]), "the summary did not update")
    agreed = agreement_summary(sb)["blocks"]
    show(say, "The summary in #practice now reads (… for what hasn't changed):", changed(draft, agreed))
    show(say, "Chloe gets a direct message:", direct_message(sb, CHLOE, "Agreement #1 is agreed")["blocks"])


def post_an_event(sb: Sandbox, say: Say) -> None:
    heading(say, "8. Amira invites people to an event")
    command(sb, say, AMIRA, Command.EVENT, "")
    form = opened(sb, View.MEETUP)
    values: dict[str, object] = {
        B.MEETUP_TITLE: "Youth forum open evening",
        B.MEETUP_DATE: "2026-12-03",
        B.MEETUP_TIME: "16:00",
        B.PLACE: "Riverside Hall",
        B.ABOUT: (
            "Young people from the youth forum show what they've worked on this term and say what they want next. "
            "Youth workers, teachers and partners planning work with young people will get the most from it."
        ),
        B.CHANNEL: PRACTICE,
        B.INVITE_PEOPLE: [BEN],
        B.INVITE_CHANNELS: [PARTNERS],
    }
    say(f"A form opens for Amira: “{form['title']['text']}”. She fills in what, when and where, who'd benefit,")
    say(f"invites Ben and #partners too, and presses {form['submit']['text']}.")
    check(sim(sb).submit(form, values, user=AMIRA), "submitting the event form")
    told = slack(sb).wait_for("chat.postEphemeral", where=lambda call: call.args.get("user") == AMIRA)[0]
    show(say, "Programme Talks posts in #practice:", meetup_message(sb, PRACTICE)["blocks"])
    meetup_message(sb, PARTNERS)  # the same in #partners
    show(say, "Only Amira sees:", told.args["blocks"])
    invitation = meetup_message(sb, BEN)["blocks"]
    show(say, "Ben gets the invitation by direct message:", [invitation[0], *note("…then the event as in #practice.")])


def answer_the_event(sb: Sandbox, say: Say) -> None:
    heading(say, "9. Ben is going; Dev is interested")
    answers = (
        (BEN, Action.MEETUP_GOING, BEN, "“Going” on his invitation"),
        (DEV, Action.MEETUP_INTERESTED, PRACTICE, "“Interested” on the event in #practice"),
    )
    for user, action, where, what in answers:
        say(f"{NAMES[user]} clicks {what}.")
        channel = where if where in CHANNELS else f"D{user}"  # a direct message's channel
        reply, response_url = sim(sb).click(meetup_message(sb, where), action, user=user, channel=channel)
        check(reply, f"clicking {what}")
        say(f"{NAMES[user]} sees, only to {NAMES[user]}: {mentions(answer(sb, response_url)['text'])}")
    copies, counts = (PRACTICE, PARTNERS, BEN), ("Going: 1", "Interested: 1")
    wait_until(
        lambda: all(count in render(meetup_message(sb, copy)["blocks"]) for count in counts for copy in copies),
        "the event's messages did not all show the answers",
    )
    show(say, "The event in #practice now reads:", meetup_message(sb, PRACTICE)["blocks"])
    say("The copy in #partners and Ben's invitation show the same.")


def careless_share(sb: Sandbox, say: Say) -> None:
    heading(say, "10. A careless share cannot ping anyone")
    earlier = posts(sb, PRACTICE)
    command(sb, say, AMIRA, Command.SHARE, "Great session today @here <!channel> see <https://evil.example|this>")
    message = posted(sb, PRACTICE, earlier + 1)
    show(say, "Programme Talks posts in #practice:", message["blocks"])
    call = slack(sb).wait_for("chat.postMessage", where=lambda c: c.response.get("ts") == message["ts"])[0]
    sent = json.dumps(call.args, ensure_ascii=False)
    risky = [text for text in ("<!", "|this>") if text in sent] + [k for k in ("link_names", "parse") if k in call.args]
    say(f"Special mentions (<!here>, <!channel>), forged links or link_names in what the app sent: {risky or 'none'}.")
    say("@here and <!channel> arrive as plain, escaped text; the link shows its real address. No one is pinged.")
    if risky:
        raise StepFailed(f"the careless share could ping people or forge a link: {risky}")


def search(sb: Sandbox, say: Say) -> None:
    heading(say, "11. Ben searches")
    response_url = command(sb, say, BEN, Command.TALKS, "search attendance")
    show(say, "Only Ben sees:", answer(sb, response_url)["blocks"])


def react(sb: Sandbox, say: Say) -> None:
    heading(say, "12. Leo highlights Ben's share; Dev thanks Amira")
    reactions = ((LEO, "star", 3, "Ben's share about peer mentors"), (DEV, "clap", 2, "Amira's share about texting"))
    for user, emoji, nth, what in reactions:
        say(f"{NAMES[user]} reacts with :{emoji}: to {what}.")
        item = {"type": "message", "channel": PRACTICE, "ts": posted(sb, PRACTICE, nth)["ts"]}
        event = {"type": "reaction_added", "user": user, "reaction": emoji, "item_user": "UBOT", "item": item}
        check(sim(sb).event({**event, "event_ts": f"{time.time():.6f}"}), f"{NAMES[user]}'s reaction")
    wait_until(lambda: stored(sb, Reaction) == 2, "the app did not record both reactions")
    if stored(sb, Highlight, Highlight.leader_id == LEO) != 1:
        raise StepFailed("Leo is a leader, but his :star: did not make Ben's share a highlight")
    say("Slack shows the reactions as usual. Leo is a leader, so his :star: makes Ben's share a highlight;")
    say("Dev's :clap: counts as appreciation. Both go into the next digest.")


def digest_is_posted(sb: Sandbox, say: Say) -> None:
    heading(say, "13. The week passes: Monday's digest")
    say("The scheduler wakes up every minute; by hand, an operator would type the same thing:")
    run_due(sb, say, DIGEST_DUE)
    show(say, "Programme Talks posts in #practice:", only_digest(sb, PRACTICE)["blocks"])
    show(say, "Chloe, a champion, gets it by direct message, with what needs her first:", champion_part(sb))


def nothing_twice(sb: Sandbox, say: Say) -> None:
    heading(say, "14. The scheduler runs again for the same moment")
    if run_due(sb, say, DIGEST_DUE):
        raise StepFailed("a second run at the same moment did something again")
    only_digest(sb, PRACTICE)
    only_digest(sb, CHLOE)
    say("Still one digest in #practice and one for Chloe: the delivery ledger remembers what went out.")


def remind_those_going(sb: Sandbox, say: Say) -> None:
    heading(say, "15. The day before the event")
    run_due(sb, say, REMINDER_DUE)
    show(say, "Ben, who is going, gets a direct message:", direct_message(sb, BEN, "Reminder:")["blocks"])
    if any(m["text"].startswith("Reminder:") for m in slack(sb).messages(DEV)):
        raise StepFailed("Dev is only interested, but he was reminded as if he were going")
    say("Dev is only interested, so he gets no reminder.")


def nudge_the_first_review(sb: Sandbox, say: Say) -> None:
    heading(say, "16. Three days before the agreement's first review")
    run_due(sb, say, NUDGE_DUE)
    show(say, "Programme Talks posts in #practice:", review_nudge(sb, PRACTICE)["blocks"])
    review_nudge(sb, CHLOE)
    review_nudge(sb, DEV)
    say("Chloe and Dev each get the same by direct message. “Record review” opens a short form: how it's going,")
    say("whether everyone has been credited as agreed, and when to look again. If nobody records it, they are")
    say("nudged again on the day.")
    digest = [m for m in slack(sb).messages(PRACTICE) if m["text"].startswith("Programme Talks digest:")][-1]
    show(say, "The week's digest in #practice lists it too:", digest_part(digest["blocks"], "Agreement reviews due"))


def nudge_only_once(sb: Sandbox, say: Say) -> None:
    heading(say, "17. The scheduler runs again for the same moment")
    if run_due(sb, say, NUDGE_DUE):
        raise StepFailed("a second run at the same moment did something again")
    for target in (PRACTICE, CHLOE, DEV):
        review_nudge(sb, target)
    say("Still one nudge in #practice and one each for Chloe and Dev.")


def summarise(sb: Sandbox, say: Say) -> None:
    shares, requests = plural(stored(sb, Share), "share"), plural(stored(sb, CollabRequest), "collaboration request")
    agreements, events = plural(stored(sb, Agreement), "agreement"), plural(stored(sb, Meetup), "event")
    highlights, reactions = plural(stored(sb, Highlight), "highlight"), plural(stored(sb, Reaction), "reaction")
    digests = plural(delivered(sb, Kind.DIGEST, Kind.CHAMPION_DIGEST), "digest")
    nudges = plural(delivered(sb, Kind.REVIEW_NUDGE), "review nudge")
    reminded = plural(delivered(sb, Kind.MEETUP_REMINDER), "event reminder")
    heading(say, "Summary")
    say(f"Stored in the database: {shares}, {requests}, {agreements} and {events}.")
    say(f"Also {highlights} and {reactions}; delivered once each: {digests}, {nudges} and {reminded}.")
    say(f"No Slack account was used: every call went to the local stand-in at {slack(sb).url}")
    say("\nTwo questions every team should ask when it meets:")
    for question in TWO_QUESTIONS:
        say(f"  • {question}")


SCENE = (  # (when, what happens): the app's clock is moved to each moment before its step
    (at(27, 10), set_up_the_team),
    (at(27, 10, 30), share_in_one_line),
    (at(27, 16), share_with_the_form),
    (at(28, 11), ask_for_a_partner),
    (at(28, 19), offer_help),
    (at(29, 10), write_an_agreement),
    (at(29, 11, 30), confirm_the_agreement),
    (at(29, 14), post_an_event),
    (at(29, 15), answer_the_event),
    (at(29, 17), careless_share),
    (at(29, 20), search),
    (at(29, 20, 30), react),
    (at(30, 9), digest_is_posted),  # DIGEST_DUE
    (at(30, 9), nothing_twice),
    (at(2, 9, month=12), remind_those_going),  # REMINDER_DUE
    (at(7, 9, month=12), nudge_the_first_review),  # NUDGE_DUE
    (at(7, 9, month=12), nudge_only_once),
)


# ---- helpers ---------------------------------------------------------------------------------------------


def slack(sb: Sandbox) -> LocalSlack:
    """The sandbox's Slack stand-in, which the demo's always has (it runs one of its own)."""
    assert sb.slack is not None
    return sb.slack


def sim(sb: Sandbox) -> SlackSimulator:
    """What sends the app Slack's requests, made with the stand-in."""
    assert sb.sim is not None
    return sb.sim


def _printer(out: TextIO) -> Say:
    def say(line: str = "") -> None:
        print(line, file=out, flush=True)

    return say


def heading(say: Say, title: str) -> None:
    say(f"\n── {title} " + "─" * max(3, 60 - len(title)))


def show(say: Say, caption: str, blocks: list[dict]) -> None:
    say(caption)
    for line in mentions(render(blocks)).splitlines():
        say(f"  │ {line}")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def mentions(text: str) -> str:
    """Slack's <@U123> and <#C123> mentions as @Name and #name, for people reading the demo."""

    def name(match: re.Match) -> str:
        sign, slack_id = match.groups()
        return sign + (NAMES if sign == "@" else CHANNELS).get(slack_id, slack_id)

    return _MENTION.sub(name, text)


def command(sb: Sandbox, say: Say, user: str, name: str, text: str) -> str:
    """Type a slash command in #practice; returns its response_url."""
    say(mentions(f"{NAMES[user]} types in #practice:  {name} {text}".rstrip()))
    reply, response_url = sim(sb).command(name, text, user=user, channel=PRACTICE)
    check(reply, name)
    return response_url


def check(reply: Reply, what: str) -> None:
    if reply.status != 200 or reply.body.strip():
        answered = reply.body[:500] or "(empty)"
        raise StepFailed(f"Slack sent {what} and the app answered HTTP {reply.status}: {answered}")


def posts(sb: Sandbox, channel: str) -> int:
    """How many messages the app has asked Slack to post in channel so far."""
    return sum(1 for call in slack(sb).calls_to("chat.postMessage") if call.args.get("channel") == channel)


def posted(sb: Sandbox, channel: str, count: int) -> dict:
    """The count-th message the app posted in channel, once it has also recorded where it posted it."""
    calls = slack(sb).wait_for("chat.postMessage", count=count, where=lambda call: call.args.get("channel") == channel)
    ts = calls[count - 1].response.get("ts")
    if ts is None:
        raise StepFailed(f"Slack refused the message in {channel}: {calls[count - 1].response}")
    wait_until_recorded(sb)
    return next(message for message in slack(sb).messages(channel) if message["ts"] == ts)


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


def stored(sb: Sandbox, model: type[Base], *where: ColumnElement[bool]) -> int:
    """How many rows of `model` (matching `where`) the database holds."""
    with sb.sessions.begin() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def delivered(sb: Sandbox, *kinds: Kind) -> int:
    """How many of the scheduler's messages of these kinds the delivery ledger records as delivered."""
    return stored(sb, Delivery, Delivery.status == Status.DELIVERED, Delivery.kind.in_(kinds))


def run_due(sb: Sandbox, say: Say, when: str) -> list[str]:
    """Do and print what `programme-talks run-due --at <when>` would, against the sandbox's database and Slack."""
    moment = dt.datetime.fromisoformat(when).replace(tzinfo=sb.settings.tz)
    lines = Runner(sb.sessions, sb.client, sb.settings.tz, clock=lambda: moment).run_due(moment)
    done = f"{len(lines)} thing{'s' * (len(lines) != 1)} done" if lines else "nothing to do"
    say(f"  $ programme-talks run-due --at {when}")
    say(f"  run-due at {moment:%Y-%m-%d %H:%M %Z}: {done}")
    for line in lines:
        say(f"    {line}")
    return lines


def only_digest(sb: Sandbox, channel: str) -> dict:
    """The one digest the app has posted in channel (or to a person); it is a step failure if there are more."""
    found = [m for m in slack(sb).messages(channel) if m["text"].startswith("Programme Talks digest:")]
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


def opened(sb: Sandbox, callback_id: str) -> dict:
    """The latest form the app opened with this callback_id, as Slack holds it."""
    calls = slack(sb).wait_for("views.open", where=lambda call: call.args["view"]["callback_id"] == callback_id)
    return calls[-1].response["view"]


def next_step(reply: Reply, what: str) -> dict:
    """The form's next step, which the app sends back in its answer to a submission (response_action update)."""
    if reply.status != 200 or not reply.body.strip() or reply.json().get("response_action") != "update":
        raise StepFailed(f"Slack sent {what} and the app answered HTTP {reply.status}: {reply.body[:500] or '(empty)'}")
    return reply.json()["view"]


def direct_message(sb: Sandbox, user: str, text: str) -> dict:
    """The latest message the app sent this person whose notification text starts with `text`."""
    wait_until(
        lambda: any(m["text"].startswith(text) for m in slack(sb).messages(user)),
        f"{NAMES[user]} got no message “{text}…”",
    )
    return [m for m in slack(sb).messages(user) if m["text"].startswith(text)][-1]


def agreement_summary(sb: Sandbox) -> dict:
    """Agreement #1's summary in #practice, as it stands."""
    return next(m for m in slack(sb).messages(PRACTICE) if m["text"].startswith("Agreement #1:"))


def meetup_message(sb: Sandbox, channel: str) -> dict:
    """The event's message in a channel (or an invitation in someone's direct messages), as it stands."""
    wait_until(lambda: any(m["text"].startswith("Event:") for m in slack(sb).messages(channel)), "no event posted")
    return next(m for m in slack(sb).messages(channel) if m["text"].startswith("Event:"))


def review_nudge(sb: Sandbox, target: str) -> dict:
    """The one review nudge for agreement #1 in a channel (or to a person); a step failure if there are more."""
    found = [m for m in slack(sb).messages(target) if m["text"].startswith("Agreement #1 review due")]
    if len(found) != 1:
        raise StepFailed(f"expected one review nudge for {target}, found {len(found)}")
    return found[0]


def note(text: str) -> list[dict]:
    """A grey line of our own among what Slack would show, to say what was left out."""
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]


def changed(before: list[dict], after: list[dict]) -> list[dict]:
    """A message as it is now, its heading kept and each run of blocks that has not changed cut to "…"."""
    unchanged = {json.dumps(block, sort_keys=True) for block in before}
    shown: list[dict] = []
    for index, block in enumerate(after):
        if index == 0 or json.dumps(block, sort_keys=True) not in unchanged:
            shown.append(block)
        elif shown[-1] is not CUT[0]:
            shown += CUT
    return shown


CUT = note("…")


def digest_part(blocks: list[dict], title: str) -> list[dict]:
    """One part of a digest: its header (which contains `title`) and the blocks up to the next header."""
    start = next(i for i, b in enumerate(blocks) if b["type"] == "header" and title in b["text"]["text"])
    end = next((i for i in range(start + 1, len(blocks)) if blocks[i]["type"] in ("header", "divider")), len(blocks))
    return blocks[start:end]


def answer(sb: Sandbox, response_url: str) -> dict:
    """What the app sent back through a response_url (an ephemeral message)."""
    return slack(sb).wait_for("response_url", where=lambda call: call.args.get("url") == response_url)[0].args


# ---- the last scene: the month's newsletter and a chart, as files to open ---------------------------------------

NEWSLETTER_DUE = at(7, 10, month=12)  # Monday 7 December, after the review nudges: November's newsletter


def newsletter_and_chart(sb: Sandbox, say: Say, files: Path) -> None:
    """Chloe drafts November's newsletter, downloads it, and asks for a chart; the files are written to `files`."""
    say(f"\n📅 {NEWSLETTER_DUE:%A} {NEWSLETTER_DUE.day} {NEWSLETTER_DUE:%B}")
    heading(say, "18. Chloe drafts November's newsletter and asks for a chart")
    response_url = command(sb, say, CHLOE, Command.TALKS, "newsletter")
    say(f"Only Chloe sees: {mentions(answer(sb, response_url)['text'])}")
    draft = direct_message(sb, CHLOE, "Draft newsletter for November 2026")
    show(say, "Her draft's first message (every item follows it):", draft["blocks"])
    say("Chloe presses Download, then types /talks chart activity 12 months.")
    check(sim(sb).click(draft, Action.NEWSLETTER_DOWNLOAD, user=CHLOE, channel=f"D{CHLOE}")[0], "pressing Download")
    command(sb, say, CHLOE, Command.TALKS, "chart activity 12 months")
    wanted = (".html", ".md", ".png")
    wait_until(
        lambda: all(
            any(f["filename"].endswith(end) and f["content"] for f in slack(sb).uploaded_files()) for end in wanted
        ),
        "Chloe did not get the newsletter's files and the chart",
        timeout=60,
    )
    files.mkdir(parents=True, exist_ok=True)
    written = []
    for upload in slack(sb).uploaded_files():
        if upload["channel_id"] == f"D{CHLOE}" and upload["filename"].endswith(wanted):
            path = files / upload["filename"]
            path.write_bytes(upload["content"])
            written.append(path)
    say("Programme Talks sends them to her direct messages. Open them on this computer:")
    for path in sorted(written):
        say(f"  {path}")
