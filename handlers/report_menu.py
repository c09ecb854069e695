"""What every message about a share, a request, an agreement or an event carries for reporting a concern, and what
it says instead while the concern is reviewed. Pure Block Kit pieces, used by each feature's builders; the
concerns feature (handlers.concerns) answers the menu.

A share's message already has a menu (Edit and Delete, Action.MANAGE_SHARE): **Report a concern** is one more
option there. Requests, agreements and events get a menu of their own (Action.REPORT_CONCERN). Either way the
option's value is "report:<kind>:<id>" (the agreement's number, the others' ids).
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, Option, OverflowMenuElement

from handlers.blocks import section
from handlers.ids import Action
from storage.concerns import Kind

REPORT = "report"
NOUNS = {Kind.SHARE: "share", Kind.REQUEST: "collaboration request", Kind.AGREEMENT: "agreement", Kind.EVENT: "event"}


def report_option(kind: Kind, subject_id: int) -> Option:
    return Option(text="🚩 Report a concern", value=f"{REPORT}:{kind}:{subject_id}")


def report_menu(kind: Kind, subject_id: int) -> OverflowMenuElement:
    """The ⋯ menu on a request, an agreement or an event."""
    return OverflowMenuElement(action_id=Action.REPORT_CONCERN, options=[report_option(kind, subject_id)])


def reported(value: str) -> tuple[Kind, int] | None:
    """What a chosen "report:<kind>:<id>" option is about; None for any other value."""
    word, _, rest = value.partition(":")
    kind, _, raw_id = rest.partition(":")
    if word != REPORT or kind not in {k.value for k in Kind} or not raw_id.isdigit() or len(raw_id) > 12:
        return None
    return Kind(kind), int(raw_id)


def chose_report(body: dict) -> bool:
    """A listener matcher: the menu option chosen is Report a concern (the share menu's other options are not)."""
    actions = body.get("actions") or [{}]
    return reported(str((actions[0].get("selected_option") or {}).get("value") or "")) is not None


def hidden_text(kind: Kind) -> str:
    return f"A {NOUNS[kind]} hidden while a concern about it is reviewed"


def hidden_blocks(kind: Kind) -> list[Block]:
    """What a message says in place of a reported share, request, agreement or event, until it is decided."""
    return [
        section(
            f"🚩 This {NOUNS[kind]} is hidden while it is reviewed: someone reported a concern about it, and "
            "Programme Talks champions and workspace admins have been asked to look at it."
        )
    ]
