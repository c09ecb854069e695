"""Block Kit for following tags and for matching: what `/talks follow` says, the practice suggested to a request's
author, the note to a requester that new practice may help, and the daily bundle of followed tags. Pure
functions; everyone's words are escaped."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from domain import text as t
from domain.records import RequestCard, ShareCard
from domain.words import join_and, mentions, plural
from handlers.blocks import context, section, tags_mrkdwn
from storage.follows import Bundle, BundleItem

WORDS_CHARS = 300  # of someone's words shown for each share or request


def follows_text(follows: Sequence[str]) -> str:
    if not follows:
        return (
            "You don't follow any tags yet. `/talks follow #send #youth-voice` sends you, once a day, new shares "
            "and requests tagged with them."
        )
    return (
        f"You follow {tags_mrkdwn(follows)}. New shares and requests with these tags reach you once a day. "
        "`/talks unfollow #tag` stops one."
    )


def followed_text(added: Sequence[str], already: Sequence[str], follows: Sequence[str], *, full: bool) -> str:
    said = []
    if added:
        said.append(f"✅ You now follow {tags_mrkdwn(added)}.")
    if already:
        said.append(f"You already followed {tags_mrkdwn(already)}.")
    if full:
        said.append("You follow as many tags as you can: `/talks unfollow #tag` to make room.")
    if set(follows) <= {*added, *already}:  # nothing else is followed: the tags need not be listed again
        these = "it" if len(follows) == 1 else "these tags"
        said.append(f"New shares and requests with {these} reach you once a day. `/talks unfollow #tag` stops one.")
        return " ".join(said)
    return " ".join([*said, follows_text(follows).replace("You follow ", "Altogether you follow ", 1)])


def unfollowed_text(removed: Sequence[str], absent: Sequence[str], follows: Sequence[str]) -> str:
    said = []
    if removed:
        said.append(f"✅ You no longer follow {tags_mrkdwn(removed)}.")
    if absent:
        said.append(f"You weren't following {tags_mrkdwn(absent)}.")
    return " ".join([*said, follows_text(follows)])


def practice_text(request: RequestCard) -> str:
    return "Practice that may help with your collaboration request"


def practice_blocks(request: RequestCard, shares: Sequence[ShareCard]) -> list[Block]:
    """Only to a request's author, after it is posted: earlier shares that match it, and who shared them."""
    blocks: list[Block] = [
        section(
            f"💡 *Practice that may help* with your request{_see(request.permalink, 'see the request')}:\n"
            f">{t.escaped_within(request.body, 200)}"
        )
    ]
    blocks += [section(_share_line(share)) for share in shares]
    authors = list(dict.fromkeys(share.author_id for share in shares))
    blocks.append(
        context(
            f"{mentions(authors)} {'has' if len(authors) == 1 else 'have'} done something like this: "
            "why not ask them how it went? Only you can see this."
        )
    )
    return blocks


def helped_text(share: ShareCard) -> str:
    return "New practice that may help with your collaboration request"


def helped_blocks(share: ShareCard, request: RequestCard) -> list[Block]:
    """To a request's author: a new share matches their open request (once per pair)."""
    return [
        section(
            f"💡 *New practice that may help* with your request{_see(request.permalink, 'see the request')}:\n"
            f">{t.escaped_within(request.body, 200)}"
        ),
        section(_share_line(share)),
        context(f"<@{share.author_id}> has just shared this: why not ask them about it?"),
    ]


def bundle_text(bundle: Bundle) -> str:
    return f"New for the tags you follow: {plural(len(bundle.items) + bundle.more, 'new post')}"


def bundle_blocks(bundle: Bundle) -> list[Block]:
    """The daily message of new shares and requests with the tags someone follows."""
    tags = sorted({tag for item in bundle.items for tag in item.tags})
    blocks: list[Block] = [section(f"🔖 *New for the tags you follow* ({tags_mrkdwn(tags)})")]
    blocks += [section(_item_line(item)) for item in bundle.items]
    if bundle.more:
        blocks.append(context(f"…and {bundle.more} more: `/talks search` finds them"))
    blocks.append(context("`/talks follow` shows the tags you follow; `/talks unfollow #tag` stops one."))
    return blocks


def _share_line(share: ShareCard) -> str:
    title = t.escaped_within(share.title or share.words, 140)  # its tags are shown below
    words = f"\n{t.escaped_within(share.body, WORDS_CHARS)}" if share.title else ""
    tags = f" · {tags_mrkdwn(share.tags)}" if share.tags else ""
    return f"• *{title}*{words}\n_Shared by <@{share.author_id}>{tags}{_see(share.permalink, 'open', sep=' · ')}_"


def _item_line(item: BundleItem) -> str:
    what = "💡 Practice shared" if item.kind == "share" else "🤝 Collaboration request"
    words = t.escaped_within(item.words, WORDS_CHARS)
    tags = join_and([f"#{t.escape(tag)}" for tag in item.tags])
    return f"• {what} by <@{item.author_id}>: {words}\n_{tags}{_see(item.permalink, 'open', sep=' · ')}_"


def _see(permalink: str | None, label: str, *, sep: str = " (") -> str:
    if not permalink:
        return ""
    return f"{sep}{t.link(permalink, label)}" + (")" if sep == " (" else "")
