"""The digest: what it gathers from a window, in what order, how it fits Slack, and what champions are told."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import event

from domain.digest import (
    Attention,
    DigestInput,
    DigestRequest,
    DigestShare,
    ExtraSection,
    Undelivered,
    compose,
)
from domain.records import RequestCard, ShareCard
from domain.words import TWO_QUESTIONS
from handlers.digests.blocks import digest_blocks, digest_text
from handlers.ids import Action
from storage import requests as rs
from storage import shares as ss
from storage.db import make_engine, make_sessions
from storage.digests import digest_input, digest_inputs, unanswered_requests
from storage.models import Highlight, Reaction
from tests.helpers import all_text, text_objects

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # a Monday morning
SINCE = NOW - dt.timedelta(days=7)


def share(ident: int, *, days_ago: float = 1, title: str | None = None, body: str = "", **fields) -> ShareCard:
    return ShareCard(
        id=ident,
        author_id=fields.pop("author_id", f"U_AUTHOR{ident}"),
        body=body or f"Share number {ident}",
        title=title,
        permalink=fields.pop("permalink", f"https://example.slack.com/archives/C1/p{ident}"),
        created_at=NOW - dt.timedelta(days=days_ago),
        **fields,
    )


def request(ident: int, *, days_ago: float = 1, body: str = "", offerers: tuple[str, ...] = ()) -> RequestCard:
    return RequestCard(
        id=ident,
        requester_id=f"U_ASKER{ident}",
        body=body or f"Request number {ident}",
        offerers=offerers,
        permalink=f"https://example.slack.com/archives/C1/r{ident}",
        created_at=NOW - dt.timedelta(days=days_ago),
    )


def data(**parts) -> DigestInput:
    return DigestInput(since=SINCE, until=NOW, **{"highlights": (), "shares": (), "requests": (), **parts})


def rendered(blocks) -> list[dict]:
    """The blocks as Slack receives them; slack_sdk checks its limits here and raises if one is broken."""
    return [block.to_dict() for block in blocks]


def assert_fits_slack(blocks: list[dict]) -> None:
    # Bounds, not values: the property is fitting within Slack's limits, whatever people typed.
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(element["text"]) <= 3000 for element in block["elements"])
        if block["type"] == "actions":
            assert all(len(element["text"]["text"]) <= 75 for element in block["elements"])
    for obj in text_objects(blocks):
        if obj["type"] == "mrkdwn":
            assert obj.get("verbatim") is True, obj


def busy_week() -> DigestInput:
    return data(
        highlights=tuple(
            DigestShare(share(i, title="Leaders' pick " * 20), highlighted_by=tuple(f"U_LEAD{n}" for n in range(i)))
            for i in range(1, 13)
        ),
        shares=tuple(DigestShare(share(100 + i, body="What worked " * 300), appreciation=i % 17) for i in range(300)),
        requests=tuple(
            DigestRequest(request(1000 + i, days_ago=i / 10, body="We need " * 300), offers=i % 3) for i in range(200)
        ),
        more_shares=37,
    )


# ---- compose: order, cut, flag ----------------------------------------------------------------------------


def test_highlights_come_first_with_the_leaders_who_chose_them():
    digest = compose(
        data(
            highlights=(
                DigestShare(share(1, days_ago=40), highlighted_by=("U_LEAD1",)),
                DigestShare(share(2), highlighted_by=("U_LEAD1", "U_LEAD2")),
            ),
            shares=(DigestShare(share(3), appreciation=9),),
        ),
        now=NOW,
    )
    assert [item.card.id for item in digest.highlights] == [2, 1]
    blocks = rendered(digest_blocks(digest, tz=LONDON))
    text = all_text(blocks)
    assert text.index("Leaders' highlights") < text.index("New practice shares")
    assert [b["text"]["text"] for b in blocks if b["type"] == "header"] == [
        "📰 Programme Talks digest",
        "⭐ Leaders' highlights",
        "💡 New practice shares",
    ]
    assert "⭐ Highlighted by <@U_LEAD1> and <@U_LEAD2>" in text
    assert text.index("Share number 2") < text.index("Share number 1") < text.index("Share number 3")


def test_shares_are_most_appreciated_first_then_newest_and_highlighted_ones_are_not_repeated():
    digest = compose(
        data(
            highlights=(DigestShare(share(4), highlighted_by=("U_LEAD1",)),),
            shares=(
                DigestShare(share(1, days_ago=3), appreciation=2),
                DigestShare(share(2, days_ago=1), appreciation=2),
                DigestShare(share(3, days_ago=2), appreciation=5),
                DigestShare(share(4), appreciation=9),
                DigestShare(share(5, days_ago=0.5), appreciation=0),
            ),
        ),
        now=NOW,
    )
    assert [item.card.id for item in digest.shares] == [3, 2, 1, 5]
    assert digest.more_shares == 0


def test_requests_nobody_has_offered_on_come_first_oldest_first():
    digest = compose(
        data(
            requests=(
                DigestRequest(request(1, days_ago=20), offers=2),
                DigestRequest(request(2, days_ago=3)),
                DigestRequest(request(3, days_ago=9)),
                DigestRequest(request(4, days_ago=30), offers=1),
            )
        ),
        now=NOW,
    )
    assert [item.request.card.id for item in digest.requests] == [3, 2, 4, 1]


def test_requests_without_offers_after_seven_days_are_flagged_with_how_long():
    digest = compose(
        data(
            requests=(
                DigestRequest(request(1, days_ago=9.5)),
                DigestRequest(request(2, days_ago=6.9)),
                DigestRequest(request(3, days_ago=30), offers=1),
            )
        ),
        now=NOW,
    )
    assert [item.waiting_days for item in digest.requests] == [9, None, None]
    text = all_text(rendered(digest_blocks(digest, tz=LONDON)))
    assert text.count("⏳") == 1
    assert "⏳ no offers yet after 9 days" in text


def test_each_section_shows_its_top_items_and_counts_the_rest():
    digest = compose(busy_week(), now=NOW, per_section=5)
    assert (len(digest.highlights), len(digest.shares), len(digest.requests)) == (5, 5, 5)
    assert (digest.more_highlights, digest.more_shares, digest.more_requests) == (7, 295 + 37, 195)
    assert [item.appreciation for item in digest.shares] == [16, 16, 16, 16, 16]


# ---- blocks: fit Slack, safe, complete --------------------------------------------------------------------


def test_a_busy_week_fits_slack_and_says_how_many_more_there_are():
    blocks = rendered(digest_blocks(compose(busy_week(), now=NOW), tz=LONDON))
    assert_fits_slack(blocks)
    text = all_text(blocks)
    assert "…and 7 more highlights" in text
    assert "…and 332 more shares: search with `/talks search`" in text
    assert "…and 195 more open requests: search with `/talks search`" in text


def test_every_text_fits_however_long_or_awkward_what_people_typed():
    awkward = "&<>" * 900
    leaders = tuple(f"U_LEADER_WITH_A_LONG_ID_{n:05d}" for n in range(40))
    long_link = "https://example.slack.com/archives/C1/p" + "9" * 450
    digest = compose(
        data(
            highlights=tuple(
                DigestShare(share(i, title=awkward[:150], body=awkward, permalink=long_link), highlighted_by=leaders)
                for i in range(10)
            ),
            shares=tuple(DigestShare(share(20 + i, body=awkward, permalink=long_link)) for i in range(10)),
            requests=tuple(DigestRequest(request(40 + i, days_ago=12, body=awkward)) for i in range(10)),
            extra_sections=tuple(
                ExtraSection(title=f"Section {n} " + "x" * 200, lines=("line &amp; more " * 40,) * 30, more=3)
                for n in range(20)
            ),
        ),
        now=NOW,
        per_section=10,
    )
    attention = Attention(
        unanswered=tuple(DigestRequest(request(60 + i, days_ago=20, body=awkward)) for i in range(12)),
        undelivered=tuple(
            Undelivered(f"C{n:010d}", reason=awkward, scheduled_for=SINCE, skipped=n % 2 == 0) for n in range(15)
        ),
        more_unanswered=4,
    )
    for version in (digest_blocks(digest, tz=LONDON), digest_blocks(digest, tz=LONDON, attention=attention)):
        blocks = rendered(version)
        assert_fits_slack(blocks)
        assert "more sections not shown here" in all_text(blocks)
        assert blocks[-1]["type"] == "actions"


def test_what_people_typed_cannot_ping_a_channel_mention_anyone_or_forge_a_link():
    nasty = "Great session <!channel> @here <@U_MALLORY> see <https://evil.example|this> & more"
    digest = compose(
        data(
            highlights=(DigestShare(share(1, title=nasty, body=nasty), highlighted_by=("U_LEAD1",)),),
            shares=(DigestShare(share(2, body=nasty)),),
            requests=(DigestRequest(request(3, body=nasty, days_ago=10)),),
        ),
        now=NOW,
    )
    attention = Attention(
        unanswered=(DigestRequest(request(4, body=nasty, days_ago=10)),),
        undelivered=(Undelivered("C1", reason=nasty, scheduled_for=SINCE),),
    )
    blocks = rendered(digest_blocks(digest, tz=LONDON, attention=attention))
    assert_fits_slack(blocks)
    sent = all_text(blocks) + digest_text(digest)
    for raw in ("<!channel", "<@U_MALLORY", "<https://evil", "|this>"):
        assert raw not in sent
    assert "&lt;!channel&gt; @here &lt;@U_MALLORY&gt; see &lt;https://evil.example|this&gt; &amp; more" in sent
    assert "link_names" not in str(blocks)


def test_items_link_to_their_posts_when_known():
    digest = compose(
        data(
            shares=(DigestShare(share(1)), DigestShare(share(2, permalink=None))),
            requests=(DigestRequest(request(3)),),
        ),
        now=NOW,
    )
    text = all_text(rendered(digest_blocks(digest, tz=LONDON)))
    assert "<https://example.slack.com/archives/C1/p1|open>" in text
    assert "<https://example.slack.com/archives/C1/r3|open>" in text
    assert text.count("|open>") == 2


def test_a_window_with_nothing_new_asks_the_two_questions_with_both_buttons():
    digest = compose(data(), now=NOW)
    assert digest.is_empty
    blocks = rendered(digest_blocks(digest, tz=LONDON))
    assert_fits_slack(blocks)
    text = all_text(blocks)
    assert "*A quiet week…* What's one thing that worked?" in text
    assert TWO_QUESTIONS[0] in text and TWO_QUESTIONS[1] in text
    assert "Leaders' highlights" not in text and "New practice shares" not in text
    buttons = [element["action_id"] for element in blocks[-1]["elements"]]
    assert buttons == [Action.OPEN_SHARE_MODAL, Action.OPEN_COLLAB_MODAL]
    assert digest_text(digest) == "Programme Talks digest: a quiet week… What's one thing that worked?"


def test_every_digest_ends_with_the_two_questions_and_both_buttons():
    blocks = rendered(digest_blocks(compose(busy_week(), now=NOW), tz=LONDON))
    assert TWO_QUESTIONS[0] in blocks[-2]["text"]["text"] and TWO_QUESTIONS[1] in blocks[-2]["text"]["text"]
    assert [element["action_id"] for element in blocks[-1]["elements"]] == [
        Action.OPEN_SHARE_MODAL,
        Action.OPEN_COLLAB_MODAL,
    ]


def test_extra_sections_come_after_requests_and_before_the_questions_and_count_as_news():
    events = ExtraSection(title="📅 Upcoming events", lines=("• Mon 7 Dec: youth forum", "• Fri 11 Dec: fair"), more=2)
    reviews = ExtraSection(title="📝 Agreement reviews due", lines=("• Youth music partnership",))
    only_extras = compose(data(extra_sections=(events, reviews)), now=NOW)
    assert not only_extras.is_empty
    assert "📅 Upcoming events" in digest_text(only_extras)

    digest = compose(data(requests=(DigestRequest(request(1)),), extra_sections=(events, reviews)), now=NOW)
    text = all_text(rendered(digest_blocks(digest, tz=LONDON)))
    order = ["Open collaboration requests", "Upcoming events", "youth forum", "…and 2 more", "Agreement reviews"]
    assert [text.index(part) for part in order] == sorted(text.index(part) for part in order)
    assert text.index("Agreement reviews due") < text.index(TWO_QUESTIONS[0])
    assert "quiet" not in text


def test_an_extra_section_with_nothing_in_it_is_left_out():
    digest = compose(data(extra_sections=(ExtraSection(title="📅 Upcoming events", lines=()),)), now=NOW)
    assert digest.is_empty


def test_the_champion_version_adds_what_needs_their_attention():
    digest = compose(data(shares=(DigestShare(share(1)),)), now=NOW)
    attention = Attention(
        unanswered=(DigestRequest(request(7, days_ago=12, body="A venue for a holiday club")),),
        undelivered=(
            Undelivered("C_PRACTICE", reason="the app was removed from the channel", scheduled_for=SINCE),
            Undelivered("C_YOUTH", reason="the app was down for 3 days", scheduled_for=SINCE, skipped=True),
        ),
        more_unanswered=3,
    )
    channel = all_text(rendered(digest_blocks(digest, tz=LONDON)))
    blocks = rendered(digest_blocks(digest, tz=LONDON, attention=attention))
    assert_fits_slack(blocks)
    text = all_text(blocks)
    assert "Needs your attention" not in channel
    assert "Needs your attention" in text and "Share number 1" in text
    assert "A venue for a holiday club" in text and "waiting 12 days" in text
    assert "…and 3 more unanswered requests" in text
    assert "<#C_PRACTICE>: the digest due Mon 23 Nov at 09:00 could not be posted" in text
    assert "the app was removed from the channel" in text
    assert "<#C_YOUTH>: the digest due Mon 23 Nov at 09:00 was skipped" in text
    assert "the app was down for 3 days" in text


def test_the_champion_is_told_when_nothing_needs_them():
    text = all_text(rendered(digest_blocks(compose(data(), now=NOW), tz=LONDON, attention=Attention())))
    assert "Nothing needs you" in text and "A quiet week" in text


def test_notification_text_counts_what_the_digest_holds():
    digest = compose(busy_week(), now=NOW)
    assert digest_text(digest) == "Programme Talks digest: 12 highlights, 337 new shares, 200 open requests"


# ---- storage: the window, the workspace, the order, and a fixed number of queries -------------------------


def add_share(session, *, at: dt.datetime, team_id: str = "T1", author_id: str = "U_AUTHOR", body: str = "A share"):
    return ss.add_share(session, team_id=team_id, author_id=author_id, channel_id="C1", body=body, now=at)


def react(session, share, *users: str, emoji: str = "clap") -> None:
    for user in users:
        session.add(Reaction(team_id=share.team_id, share_id=share.id, user_id=user, emoji=emoji, created_at=NOW))
    session.flush()


def highlight(session, share, leader_id: str, *, at: dt.datetime) -> None:
    session.add(Highlight(team_id=share.team_id, share_id=share.id, leader_id=leader_id, created_at=at))
    session.flush()


def add_request(session, *, at: dt.datetime, team_id: str = "T1", body: str = "A request", offers: int = 0):
    made = rs.add_request(session, team_id=team_id, requester_id="U_ASKER", channel_id="C1", body=body, now=at)
    for n in range(offers):
        rs.add_offer(session, team_id=team_id, request_id=made.id, user_id=f"U_HELPER{n}", now=at)
    return made


def resolve(session, request) -> None:
    rs.resolve_request(session, team_id=request.team_id, request_id=request.id, now=NOW)


def test_digest_input_gathers_the_window_in_order_for_one_workspace(database_url):
    sessions = make_sessions(make_engine(database_url))
    day = dt.timedelta(days=1)
    with sessions.begin() as session:
        old = add_share(session, at=SINCE - 30 * day, body="Old but starred")
        at_since = add_share(session, at=SINCE, body="Exactly at since")
        liked = add_share(session, at=SINCE + day, body="Liked")
        loved = add_share(session, at=SINCE + 2 * day, body="Loved")
        quiet = add_share(session, at=SINCE + 3 * day, body="Quiet")
        starred = add_share(session, at=SINCE + 4 * day, body="Starred this week")
        add_share(session, at=NOW, body="Exactly at until")
        add_share(session, at=NOW + dt.timedelta(seconds=1), body="After until")
        elsewhere = add_share(session, at=SINCE + day, team_id="T2", body="Other workspace")
        react(session, liked, "U_A", "U_B")
        react(session, loved, "U_A", "U_B", "U_C")
        react(session, quiet, "U_AUTHOR", emoji="tada")  # the author's own: not appreciation
        react(session, quiet, "U_AUTHOR")
        react(session, starred, "U_A")
        react(session, old, "U_A", "U_B", "U_C", "U_D")
        highlight(session, old, "U_LEAD1", at=SINCE + day)
        highlight(session, old, "U_LEAD2", at=SINCE + 2 * day)
        highlight(session, starred, "U_LEAD1", at=SINCE + 5 * day)
        highlight(session, at_since, "U_LEAD1", at=SINCE)  # before the window opens
        highlight(session, elsewhere, "U_LEAD9", at=SINCE + day)
        waiting = add_request(session, at=SINCE - 20 * day, body="Waiting long")
        helped = add_request(session, at=SINCE - 40 * day, body="Has offers", offers=2)
        fresh = add_request(session, at=SINCE + day, body="Fresh")
        add_request(session, at=NOW + day, body="After until")
        add_request(session, at=SINCE + day, team_id="T2", body="Other workspace")
        resolve(session, add_request(session, at=SINCE + day, body="Resolved"))

    with sessions() as session:
        got = digest_input(session, team_id="T1", since=SINCE, until=NOW)
    assert [(s.card.body, s.highlighted_by, s.appreciation) for s in got.highlights] == [
        ("Old but starred", ("U_LEAD1", "U_LEAD2"), 4),
        ("Starred this week", ("U_LEAD1",), 1),
    ]
    assert [(s.card.body, s.appreciation) for s in got.shares] == [
        ("Loved", 3),
        ("Liked", 2),
        ("Exactly at until", 0),
        ("Quiet", 0),
    ]
    assert [(r.card.body, r.offers) for r in got.requests] == [("Waiting long", 0), ("Fresh", 0), ("Has offers", 2)]
    assert (got.more_highlights, got.more_shares, got.more_requests) == (0, 0, 0)
    assert got.requests[2].card.offerers == ("U_HELPER0", "U_HELPER1")
    assert got.requests[0].card.created_at == SINCE - 20 * day
    assert got.shares[0].card.created_at == SINCE + 2 * day and got.shares[0].card.created_at.tzinfo is not None
    assert {waiting.id, helped.id, fresh.id} == {r.card.id for r in got.requests}
    assert got.since == SINCE and got.until == NOW

    with sessions() as session:
        top = digest_input(session, team_id="T1", since=SINCE, until=NOW, limit=1)
    assert [s.card.body for s in top.highlights] == ["Old but starred"]
    assert [s.card.body for s in top.shares] == ["Loved"]
    assert [r.card.body for r in top.requests] == ["Waiting long"]
    assert (top.more_highlights, top.more_shares, top.more_requests) == (1, 3, 2)


def test_digest_input_for_a_quiet_window_is_empty(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        add_share(session, at=SINCE - dt.timedelta(days=3))
        add_request(session, at=SINCE, team_id="T2")
    with sessions() as session:
        got = digest_input(session, team_id="T1", since=SINCE, until=NOW)
    assert compose(got, now=NOW).is_empty


def test_unanswered_requests_are_open_offerless_and_older_than_the_cutoff(database_url):
    sessions = make_sessions(make_engine(database_url))
    week_ago = NOW - dt.timedelta(days=7)
    with sessions.begin() as session:
        for days in (30, 20, 10, 8):
            add_request(session, at=NOW - dt.timedelta(days=days), body=f"Waiting {days} days")
        add_request(session, at=NOW - dt.timedelta(days=40), body="Has an offer", offers=1)
        add_request(session, at=NOW - dt.timedelta(days=3), body="Too new")
        add_request(session, at=NOW - dt.timedelta(days=50), team_id="T2", body="Other workspace")
        resolve(session, add_request(session, at=NOW - dt.timedelta(days=60), body="Resolved"))
    with sessions() as session:
        found, more = unanswered_requests(session, team_id="T1", older_than=week_ago, limit=3)
    assert [r.card.body for r in found] == ["Waiting 30 days", "Waiting 20 days", "Waiting 10 days"]
    assert more == 1 and [r.offers for r in found] == [0, 0, 0]


def test_a_busy_week_shows_the_top_five_of_each_part_and_counts_exactly_how_many_more(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        for team_id, shares in (("T_SMALL", 5), ("T_BUSY", 200)):
            for n in range(shares):
                at = SINCE + dt.timedelta(minutes=n + 1)
                made = add_share(session, at=at, team_id=team_id, body=f"Share {n}")
                react(session, made, "U_A", "U_B")
                if n % 3 == 0:
                    highlight(session, made, "U_LEAD1", at=at)
                add_request(session, at=at, team_id=team_id, body=f"Request {n}", offers=n % 2)
    with sessions() as session:
        busy = digest_input(session, team_id="T_BUSY", since=SINCE, until=NOW)
        small = digest_input(session, team_id="T_SMALL", since=SINCE, until=NOW)
        unanswered, more_unanswered = unanswered_requests(session, team_id="T_BUSY", older_than=NOW)
    # 67 of the 200 were highlighted (every third); the other 133 are new shares; 100 requests have no offer.
    assert [len(busy.highlights), busy.more_highlights] == [5, 62]
    assert [len(busy.shares), busy.more_shares] == [5, 128]
    assert [len(busy.requests), busy.more_requests] == [5, 195]
    assert [s.card.body for s in busy.highlights] == ["Share 198", "Share 195", "Share 192", "Share 189", "Share 186"]
    assert [s.card.body for s in busy.shares] == ["Share 199", "Share 197", "Share 196", "Share 194", "Share 193"]
    assert [r.card.body for r in busy.requests] == ["Request 0", "Request 2", "Request 4", "Request 6", "Request 8"]
    assert [r.card.body for r in unanswered] == ["Request 0", "Request 2", "Request 4", "Request 6", "Request 8"]
    assert more_unanswered == 95
    assert [len(small.highlights), small.more_highlights, len(small.shares), small.more_shares] == [2, 0, 3, 0]


def test_many_workspaces_read_together_get_what_each_gets_alone_in_the_same_five_queries(database_url):
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    teams = [f"T{n:02d}" for n in range(12)]
    with sessions.begin() as session:
        for t, team_id in enumerate(teams):
            for n in range(t % 4 + (8 if t == 5 else 0)):  # none to three of each; T05 nine, more than the top five
                at = SINCE + dt.timedelta(hours=n + 1)
                made = add_share(session, at=at, team_id=team_id, body=f"{team_id} share {n}")
                react(session, made, *[f"U_FAN{r}" for r in range((n * 7 + t) % 4)])
                if n % 3 == 0:
                    highlight(session, made, f"U_LEAD{t}", at=at)
                add_request(
                    session, at=at - dt.timedelta(days=t), team_id=team_id, body=f"{team_id} ask {n}", offers=n % 2
                )
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    with sessions() as session:
        together = digest_inputs(session, team_ids=[*teams, "T_NONE"], since=SINCE, until=NOW)

    assert len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]) == 5
    with sessions() as session:
        alone = {team: digest_input(session, team_id=team, since=SINCE, until=NOW) for team in [*teams, "T_NONE"]}
    assert together == alone
    for team_id, got in together.items():
        items = [*got.highlights, *got.shares, *got.requests]
        assert all(item.card.body.startswith(f"{team_id} ") for item in items)
    busy = together["T05"]
    assert [len(busy.highlights), busy.more_highlights, len(busy.shares), busy.more_shares] == [3, 0, 5, 1]
    assert [len(busy.requests), busy.more_requests] == [5, 4]
    assert together["T00"] == DigestInput(since=SINCE, until=NOW, highlights=(), shares=(), requests=())
