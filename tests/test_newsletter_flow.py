"""The champions' monthly newsletter, end to end over signed HTTP: drafted only for them, introduced in their words,
published within Slack's limits (with charts and a canvas), downloaded as HTML and Markdown, drafted on a schedule
without ever being published unreviewed, and naming only the people who agreed."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.delivery.fanout import Fanout
from bot.delivery.newsletters import NewsletterDrafts
from bot.devkit.slack_state import blocks_problem
from domain import newsletter as nl
from handlers.ids import Action, Block, View
from handlers.newsletter import blocks
from handlers.publish import Posted, post_message
from storage import ledger
from storage import shares as ss
from storage.ledger import Kind, Status
from storage.models import NewsletterDraft, NewsletterSettings, Share
from storage.newsletters import Draft
from tests.helpers import all_text
from tests.helpers.newsletter import (
    ACHIEVED,
    ADMIN,
    AGREEMENT,
    AMIRA,
    BEN,
    CHLOE,
    FORUM,
    HALL,
    HOMEWORK,
    MENTORS,
    MUSIC,
    NEWS,
    PRACTICE,
    RECOGNITION,
    STAFF,
    alt_texts,
    at,
    command,
    context_lines,
    drafts,
    november,
    outline,
    people,
    png_size,
    roles,
    settle,
    uploads,
)

NOVEMBER = "Programme Talks newsletter, November 2026"
AT_A_GLANCE = (
    "1 highlight from leaders, 2 practice shares, 2 collaborations that found a partner, 1 agreement started, "
    "1 review completed and 1 event (2 people went)."
)
SECTIONS = [
    (f"📰 {NOVEMBER}", []),
    ("Leaders’ highlights", [MENTORS]),
    ("Practice shared this month", [HOMEWORK, "Family hub drop-in at the library #family"]),  # most appreciated first
    ("Collaborations that found a partner", [HALL, MUSIC]),  # in the order their first offer came
    ("Agreements started", [AGREEMENT]),
    ("Agreement reviews completed", [f"Review of “{AGREEMENT}”"]),
    ("Events", [FORUM]),
]
DRAFTED = (
    "📰 I've drafted the newsletter for November 2026, the month just gone. It's in our direct messages, where only "
    "you can see it: add an introduction if you like, then *Publish* it in a channel, or *Download* it for an email."
)


def draft_november(sandbox, clock, user: str = CHLOE) -> list[dict]:
    """The scripted November, then its champion's `/talks newsletter` on 2 December: the draft's messages."""
    november(sandbox, clock)
    clock.set(at(12, 2))
    assert command(sandbox, user, "/talks", "newsletter") == DRAFTED
    return drafts(sandbox, user)


def publish(sandbox, head: dict, channel: str = NEWS, user: str = CHLOE) -> dict:
    """Press Publish on a draft and choose a channel; the form as it opened."""
    opened = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.click(head, Action.NEWSLETTER_PUBLISH, user=user, channel=f"D{CHLOE}")
    form = sandbox.slack.wait_for("views.open", count=opened + 1)[-1].args["view"]
    reply = sandbox.sim.submit(form, {Block.CHANNEL: channel}, user=user)
    assert reply.status == 200 and reply.body == "", reply.body
    settle(sandbox, timeout=30)
    return form


def told(sandbox, user: str = CHLOE) -> str:
    return all_text(sandbox.slack.messages(user)[-1]["blocks"])


def stored_drafts(sandbox) -> list[NewsletterDraft]:
    with sandbox.sessions() as session:
        return list(session.scalars(select(NewsletterDraft).order_by(NewsletterDraft.id)))


# ---- what a draft holds --------------------------------------------------------------------------------------------


def test_a_champions_draft_holds_exactly_what_happened_in_the_month_naming_only_those_who_agreed(sandbox, clock):
    head, *items = draft_november(sandbox, clock)
    shown = all_text(head["blocks"])
    assert head["text"] == "Draft newsletter for November 2026: only you can see it"
    assert (
        f"📝 Draft: {NOVEMBER}\nOnly you can see this draft. Nothing is published until you press *Publish*." in shown
    )
    assert f"*At a glance:* {AT_A_GLANCE}" in shown
    assert (
        "*Practice shared this month* (2)\n• Homework club texts\n• Family hub drop-in at the library #family\n"
        "*Collaborations that found a partner* (2)\n"
        f"• {HALL}\n• {MUSIC}"
    ) in shown
    assert shown.endswith("Edit introduction\nPublish\nDownload")  # every item is below: no Show it all
    assert outline(items) == SECTIONS
    # Amira ticked "You may name me"; Ben, Chloe, Leo and Dev did not: Dev's organisation comes from his profile.
    assert context_lines(items) == [
        "Test Team",
        "Shared by Amira Khan · highlighted by a colleague",
        "Shared by a colleague · 2 appreciations",  # Dev's and Sam's; Ben's own is not counted
        "Shared by a colleague · 1 appreciation",
        "Asked by a colleague · help offered by a colleague from Northside Youth Service",
        "Asked by a colleague · help offered by a colleague",
        "Between a colleague from Northside Youth Service, Riverside Trust and a colleague",
        "Outcome: On track · every party credited as agreed: Yes, every party",
        "Thursday 19 November 2026 · 2 people went",
    ]
    words = all_text([b for m in items for b in m["blocks"]])
    assert f"*How every party is credited*\n{RECOGNITION}" in words
    assert f"*What has been achieved*\n{ACHIEVED}" in words
    assert "*Impact, in their own words*\nTwice as many came." in words
    for left_out in ("October share", "December share", "online safety", "Ben Ortiz", "Chloe Adams", "Dev Patel"):
        assert left_out not in words + all_text(head["blocks"])
    assert [(d.month, d.channel_id, d.introduction, d.published_at) for d in stored_drafts(sandbox)] == [
        (dt.date(2026, 11, 1), PRACTICE, None, None)
    ]


def test_with_names_on_everyone_is_named_with_their_organisation(sandbox, clock):
    november(sandbox, clock)
    assert command(sandbox, CHLOE, "/talks", "newsletter names on") == (
        "Sorry, only workspace owners and admins can choose who newsletters and reports name. Nothing has changed."
    )
    assert (
        command(sandbox, ADMIN, "/talks", "newsletter names on")
        == "✅ Done: newsletters and reports now name everyone."
    )
    clock.set(at(12, 2))
    command(sandbox, CHLOE, "/talks", "newsletter 2026-11")
    _, *items = drafts(sandbox, CHLOE)
    assert context_lines(items)[1:7] == [
        "Shared by Amira Khan · highlighted by Leo Grant",
        "Shared by Ben Ortiz · 2 appreciations",
        "Shared by Ben Ortiz · 1 appreciation",
        "Asked by Chloe Adams · help offered by Dev Patel from Northside Youth Service",
        "Asked by Ben Ortiz · help offered by Amira Khan",
        "Between Chloe Adams, Dev Patel and Riverside Trust",
    ]
    assert command(sandbox, ADMIN, "/talks", "newsletter names off") == (
        "✅ Done: newsletters and reports now name only authors who agreed on their share."
    )


def test_from_the_25th_the_newsletter_is_this_month_so_far(sandbox, clock):
    people(sandbox)
    roles(sandbox)
    clock.set(at(11, 25, 9))
    command(sandbox, AMIRA, "/share", "Breakfast club before exams")
    assert command(sandbox, CHLOE, "/talks", "newsletter").startswith(
        "📰 I've drafted the newsletter for November 2026 so far, since it's the 25th. It's in our direct messages"
    )
    _, *items = drafts(sandbox, CHLOE)
    assert outline(items)[2] == ("Practice shared this month", ["Breakfast club before exams"])
    clock.set(at(11, 24, 9))
    assert command(sandbox, CHLOE, "/talks", "newsletter").startswith(
        "📰 I've drafted the newsletter for October 2026, the month just gone."
    )


# ---- bad input and people who may not -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2026-13", "There isn't a month 13: please give a month from 01 to 12, like 2026-11. Nothing has changed."),
        (
            "2027-01",
            "January 2027 hasn't started yet: please choose November 2026 or an earlier month. Nothing has changed.",
        ),
        ("soon", "Please give the month as the year and month, like 2026-11. Nothing has changed."),
        (
            "schedule here monthly 31 09:00",
            (
                "Please choose a day from 1 to 28, so that every month has it, or a weekday like “last-friday”, for "
                'example "monthly first-monday 09:00". Nothing has changed.'
            ),
        ),
    ],
)
def test_a_bad_or_future_month_or_schedule_is_refused_kindly_and_nothing_changes(sandbox, typed, said):
    people(sandbox)
    roles(sandbox)
    assert command(sandbox, CHLOE, "/talks", f"newsletter {typed}") == said
    assert stored_drafts(sandbox) == []
    with sandbox.sessions() as session:
        assert session.scalars(select(NewsletterSettings)).all() == []
    assert [m["text"] for m in sandbox.slack.messages(CHLOE) if "newsletter" in m["text"].lower()] == []


def test_staff_can_neither_draft_nor_publish_and_nothing_changes(sandbox, clock):
    head, *_ = draft_november(sandbox, clock)
    assert command(sandbox, STAFF, "/talks", "newsletter") == (
        "Sorry, only workspace owners, admins and Programme Talks champions can draft the newsletter. "
        f"The champion is <@{CHLOE}>. Nothing has changed."
    )
    assert [m for m in sandbox.slack.messages(STAFF) if "newsletter" in m["text"].lower()] == []
    publish(sandbox, head, user=STAFF)  # a draft's button pressed by someone who is not a champion
    assert told(sandbox, STAFF) == (
        "Sorry, only workspace owners, admins and Programme Talks champions can publish the newsletter. "
        f"The champion is <@{CHLOE}>. Nothing has changed."
    )
    assert sandbox.slack.messages(NEWS) == [] and sandbox.slack.canvases() == []
    assert uploads(sandbox, NEWS, ".png") == []
    assert [d.published_at for d in stored_drafts(sandbox)] == [None]


# ---- publishing ------------------------------------------------------------------------------------------------------


def test_publishing_posts_every_item_within_slacks_limits_with_charts_and_a_canvas(sandbox, clock):
    head, *items = draft_november(sandbox, clock)
    form = publish(sandbox, head)
    picker = next(b for b in form["blocks"] if b.get("block_id") == Block.CHANNEL)
    assert (form["callback_id"], picker["element"]["initial_conversation"]) == (View.NEWSLETTER_PUBLISH, PRACTICE)
    published = sandbox.slack.messages(NEWS)
    assert [m["text"] for m in published] == [NOVEMBER]
    assert outline(published) == SECTIONS and context_lines(published) == context_lines(items)
    assert all(len(m["blocks"]) <= 50 and text_chars(m) <= 12_000 for m in published)
    charts = uploads(sandbox, NEWS, ".png")
    assert [(f["filename"], png_size(f["content"])) for f in charts] == [
        ("programme-talks-activity.png", (1200, 600)),
        ("programme-talks-time-to-help.png", (1200, 600)),
    ]
    alts = alt_texts(sandbox)
    assert alts["programme-talks-activity.png"] == (
        "Activity per month, December 2025 to November 2026: shares rose from 0 to 3 (4 in all, most in November "
        "2026 with 3); requests rose from 0 to 2 (3 in all, most in November 2026 with 2); offers of help rose from "
        "0 to 2 (2 in all, most in November 2026 with 2); no collaborations resolved."
    )
    assert alts["programme-talks-time-to-help.png"].startswith(
        "Median days for a request to find help, December 2025 to November 2026: "
    )
    [canvas] = sandbox.slack.canvases()
    assert (canvas["title"], canvas["channel_id"]) == (NOVEMBER, NEWS)
    assert canvas["markdown"].startswith(f"# Test Team: {NOVEMBER}\n\n**At a glance:** {AT_A_GLANCE}\n\n")
    assert (
        f"## Leaders’ highlights\n\n### {MENTORS}\n\n*Shared by Amira Khan · highlighted by a colleague*"
        in (canvas["markdown"])
    )
    assert told(sandbox) == (
        f"✅ Published November 2026's newsletter in <#{NEWS}>: 1 message and 2 charts. It's a canvas in <#{NEWS}> too."
    )
    [updated] = [c for c in sandbox.slack.calls_to("chat.update") if c.args["channel"] == f"D{CHLOE}"]
    assert f"✅ Published in <#{NEWS}> by <@{CHLOE}> on 2 December 2026." in all_text(updated.args["blocks"])
    assert [(d.published_channel, d.published_by) for d in stored_drafts(sandbox)] == [(NEWS, CHLOE)]


def text_chars(value: object) -> int:
    """All the text in a message's blocks (every "text" string, however deep), as Slack counts it."""
    if isinstance(value, list):
        return sum(text_chars(item) for item in value)
    if not isinstance(value, dict):
        return 0
    return sum(len(v) if k == "text" and isinstance(v, str) else text_chars(v) for k, v in value.items())


def test_a_long_month_is_split_between_items_each_message_within_slacks_limits(sandbox, clock):
    people(sandbox)
    roles(sandbox)
    clock.set(at(11, 2))
    long_words = ("Parents & carers <said> the club helped & more " * 60)[:2400]
    with sandbox.sessions.begin() as session:
        for number in range(30):
            ss.add_share(
                session,
                team_id="T0001",
                author_id=AMIRA,
                channel_id=PRACTICE,
                body=long_words,
                title=f"Share number {number:02d}",
                impact=long_words[:1800],
                now=at(11, 2, 9, number),
            )
    clock.set(at(12, 2))
    command(sandbox, CHLOE, "/talks", "newsletter")
    head, *_ = drafts(sandbox, CHLOE)
    publish(sandbox, head)
    published = sandbox.slack.messages(NEWS)
    count = len(published)
    assert count >= 3
    assert [m["text"] for m in published] == [NOVEMBER] + [f"{NOVEMBER} ({n} of {count})" for n in range(2, count + 1)]
    for number, message in enumerate(published[1:], start=2):
        assert message["blocks"][0]["elements"][0]["text"] == f"📰 {NOVEMBER}, continued ({number} of {count})"
    assert all(len(m["blocks"]) <= 50 and text_chars(m) <= 12_000 for m in published)
    shares = dict(outline(published))["Practice shared this month"]
    assert shares == [f"Share number {n:02d}" for n in range(30)]  # each once, whole, in order
    for message in published[:-1]:  # a section's heading never ends a message
        assert message["blocks"][-1]["type"] != "header"
    assert told(sandbox) == (
        f"✅ Published November 2026's newsletter in <#{NEWS}>: {count} messages and 2 charts. "
        f"It's a canvas in <#{NEWS}> too."
    )


def test_where_the_workspace_does_not_allow_canvases_it_is_published_in_messages_only(sandbox, clock):
    head, *_ = draft_november(sandbox, clock)
    sandbox.slack.fail("canvases.create", error="not_allowed")
    publish(sandbox, head)
    assert [m["text"] for m in sandbox.slack.messages(NEWS)] == [NOVEMBER]
    assert sandbox.slack.canvases() == []
    assert told(sandbox) == (
        f"✅ Published November 2026's newsletter in <#{NEWS}>: 1 message and 2 charts. "
        "Your workspace doesn't allow canvases, so it's in messages only."
    )


# ---- the introduction and the download ----------------------------------------------------------------------------


def test_the_introduction_is_kept_shown_in_the_draft_and_refused_with_personal_data(sandbox, clock):
    head, *_ = draft_november(sandbox, clock)
    sandbox.sim.click(head, Action.NEWSLETTER_EDIT_INTRO, user=CHLOE, channel=f"D{CHLOE}")
    form = sandbox.slack.wait_for("views.open", where=lambda c: c.args["view"]["callback_id"] == View.NEWSLETTER_INTRO)
    form = form[-1].args["view"]
    refused = sandbox.sim.submit(form, {Block.NEWSLETTER_INTRO: "Thanks to Jamie, 14, for his help"}, user=CHLOE)
    assert refused.json() == {
        "response_action": "errors",
        "errors": {
            Block.NEWSLETTER_INTRO: "The newsletter goes beyond Slack: please take out a name next to an age "
            "(“Jamie, 14”)."
        },
    }
    words = "Welcome to November's round-up & thank you <all> for sharing."
    assert sandbox.sim.submit(form, {Block.NEWSLETTER_INTRO: words}, user=CHLOE).body == ""
    settle(sandbox)
    assert [d.introduction for d in stored_drafts(sandbox)] == [words]
    [updated] = [c for c in sandbox.slack.calls_to("chat.update") if c.args["ts"] == head["ts"]]
    assert "*Introduction*\nWelcome to November's round-up &amp; thank you &lt;all&gt; for sharing." in all_text(
        updated.args["blocks"]
    )
    sandbox.sim.click(head, Action.NEWSLETTER_EDIT_INTRO, user=CHLOE, channel=f"D{CHLOE}")
    again = sandbox.slack.wait_for(
        "views.open", count=2, where=lambda c: c.args["view"]["callback_id"] == View.NEWSLETTER_INTRO
    )
    prefilled = next(b for b in again[-1].args["view"]["blocks"] if b.get("block_id") == Block.NEWSLETTER_INTRO)
    assert prefilled["element"]["initial_value"] == words


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.images: list[dict] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        self._in_h2 = tag == "h2"
        if self._in_h2:
            self.h2.append("")

    def handle_endtag(self, tag):
        self._in_h2 = False if tag == "h2" else self._in_h2

    def handle_data(self, data):
        if self._in_h2:
            self.h2[-1] += data


def test_download_sends_the_champion_html_with_every_section_and_its_charts_and_markdown(sandbox, clock):
    head, *_ = draft_november(sandbox, clock)
    sandbox.sim.click(head, Action.NEWSLETTER_DOWNLOAD, user=CHLOE, channel=f"D{CHLOE}")
    settle(sandbox, timeout=30)
    [html] = uploads(sandbox, f"D{CHLOE}", ".html")
    [markdown] = uploads(sandbox, f"D{CHLOE}", ".md")
    assert (html["filename"], markdown["filename"]) == (
        "programme-talks-newsletter-2026-11.html",
        "programme-talks-newsletter-2026-11.md",
    )
    page = Page()
    page.feed(html["content"].decode())
    page.close()
    assert page.h2 == [heading for heading, _ in nl.SECTIONS.values()] + [nl.CHARTS_HEADING, nl.CLOSING_HEADING]
    assert [image["src"][:22] for image in page.images] == ["data:image/png;base64,"] * 2
    assert all(image["alt"].startswith(("Activity per month", "Median days")) for image in page.images)
    text = markdown["content"].decode()
    assert f"**At a glance:** {AT_A_GLANCE}" in text and "*Shared by a colleague · 2 appreciations*" in text
    assert text.endswith(f"## {nl.CLOSING_HEADING}\n\n- {nl.QUESTIONS[0]}\n- {nl.QUESTIONS[1]}\n")
    assert "Ben Ortiz" not in text and "Ben Ortiz" not in html["content"].decode()


# ---- the share form's consent ----------------------------------------------------------------------------------------


def test_the_share_form_asks_whether_to_name_its_author_and_the_edit_form_remembers(sandbox, clock):
    people(sandbox)
    sandbox.sim.command("/share", "", user=AMIRA, channel=PRACTICE)
    form = sandbox.slack.wait_for("views.open")[-1].args["view"]
    box = next(b for b in form["blocks"] if b.get("block_id") == Block.NAME_CONSENT)
    assert (box["optional"], box["element"]["options"][0]["text"]["text"]) == (
        True,
        "You may name me in newsletters outside Slack",
    )
    values = {Block.TITLE: MENTORS, Block.BODY: "Older students met new starters.", Block.CONSENT: True}
    assert sandbox.sim.submit(form, values | {Block.NAME_CONSENT: True}, user=AMIRA).body == ""
    settle(sandbox)
    with sandbox.sessions() as session:
        assert session.scalars(select(Share.name_outside_slack)).all() == [True]
    message = sandbox.slack.messages(PRACTICE)[-1]
    sandbox.sim.click(message, Action.MANAGE_SHARE, user=AMIRA, channel=PRACTICE, option="edit")
    editing = sandbox.slack.wait_for("views.open", count=2)[-1].args["view"]
    box = next(b for b in editing["blocks"] if b.get("block_id") == Block.NAME_CONSENT)
    assert box["element"]["initial_options"] == box["element"]["options"]
    assert sandbox.sim.submit(editing, values | {Block.NAME_CONSENT: False}, user=AMIRA).body == ""
    settle(sandbox)
    with sandbox.sessions() as session:
        assert session.scalars(select(Share.name_outside_slack)).all() == [False]


# ---- the schedule -------------------------------------------------------------------------------------------------


def test_a_scheduled_newsletter_is_drafted_for_each_champion_and_never_published(sandbox, clock):
    november(sandbox, clock)
    clock.set(at(11, 30))
    assert command(sandbox, CHLOE, "/talks", "newsletter schedule here monthly first-monday 09:00") == (
        "✅ Done: the newsletter will be drafted on the first Monday of every month at 09:00 (UK time) "
        "and sent to the champions to review. The next is on Monday 7 December, for November 2026. Nothing is "
        "published until one of them presses *Publish*."
    )
    command(sandbox, "U_ADMIN", "/talks", f"champion <@{BEN}>")
    duty = NewsletterDrafts(sandbox.sessions, sandbox.settings.tz)
    assert duty.due(at(12, 7, 8, 59)).planned == []
    due = duty.due(at(12, 7, 9))
    assert sorted((p.kind, p.target, p.key) for p in due.planned) == [
        (Kind.NEWSLETTER_DRAFT, BEN, "2026-11"),
        (Kind.NEWSLETTER_DRAFT, CHLOE, "2026-11"),
    ]
    with sandbox.sessions.begin() as session:
        [message, same] = duty.compose(session, due.planned, at(12, 7, 9), {})
    assert message is same  # composed once for the workspace
    shown = all_text(message.blocks)
    assert message.text == "Draft newsletter for November 2026: only you can see it"
    assert f"*At a glance:* {AT_A_GLANCE}" in shown
    assert shown.endswith(
        "Press *Show it all* to read every item here. Two charts go with it when it's published and in "
        "the download: activity, and days to find help.\nEdit introduction\nPublish\nDownload\nShow it all"
    )
    assert [(d.month, d.channel_id, d.published_at) for d in stored_drafts(sandbox)] == [
        (dt.date(2026, 11, 1), PRACTICE, None)
    ]
    # Posted as the scheduler posts it, its Show it all button brings every item below it, for that champion only.
    posted = post_message(sandbox.client, CHLOE, message.blocks, message.text, permalink=False)
    assert isinstance(posted, Posted)
    [draft] = [m for m in sandbox.slack.messages(CHLOE) if m["ts"] == posted.ts]
    sandbox.sim.click(draft, Action.NEWSLETTER_SHOW, user=CHLOE, channel=f"D{CHLOE}")
    settle(sandbox)
    assert outline(drafts_after(sandbox, draft)) == SECTIONS
    assert sandbox.slack.messages(NEWS) == [] and sandbox.slack.canvases() == []
    assert [m for m in sandbox.slack.messages(BEN) if m["text"].startswith(NOVEMBER)] == []


def test_the_scheduler_sends_each_champion_the_draft_once_and_publishes_nothing(sandbox, clock):
    november(sandbox, clock)
    clock.set(at(11, 30))
    command(sandbox, CHLOE, "/talks", "newsletter schedule here monthly first-monday 09:00")
    duty = NewsletterDrafts(sandbox.sessions, sandbox.settings.tz)
    pipeline = Fanout(sandbox.sessions, sandbox.client, [duty], workers=4)
    assert pipeline.deliver(duty.due(at(12, 7, 9)).planned, at(12, 7, 9)) == [
        f"posted newsletter draft to {CHLOE} 2026-11"
    ]
    assert duty.due(at(12, 7, 10)).planned == []  # the ledger has it: never twice
    [draft] = [m for m in sandbox.slack.messages(CHLOE) if m["text"].startswith("Draft newsletter for November 2026")]
    sandbox.sim.click(draft, Action.NEWSLETTER_SHOW, user=CHLOE, channel=f"D{CHLOE}")
    settle(sandbox)
    assert outline(drafts_after(sandbox, draft)) == SECTIONS
    assert sandbox.slack.messages(PRACTICE)[-1]["text"] != NOVEMBER and sandbox.slack.messages(NEWS) == []
    assert sandbox.slack.canvases() == []
    with sandbox.sessions() as session:
        entry = ledger.get_delivery(
            session, team_id="T0001", kind=Kind.NEWSLETTER_DRAFT, target=CHLOE, period_key="2026-11"
        )
    assert entry is not None and entry.status is Status.DELIVERED


def drafts_after(sandbox, draft: dict) -> list[dict]:
    messages = sandbox.slack.messages(CHLOE)
    start = next(i for i, m in enumerate(messages) if m["ts"] == draft["ts"])
    return [m for m in messages[start + 1 :] if m["text"].startswith(NOVEMBER)]


def test_the_schedule_is_shown_and_stopped(sandbox, clock):
    people(sandbox)
    roles(sandbox)
    assert command(sandbox, STAFF, "/talks", "newsletter schedule") == (
        "The newsletter isn't drafted on a schedule. Champions and admins can start one with "
        "`/talks newsletter schedule here monthly first-monday 09:00`."
    )
    assert command(sandbox, STAFF, "/talks", "newsletter schedule here monthly last-friday 16:00") == (
        "Sorry, only workspace owners, admins and Programme Talks champions can change the newsletter's schedule. "
        f"The champion is <@{CHLOE}>. Nothing has changed."
    )
    command(sandbox, CHLOE, "/talks", "newsletter schedule here monthly last-friday 16:00")
    assert command(sandbox, STAFF, "/talks", "newsletter schedule") == (
        "The newsletter is drafted on the last Friday of every month at 16:00 (UK time) and sent to the "
        "champions to review. The next is on Friday 27 November, for November 2026."
    )
    assert command(sandbox, CHLOE, "/talks", "newsletter schedule off") == (
        "Done: the newsletter is no longer drafted on a schedule. `/talks newsletter` drafts it whenever you like."
    )
    assert NewsletterDrafts(sandbox.sessions, sandbox.settings.tz).due(at(12, 25, 17)).planned == []


def test_a_draft_at_every_limit_fits_slack():
    """The draft's first message with the longest introduction of "&" and thirty long headlines per section, and
    the published newsletter of the same, each within Slack's limits as its stand-in checks them."""
    many = tuple(nl.MonthShare("&" * 200, "<>" * 1250, "&" * 1800, n) for n in range(30))
    newsletter = nl.Newsletter(dt.date(2026, 11, 1), "&" * 200, introduction="&" * 3000, shares=many, highlights=())
    draft = Draft("T0001", dt.date(2026, 11, 1), "&" * 3000, PRACTICE, CHLOE, at(11, 27))
    for every_item_below in (True, False):
        head = [
            b.to_dict()
            for b in blocks.draft_head(
                newsletter, draft, name_everyone=False, every_item_below=every_item_below, tz=ZoneInfo("Europe/London")
            )
        ]
        assert blocks_problem(head, 50) is None and text_chars(head) <= 12_000
    parts = blocks.newsletter_parts(newsletter)
    assert len(parts) > 1
    for part in parts:
        sent = [b.to_dict() for b in part.blocks]
        assert blocks_problem(sent, 50) is None and text_chars(sent) <= 12_000
