"""Making an event (/event) and answering it, as people do, for tests of events and of what shows them."""

from __future__ import annotations

from sqlalchemy import select

from handlers.ids import Action, Block, Command
from storage.models import Meetup
from tests.helpers import response_to

CHANNEL = "C_PRACTICE"
AMIRA = "U_AMIRA"
FORM = {
    Block.MEETUP_TITLE: "Youth forum open evening",
    Block.MEETUP_DATE: "2026-12-03",
    Block.MEETUP_TIME: "16:00",
    Block.PLACE: "Riverside Hall",
    Block.ABOUT: "Young people show their projects & partners find out how to get involved",
    Block.CHANNEL: CHANNEL,
}


def open_form(sandbox, text: str = "", user: str = AMIRA) -> dict:
    opened = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.command(Command.EVENT, text, user=user, channel=CHANNEL)
    return sandbox.slack.wait_for("views.open", count=opened + 1)[-1].args["view"]


def submit(sandbox, values: dict, user: str = AMIRA):
    return sandbox.sim.submit(open_form(sandbox, user=user), values, user=user)


def create_event(sandbox, **changes) -> int:
    """Fill in and submit the form; return the event's id once every copy is posted and its maker told."""
    told = len(sandbox.slack.calls_to("chat.postEphemeral"))
    reply = submit(sandbox, {**FORM, **changes})
    assert reply.status == 200 and reply.body == "", reply.body
    sandbox.slack.wait_for("chat.postEphemeral", count=told + 1)
    with sandbox.sessions() as session:
        return session.scalars(select(Meetup.id).order_by(Meetup.id.desc())).first()


def latest(sandbox, channel: str) -> dict:
    return sandbox.slack.messages(channel)[-1]


def answer(sandbox, channel: str, action: Action, user: str) -> str:
    """Press a button on the latest message in a channel (or someone's direct messages); what they are told."""
    _, url = sandbox.sim.click(latest(sandbox, channel), action, user=user, channel=channel)
    return response_to(sandbox.slack, url).args["text"]
