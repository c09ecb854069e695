"""Scenes of sharing practice: a one-line share, the form, a colleague's message shared with his agreement, a
careless share that pings nobody, a search, and reactions that make a highlight."""

from __future__ import annotations

import json

from bot.devkit.demo.cast import AMIRA, BEN, DEV, LEO, PRACTICE, StepFailed
from bot.devkit.demo.stage import Stage
from handlers.ids import Action, Command, Shortcut, View
from handlers.ids import Block as B
from storage.models import Highlight, MessageCredit, Reaction

ONE_LINE = (
    "Texting parents the night before doubled attendance at our homework club "
    "#attendance #parents https://example.org/homework-club"
)
DEVS_MESSAGE = (  # as Slack holds what Dev typed: its formatting, "&" escaped, a channel he picked
    "Our *walking bus* has halved lateness since September! :tada: Parents &amp; carers take turns to walk "
    "children in from the estate each morning.\n&gt; It's the best bit of my day - a Year 8 walker\n"
    "Ask me here or in <#C_PARTNERS|partners> if you'd like to start one #parents"
)


def share_in_one_line(stage: Stage) -> None:
    stage.heading("Amira shares practice in one line")
    stage.command(AMIRA, Command.SHARE, ONE_LINE)
    stage.show(
        "Programme Talks posts in #practice:", stage.message(PRACTICE, f"Practice share from <@{AMIRA.id}>")["blocks"]
    )


def share_with_the_form(stage: Stage) -> None:
    stage.heading("Ben uses the form")
    stage.command(BEN, Command.SHARE)
    view = stage.opened(View.SHARE)
    stage.show(f"A form opens for Ben: “{view['title']['text']}”", view["blocks"])
    stage.say(f"   [{view['close']['text']}]  [{view['submit']['text']}]")
    values: dict[str, object] = {
        B.TITLE: "Peer mentors for Year 7 transition",
        B.BODY: "Year 9 volunteers met each new Year 7 twice in the summer and once a week in September.",
        B.IMPACT: "Fewer worried calls from families, and better attendance in the first half-term.",
        B.TAGS: "transition, mentoring",
        B.LINK: "https://example.org/peer-mentors",
        B.CONSENT: True,
    }
    stage.say("Ben fills it in, ticks “names no child or young person”, and presses Share.")
    stage.submit(view, values, BEN, "submitting the form")
    stage.show(
        "Programme Talks posts in #practice:", stage.message(PRACTICE, f"Practice share from <@{BEN.id}>")["blocks"]
    )


def share_a_message_as_practice(stage: Stage) -> None:
    stage.heading("Amira shares Dev's message as practice, and he agrees to be credited")
    message = {"ts": f"{stage.clock.now.timestamp():.6f}", "text": DEVS_MESSAGE}
    stage.show("Dev writes in #practice:", [{"type": "section", "text": {"type": "mrkdwn", "text": DEVS_MESSAGE}}])
    stage.say("Amira thinks everyone should see it. On Dev's message she opens ⋯ and chooses “Share as practice”.")
    stage.shortcut(message, Shortcut.SHARE_MESSAGE, AMIRA, author=DEV, channel=PRACTICE)
    form = stage.opened(View.CAPTURE_SHARE)
    stage.show(f"A form opens for Amira, filled in from the message: “{form['title']['text']}”", form["blocks"])
    stage.say(f"   [{form['close']['text']}]  [{form['submit']['text']}]")
    kept = {
        block["block_id"]: block["element"].get("initial_value")
        for block in form["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }
    stage.say("She keeps Dev's words, ticks “names no child or young person”, and presses Share.")
    stage.submit(form, kept | {B.CHANNEL: PRACTICE, B.CONSENT: True}, AMIRA, "submitting the form")
    share = stage.message(PRACTICE, f"Practice share from <@{AMIRA.id}>: Our walking bus")
    stage.show("Programme Talks posts in #practice:", share["blocks"])
    ask = stage.message(DEV.id, f"<@{AMIRA.id}> made practice from your message")
    stage.show("Nobody is named without agreeing, so Dev gets a direct message:", ask["blocks"])
    stage.say("Dev clicks “Accept”.")
    response_url = stage.click(ask, Action.ACCEPT_CREDIT, DEV, channel=f"D{DEV.id}", what="“Accept”")
    stage.say(f"His message now reads: {stage.words(stage.answer(response_url)['text'])}")
    stage.wait_until(lambda: thread_of(stage, share), "the credit was not posted under the share")
    stage.show("Under the share in #practice, in its thread:", as_section(thread_of(stage, share)[-1]["text"]))
    if stage.stored(MessageCredit, MessageCredit.status == "accepted") != 1:
        raise StepFailed("Dev accepted, but the credit was not recorded")


def careless_share(stage: Stage) -> None:
    stage.heading("A careless share cannot ping anyone")
    stage.say("Amira pastes in text from elsewhere, with @here, Slack's code for alerting everyone (<!channel>),")
    stage.say("and a link hidden behind the word “this”:")
    stage.command(AMIRA, Command.SHARE, "Great work today @here <!channel> see <https://evil.example|this>")
    message = stage.message(PRACTICE, f"Practice share from <@{AMIRA.id}>: Great work")
    stage.show("Programme Talks posts in #practice:", message["blocks"])
    call = stage.slack.wait_for("chat.postMessage", where=lambda c: c.response.get("ts") == message["ts"])[0]
    sent = json.dumps(call.args, ensure_ascii=False)
    risky = [text for text in ("<!", "|this>") if text in sent] + [k for k in ("link_names", "parse") if k in call.args]
    stage.say("Nobody gets a notification: @here and <!channel> show as plain words, not as alerts to everyone in the")
    stage.say("channel, and the link shows the address it really goes to instead of hiding it behind “this”.")
    if risky:
        raise StepFailed(f"the careless share could ping people or forge a link: {risky}")


def search(stage: Stage) -> None:
    stage.heading("Ben searches")
    response_url = stage.command(BEN, Command.TALKS, "search attendance")
    stage.show("Only Ben sees:", stage.answer(response_url)["blocks"])


def react(stage: Stage) -> None:
    stage.heading("Leo highlights Ben's share; Dev thanks Amira")
    reactions = (
        (LEO, "star", "⭐", BEN, "Ben's share about peer mentors"),
        (DEV, "clap", "👏", AMIRA, "Amira's share about texting parents"),
    )
    for person, emoji, drawn, author, what in reactions:
        stage.say(f"{person.name} reacts with {drawn} to {what}.")
        stage.react(person, emoji, stage.message(PRACTICE, f"Practice share from <@{author.id}>", nth=0))
    stage.wait_until(lambda: stage.stored(Reaction) == 2, "the app did not record both reactions")
    if stage.stored(Highlight, Highlight.leader_id == LEO.id) != 1:
        raise StepFailed("Leo is a leader, but his ⭐ did not make Ben's share a highlight")
    stage.say("Slack shows the reactions as usual. Leo is a leader, so his ⭐ makes Ben's share a highlight;")
    stage.say("Dev's 👏 counts as appreciation. Both go into the next digest.")


def thread_of(stage: Stage, message: dict) -> list[dict]:
    return [m for m in stage.slack.messages(PRACTICE) if m.get("thread_ts") == message["ts"]]


def as_section(mrkdwn: str) -> list[dict]:
    """A message Slack shows as its text alone (one posted without blocks), as blocks to draw."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}]
