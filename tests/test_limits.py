"""Slack's limits hold whatever people type: texts at each limit, made of the characters that grow when escaped.

"&" is five characters once escaped and "<" and ">" four, so a 2,500-character share can be 12,500 characters
in a message. Every message and view built from someone's words is checked three ways: slack_sdk builds it
(to_dict raises SlackObjectFormationError otherwise), the local stand-in's check of Slack's rules passes, and
the words are all there (or, past what one message can hold, shortened with a line saying so). Then the same
over signed HTTP: a long share full of "&" is saved and posted, and an over-long one is given back whole.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.views import View

import handlers.agreements.messages as am
import handlers.agreements.modals as amod
import handlers.meetups.blocks as mb
import handlers.shares.blocks as sb
from bot.devkit.slack_state import MESSAGE_BLOCKS, VIEW_BLOCKS, blocks_problem
from domain import agreements as ag
from domain import meetups as mt
from domain import text as t
from domain.digest import Attention, DigestInput, DigestRequest, DigestShare, ExtraSection, Undelivered, compose
from domain.records import RequestCard, ShareCard
from handlers.blocks import MESSAGE_TEXT_CHARS, SHORTENED
from handlers.digests.blocks import digest_blocks, digest_text
from handlers.help import help_blocks, usage_text
from handlers.ids import Block as B
from handlers.ids import View as V
from handlers.talks.blocks import search_results
from storage.models import Share
from tests.helpers import count, shares, wait_until
from tests.helpers.limits import posted, sent, typed

TZ = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
KINDS = ("ampersands", "angles", "mixed")


def opened(view: View) -> dict:
    """A modal as Slack receives it (slack_sdk checks its title, buttons, metadata and 100 blocks)."""
    shown = view.to_dict()
    assert blocks_problem(shown["blocks"], VIEW_BLOCKS) is None, blocks_problem(shown["blocks"], VIEW_BLOCKS)
    return shown


def sections(dicts: list[dict]) -> str:
    """The sections' texts, joined: a text split over several sections reads back whole."""
    return "".join(block["text"]["text"] for block in dicts if block["type"] == "section")


def contexts(dicts: list[dict]) -> str:
    return "\n".join(e.get("text", "") for block in dicts if block["type"] == "context" for e in block["elements"])


# ---- domain.text: fitting escaped text ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("limit", [1, 4, 5, 6, 80, 2994, 3000])
def test_escaped_text_is_shortened_to_fit_after_escaping_without_cutting_an_entity(kind, limit):
    shown = t.escaped_within(typed(kind, 2500), limit)
    assert len(shown) <= limit
    assert not re.search(r"&(?!amp;|lt;|gt;)", shown), "an entity was cut in half"
    assert typed(kind, 2500).startswith(t.unescape(shown).removesuffix("…").rstrip())


def test_escaped_text_is_cut_at_a_word_and_plain_text_is_cut_as_shorten_cuts_it():
    assert t.escaped_within("Q&A with parents & carers", 16) == "Q&amp;A with…"
    assert t.escaped_within("Q&A with parents & carers", 100) == "Q&amp;A with parents &amp; carers"
    for text in ("word " * 700, "Walking bus to school", "a" * 300):
        for limit in (10, 80, 2900):
            assert t.escaped_within(text, limit) == t.escape(t.shorten(text, limit))


@pytest.mark.parametrize("kind", KINDS)
def test_escaped_pieces_hold_every_character_and_each_fits(kind):
    text = typed(kind, 2500) + "\n\nand a last line"
    pieces = t.escaped_pieces(text, 2994, first=2980)
    assert "".join(t.unescape(piece) for piece in pieces) == text
    assert len(pieces[0]) <= 2980 and all(len(piece) <= 2994 for piece in pieces)
    assert all(not re.search(r"&(?!amp;|lt;|gt;)", piece) for piece in pieces)


def test_escaped_pieces_break_after_a_space_rather_than_inside_a_word():
    pieces = t.escaped_pieces("parents & carers " * 300, 3000)
    assert [piece[-1] for piece in pieces[:-1]] == [" "] * (len(pieces) - 1)


# ---- shares and requests -----------------------------------------------------------------------------------


def share_card(kind: str, **fields) -> ShareCard:
    values: dict = {
        "id": 7,
        "author_id": "U_AMIRA",
        "body": typed(kind, t.MAX_SHARE_CHARS),
        "title": typed(kind, t.MAX_TITLE_CHARS),
        "impact": typed(kind, t.MAX_IMPACT_CHARS),
        "tags": tuple(f"tag-{n}-" + "x" * 30 for n in range(t.MAX_TAGS)),
        "link": "https://example.org/?" + "&" * (t.MAX_LINK_CHARS - 21),
        "permalink": "https://example.slack.com/archives/C1/p1",
        "created_at": NOW,
    }
    return ShareCard(**(values | fields))


@pytest.mark.parametrize("kind", KINDS)
def test_a_share_at_every_limit_is_posted_within_slacks_limits_with_its_words(kind):
    card = share_card(kind)
    shown = posted(sb.share_message(card))
    text = sections(shown)
    if t.escaped_length(card.body) + t.escaped_length(card.impact or "") <= MESSAGE_TEXT_CHARS:
        assert t.escape(card.body) in text and t.escape(card.impact or "") in text  # every word
        assert SHORTENED not in contexts(shown)
    else:  # 20,000 characters escaped: more than one message holds; as much as fits, and a line saying so
        body = text.split("*What we did*\n", 1)[1].split("*What changed", 1)[0]
        assert card.body.startswith(t.unescape(body).removesuffix("…"))
        assert len(text) > MESSAGE_TEXT_CHARS * 0.9
        assert f"{SHORTENED}: every word is saved" in contexts(shown)
    assert len(sb.share_text(card)) < 4000


def test_an_ordinary_long_share_full_of_ampersands_is_posted_whole_over_two_sections():
    card = share_card("mixed", body=("parents & carers " * 150)[: t.MAX_SHARE_CHARS].strip(), title=None, impact=None)
    shown = posted(sb.share_message(card))
    assert [block["type"] for block in shown[:3]] == ["header", "section", "section"]
    assert t.unescape(shown[1]["text"]["text"] + shown[2]["text"]["text"]) == card.body


@pytest.mark.parametrize("kind", KINDS)
def test_a_request_at_its_limit_is_posted_whole(kind):
    card = RequestCard(id=3, requester_id="U_BEN", body=typed(kind, t.MAX_REQUEST_CHARS), offerers=("U_X",) * 300)
    shown = posted(sb.request_message(card))
    assert t.escape(card.body) in sections(shown)
    assert len(sb.request_text(card)) < 4000
    sent(sb.offer_notice(card, "U_CAROL"))


@pytest.mark.parametrize("kind", KINDS)
def test_share_forms_and_notices_fit_with_every_field_full(kind):
    card = share_card(kind)
    opened(sb.share_modal('{"channel_id":"C1"}', card, ask_channel=True))
    opened(sb.collab_modal('{"channel_id":"C1"}', ask_channel=True))
    opened(sb.delete_share_modal(card, '{"share_id":7}'))
    sent(sb.not_posted_blocks("share", 7, "I'm not a member of the channel"))


@pytest.mark.parametrize("kind", KINDS)
def test_words_that_could_not_be_saved_are_given_back_every_one(kind):
    words = typed(kind, 9000)
    shown = sent(sb.not_saved_blocks(words, why="Nothing was saved. Here is what you wrote:"))
    code = [block["text"]["text"] for block in shown[1:]]
    assert all(piece.startswith("```") and piece.endswith("```") for piece in code)
    assert "".join(t.unescape(piece[3:-3]) for piece in code) == words


def test_more_words_than_fifty_blocks_hold_are_counted_not_dropped_silently():
    shown = sent(sb.not_saved_blocks("&" * 40_000))
    assert len(shown) == MESSAGE_BLOCKS
    given_back = "".join(t.unescape(block["text"]["text"][3:-3]) for block in shown[1:-1])
    assert contexts(shown) == f"…and {40_000 - len(given_back):,} more characters, too many to show here."


# ---- search, help, digests --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_search_results_fit_however_long_the_query_and_the_hits(kind):
    hits = [share_card(kind, id=n) for n in range(4)] + [
        RequestCard(id=n, requester_id="U_BEN", body=typed(kind, 2000), created_at=NOW) for n in range(4)
    ]
    sent(search_results(typed(kind, 4000), hits))
    sent(search_results(typed(kind, 4000), []))


def test_help_fits_and_an_unknown_word_is_shortened_after_escaping():
    sent(help_blocks())
    sent(am.help_blocks())
    sent(mb.meetup_help_blocks(TZ))
    assert len(usage_text("&" * 4000)) < 3000 and len(am.usage_text("<" * 4000)) < 3000


@pytest.mark.parametrize("kind", KINDS)
def test_a_busy_digest_of_long_escaped_texts_fits_one_message(kind):
    def share(n: int) -> ShareCard:
        return share_card(kind, id=n, created_at=NOW - dt.timedelta(days=1))

    def request(n: int) -> DigestRequest:
        card = RequestCard(id=n, requester_id="U_BEN", body=typed(kind, 2000), created_at=NOW - dt.timedelta(days=9))
        return DigestRequest(card)

    data = DigestInput(
        since=NOW - dt.timedelta(days=7),
        until=NOW,
        highlights=tuple(DigestShare(share(n), highlighted_by=("U_L1", "U_L2")) for n in range(12)),
        shares=tuple(DigestShare(share(100 + n), appreciation=n) for n in range(12)),
        requests=tuple(request(200 + n) for n in range(12)),
        extra_sections=tuple(
            ExtraSection(title=typed(kind, 300), lines=tuple(t.escape(typed(kind, 140)) for _ in range(40)), more=2)
            for _ in range(8)
        ),
    )
    digest = compose(data, now=NOW, per_section=10)
    attention = Attention(
        unanswered=tuple(request(300 + n) for n in range(10)),
        undelivered=tuple(Undelivered(f"C{n}", typed(kind, 500), NOW) for n in range(5)),
        more_unanswered=4,
    )
    for blocks in (digest_blocks(digest, tz=TZ), digest_blocks(digest, tz=TZ, attention=attention)):
        shown = posted(blocks)
        assert "more section" in contexts(shown)  # the extras that did not fit are counted
    assert len(digest_text(digest)) < 4000


# ---- agreements -------------------------------------------------------------------------------------------


def agreement(kind: str, *, people: int = 10, organisations: int = 10, term: int = ag.MAX_TERM_CHARS):
    words = typed(kind, term)
    parties = tuple(ag.Party(user_id=f"U{n}", responsibility=words) for n in range(people)) + tuple(
        ag.Party(organisation=typed(kind, 100), contact=typed(kind, 100), responsibility=words)
        for _ in range(organisations)
    )
    version = ag.Version(version=2, changed_by="U1", note=typed(kind, 2000), created_at=NOW, snapshot={})
    return ag.AgreementRecord(
        id=1,
        team_id="T1",
        number=3,
        title=typed(kind, ag.MAX_TITLE_CHARS),
        channel_id="C1",
        created_by="U1",
        status=ag.DRAFT,
        version=2,
        start_date=TODAY,
        end_date=TODAY + dt.timedelta(days=200),
        comms_internal=words,
        comms_external=words,
        recognition=words,
        review_every_days=28,
        next_review=TODAY + dt.timedelta(days=28),
        parties=parties,
        created_at=NOW,
        permalink="https://example.slack.com/archives/C1/p1",
        versions=(version,) * 40,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_an_agreement_with_twenty_parties_and_every_term_full_fits_and_says_where_every_word_is(kind):
    record = agreement(kind)
    stage = ag.Stage(review_date=TODAY, offset_days=0, at=NOW)
    posted(am.confirm_request(record, am.written_intro("U1"), TODAY))
    posted(am.confirmed_blocks(record, "Thank you", TODAY))
    posted(am.nudge_blocks(record, stage, TODAY))
    posted(am.escalation_blocks(record, TODAY, TODAY))
    shown = posted(am.summary_message(record, TODAY))
    assert f"`/agreement export {record.number}` has every word" in contexts(shown)
    sent(am.show_blocks(record, "U1", TODAY, TZ))
    sent(am.list_blocks([record] * 60, TODAY))
    assert len(am.change_intro(record, "U1", typed(kind, 2000))) <= 3000


def test_an_agreement_that_fits_is_shown_with_every_word():
    record = agreement("mixed", people=1, organisations=1, term=1200)
    text = sections(posted(am.summary_message(record, TODAY)))
    assert text.count(t.escape(record.recognition)) == 5  # two parties' jobs and three terms, none cut
    assert SHORTENED not in contexts(posted(am.summary_message(record, TODAY)))


@pytest.mark.parametrize("kind", KINDS)
def test_agreement_forms_fit_with_twenty_parties_and_every_term_full(kind):
    record = agreement(kind)
    step = amod.PartiesStep(title=typed(kind, ag.MAX_TITLE_CHARS), channel_id="C1", user_ids=("U1", "U2"))
    opened(amod.parties_modal("U1"))
    opened(amod.details_modal(step, TODAY))
    opened(amod.change_modal(record))
    review = opened(amod.review_modal(record, TODAY, TODAY + dt.timedelta(days=28)))
    assert t.escape(record.recognition) in sections(review["blocks"])  # a modal has room for all of it


# ---- meetups ----------------------------------------------------------------------------------------------


def meetup(kind: str, **fields) -> mt.MeetupCard:
    values: dict = {
        "id": 4,
        "title": typed(kind, mt.MAX_TITLE_CHARS),
        "starts_at": NOW + dt.timedelta(days=3),
        "place": typed(kind, mt.MAX_PLACE_CHARS),
        "about": typed(kind, mt.MAX_ABOUT_CHARS),
        "channel_id": "C1",
        "created_by": "U1",
        "going": tuple(f"U{n}" for n in range(300)),
        "interested": tuple(f"V{n}" for n in range(300)),
    }
    return mt.MeetupCard(**(values | fields))


@pytest.mark.parametrize("kind", KINDS)
def test_an_event_at_every_limit_fits_and_what_it_is_about_is_cut_after_escaping(kind):
    card = meetup(kind)
    for invited in (False, True):
        shown = posted(mb.meetup_message(card, TZ, invited=invited))
    when = next(n for n, block in enumerate(shown) if block.get("text", {}).get("text", "").startswith("*When:*"))
    about = shown[when + 1]["text"]["text"]  # what it is about comes next
    assert len(about) <= mb.ABOUT_CHARS
    assert card.about.startswith(t.unescape(about).removesuffix("…"))
    assert len(mb.meetup_text(card, TZ)) < 4000
    change = mt.RsvpChange(before=None, after=mt.GOING)
    assert len(mb.answer_note(card, change, TZ, reminder_coming=True)) <= 3000
    assert len(mb.started_note(card.title)) <= 3000 and len(mb.reminder_text(card.title)) < 4000
    sent(
        mb.reminder_blocks(
            title=card.title, starts_at=card.starts_at, place=card.place, channel_id="C1", now=NOW, tz=TZ
        )
    )
    not_posted = [(f"C{n}", "I'm not a member of the channel") for n in range(10)]
    sent(mb.posted_note(card, posted=[f"C{n}" for n in range(10)], not_posted=not_posted, invited=50, not_invited=3))
    opened(mb.meetup_modal('{"channel_id":"C1"}', tz=TZ, title=card.title, about=card.about))


# ---- the stand-in checks what Slack checks ------------------------------------------------------------


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.mark.parametrize(
    ("fits", "too_long"),
    [
        (_section("x" * 3000), _section("x" * 3001)),
        (_section("x"), _section("")),
        (
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2000}] * 10},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]},
        ),
        (
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 10},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11},
        ),
        (
            {"type": "header", "text": {"type": "plain_text", "text": "x" * 150}},
            {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},
        ),
        (
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "x" * 3000}] * 10},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "x" * 3001}]},
        ),
        (
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 10},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11},
        ),
        (
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 75}}]},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76}}]},
        ),
    ],
)
def test_the_stand_in_refuses_a_block_one_past_slacks_limit(fits, too_long):
    assert blocks_problem([fits], MESSAGE_BLOCKS) is None
    assert blocks_problem([too_long], MESSAGE_BLOCKS) is not None


def test_the_stand_in_counts_fifty_blocks_in_a_message_and_a_hundred_in_a_view():
    assert blocks_problem([_section("x")] * 50, MESSAGE_BLOCKS) is None
    assert "no more than 50 items" in str(blocks_problem([_section("x")] * 51, MESSAGE_BLOCKS))
    assert blocks_problem([_section("x")] * 100, VIEW_BLOCKS) is None
    assert "no more than 100 items" in str(blocks_problem([_section("x")] * 101, VIEW_BLOCKS))


def test_the_stand_in_refuses_what_the_old_share_message_sent_for_a_share_full_of_ampersands():
    body = "parents & carers " * 147
    assert blocks_problem([_section(t.escape(body))], MESSAGE_BLOCKS) == (
        "must be less than 3001 characters [json-pointer:/blocks/0/text]"
    )


# ---- end to end, over signed HTTP -----------------------------------------------------------------------


def test_a_long_share_full_of_ampersands_is_saved_and_posted_whole(sandbox):
    typed_share = ("parents & carers " * 150)[: t.MAX_SHARE_CHARS].strip()
    reply, _ = sandbox.sim.command("/share", typed_share, channel="C_PRACTICE")
    assert (reply.status, reply.body) == (200, "")
    [post] = sandbox.slack.wait_for("chat.postMessage", where=lambda call: call.response.get("ok"))
    assert blocks_problem(post.args["blocks"], MESSAGE_BLOCKS) is None
    assert t.escape(typed_share) in sections(post.args["blocks"])
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)
    assert shares(sandbox.sessions)[0].body == typed_share


def test_an_over_long_share_with_76_ampersands_is_refused_kindly_with_every_word_given_back(sandbox):
    typed_share = ("Parents & carers came to our Q&A on reading at home. " * 38) + (
        "We asked families what helps at bedtime, and listened. " * 14
    ).strip()
    assert typed_share.count("&") == 76 and len(typed_share) == 2783  # 3,087 characters escaped
    reply, _ = sandbox.sim.command("/share", typed_share)
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert blocks_problem(answer["blocks"], MESSAGE_BLOCKS) is None
    why, *code = [block["text"]["text"] for block in answer["blocks"]]
    assert why.startswith(f"Your share is {len(typed_share):,} characters; the limit is 2,500.")
    assert len(code) == 2
    assert "".join(t.unescape(piece.removeprefix("```").removesuffix("```")) for piece in code) == typed_share
    sandbox.slack.assert_no_call("chat.postMessage")
    assert count(sandbox.sessions, Share) == 0


def test_the_share_form_with_every_field_full_of_ampersands_is_saved_and_posted(sandbox):
    sandbox.sim.command("/share", "")
    view = sandbox.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == V.SHARE
    body, impact = "&" * t.MAX_SHARE_CHARS, "&" * t.MAX_IMPACT_CHARS
    form = {
        B.TITLE: "Q&A for parents & carers",
        B.BODY: body,
        B.IMPACT: impact,
        B.TAGS: "parents, carers",
        B.LINK: "https://example.org/?a=1&b=2",
        B.CONSENT: True,
    }
    answer = sandbox.sim.submit(view, form, user="U_BEN")
    assert (answer.status, answer.body) == (200, "")
    [post] = sandbox.slack.wait_for("chat.postMessage", where=lambda call: call.response.get("ok"))
    assert blocks_problem(post.args["blocks"], MESSAGE_BLOCKS) is None
    assert sum(len(text) for text in re.findall(r"(?:&amp;)+", sections(post.args["blocks"]))) > 9000
    [share] = shares(sandbox.sessions)
    assert (share.body, share.impact) == (body, impact)  # the stored words stay whole
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)
