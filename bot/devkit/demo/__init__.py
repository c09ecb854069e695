"""`programme-talks demo`: a week in a team's Slack, played by the real app against the local Slack stand-in.

No Slack account is needed. Colleagues set up their champion, leader and digest; Amira opens the Home tab for
the first time; Dev follows tags; they share practice in one line, with the form, and from a message (whose
author agrees to be credited); the scheduler brings Dev his daily message for the tags he follows; Chloe asks for
a partner and Dev offers; Leo asks for ideas and is shown practice that may help; Chloe and Dev write an agreement
with a charity outside Slack; Amira invites people to an event; a careless share pings nobody; Ben searches and
Leo highlights. Then the scheduler posts Monday's digest (once, however often it wakes), brings the two questions
to #practice before Tuesday's team meeting, reminds whoever is going to the event, and nudges the agreement's first
review; and Chloe drafts November's newsletter.

Everything is sent as signed requests exactly as Slack sends them, and the demo prints what Slack would show each
person: their messages, forms and Home tab drawn for a terminal (domain.slack_text), with names, never ids. The
app's clock is the scene's: each step happens at its own moment, and each finishes before the next begins.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.devkit.demo.cast import CHANNELS, PEOPLE, TIMEZONE, SceneClock, StepFailed, at
from bot.devkit.demo.collaboration import (
    ask_for_a_partner,
    confirm_the_agreement,
    offer_help,
    practice_that_may_help,
    write_an_agreement,
)
from bot.devkit.demo.events import answer_the_event, post_an_event, remind_those_going
from bot.devkit.demo.narration import Narrator, plural, wants_color
from bot.devkit.demo.practice import (
    careless_share,
    react,
    search,
    share_a_message_as_practice,
    share_in_one_line,
    share_with_the_form,
)
from bot.devkit.demo.scheduled import (
    ask_for_a_meeting_prompt,
    digest_is_posted,
    followed_tags,
    newsletter_and_chart,
    nothing_twice,
    nudge_the_first_review,
    prompt_before_the_meeting,
)
from bot.devkit.demo.stage import Stage
from bot.devkit.demo.team import amira_opens_the_home_tab, dev_follows_tags, set_up_the_team
from bot.devkit.sandbox import Sandbox
from bot.devkit.simulate import TEAM_ID
from bot.devkit.slack_state import SlackState
from domain.words import TWO_QUESTIONS
from storage.ledger import Kind
from storage.models import (
    Agreement,
    CollabRequest,
    Highlight,
    Meetup,
    MessageCredit,
    PracticeSuggestion,
    Reaction,
    Share,
)

Scene = Callable[[Stage], None]

SCENES: tuple[tuple[dt.datetime, Scene], ...] = (  # (when, what happens): the clock is moved to each moment first
    (at(27, 10), set_up_the_team),
    (at(27, 10, 5), amira_opens_the_home_tab),
    (at(27, 10, 10), dev_follows_tags),
    (at(27, 10, 30), share_in_one_line),
    (at(27, 16), share_with_the_form),
    (at(28, 9), followed_tags),  # scheduled.BUNDLE_DUE
    (at(28, 11), ask_for_a_partner),
    (at(28, 12), share_a_message_as_practice),
    (at(28, 14), practice_that_may_help),
    (at(28, 19), offer_help),
    (at(29, 10), write_an_agreement),
    (at(29, 11, 30), confirm_the_agreement),
    (at(29, 14), post_an_event),
    (at(29, 15), answer_the_event),
    (at(29, 17), careless_share),
    (at(29, 20), search),
    (at(29, 20, 30), react),
    (at(30, 9), digest_is_posted),  # scheduled.DIGEST_DUE
    (at(30, 9), nothing_twice),
    (at(30, 10), ask_for_a_meeting_prompt),
    (at(1, 9, 45, month=12), prompt_before_the_meeting),  # scheduled.PROMPT_DUE
    (at(2, 9, month=12), remind_those_going),  # events.REMINDER_DUE
    (at(7, 9, month=12), nudge_the_first_review),  # scheduled.NUDGE_DUE
)
NEWSLETTER_DUE = at(7, 10, month=12)  # Monday 7 December, after the review nudges: November's newsletter


def run_demo(
    database_url: str | None = None,
    out: TextIO = sys.stdout,
    *,
    socket_mode: bool = False,
    files: Path | None = None,
    color: bool | None = None,
) -> int:
    """Play the scene; with `socket_mode`, Slack's requests reach the app over Socket Mode instead of HTTP. The
    newsletter and chart of its last scene are written to `files` (by default a new folder, which it prints).
    Bold and italics are drawn with `color` (by default, when `out` is a terminal and NO_COLOR is not set)."""
    with tempfile.TemporaryDirectory(prefix="programme-talks-demo-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        clock = SceneClock(SCENES[0][0])
        with Sandbox(url, clock=clock, timezone=TIMEZONE, socket_mode=socket_mode) as sb:
            assert sb.slack is not None
            for person in PEOPLE:
                sb.slack.add_user(person.id, name=person.name, is_admin=person.admin)
            for channel_id, name in CHANNELS.items():
                sb.slack.add_channel(channel_id, name=name)
            narrator = Narrator(
                out, color=wants_color(out) if color is None else color, **names_in(sb.slack.workspaces[TEAM_ID])
            )
            stage = Stage(sb, clock, narrator)
            introduce(stage)

            def newsletter(stage: Stage) -> None:
                newsletter_and_chart(stage, files or Path(tempfile.mkdtemp(prefix="programme-talks-demo-files-")))

            try:
                for moment, scene in (*SCENES, (NEWSLETTER_DUE, newsletter)):
                    narrator.day(moment)
                    clock.now = moment
                    scene(stage)
                    stage.settle()  # the work it handed on is done, the last scene's too, before anything is counted
            except (StepFailed, AssertionError) as error:
                stage.say(f"\nThe demo stopped: {error}")
                return 1
            summarise(stage)
    return 0


def names_in(workspace: SlackState) -> dict[str, dict[str, str]]:
    """The people's and channels' names, by id, as the Slack stand-in holds them (what Slack would show)."""
    people, channels = workspace.users.items(), workspace.channels.items()
    return {
        "users": {user_id: user["profile"]["display_name"] or user["name"] for user_id, user in people},
        "channels": {channel_id: channel["name"] for channel_id, channel in channels},
    }


def introduce(stage: Stage) -> None:
    stage.say("Programme Talks demo: the real app, talking to a pretend Slack on this computer.")
    stage.say("Amira (a youth worker), Ben (a teacher), Chloe and Dev work together in #practice.")
    stage.say("Leo is their service manager; Priya looks after the Slack workspace.")
    stage.say("Riverside Trust, a local charity with a sports hall, works with them but isn't in Slack.")


def summarise(stage: Stage) -> None:
    """What the week left in the database, counted there."""
    shares, requests = (
        plural(stage.stored(Share), "share"),
        plural(stage.stored(CollabRequest), "collaboration request"),
    )
    agreements, events = plural(stage.stored(Agreement), "agreement"), plural(stage.stored(Meetup), "event")
    highlights, reactions = plural(stage.stored(Highlight), "highlight"), plural(stage.stored(Reaction), "reaction")
    credits = plural(stage.stored(MessageCredit, MessageCredit.status == "accepted"), "author")
    suggested = plural(stage.stored(PracticeSuggestion), "earlier share")
    digests = plural(stage.delivered(Kind.DIGEST, Kind.CHAMPION_DIGEST), "digest")
    bundles = plural(
        stage.delivered(Kind.FOLLOW_BUNDLE), "daily message for followed tags", "daily messages for followed tags"
    )
    nudges = plural(stage.delivered(Kind.REVIEW_NUDGE), "review nudge")
    reminded = plural(stage.delivered(Kind.MEETUP_REMINDER), "event reminder")
    stage.narrator.titled("Summary")
    stage.say(f"Stored in the database: {shares}, {requests}, {agreements} and {events}.")
    stage.say(f"Also {highlights}, {reactions}, {credits} credited with their agreement, and {suggested} suggested")
    stage.say("to someone asking for help.")
    stage.say(f"Delivered once each by the scheduler: {digests}, {bundles}, {nudges} and {reminded}.")
    stage.say(f"No Slack account was used: everything went to the pretend Slack on this computer, {stage.slack.url}")
    stage.say("\nTwo questions every team should ask when it meets:")
    for question in TWO_QUESTIONS:
        stage.say(f"  • {question}")
