"""Scenes of the team getting started: roles and a digest, Amira's first look at the Home tab, Dev following tags."""

from __future__ import annotations

from bot.devkit.demo.cast import AMIRA, CHLOE, DEV, LEO, PRACTICE, PRIYA
from bot.devkit.demo.stage import Stage
from handlers.ids import Command


def set_up_the_team(stage: Stage) -> None:
    stage.heading("Priya appoints a champion and a leader; Chloe asks for a weekly digest")
    for role, person in (("champion", CHLOE), ("leader", LEO)):
        response_url = stage.command(PRIYA, Command.TALKS, f"{role} <@{person.id}>")
        stage.say(f"Only Priya sees: {stage.words(stage.answer(response_url)['text'])}")
    response_url = stage.command(CHLOE, Command.TALKS, "digest here weekly mon 09:00")
    stage.say(f"Only Chloe sees: {stage.words(stage.answer(response_url)['text'])}")
    stage.show(
        "Programme Talks posts in #practice:", stage.message(PRACTICE, "Programme Talks digest set up")["blocks"]
    )


def amira_opens_the_home_tab(stage: Stage) -> None:
    stage.heading("Amira opens Programme Talks for the first time")
    stage.say("She clicks Programme Talks in Slack's sidebar. Its Home tab is hers alone: a welcome on her first")
    stage.say("visit, buttons for what she can do, and (empty for now) her requests, agreements and events.")
    stage.show("Amira sees:", stage.open_home(AMIRA)["blocks"])


def dev_follows_tags(stage: Stage) -> None:
    stage.heading("Dev follows the tags he cares about")
    response_url = stage.command(DEV, Command.TALKS, "follow #transition #attendance")
    stage.say(f"Only Dev sees: {stage.words(stage.answer(response_url)['text'])}")
