"""Block Kit for capturing from a message: the line on the form saying where its words came from, the direct
message asking a message's author whether they may be credited, and the credit itself. Pure functions."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from domain import text as t
from handlers.blocks import context, section
from handlers.ids import Action

WHAT = {"share": "practice", "request": "a collaboration request"}


def where(channel_id: str) -> str:
    """ "in <#C123>", or "in a direct message" for a conversation that is not a channel."""
    return f"in <#{channel_id}>" if channel_id.startswith(("C", "G")) else "in a direct message"


def form_intro(user_id: str, source_author: str | None, channel_id: str) -> Block:
    """The line at the top of the form: where the words came from, and who will be credited."""
    if source_author == user_id:
        said = f"📎 From your message {where(channel_id)}: it will say so under the post."
    elif source_author:
        said = (
            f"📎 From a message by <@{source_author}> {where(channel_id)}. You'll be the author; I'll ask "
            f"<@{source_author}> whether they'd like to be credited, and nobody is named unless they agree."
        )
    else:
        said = f"📎 From a message {where(channel_id)}. You'll be the author."
    return context(said)


def credit_text(source_author: str, source_link: str | None) -> str:
    """The credit, posted under the share or request: only once its author agreed (or wrote it themselves)."""
    link = f" ({t.link(source_link, 'open')})" if source_link else ""
    return f"📎 From a message by <@{source_author}>{link}"


def ask_text(captured_by: str, kind: str) -> str:
    return f"<@{captured_by}> made {WHAT.get(kind, 'a post')} from your message. May they credit you?"


def ask_blocks(credit_id: int, captured_by: str, kind: str, channel_id: str, permalink: str | None) -> list[Block]:
    """The direct message asking a message's author whether a share or request made from it may credit them."""
    post = t.link(permalink, "open") if permalink else f"<#{channel_id}>"
    return [
        section(
            f"👋 <@{captured_by}> shared your message as {WHAT.get(kind, 'a post')} in <#{channel_id}> ({post}). "
            f"May it say *“From a message by you”* under it? Nothing names you unless you accept."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(text="Accept", action_id=Action.ACCEPT_CREDIT, value=str(credit_id), style="primary"),
                ButtonElement(text="No thanks", action_id=Action.DECLINE_CREDIT, value=str(credit_id)),
            ]
        ),
    ]


def answered_text(accepted: bool) -> str:
    if accepted:
        return "✅ Thank you: it now says it came from your message."
    return "👍 No problem: you won't be named."
