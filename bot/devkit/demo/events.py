"""Scenes of an event: Amira invites people and #partners to the youth forum's open evening, Ben is going and Dev is
interested, and the day before, only Ben is reminded."""

from __future__ import annotations

from bot.devkit.demo.cast import AMIRA, BEN, DEV, PARTNERS, PRACTICE, StepFailed, at
from bot.devkit.demo.narration import drawn, note
from bot.devkit.demo.stage import Stage
from handlers.ids import Action, Command, View
from handlers.ids import Block as B

REMINDER_DUE = at(2, 9, month=12)  # the morning before the event on Thursday 3 December


def post_an_event(stage: Stage) -> None:
    stage.heading("Amira invites people to an event")
    stage.command(AMIRA, Command.EVENT)
    form = stage.opened(View.MEETUP)
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
        B.INVITE_PEOPLE: [BEN.id],
        B.INVITE_CHANNELS: [PARTNERS],
    }
    stage.say(f"A form opens for Amira: “{form['title']['text']}”. She fills in what, when and where, who'd benefit,")
    stage.say(f"invites Ben and #partners too, and presses {form['submit']['text']}.")
    stage.submit(form, values, AMIRA, "submitting the event form")
    told = stage.seen_only_by(AMIRA)
    stage.show("Programme Talks posts in #practice:", event_in(stage, PRACTICE)["blocks"])
    event_in(stage, PARTNERS)  # the same in #partners
    stage.show("Only Amira sees:", told["blocks"])
    invitation = event_in(stage, BEN.id)["blocks"]
    stage.show("Ben gets the invitation by direct message:", [invitation[0], *note("…then the event as in #practice.")])


def answer_the_event(stage: Stage) -> None:
    stage.heading("Ben is going; Dev is interested")
    answers = (
        (BEN, Action.MEETUP_GOING, BEN.id, f"D{BEN.id}", "“Going” on his invitation"),
        (DEV, Action.MEETUP_INTERESTED, PRACTICE, PRACTICE, "“Interested” on the event in #practice"),
    )
    for person, action, where, channel, what in answers:
        stage.say(f"{person.name} clicks {what}.")
        response_url = stage.click(event_in(stage, where), action, person, channel=channel, what=what)
        stage.say(f"{person.name} sees, only to {person.name}: {stage.words(stage.answer(response_url)['text'])}")
    counts = ("Going: 1", "Interested: 1")
    stage.wait_until(
        lambda: all(
            count in " ".join(drawn(event_in(stage, copy)["blocks"]))
            for count in counts
            for copy in (PRACTICE, PARTNERS, BEN.id)
        ),
        "the event's messages did not all show the answers",
    )
    stage.show("The event in #practice now reads:", event_in(stage, PRACTICE)["blocks"])
    stage.say("The copy in #partners and Ben's invitation show the same.")


def remind_those_going(stage: Stage) -> None:
    stage.heading("The day before the event")
    stage.scheduler(REMINDER_DUE)
    stage.show("Ben's direct message:", stage.message(BEN.id, "Reminder:")["blocks"])
    if stage.find(DEV.id, "Reminder:"):
        raise StepFailed("Dev is only interested, but he was reminded as if he were going")
    stage.say("Dev is only interested, so he gets no reminder.")


def event_in(stage: Stage, where: str) -> dict:
    """The event's message in a channel (or an invitation in someone's direct messages), as it stands."""
    return stage.message(where, "Event:", nth=0)
