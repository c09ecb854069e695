"""The app's Home tab: each person's own view of Programme Talks (their requests and the offers on them, what
they offered to help with, their agreements and events, the two questions), with buttons to share, ask, write an
agreement and invite to an event. Champions and leaders also see what needs attention and the last four weeks.

Published after Slack is answered (handlers.home.refresh), and again when something on it changes.
"""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.context import Deps, Job, TalksVerb, listener, team_of
from handlers.home.refresh import show_home
from handlers.ids import Action, SlackEvent
from handlers.metadata import ModalContext, to_metadata

TALKS_VERBS: dict[str, TalksVerb] = {}


def register(app: App, deps: Deps) -> None:
    app.event(SlackEvent.APP_HOME_OPENED)(listener(handle_app_home_opened, deps))
    app.action(Action.OPEN_AGREEMENT_MODAL)(listener(handle_open_agreement_modal, deps))
    app.action(Action.OPEN_MEETUP_MODAL)(listener(handle_open_meetup_modal, deps))


def handle_app_home_opened(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """Hand over publishing the tab. Bolt has acknowledged the event already (it does so for every event), so
    the job is recorded here rather than returned; its key is the event_id, so Slack's retries add nothing."""
    event = body["event"]
    if event.get("tab", "home") == "home" and event.get("user"):
        deps.hand_over(Job(show_home, (team_of(body), event["user"])), body)


# The agreement and event forms are imported where they are opened: features that refresh people's Home tabs
# import handlers.home.refresh, and so this package, which must not import them back.


def handle_open_agreement_modal(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    import handlers.agreements.modals as agreement_modals

    ack()
    client.views_open(trigger_id=body["trigger_id"], view=agreement_modals.parties_modal(body["user"]["id"]))


def handle_open_meetup_modal(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    import handlers.meetups.blocks as meetup_blocks

    ack()
    channel_id = (body.get("channel") or {}).get("id")
    metadata = to_metadata(ModalContext(channel_id=channel_id))
    client.views_open(trigger_id=body["trigger_id"], view=meetup_blocks.meetup_modal(metadata, tz=deps.tz))
