"""Meeting prompts: the two questions posted before a channel's team meeting (`/talks prompt here weekly tue 09:45`),
with Share practice and Ask for collaboration buttons, what is still open in the channel, and Capture replies, which
asks each person who replied whether their words may be shared as practice.

The scheduler posts them (bot.delivery.prompts) with handlers.prompts.blocks; champions pause a channel's digest or
prompt for a while through handlers.prompts.pausing.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action
from handlers.prompts.commands import handle_prompt
from handlers.prompts.replies import handle_capture_replies, handle_decline_reply, handle_share_reply

TALKS_VERBS: dict[str, TalksVerb] = {"prompt": handle_prompt, "prompts": handle_prompt}


def register(app: App, deps: Deps) -> None:
    app.action(Action.CAPTURE_REPLIES)(listener(handle_capture_replies, deps))
    app.action(Action.SHARE_REPLY)(listener(handle_share_reply, deps))
    app.action(Action.DECLINE_REPLY)(listener(handle_decline_reply, deps))
