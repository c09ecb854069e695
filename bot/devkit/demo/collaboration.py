"""Scenes of working together: Chloe asks for a partner and Dev offers; Leo asks and is shown practice that may
help; Chloe and Dev write down an agreement with Riverside Trust, a charity outside Slack, and it is agreed."""

from __future__ import annotations

import json

from bot.devkit.demo.cast import CHLOE, DEV, LEO, PRACTICE, Person, StepFailed
from bot.devkit.demo.narration import drawn, note
from bot.devkit.demo.stage import Stage
from handlers.ids import Action, Command, View, responsibility_block
from handlers.ids import Block as B
from storage.models import PracticeSuggestion


def ask_for_a_partner(stage: Stage) -> None:
    stage.heading("Chloe asks for a partner")
    text = "Looking for a partner with a sports hall for Saturday youth sessions by 15 January"
    stage.command(CHLOE, Command.COLLAB, text)
    stage.show("Programme Talks posts in #practice:", request_of(stage, CHLOE)["blocks"])


def offer_help(stage: Stage) -> None:
    stage.heading("Dev can help")
    request = request_of(stage, CHLOE)
    stage.say("Dev clicks “I can help” on Chloe's request.")
    response_url = stage.click(request, Action.OFFER_HELP, DEV, channel=PRACTICE, what="“I can help”")
    stage.slack.wait_for("chat.update", where=lambda call: call.args.get("ts") == request["ts"])
    stage.show("The request in #practice now reads:", request_of(stage, CHLOE)["blocks"])
    stage.show("Chloe gets a direct message:", stage.message(CHLOE.id, f"<@{DEV.id}> offered")["blocks"])
    stage.say(f"Dev sees, only to Dev: {stage.words(stage.answer(response_url)['text'])}")


def practice_that_may_help(stage: Stage) -> None:
    stage.heading("Leo asks for ideas, and is shown practice that may help")
    text = "Ideas to help Year 6 children settle when they move up to secondary school? #transition"
    stage.command(LEO, Command.COLLAB, text)
    stage.show("Programme Talks posts in #practice:", request_of(stage, LEO)["blocks"])
    told = stage.message(LEO.id, "Practice that may help")
    stage.show("A moment later, only Leo gets a direct message:", told["blocks"])
    if not stage.stored(PracticeSuggestion):
        raise StepFailed("Leo's request was shown no practice")
    stage.say("Nobody else is told. Dev follows #transition, so Leo's request will be in his next daily message.")


def write_an_agreement(stage: Stage) -> None:
    stage.heading("Chloe and Dev write down how they'll work with Riverside Trust")
    stage.command(CHLOE, Command.AGREEMENT)
    step_one = stage.opened(View.AGREEMENT_PARTIES)
    stage.show(f"A form opens for Chloe: “{step_one['title']['text']}”", step_one["blocks"])
    stage.say(f"   [{step_one['close']['text']}]  [{step_one['submit']['text']}]")
    parties: dict[str, object] = {
        B.AGREEMENT_TITLE: "Saturday sports sessions at Riverside",
        B.CHANNEL: PRACTICE,
        B.PARTY_USERS: [CHLOE.id, DEV.id],
        B.PARTY_ORGANISATIONS: "Riverside Trust, Sam Patel",
    }
    stage.say(
        "Chloe names it, adds Dev, types “Riverside Trust, Sam Patel” for the partner outside Slack, presses Next."
    )
    step_two = stage.next_step(step_one, parties, CHLOE, "the first step of the agreement form")
    stage.show("The form moves on to its second step:", step_two["blocks"])
    stage.say(f"   [{step_two['close']['text']}]  [{step_two['submit']['text']}]")
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
    stage.say("Together they fill in who does what, 1 December to 27 February, how they'll tell people inside and")
    stage.say("outside, how each party is credited, and a first review on Thursday 10 December, then every 4 weeks.")
    stage.submit(step_two, details, CHLOE, "the second step of the agreement form")
    saved = stage.message(CHLOE.id, "Agreement #1 saved")  # the writer is told last, once everyone is asked
    stage.show("Programme Talks posts in #practice:", agreement_summary(stage)["blocks"])
    stage.show("Only Chloe sees, by direct message:", saved["blocks"])
    request = stage.message(DEV.id, "Please confirm agreement #1")["blocks"]
    stage.show("Dev gets a direct message:", [request[0], *note("…then the agreement as above, and:"), request[-1]])


def confirm_the_agreement(stage: Stage) -> None:
    stage.heading("Dev confirms, so the agreement is agreed")
    stage.say("Dev reads it through in his direct messages and clicks “Confirm”.")
    request, draft = stage.message(DEV.id, "Please confirm agreement #1"), agreement_summary(stage)["blocks"]
    response_url = stage.click(request, Action.CONFIRM_AGREEMENT, DEV, channel=f"D{DEV.id}", what="“Confirm”")
    stage.say(f"His message now begins: {stage.words(stage.answer(response_url)['text'])}")
    stage.wait_until(
        lambda: "Agreed by everyone" in " ".join(drawn(agreement_summary(stage)["blocks"])),
        "the summary did not update",
    )
    agreed = agreement_summary(stage)["blocks"]
    stage.show("The summary in #practice now reads (… for what hasn't changed):", changed(draft, agreed))
    stage.show("Chloe gets a direct message:", stage.message(CHLOE.id, "Agreement #1 is agreed")["blocks"])


def request_of(stage: Stage, person: Person) -> dict:
    """Someone's collaboration request in #practice, as it stands."""
    return stage.message(PRACTICE, f"Collaboration request from <@{person.id}>")


def agreement_summary(stage: Stage) -> dict:
    """Agreement #1's summary in #practice, as it stands."""
    return stage.message(PRACTICE, "Agreement #1:")


CUT = note("…")


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
