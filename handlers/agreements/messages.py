"""Block Kit messages for agreements: the channel summary, the requests to confirm, the review nudges, list,
show and help. Pure functions over domain.agreements' records.

All user text goes through `escape` into verbatim mrkdwn (handlers.blocks.section), or into plain text, cut
after escaping so an "&" can never push a text past Slack's limits. The terms are shown whole, over as many
sections as they need, unless together they pass what one message can hold (MESSAGE_TEXT_CHARS); then each
is shortened to its fair share, and a line points to `/agreement export`, which has every word.

The summary and the requests to confirm have **Report a concern** in a ⋯ menu (handlers.report_menu); while a
concern is reviewed (the record's `hidden`) the summary says only that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    OverflowMenuElement,
    PlainTextObject,
)

from domain import agreements as ag
from domain import text as t
from domain.agreements import AGREED, CREDITED, DRAFT, ENDED, OUTCOMES, AgreementRecord, Stage
from domain.words import join_and, mention
from handlers.blocks import (
    MESSAGE_TEXT_CHARS,
    SECTION_CHARS,
    SHORTENED,
    context,
    fair_shares,
    section,
    user_sections,
)
from handlers.ids import Action
from handlers.report_menu import hidden_blocks, hidden_text, report_menu
from storage.concerns import Kind

NAME_CHARS = 120  # an organisation's or contact's name, escaped (100 typed characters and a few &)
TITLE_CHARS = 100  # a title in a sentence

# ---- messages ---------------------------------------------------------------------------------------------------


def summary_text(record: AgreementRecord) -> str:
    if record.hidden:
        return hidden_text(Kind.AGREEMENT)
    return f"Agreement #{record.number}: {t.escaped_within(record.title, 80)} ({record.status})"


def summary_message(record: AgreementRecord, today: dt.date) -> list[Block]:
    """The channel's view of an agreement, kept current as people confirm, change and review it."""
    if record.hidden:
        return hidden_blocks(Kind.AGREEMENT)
    return [*agreement_blocks(record, today), *_actions(record)]


def agreement_blocks(record: AgreementRecord, today: dt.date) -> list[Block]:
    """The agreement in full, and where it stands."""
    terms = [(f"*{party_label(party)}* will:\n", party.responsibility) for party in record.parties]
    terms += [
        ("*Keeping people informed inside our organisations*\n", record.comms_internal),
        ("*Talking about it outside*\n", record.comms_external),
        ("*How each party will be recognised*\n", record.recognition),
    ]
    sizes = [t.escaped_length(text) for _, text in terms]
    rooms = fair_shares(sizes, MESSAGE_TEXT_CHARS - sum(len(heading) for heading, _ in terms))
    shown = [
        user_sections(text, heading=heading, room=room) for (heading, text), room in zip(terms, rooms, strict=True)
    ]
    parties = len(record.parties)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"🤝 Agreement #{record.number}: {t.shorten(record.title, 110)}")),
        section(_status(record)),
        *(block for part in shown[:parties] for block in part),
        section(f"*Dates:* {ag.long_date(record.start_date)} to {ag.long_date(record.end_date)}"),
        *(block for part in shown[parties:] for block in part),
        section(_reviews_line(record, today)),
        context(_confirmations(record), f"Version {record.version}"),
    ]
    if any(size > room for size, room in zip(sizes, rooms, strict=True)):
        blocks.append(context(f"{SHORTENED}: `/agreement export {record.number}` has every word."))
    if any(not p.user_id for p in record.parties) and record.status != ENDED:
        blocks.append(
            context(
                "Organisations outside Slack aren't asked here: send their contact the document from "
                f"`/agreement export {record.number}`."
            )
        )
    return blocks


def party_label(party: ag.Party) -> str:
    """Escaped mrkdwn naming a party (as domain.agreements.party_mrkdwn), with long names shortened."""
    if party.user_id:
        return mention(party.user_id)
    organisation = t.escaped_within(party.organisation or "", NAME_CHARS)
    if not party.contact:  # a party erased since: "a former member"
        return organisation
    return f"{organisation} (contact: {t.escaped_within(party.contact, NAME_CHARS)})"


def parties_line(parties: Sequence[ag.Party], room: int = SECTION_CHARS) -> str:
    """ "Parties: " and as many of them as fit in `room` characters, then how many more."""
    line = "Parties: "
    for index, party in enumerate(parties):
        label = ("" if index == 0 else ", ") + party_label(party)
        if len(line) + len(label) + len(f" and {len(parties) - index - 1} more") > room:
            return f"{line} and {len(parties) - index} more"
        line += label
    return line


def _status(record: AgreementRecord) -> str:
    if record.status == AGREED:
        return "*Status:* ✅ Agreed by everyone"
    if record.status == ENDED:
        return "*Status:* 🏁 Ended"
    return "*Status:* 📝 Draft, waiting for everyone to confirm"


def _confirmations(record: AgreementRecord) -> str:
    done = [f"<@{p.user_id}>" for p in record.parties if p.user_id and p.confirmed]
    waiting = [f"<@{u}>" for u in record.waiting_for]
    said = f"Confirmed by {join_and(done)}" if done else "Nobody has confirmed yet"
    return said + (f"; waiting for {join_and(waiting)}" if waiting and record.status != ENDED else "")


def _reviews_line(record: AgreementRecord, today: dt.date) -> str:
    every = ag.cadence_words(record.review_every_days)
    line = (
        # No "in N days" here: the summary stays in the channel for weeks, and would go stale.
        f"*Next review:* {ag.long_date(record.next_review)}, then {every}"
        if record.next_review
        else "*Reviews:* none to come"
    )
    if record.reviews:
        last = record.reviews[-1]
        line += (
            f"\n_Last review ({ag.short_date(last.review_date, today)}): {OUTCOMES.get(last.outcome, last.outcome)}, "
            f"recorded by {mention(last.recorded_by)}_"
        )
    return line


def _actions(record: AgreementRecord) -> list[Block]:
    menu = report_menu(Kind.AGREEMENT, record.number)
    if record.status == ENDED:
        return [ActionsBlock(elements=[menu])]
    buttons: list[ButtonElement | OverflowMenuElement] = []
    if record.status == DRAFT:
        buttons.append(_confirm_button(record))
    buttons.append(ButtonElement(text="Propose a change", action_id=Action.PROPOSE_CHANGE, value=str(record.number)))
    if record.status == AGREED and record.next_review:
        buttons.append(_review_button(record.number, record.next_review))
    return [ActionsBlock(elements=[*buttons, menu])]


def _confirm_button(record: AgreementRecord) -> ButtonElement:
    return ButtonElement(
        text="Confirm", action_id=Action.CONFIRM_AGREEMENT, value=f"{record.number}:{record.version}", style="primary"
    )


def _review_button(number: int, review_date: dt.date) -> ButtonElement:
    return ButtonElement(
        text="Record review",
        action_id=Action.RECORD_REVIEW,
        value=f"{number}:{review_date.isoformat()}",
        style="primary",
    )


def confirm_request(record: AgreementRecord, intro: str, today: dt.date) -> list[Block]:
    """A message asking a party to confirm the current version (`intro` is escaped mrkdwn)."""
    buttons = [
        _confirm_button(record),
        ButtonElement(text="Propose a change", action_id=Action.PROPOSE_CHANGE, value=str(record.number)),
        report_menu(Kind.AGREEMENT, record.number),
    ]
    return [section(intro), *agreement_blocks(record, today), ActionsBlock(elements=buttons)]


def written_intro(asked_by: str) -> str:
    return f"👋 <@{asked_by}> has written down an agreement with you. Please check it and confirm it's right."


def change_intro(record: AgreementRecord, asked_by: str, note: str) -> str:
    return (
        f"✏️ <@{asked_by}> proposed a change to agreement #{record.number} (now version {record.version}):\n"
        f">{t.escaped_within(' '.join(note.split()), 500)}\nPlease check it and confirm."
    )


def confirmed_blocks(record: AgreementRecord, thanks: str, today: dt.date) -> list[Block]:
    """What a direct message asking to confirm becomes once the person has confirmed (`thanks` is mrkdwn)."""
    return [section(thanks), *agreement_blocks(record, today)]


def show_blocks(record: AgreementRecord, viewer: str, today: dt.date, tz: ZoneInfo) -> list[Block]:
    """`/agreement show N`: the agreement, its history, and for its parties, what they can do. While a concern
    about it is reviewed, only its parties see it."""
    if record.hidden and not record.is_party(viewer):
        return hidden_blocks(Kind.AGREEMENT)
    blocks = agreement_blocks(record, today)
    history = [
        f"• Version {v.version}, {ag.short_date(v.created_at.astimezone(tz).date(), today)}, by {mention(v.changed_by)}"
        + (f": {t.escaped_within(v.note, 150)}" if v.note else "")
        for v in record.versions
    ]
    history += [
        f"• Review of {ag.short_date(r.review_date, today)}: {OUTCOMES.get(r.outcome, r.outcome)}, credited: "
        f"{CREDITED.get(r.credited, r.credited).lower()}, by {mention(r.recorded_by)}"
        for r in record.reviews
    ]
    if history:
        blocks.append(section(_lines("*History*", history, more="more")))
    if record.permalink:
        blocks.append(context(f"{t.link(record.permalink, 'open')} in the channel"))
    if record.is_party(viewer):
        blocks += _actions(record)
    return blocks


def _lines(heading: str, lines: Sequence[str], *, more: str) -> str:
    """A heading and as many whole lines (escaped mrkdwn, never cut: that could break a mention) as fit in a
    section, then how many more there are."""
    kept = [heading]
    for index, line in enumerate(lines):
        if len("\n".join([*kept, line])) + len(f"\n…and {len(lines) - index - 1:,} {more}") > SECTION_CHARS:
            return "\n".join([*kept, f"…and {len(lines) - index:,} {more}"])
        kept.append(line)
    return "\n".join(kept)


def list_blocks(records: Sequence[AgreementRecord], today: dt.date) -> list[Block]:
    if not records:
        return [section("You aren't a party to any agreements yet. Type `/agreement` to write one.")]
    lines = []
    for r in records:
        state = {AGREED: "✅ agreed", DRAFT: "📝 draft", ENDED: "🏁 ended"}.get(r.status, r.status)
        review = f" · next review {ag.short_date(r.next_review, today)}" if r.next_review and r.status != ENDED else ""
        waiting = f" · waiting for {join_and([f'<@{u}>' for u in r.waiting_for])}" if r.status == DRAFT else ""
        lines.append(f"*#{r.number}* {t.escaped_within(r.title, 80)} · {state}{review}{waiting}")
    return [
        section(_lines("*Your agreements*", lines, more="more agreements: `/agreement show` any of them")),
        context("`/agreement show 3` shows one in full; `/agreement export 3` sends it to you as a document."),
    ]


def nudge_blocks(record: AgreementRecord, stage: Stage, today: dt.date) -> list[Block]:
    """A reminder to the channel and each Slack party that a review is coming or overdue."""
    when = f"{ag.short_date(stage.review_date, today)} ({ag.days_away(stage.review_date, today)})"
    title = f"*#{record.number} {t.escaped_within(record.title, TITLE_CHARS)}*"
    if stage.review_date >= today:
        said = f"⏰ Agreement {title} is due for review on {when}."
    else:
        said = f"⏰ The review of agreement {title} was due on {when} and hasn't been recorded yet."
    return [
        section(f"{said}\nIt only takes a couple of minutes: how it's going, and whether everyone has been credited."),
        context(parties_line(record.parties)),
        ActionsBlock(elements=[_review_button(record.number, stage.review_date)]),
    ]


def escalation_blocks(record: AgreementRecord, review_date: dt.date, today: dt.date) -> list[Block]:
    """A champion's heads-up that a review is two weeks overdue."""
    return [
        section(
            f"🔔 The review of agreement *#{record.number} {t.escaped_within(record.title, TITLE_CHARS)}* in "
            f"<#{record.channel_id}> was due on {ag.short_date(review_date, today)} "
            f"({ag.days_away(review_date, today)}) and hasn't been recorded. Could you check in with the parties?"
        ),
        context(parties_line(record.parties)),
    ]


def help_blocks() -> list[Block]:
    return [
        section(
            "*Collaboration agreements*\n"
            "`/agreement` opens a short form to write down who does what, how you'll talk about the work, how "
            "everyone is credited, and when you'll review it. Each person named is asked to confirm.\n"
            "`/agreement list` shows the agreements you are part of.\n"
            "`/agreement show 3` shows agreement #3 in full.\n"
            "`/agreement export 3` sends it to you as a document you can share with partners outside Slack.\n"
            "I'll remind everyone when a review is due."
        )
    ]


def usage_text(word: str) -> str:
    return (
        f"I don't know `/agreement {t.escaped_within(word, 40)}`. Try `/agreement` to write one, "
        "`/agreement list`, `/agreement show 3`, `/agreement export 3` or `/agreement help`."
    )
