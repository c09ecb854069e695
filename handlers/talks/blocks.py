"""Block Kit for `/talks search`: the best matches, shares and requests together, only for the person who asked."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, DividerBlock

from domain import text as t
from domain.records import RequestCard, ShareCard
from domain.words import plural
from handlers.blocks import date_label, section, tags_mrkdwn


def search_results(words: str, hits: Sequence[ShareCard | RequestCard]) -> list[Block]:
    query = t.escaped_within(words, 100)
    if not hits:
        return [
            section(
                f"Nothing found for “{query}”. Try fewer or different words, or be the first: "
                "`/share` what works for you."
            )
        ]
    blocks: list[Block] = [section(f"*{plural(len(hits), 'best match', 'best matches')} for “{query}”*")]
    for hit in hits:
        blocks.append(DividerBlock())
        blocks.append(section(_hit_text(hit)))
    return blocks


def _hit_text(hit: ShareCard | RequestCard) -> str:
    see = f" · {t.link(hit.permalink, 'open')}" if hit.permalink else ""
    when = f" · {date_label(hit.created_at.date())}" if hit.created_at else ""
    if isinstance(hit, ShareCard):
        title = t.escaped_within(hit.title, 140) if hit.title else ""
        body = t.escaped_within(hit.words, 400)  # its tags are shown below
        tags = f"\n{tags_mrkdwn(hit.tags)}" if hit.tags else ""
        heading = f"💡 *{title}*\n" if title else "💡 "
        return f"{heading}{body}{tags}\n_Shared by <@{hit.author_id}>{when}{see}_"
    state = "resolved" if hit.resolved else plural(len(hit.offerers), "offer")
    return f"🤝 {t.escaped_within(hit.body, 400)}\n_Asked by <@{hit.requester_id}>{when} · {state}{see}_"
