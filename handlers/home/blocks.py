"""Block Kit for the Home tab: a pure function of a HomeSnapshot (domain.home), within Slack's 100 blocks.

Each list is one section of lines (a link to each item when it fits), except agreements, one section each so
that an agreement whose review is due carries its own Record review button. Everyone's words are escaped.
At most (with every list full, and the attention and counts of a champion) some 35 blocks: well under 100.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from domain import agreements as ag
from domain import home as h
from domain import text as t
from domain.meetups import GOING, INTERESTED
from domain.words import TWO_QUESTIONS, mentions, plural
from handlers.blocks import HEADER_CHARS, SECTION_CHARS, VIEW_BLOCKS, context, mrkdwn, section, tags_mrkdwn
from handlers.ids import Action

ITEM_CHARS = 200  # of someone's words shown for each item
MOST_NAMED = 5  # people named as offering help on one request, before "and N others"
STATUS = {ag.AGREED: "✅ agreed", ag.DRAFT: "📝 draft, waiting for everyone to confirm"}
ANSWERS = {GOING: "you're going", INTERESTED: "you're interested"}


def home_view(snapshot: h.HomeSnapshot, *, now: dt.datetime, tz: ZoneInfo) -> View:
    today = now.astimezone(tz).date()
    blocks: list[Block] = []
    if snapshot.first_visit:
        blocks.append(section(h.WELCOME))
    blocks.append(_buttons())
    blocks += _requests(snapshot.requests, today, tz)
    blocks += _offered(snapshot.offered)
    blocks += _agreements(snapshot.agreements, today)
    blocks += _meetups(snapshot.meetups, tz)
    if snapshot.attention is not None:
        blocks += _attention(snapshot.attention, now, today, tz)
    if snapshot.recent is not None:
        blocks += _recent(snapshot.recent)
    blocks += [
        DividerBlock(),
        section(f"*Two questions to ask every time your team meets*\n• {TWO_QUESTIONS[0]}\n• {TWO_QUESTIONS[1]}"),
        context(_follows_line(snapshot.follows), "`/talks help` shows everything Programme Talks can do"),
    ]
    assert len(blocks) <= VIEW_BLOCKS
    return View(type="home", blocks=blocks)


def _buttons() -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(text="Share practice", action_id=Action.OPEN_SHARE_MODAL, style="primary"),
            ButtonElement(text="Ask for collaboration", action_id=Action.OPEN_COLLAB_MODAL),
            ButtonElement(text="Write an agreement", action_id=Action.OPEN_AGREEMENT_MODAL),
            ButtonElement(text="Invite to an event", action_id=Action.OPEN_MEETUP_MODAL),
        ]
    )


def _part(title: str, lines: Sequence[str], more: int, empty: str, more_words: str) -> list[Block]:
    """A header, its lines in one section (as many as fit), and a count of the rest."""
    blocks: list[Block] = [_header(title)]
    if not lines:
        return [*blocks, section(empty)]
    shown, left = _fitting(lines)
    blocks.append(section(shown))
    if more + left:
        blocks.append(context(f"…and {plural(more + left, more_words)} more"))
    return blocks


def _requests(requests: h.Counted[h.MyRequest], today: dt.date, tz: ZoneInfo) -> list[Block]:
    lines = []
    for r in requests.items:
        facts = [f"asked {ag.short_date(r.created_at.astimezone(tz).date(), today)}"]
        if r.needed_by:
            facts.append(f"needed by {ag.short_date(r.needed_by, today)}")
        offers = f"🙋 {mentions(list(r.offerers), limit=MOST_NAMED)} offered to help" if r.offerers else "No offers yet"
        lines.append(f"• {t.escaped_within(r.body, ITEM_CHARS)}\n   {_facts(facts, r.permalink)} · {offers}")
    empty = "You have no open requests. *Ask for collaboration* above when you need a partner or help."
    return _part("🤝 Your open requests", lines, requests.more, empty, "open request")


def _offered(offered: h.Counted[h.OfferedRequest]) -> list[Block]:
    lines = []
    for r in offered.items:
        state = "✅ resolved" if r.resolved else "open"
        words = t.escaped_within(r.body, ITEM_CHARS)
        lines.append(f"• <@{r.requester_id}>: {words}\n   {_facts([state], r.permalink)}")
    empty = "You haven't offered to help with a request yet. Requests show an *I can help* button."
    return _part("🙋 Requests you offered to help with", lines, offered.more, empty, "request")


def _agreements(agreements: h.Counted[h.MyAgreement], today: dt.date) -> list[Block]:
    blocks: list[Block] = [_header("📝 Your agreements")]
    if not agreements.items:
        return [*blocks, section("You aren't part of an agreement yet. *Write an agreement* above to start one.")]
    for a in agreements.items:
        facts = [STATUS.get(a.status, a.status)]
        if a.next_review:
            facts.append(f"next review {ag.short_date(a.next_review, today)} ({ag.days_away(a.next_review, today)})")
        text = f"*#{a.number}* {t.escaped_within(a.title, ITEM_CHARS)}\n{_facts(facts, a.permalink)}"
        block = SectionBlock(text=mrkdwn(text))
        if h.review_due(a, today) and a.next_review is not None:
            block.accessory = ButtonElement(
                text="Record review",
                action_id=Action.RECORD_REVIEW,
                value=f"{a.number}:{a.next_review.isoformat()}",
                style="primary",
            )
        blocks.append(block)
    if agreements.more:
        blocks.append(context(f"…and {plural(agreements.more, 'agreement')} more: `/agreement list` shows them all"))
    return blocks


def _meetups(meetups: h.Counted[h.MyMeetup], tz: ZoneInfo) -> list[Block]:
    lines = []
    for m in meetups.items:
        answer = ANSWERS.get(m.answer or "", "you're invited" if m.invited else "")
        facts = [_moment(m.starts_at, tz), t.escaped_within(m.place, 100), answer]
        lines.append(f"• *{t.escaped_within(m.title, ITEM_CHARS)}*\n   {_facts(facts, m.permalink)}")
    empty = "No events coming up for you. *Invite to an event* above to bring people to something you run."
    return _part("📅 Your upcoming events", lines, meetups.more, empty, "event")


def _attention(attention: h.Attention, now: dt.datetime, today: dt.date, tz: ZoneInfo) -> list[Block]:
    blocks: list[Block] = [_header("🔔 Needs attention")]
    if attention.empty:
        return [*blocks, section("Nothing needs attention right now. 🎉")]
    if attention.unanswered:
        lines = [
            f"• <@{r.requester_id}>: {t.escaped_within(r.body, ITEM_CHARS)}\n"
            f"   {_facts([f'{(now - r.created_at).days} days without an offer'], r.permalink)}"
            for r in attention.unanswered
        ]
        over = attention.more_unanswered_past_count
        blocks += _titled("*Requests nobody has offered on*", lines, attention.more_unanswered, "request", over=over)
    if attention.overdue:
        lines = [
            f"• *#{r.number}* {t.escaped_within(r.title, ITEM_CHARS)}: review was due "
            f"{ag.short_date(r.next_review, today)} ({ag.days_away(r.next_review, today)})"
            for r in attention.overdue
        ]
        blocks += _titled("*Agreement reviews overdue*", lines, attention.more_overdue, "agreement")
    if attention.failed:
        lines = [_failed_line(f, today, tz) for f in attention.failed]
        blocks += _titled("*Channels whose digest was not delivered*", lines, 0, "channel")
    return blocks


def _failed_line(failed: h.FailedDigest, today: dt.date, tz: ZoneInfo) -> str:
    channel, why = f"<#{failed.channel_id}>", t.escape(failed.error or "not delivered")
    if failed.paused_schedule is None:
        return f"• {channel}: {why}, {_moment(failed.scheduled_for, tz)}"
    since = ag.short_date(failed.scheduled_for.astimezone(tz).date(), today)
    restart = t.escape(f"/talks digest here {failed.paused_schedule}")
    return f"• {channel}: paused since {since}: {why}. To start it again, type `{restart}` in it"


def _titled(title: str, lines: Sequence[str], more: int, noun: str, *, over: bool = False) -> list[Block]:
    shown, left = _fitting(lines, SECTION_CHARS - len(title) - 1)
    blocks: list[Block] = [section(f"{title}\n{shown}")]
    if more + left:
        blocks.append(context(f"…and {'over ' if over else ''}{plural(more + left, noun)} more"))
    return blocks


def _recent(recent: h.RecentCounts) -> list[Block]:
    counts = [
        (recent.shares, plural(recent.shares, "share").split(" ", 1)[1]),
        (recent.requests, plural(recent.requests, "request").split(" ", 1)[1]),
        (recent.offers, plural(recent.offers, "offer").split(" ", 1)[1] + " of help"),
        (recent.resolved, plural(recent.resolved, "request").split(" ", 1)[1] + " resolved"),
        (recent.highlights, plural(recent.highlights, "highlight").split(" ", 1)[1]),
        (recent.agreements, plural(recent.agreements, "agreement").split(" ", 1)[1] + " written"),
        (recent.meetups, plural(recent.meetups, "event").split(" ", 1)[1] + " held"),
    ]
    return [
        _header("📊 The last 4 weeks"),
        SectionBlock(fields=[mrkdwn(f"*{number:,}* {words}") for number, words in counts]),
    ]


def _follows_line(follows: Sequence[str]) -> str:
    if not follows:
        return "Follow tags to hear of new practice and requests once a day: `/talks follow #send`"
    return f"You follow {tags_mrkdwn(follows)} (`/talks unfollow #tag` to stop)"


# ---- pieces -----------------------------------------------------------------------------------------------------


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=t.shorten(text, HEADER_CHARS), emoji=True))


def _fitting(lines: Sequence[str], room: int = SECTION_CHARS) -> tuple[str, int]:
    """Already-escaped lines, as many as fit in `room` characters, and how many did not."""
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > room:
            break
        kept.append(line)
    return "\n".join(kept), len(lines) - len(kept)


def _facts(parts: Sequence[str], permalink: str | None) -> str:
    shown = [part for part in parts if part]
    if permalink:
        shown.append(t.link(permalink, "open"))
    return "_" + " · ".join(shown) + "_"


def _moment(moment: dt.datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"
