"""Block Kit builders: pure functions from plain records to slack_sdk models (which check Slack's limits).

All user text goes through `escape` and into text objects marked verbatim, so nothing a user typed can ping
a channel, mention a person or forge a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from domain import text as t
from domain.records import RequestCard, ShareCard
from handlers.ids import Action, input_id
from handlers.ids import Block as B
from handlers.ids import View as V

TWO_QUESTIONS = (
    "What collaborative opportunities are there?",
    "Is there an opportunity to share any best practice?",
)
CONSENT_VALUE = "no_personal_data"


def mrkdwn(text: str) -> MarkdownTextObject:
    """A mrkdwn text object that Slack will not auto-link or auto-mention (the text must be escaped)."""
    return MarkdownTextObject(text=text, verbatim=True)


def section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(" · ".join(p for p in parts if p))])


def date_label(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _tags(tags: Sequence[str]) -> str:
    return " ".join(f"#{t.escape(tag)}" for tag in tags)


# ---- shares ---------------------------------------------------------------------------------------------


def share_text(card: ShareCard) -> str:
    """The notification text of a posted share (escaped mrkdwn)."""
    what = card.title or t.shorten(card.body, 80)
    return f"Practice share from <@{card.author_id}>: {t.escape(what)}"


def share_message(card: ShareCard) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"💡 {t.shorten(card.title or 'Practice share', 140)}"))
    ]
    if card.impact or card.title:
        blocks.append(section(f"*What we did*\n{t.escape(card.body)}"))
    else:
        blocks.append(section(t.escape(card.body)))
    if card.impact:
        blocks.append(section(f"*What changed for children and young people*\n{t.escape(card.impact)}"))
    if card.link:
        blocks.append(section(f"🔗 {t.link(card.link)}"))
    blocks.append(
        ActionsBlock(
            elements=[
                OverflowMenuElement(
                    action_id=Action.MANAGE_SHARE,
                    options=[
                        Option(text="Edit my share", value=f"edit:{card.id}"),
                        Option(text="Delete my share", value=f"delete:{card.id}"),
                    ],
                )
            ]
        )
    )
    blocks.append(context(f"Shared by <@{card.author_id}>", _tags(card.tags)))
    return blocks


def channel_input() -> InputBlock:
    """Where to post, for forms opened outside a channel (the App Home)."""
    return InputBlock(
        block_id=B.CHANNEL,
        label="Post in",
        element=ConversationSelectElement(
            action_id=input_id(B.CHANNEL),
            default_to_current_conversation=True,
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        ),
    )


def share_modal(channel_metadata: str, prefill: ShareCard | None = None, *, ask_channel: bool = False) -> View:
    """The /share form; with `prefill`, the author's edit form."""
    p = prefill
    blocks = [
        text_input(
            B.TITLE,
            "Title",
            t.MAX_TITLE_CHARS,
            p and p.title,
            "e.g. Texting parents doubled homework club attendance",
        ),
        text_input(B.BODY, "What we did", t.MAX_SHARE_CHARS, p and p.body, "What you tried, and how", multiline=True),
        text_input(
            B.IMPACT,
            "What changed for children and young people",
            t.MAX_IMPACT_CHARS,
            p and p.impact,
            "The difference it made",
            multiline=True,
            optional=True,
        ),
        text_input(
            B.TAGS,
            "Tags",
            200,
            p and ", ".join(p.tags),
            "e.g. attendance, parents, SEN",
            optional=True,
            hint="Separate tags with commas.",
        ),
        text_input(B.LINK, "A link", t.MAX_LINK_CHARS, p and p.link, "https://", optional=True),
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
    ]
    if ask_channel:
        blocks.insert(0, channel_input())
    return View(
        type="modal",
        callback_id=V.EDIT_SHARE if prefill else V.SHARE,
        title="Edit your share" if prefill else "Share practice",
        submit="Save" if prefill else "Share",
        close="Cancel",
        blocks=blocks,
        private_metadata=channel_metadata,
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
                f">{t.escape(t.shorten(card.title or card.body, 200))}"
            )
        ],
        private_metadata=metadata,
    )


# ---- collaboration requests -----------------------------------------------------------------------------


def request_text(card: RequestCard) -> str:
    return f"Collaboration request from <@{card.requester_id}>: {t.escape(t.shorten(card.body, 80))}"


def request_message(card: RequestCard) -> list[Block]:
    title = "✅ Collaboration request (resolved)" if card.resolved else "🤝 Collaboration request"
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=title)), section(t.escape(card.body))]
    blocks.append(
        context(
            f"Asked by <@{card.requester_id}>",
            f"Needed by {date_label(card.needed_by)}" if card.needed_by else "",
        )
    )
    if card.offerers:
        names = ", ".join(f"<@{user}>" for user in card.offerers)
        blocks.append(section(f"🙋 *Offered to help:* {names}"))
    elif not card.resolved:
        blocks.append(section("No offers yet. Could you or your team help?"))
    if not card.resolved:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text="I can help", action_id=Action.OFFER_HELP, value=str(card.id), style="primary"),
                    ButtonElement(text="Mark resolved", action_id=Action.RESOLVE_REQUEST, value=str(card.id)),
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
            f">{t.escape(t.shorten(card.body, 300))}\n\nSend them a message to get started."
        ),
        ActionsBlock(
            elements=[ButtonElement(text="Mark resolved", action_id=Action.RESOLVE_REQUEST, value=str(card.id))]
        ),
    ]


def collab_modal(channel_metadata: str, *, ask_channel: bool = False) -> View:
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
                None,
                "e.g. A youth music charity to co-run a summer project",
                multiline=True,
            ),
            InputBlock(
                block_id=B.NEEDED_BY,
                label="Needed by",
                optional=True,
                element=DatePickerElement(action_id=input_id(B.NEEDED_BY)),
            ),
            *([channel_input()] if ask_channel else []),
        ],
        private_metadata=channel_metadata,
    )


# ---- help, search, failures ----------------------------------------------------------------------------


def help_blocks() -> list[Block]:
    return [
        section(
            "*Programme Talks* helps you share what works with children and young people, and find people to "
            "work with.\n\n"
            "*Share practice*\n"
            "`/share Texting parents doubled homework club attendance #attendance` shares it straight away: "
            "#words become tags and links are kept.\n"
            "`/share` on its own opens a form with a title, what you did, what changed and a link.\n\n"
            "*Ask for collaboration*\n"
            "`/collab Looking for a youth music partner for the summer by 15 June` posts your request with an "
            "*I can help* button. Add “by &lt;date&gt;” if there is a deadline.\n"
            "`/collab` on its own opens a form.\n\n"
            "*Find what others shared*\n"
            "`/talks search attendance parents` shows the best-matching shares and requests, only to you.\n"
            "`/talks help` shows this message."
        ),
        section(
            "*Champions and leaders*\n"
            "`/talks champions` and `/talks leaders` show who they are.\n"
            "`/talks champion @name` and `/talks leader @name` appoint someone (`remove` undoes it). Workspace "
            "admins appoint champions; admins and champions appoint leaders.\n"
            "Leaders highlight a share by reacting to it with ⭐; `/talks highlight-emoji star2` changes the emoji.\n\n"
            "*Digests*\n"
            "`/talks digest here weekly mon 09:00` (or `daily 08:30`) sends this channel a digest of highlights, "
            "new practice and open requests. Add `quiet skip` to skip weeks with nothing new.\n"
            "`/talks digest` shows the schedule; `/talks digest preview` shows it to you now; "
            "`/talks digest now` posts it; `/talks digest off` stops it."
            "\n\n*Collaboration agreements*\n"
            "`/agreement` writes down who does what, how you'll talk about the work and how everyone is credited; "
            "each person named is asked to confirm, and I remind you when a review is due.\n"
            "`/agreement list`, `/agreement show 3`, and `/agreement export 3` for a document to share with "
            "partners outside Slack."
            "\n\n*Events*\n"
            "`/event` invites people and channels to something that already happens: it is posted with *Going* and "
            "*Interested* buttons, and people going get a reminder at 9am the day before. `/event help` says more."
        ),
        section(f"*Two questions to ask every time your team meets*\n• {TWO_QUESTIONS[0]}\n• {TWO_QUESTIONS[1]}"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Share practice", action_id=Action.OPEN_SHARE_MODAL, style="primary"),
                ButtonElement(text="Ask for collaboration", action_id=Action.OPEN_COLLAB_MODAL),
            ]
        ),
    ]


def usage_text(word: str) -> str:
    return (
        f"I don't know `/talks {t.escape(word)}`. Try `/talks search &lt;words&gt;` to find shares and requests, "
        "or `/talks help` to see everything I can do."
    )


def search_results(words: str, hits: Sequence[ShareCard | RequestCard]) -> list[Block]:
    query = t.escape(t.shorten(words, 100))
    if not hits:
        return [
            section(
                f"Nothing found for “{query}”. Try fewer or different words, or be the first: "
                "`/share` what works for you."
            )
        ]
    blocks: list[Block] = [section(f"*{len(hits)} best match{'es' if len(hits) != 1 else ''} for “{query}”*")]
    for hit in hits:
        blocks.append(DividerBlock())
        blocks.append(section(_hit_text(hit)))
    return blocks


def _hit_text(hit: ShareCard | RequestCard) -> str:
    see = f" · {t.link(hit.permalink, 'open')}" if hit.permalink else ""
    when = f" · {date_label(hit.created_at.date())}" if hit.created_at else ""
    if isinstance(hit, ShareCard):
        title = t.escape(t.shorten(hit.title, 140)) if hit.title else ""
        body = t.escape(t.shorten(hit.body, 400))
        tags = f"\n{_tags(hit.tags)}" if hit.tags else ""
        heading = f"💡 *{title}*\n" if title else "💡 "
        return f"{heading}{body}{tags}\n_Shared by <@{hit.author_id}>{when}{see}_"
    state = "resolved" if hit.resolved else f"{len(hit.offerers)} offer{'s' if len(hit.offerers) != 1 else ''}"
    return f"🤝 {t.escape(t.shorten(hit.body, 400))}\n_Asked by <@{hit.requester_id}>{when} · {state}{see}_"


def not_posted_blocks(kind: str, record_id: int, reason: str) -> list[Block]:
    """Ephemeral: it is saved, but could not be posted; with a button to try again."""
    return [
        section(f"✅ Your {kind} is saved, but I couldn't post it here: {reason}. Then press *Try posting again*."),
        ActionsBlock(
            elements=[ButtonElement(text="Try posting again", action_id=Action.RETRY_POST, value=f"{kind}:{record_id}")]
        ),
    ]


def not_saved_blocks(what: str) -> list[Block]:
    """Ephemeral: the database was unreachable; echo the text back so nothing is lost."""
    return [
        section(
            "⚠️ Sorry, I couldn't save that just now, so it has *not* been shared. "
            "Here is what you wrote, so you can copy it and try again in a minute:"
        ),
        section(f"```{t.escape(t.shorten(what, 2900))}```"),
    ]


def notice_view(title: str, text: str) -> View:
    """A modal that only says something (text is ours, mrkdwn-safe), with a Close button."""
    return View(type="modal", title=title, close="Close", blocks=[section(text)])


def home_view() -> View:
    return View(type="home", blocks=help_blocks())


def text_input(
    block: B | str,
    label: str,
    max_length: int,
    initial: str | None,
    placeholder: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=input_id(block),
            multiline=multiline,
            max_length=max_length,
            initial_value=initial or None,
            placeholder=placeholder,
        ),
    )
