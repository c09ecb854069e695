"""Block Kit for shares and collaboration requests: the messages, the forms, and what their authors are told.

Pure functions over domain.records' cards. User text is escaped into verbatim mrkdwn (handlers.blocks).

However many &, < and > someone typed (each is five or four characters once escaped), a share or request is
posted with every word, spread over as many sections as it needs: Slack shows a long section with its own
"See more". Only when the escaped text passes MESSAGE_TEXT_CHARS (Slack refuses messages whose blocks hold
much more text) is it shortened, with a line saying so; the words are always stored whole. Words given back
when they could not be saved are all given back, in as many code blocks as they need.

Every posted share and request has **Report a concern** in its ⋯ menu (handlers.report_menu); while a concern is
reviewed (the card's `hidden`) its message says only that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    Option,
    OverflowMenuElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from domain import text as t
from domain.personal_data import MARK_CLOSE, MARK_OPEN, Finding, describe
from domain.records import RequestCard, ShareCard
from handlers.blocks import (
    MESSAGE_BLOCKS,
    MESSAGE_TEXT_CHARS,
    SECTION_CHARS,
    SHORTENED,
    channel_input,
    context,
    date_label,
    fair_shares,
    section,
    tags_mrkdwn,
    text_input,
    user_sections,
)
from handlers.ids import Action, input_id
from handlers.ids import Block as B
from handlers.ids import View as V
from handlers.partnerships.blocks import SHARED_NOTE, partner_button, partners_input
from handlers.personal_data import NO_NAMES, OVERRIDE_TEXT, highlighted, pieces
from handlers.report_menu import hidden_blocks, hidden_text, report_menu, report_option
from storage.concerns import Kind
from storage.held_posts import HOLD_FOR

CONSENT_VALUE = "no_personal_data"
NAME_ME_VALUE = "name_me"  # the share form's "You may name me in newsletters outside Slack"
HEADER_TEXT = 140  # of a header's 150 characters, after its emoji
MAX_NAMES = 50  # people named as offering help; more are counted
FLAGGED_CHARS = 6000  # of someone's words, marked where personal data was found, in the message asking them


@dataclass(frozen=True)
class ShareDraft:
    """Words for a new share's form: a quick `/share` its author chose to edit."""

    body: str
    title: str | None = None
    impact: str | None = None
    tags: tuple[str, ...] = ()
    link: str | None = None


@dataclass(frozen=True)
class RequestDraft:
    """Words for a new request's form: a quick `/collab` its author chose to edit."""

    body: str
    needed_by: dt.date | None = None


def share_text(card: ShareCard) -> str:
    """The notification text of a posted share (escaped mrkdwn)."""
    if card.hidden:
        return hidden_text(Kind.SHARE)
    what = t.escaped_within(card.title or card.body, 5 * t.MAX_TITLE_CHARS if card.title else 80)
    return f"Practice share from <@{card.author_id}>: {what}"


def share_message(card: ShareCard) -> list[Block]:
    if card.hidden:
        return hidden_blocks(Kind.SHARE)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"💡 {t.shorten(card.title or 'Practice share', HEADER_TEXT)}"))
    ]
    link = f"🔗 {t.link(card.link)}" if card.link else ""  # up to 2,500 characters: 500 of "&" in a web address
    body = card.words
    body_room, impact_room = fair_shares(
        [t.escaped_length(body), t.escaped_length(card.impact or "")], MESSAGE_TEXT_CHARS - len(link)
    )
    heading = "*What we did*\n" if card.impact or card.title else ""
    blocks += user_sections(body, heading=heading, room=body_room)
    if card.impact:
        blocks += user_sections(card.impact, heading="*What changed for children and young people*\n", room=impact_room)
    if link:
        blocks.append(section(link))
    partner = [partner_button("share", card.id, card.partners)] if card.partners is not None else []
    blocks.append(
        ActionsBlock(
            elements=[
                *partner,
                OverflowMenuElement(
                    action_id=Action.MANAGE_SHARE,
                    options=[
                        Option(text="Edit my share", value=f"edit:{card.id}"),
                        Option(text="Delete my share", value=f"delete:{card.id}"),
                        report_option(Kind.SHARE, card.id),
                    ],
                ),
            ]
        )
    )
    blocks.append(context(f"Shared by <@{card.author_id}>", tags_mrkdwn(card.tags)))
    if card.partners:
        blocks.append(context(SHARED_NOTE))
    if t.escaped_length(body) > body_room or t.escaped_length(card.impact or "") > impact_room:
        blocks.append(
            context(f"{SHORTENED}: every word is saved, and <@{card.author_id}> sees it all in *Edit my share*.")
        )
    return blocks


def share_modal(
    channel_metadata: str,
    prefill: ShareCard | ShareDraft | None = None,
    *,
    ask_channel: bool = False,
    partners: Sequence[str] | None = None,
) -> View:
    """The /share form; with a posted share as `prefill`, the author's edit form; with a draft, filled in with it.
    With `partners` (the workspace is in a partnership: its partners' names), the choice to share with them."""
    p = prefill
    editing = isinstance(prefill, ShareCard)
    blocks: list[Block] = [
        text_input(
            B.TITLE,
            "Title",
            t.MAX_TITLE_CHARS,
            p.title if p else None,
            "e.g. Texting parents doubled homework club attendance",
        ),
        text_input(
            B.BODY,
            "What we did",
            t.MAX_SHARE_CHARS,
            p.body if p else None,
            "What you tried, and how",
            multiline=True,
            hint=NO_NAMES,
        ),
        text_input(
            B.IMPACT,
            "What changed for children and young people",
            t.MAX_IMPACT_CHARS,
            p.impact if p else None,
            "The difference it made",
            multiline=True,
            optional=True,
        ),
        text_input(
            B.TAGS,
            "Tags",
            200,
            ", ".join(p.tags) if p else None,
            "e.g. attendance, parents, SEN",
            optional=True,
            hint="Separate tags with commas.",
        ),
        text_input(B.LINK, "A link", t.MAX_LINK_CHARS, p.link if p else None, "https://", optional=True),
        InputBlock(
            block_id=B.CONSENT,
            label="Keeping children safe",
            element=CheckboxesElement(
                action_id=input_id(B.CONSENT),
                options=[
                    Option(
                        value=CONSENT_VALUE,
                        text="It names no child or young person and holds no personal data about them.",
                    )
                ],
            ),
        ),
        name_consent_input(named=isinstance(p, ShareCard) and p.name_outside_slack),
    ]
    if partners is not None and not editing:
        blocks.append(partners_input(partners))
    if ask_channel:
        blocks.insert(0, channel_input())
    return View(
        type="modal",
        callback_id=V.EDIT_SHARE if editing else V.SHARE,
        title="Edit your share" if editing else "Share practice",
        submit="Save" if editing else "Share",
        close="Cancel",
        blocks=blocks,
        private_metadata=channel_metadata,
    )


def name_consent_input(*, named: bool) -> InputBlock:
    """The share form's optional box: the author agrees to be named in the newsletter and reports outside Slack."""
    option = Option(value=NAME_ME_VALUE, text="You may name me in newsletters outside Slack")
    return InputBlock(
        block_id=B.NAME_CONSENT,
        label="Newsletters",
        optional=True,
        hint="Champions' newsletters and reports for funders go beyond Slack. Unticked, they call you “a colleague”.",
        element=CheckboxesElement(
            action_id=input_id(B.NAME_CONSENT), options=[option], initial_options=[option] if named else None
        ),
    )


def delete_share_modal(card: ShareCard, metadata: str) -> View:
    return View(
        type="modal",
        callback_id=V.DELETE_SHARE,
        title="Delete your share?",
        submit="Delete",
        close="Keep it",
        blocks=[
            section(
                "This removes your share from the channel and from Programme Talks. It cannot be undone.\n\n"
                f">{t.escaped_within(card.title or card.body, 200)}"
            )
        ],
        private_metadata=metadata,
    )


def request_text(card: RequestCard) -> str:
    if card.hidden:
        return hidden_text(Kind.REQUEST)
    return f"Collaboration request from <@{card.requester_id}>: {t.escaped_within(card.body, 80)}"


def request_message(card: RequestCard) -> list[Block]:
    if card.hidden:
        return hidden_blocks(Kind.REQUEST)
    title = "✅ Collaboration request (resolved)" if card.resolved else "🤝 Collaboration request"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=title)),
        *user_sections(card.body, room=MESSAGE_TEXT_CHARS),
    ]
    if t.escaped_length(card.body) > MESSAGE_TEXT_CHARS:
        blocks.append(context(f"{SHORTENED}: every word is saved."))
    blocks.append(
        context(
            f"Asked by <@{card.requester_id}>",
            f"Needed by {date_label(card.needed_by)}" if card.needed_by else "",
        )
    )
    if card.offerers:
        names = ", ".join(f"<@{user}>" for user in card.offerers[:MAX_NAMES])
        if len(card.offerers) > MAX_NAMES:
            names += f" and {len(card.offerers) - MAX_NAMES} others"
        blocks.append(section(f"🙋 *Offered to help:* {names}"))
    elif not card.resolved:
        blocks.append(section("No offers yet. Could you or your team help?"))
    if card.partners:
        blocks.append(context(SHARED_NOTE))
    menu = report_menu(Kind.REQUEST, card.id)
    partner = [partner_button("request", card.id, card.partners)] if card.partners is not None else []
    if card.resolved:
        blocks.append(ActionsBlock(elements=[*(partner if card.partners else []), menu]))
    else:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text="I can help", action_id=Action.OFFER_HELP, value=str(card.id), style="primary"),
                    ButtonElement(text="Mark resolved", action_id=Action.RESOLVE_REQUEST, value=str(card.id)),
                    *partner,
                    menu,
                ]
            )
        )
    return blocks


def offer_notice(card: RequestCard, offerer_id: str) -> list[Block]:
    """The direct message telling a requester who offered to help."""
    where = f" ({t.link(card.permalink, 'see the request')})" if card.permalink else ""
    return [
        section(
            f"🙋 <@{offerer_id}> offered to help with your collaboration request{where}:\n"
            f">{t.escaped_within(card.body, 300)}\n\nSend them a message to get started."
        ),
        ActionsBlock(
            elements=[ButtonElement(text="Mark resolved", action_id=Action.RESOLVE_REQUEST, value=str(card.id))]
        ),
    ]


def collab_modal(
    channel_metadata: str,
    *,
    ask_channel: bool = False,
    draft: RequestDraft | None = None,
    partners: Sequence[str] | None = None,
) -> View:
    """The /collab form; with `draft`, filled in with it; with `partners`, the choice to share it with them."""
    return View(
        type="modal",
        callback_id=V.COLLAB,
        title="Ask for collaboration",
        submit="Post request",
        close="Cancel",
        blocks=[
            text_input(
                B.REQUEST,
                "What partner or help are you looking for?",
                t.MAX_REQUEST_CHARS,
                draft.body if draft else None,
                "e.g. A youth music charity to co-run a summer project",
                multiline=True,
                hint=NO_NAMES,
            ),
            InputBlock(
                block_id=B.NEEDED_BY,
                label="Needed by",
                optional=True,
                element=DatePickerElement(
                    action_id=input_id(B.NEEDED_BY),
                    initial_date=draft.needed_by.isoformat() if draft and draft.needed_by else None,
                ),
            ),
            *([channel_input()] if ask_channel else []),
            *([partners_input(partners)] if partners is not None else []),
        ],
        private_metadata=channel_metadata,
    )


def not_posted_blocks(kind: str, record_id: int, reason: str) -> list[Block]:
    """Ephemeral: it is saved, but could not be posted; with a button to try again."""
    return [
        section(f"✅ Your {kind} is saved, but I couldn't post it here: {reason}. Then press *Try posting again*."),
        ActionsBlock(
            elements=[ButtonElement(text="Try posting again", action_id=Action.RETRY_POST, value=f"{kind}:{record_id}")]
        ),
    ]


NOT_SAVED = (
    "⚠️ Sorry, I couldn't save that just now, so it has *not* been shared. "
    "Here is what you wrote, so you can copy it and try again in a minute:"
)


def not_saved_blocks(what: str, *, why: str = NOT_SAVED) -> list[Block]:
    """Ephemeral: why the words were not taken (by default: the database was unreachable), and the words
    themselves, every one, in as many code blocks as they need, so nothing is lost.

    Only words past what 50 blocks can hold (some 140,000 escaped characters) are counted instead of shown.
    """
    return [section(why), *words_blocks(what, room=MESSAGE_BLOCKS - 1)]


def words_blocks(what: str, *, room: int) -> list[Block]:
    """Someone's words, every one, in as many code blocks as they need (at most `room` blocks, then counted)."""
    fence = "```"
    found = t.escaped_pieces(what, SECTION_CHARS - 2 * len(fence))
    shown, left_out = found, ""
    if len(found) > room:
        shown = found[: room - 1]
        missing = sum(len(t.unescape(piece)) for piece in found[room - 1 :])
        left_out = f"…and {missing:,} more characters, too many to show here."
    blocks: list[Block] = [section(f"{fence}{piece}{fence}") for piece in shown]
    return [*blocks, context(left_out)] if left_out else blocks


def flagged_blocks(kind: str, text: str, findings: tuple[Finding, ...], held_id: int, *, strict: bool) -> list[Block]:
    """Ephemeral, the answer to a quick `/share` or `/collab` in which personal data was found: what was found,
    the words marked where, and **Edit** (the form, filled in) or, unless the workspace is strict, **post it**
    anyway. In strict mode the words are given back too, to copy."""
    noun = "share" if kind == "share" else "request"
    found = t.escape(describe(findings))
    marked = f"marked {MARK_OPEN}like this{MARK_CLOSE}"
    if strict:
        said = (
            f"⚠️ *I haven't posted your {noun}: it looks like it holds personal data.* I found {found}, {marked} "
            "below. This workspace doesn't post anything that looks like personal data, so please take it out: "
            "press *Edit* to change it in the form, or copy your words from below."
        )
    else:
        said = (
            f"⚠️ *Before I post your {noun}: it looks like it holds personal data.* I found {found}, {marked} below. "
            "Please take it out, or describe people without naming them (“a Year 7 pupil”, “a parent”). If it "
            "holds no child's or private personal data, you can post it as it is."
        )
    shown = highlighted(text, findings, limit=FLAGGED_CHARS, whole=True)
    blocks: list[Block] = [section(said), *(section(piece) for piece in pieces(shown))]
    buttons = [ButtonElement(text="Edit", action_id=Action.EDIT_FLAGGED, value=str(held_id), style="primary")]
    if strict:
        blocks += [section("Here is what you wrote:"), *words_blocks(text, room=MESSAGE_BLOCKS - len(blocks) - 3)]
    else:
        buttons.append(ButtonElement(text=OVERRIDE_TEXT, action_id=Action.POST_FLAGGED, value=str(held_id)))
    hours = int(HOLD_FOR.total_seconds() // 3600)
    return [
        *blocks,
        ActionsBlock(elements=buttons),
        context(f"Only you can see this. Nothing has been posted; I'll keep your words for {hours} hours."),
    ]
