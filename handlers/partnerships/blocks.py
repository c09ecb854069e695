"""Block Kit for partnerships: the forms' "Share with our partnership" choice, the form confirming a share with the
partnership, offering help with a partner's request, a note passed between organisations, and partners' items in
search. Pure functions over plain values and domain records; people's words are escaped into verbatim mrkdwn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DividerBlock,
    InputBlock,
    Option,
)
from slack_sdk.models.views import View

from domain import text as t
from domain.partnerships import REQUEST, SHARE, PartnerCard, item_line
from domain.words import join_and
from handlers.blocks import context, section, text_input, user_sections
from handlers.ids import Action, input_id
from handlers.ids import Block as B
from handlers.ids import View as V

SHARE_VALUE, NAME_VALUE = "share_with_partners", "name_me_to_partners"
NOTE_CHARS = 2000
NOUNS = {SHARE: "share", REQUEST: "request"}


def organisations(names: Sequence[str]) -> str:
    """Partner organisations' names in a sentence, escaped: "Beta Borough Council and Gamma Schools Trust"."""
    return join_and([t.escaped_within(name, 120) for name in names]) or "no other organisation yet"


def partners_input(partners: Sequence[str], *, named_label: str = "Show my name to them too") -> InputBlock:
    """On the share and request forms of a workspace in a partnership: share it with the partnership, and whether
    partners may see the author's name."""
    who = t.shorten(join_and(list(partners)) or "no other organisation yet", 1200)
    return InputBlock(
        block_id=B.PARTNERS,
        label="Our partnership",
        optional=True,
        hint=f"Shared, it reaches {who} in their digests and search, credited to your organisation. Your name goes "
        "with it only if you tick the second box. You can withdraw it at any time.",
        element=CheckboxesElement(
            action_id=input_id(B.PARTNERS),
            options=[
                Option(value=SHARE_VALUE, text="Share with our partnership"),
                Option(value=NAME_VALUE, text=named_label),
            ],
        ),
    )


def name_input(label: str, hint: str) -> InputBlock:
    return InputBlock(
        block_id=B.PARTNER_NAME,
        label="Your name",
        optional=True,
        hint=hint,
        element=CheckboxesElement(action_id=input_id(B.PARTNER_NAME), options=[Option(value=NAME_VALUE, text=label)]),
    )


def partner_button(kind: str, item_id: int, shared: bool) -> ButtonElement:
    """On a posted share or request of a workspace in a partnership: share it with the partnership, or withdraw it."""
    if shared:
        return ButtonElement(
            text="Withdraw from partnership", action_id=Action.PARTNERS_WITHDRAW, value=f"{kind}:{item_id}"
        )
    return ButtonElement(text="Share with our partnership", action_id=Action.PARTNERS_SHARE, value=f"{kind}:{item_id}")


SHARED_NOTE = "🌍 Shared with our partnership: partner organisations see it, credited to ours"


def share_confirm_modal(kind: str, partners: Sequence[str], own: str, metadata: str) -> View:
    noun = NOUNS[kind]
    offers = " and can offer help" if kind == REQUEST else ""
    return View(
        type="modal",
        callback_id=V.PARTNERS_SHARE,
        title="Share with partners?",
        submit="Share",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            section(
                f"{organisations(partners)} will see this {noun} in their digests and search{offers}, credited to "
                f"{t.escaped_within(own, 120)}. You can withdraw it at any time: it then leaves their digests and "
                "search at once."
            ),
            name_input("Show my name to them too", "Unticked, they see only your organisation's name."),
        ],
    )


def offer_modal(card: PartnerCard, own: str, metadata: str) -> View:
    """Offering help with a partner organisation's request."""
    org = t.escaped_within(card.organisation, 120)
    return View(
        type="modal",
        callback_id=V.PARTNER_OFFER,
        title="Offer help",
        submit="Offer help",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            section(f"*{org} asked:*"),
            *user_sections(card.body, room=2500),
            section(
                f"I'll tell {org} that someone from {t.escaped_within(own, 120)} can help. Your Slack details aren't "
                "shared with them: they reply through Programme Talks, and their reply comes to you in your "
                "messages with the app."
            ),
            name_input("Tell them my name", "Unticked, they are told only your organisation's name."),
        ],
    )


def reply_modal(to_organisation: str, with_name: bool, metadata: str) -> View:
    """A note to the other person in an offer of help between organisations."""
    who = "your name and your organisation's" if with_name else "your organisation's name (not yours)"
    return View(
        type="modal",
        callback_id=V.PARTNER_REPLY,
        title="Reply",
        submit="Send",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            text_input(
                B.PARTNER_NOTE,
                f"Your note to {t.shorten(to_organisation, 60)}",
                NOTE_CHARS,
                None,
                "e.g. Thank you! Could we talk on Thursday afternoon?",
                multiline=True,
                hint="Please don't name children or young people. Say how they can reach you if you like.",
            ),
            context(f"It goes with {who}, and comes to them in their messages with Programme Talks."),
        ],
    )


def reply_button(offer_id: int) -> ButtonElement:
    return ButtonElement(text="Reply", action_id=Action.PARTNER_REPLY, value=str(offer_id), style="primary")


def offer_notice(
    *, helper: str | None, organisation: str, body: str, permalink: str | None, request_id: int, offer_id: int
) -> list[Block]:
    """The direct message telling a requester that someone in a partner organisation offered to help."""
    who = t.escaped_within(helper, 80) if helper else "Someone"
    where = f" ({t.link(permalink, 'see the request')})" if permalink else ""
    return [
        section(
            f"🙋 {who} from *{t.escaped_within(organisation, 120)}* offered to help with your collaboration request"
            f"{where}:\n>{t.escaped_within(body, 300)}\n\nThey're in another organisation's Slack, so press *Reply* "
            "to send them a note through Programme Talks."
        ),
        ActionsBlock(
            elements=[
                reply_button(offer_id),
                ButtonElement(text="Mark resolved", action_id=Action.RESOLVE_REQUEST, value=str(request_id)),
            ]
        ),
    ]


def relayed_note(*, sender: str | None, organisation: str, note: str, to_requester: bool, offer_id: int) -> list[Block]:
    """A note from someone in another organisation, passed on; with Reply to answer it."""
    who = t.escaped_within(sender, 80) if sender else "Someone"
    about = "your collaboration request" if to_requester else "the request you offered to help with"
    heading = f"📨 {who} from *{t.escaped_within(organisation, 120)}* sent you a note about {about}:\n"
    return [*user_sections(note, heading=heading), ActionsBlock(elements=[reply_button(offer_id)])]


def partner_results(cards: Sequence[PartnerCard], names: Mapping[tuple[str, str], str]) -> list[Block]:
    """Partners' matches in `/talks search`, each credited to its organisation (and its author, if they agreed), an
    open request with "I can help"."""
    if not cards:
        return []
    blocks: list[Block] = [DividerBlock(), section("*From our partners*")]
    for card in cards:
        block = section(item_line(card, names.get((card.team_id, card.author_id)) if card.name_author else None))
        if card.kind == REQUEST and not card.resolved:
            block.accessory = ButtonElement(text="I can help", action_id=Action.PARTNER_OFFER, value=str(card.id))
        blocks.append(block)
    return blocks
