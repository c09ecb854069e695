"""The Home tab and the help message: what they show (each person's requests, offers, agreements and events; what
needs a champion's attention), their buttons, the welcome on a first visit, and refreshing when something changes."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from slack_sdk.models.views import View as SlackView
from sqlalchemy import select

from domain import home as h
from domain.agreements import Terms
from domain.words import TWO_QUESTIONS
from handlers.home.blocks import home_view
from handlers.ids import Action, Block, Command, Shortcut, View
from storage import agreements as ags
from storage import ledger, roles
from storage import meetups as ms
from storage import requests as rs
from storage.models import HomeVisit
from tests.helpers import all_text, requests, shares, wait_until

AMIRA = "U_AMIRA"
CHANNEL, YOUTH = "C_PRACTICE", "C_YOUTH"
SHARE_FORM = {
    Block.TITLE: "Walking bus to school",
    Block.BODY: "Parents took turns to walk a route past three estates.",
    Block.CONSENT: True,
}
REQUEST = "A partner with a minibus for the summer trips"


def open_home(sandbox, user: str = AMIRA) -> dict:
    """Open the app's Home tab, as Slack tells the app; the view it published for that person."""
    before = len(published_for(sandbox, user))
    event = {"type": "app_home_opened", "user": user, "channel": "D_HOME", "tab": "home", "event_ts": "1.0"}
    assert sandbox.sim.event(event).status == 200
    return home_of(sandbox, user, count=before + 1)


def published_for(sandbox, user: str) -> list:
    return [call for call in sandbox.slack.calls_to("views.publish") if call.args["user_id"] == user]


def home_of(sandbox, user: str, *, count: int) -> dict:
    """The `count`th view published as someone's Home tab, as Slack keeps it (with its id, so a click carries it)."""
    calls = sandbox.slack.wait_for("views.publish", count=count, where=lambda c: c.args["user_id"] == user)
    return calls[count - 1].response["view"]


def click_on_home(sandbox, home: dict, action_id: str, *, user: str = AMIRA):
    """Press a button on the Home tab. Slack sends the view it is on, and no channel or response_url."""
    return sandbox.sim.click_home(home, action_id, user=user)


def help_message(sandbox, command: str = Command.TALKS) -> dict:
    """The help someone sees, only them, in the channel where they typed `<command> help`."""
    reply, _ = sandbox.sim.command(command, "help", user=AMIRA, channel=CHANNEL)
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    return answer


def opened_form(sandbox) -> dict:
    [call] = sandbox.slack.wait_for("views.open")
    return call.args["view"]


def buttons(blocks: list[dict]) -> list[tuple[str, str]]:
    return [(e["text"]["text"], e["action_id"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]


def input_ids(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def sections(home: dict) -> list[str]:
    """The text of each section, header and context on the tab, in order (fields joined by " | ")."""
    shown = []
    for block in home["blocks"]:
        if block["type"] in ("section", "header"):
            text = (block.get("text") or {}).get("text") or " | ".join(f["text"] for f in block.get("fields") or [])
            shown.append(text)
        elif block["type"] == "context":
            shown.append(" ".join(e["text"] for e in block["elements"]))
    return shown


def part(home: dict, header: str) -> list[str]:
    """What follows a header on the tab, up to the next header or divider."""
    blocks = home["blocks"]
    start = next(i for i, b in enumerate(blocks) if b["type"] == "header" and b["text"]["text"] == header)
    end = next((i for i, b in enumerate(blocks) if i > start and b["type"] in ("header", "divider")), len(blocks))
    return sections({"blocks": blocks[start + 1 : end]})


# ---- the Home tab --------------------------------------------------------------------------------------------


def test_a_first_visit_welcomes_in_three_lines_with_buttons_to_share_ask_agree_and_invite(sandbox):
    home = open_home(sandbox)
    assert home["type"] == "home"
    assert sections(home)[0] == h.WELCOME
    assert len(h.WELCOME.splitlines()) == 4  # a heading and three lines
    assert buttons(home["blocks"]) == [
        ("Share practice", Action.OPEN_SHARE_MODAL),
        ("Ask for collaboration", Action.OPEN_COLLAB_MODAL),
        ("Write an agreement", Action.OPEN_AGREEMENT_MODAL),
        ("Invite to an event", Action.OPEN_MEETUP_MODAL),
    ]
    assert sections(home)[-2:] == [
        f"*Two questions to ask every time your team meets*\n• {TWO_QUESTIONS[0]}\n• {TWO_QUESTIONS[1]}",
        "Follow tags to hear of new practice and requests once a day: `/talks follow #send` · "
        "`/talks help` shows everything Programme Talks can do",
    ]
    assert part(home, "🤝 Your open requests") == [
        "You have no open requests. *Ask for collaboration* above when you need a partner or help."
    ]
    assert "🔔 Needs attention" not in sections(home)  # for champions and leaders
    assert visits(sandbox) == [(AMIRA, 1)]

    again = open_home(sandbox)
    assert h.WELCOME not in sections(again)
    assert buttons(again["blocks"])[0] == ("Share practice", Action.OPEN_SHARE_MODAL)
    assert visits(sandbox) == [(AMIRA, 2)]


def test_slack_retrying_the_event_publishes_and_counts_the_visit_once(sandbox):
    event = {"type": "app_home_opened", "user": AMIRA, "channel": "D_HOME", "tab": "home", "event_ts": "1.0"}
    assert sandbox.sim.event(event, event_id="Ev_HOME").status == 200
    home_of(sandbox, AMIRA, count=1)
    [first] = published_for(sandbox, AMIRA)
    assert sandbox.sim.event(event, event_id="Ev_HOME", retry_num=1).status == 200
    sandbox.slack.assert_no_call("views.publish", where=lambda call: call is not first)
    assert visits(sandbox) == [(AMIRA, 1)]


def visits(sandbox) -> list[tuple[str, int]]:
    with sandbox.sessions() as session:
        return [(v.user_id, v.visits) for v in session.scalars(select(HomeVisit).order_by(HomeVisit.user_id))]


def test_opening_the_messages_tab_publishes_nothing(sandbox):
    event = {"type": "app_home_opened", "user": AMIRA, "channel": "D_HOME", "tab": "messages", "event_ts": "1.0"}
    assert sandbox.sim.event(event).status == 200
    sandbox.slack.assert_no_call("views.publish")


def test_share_practice_on_the_home_tab_opens_the_share_form_asking_where_and_posts_there(sandbox):
    reply = click_on_home(sandbox, open_home(sandbox), Action.OPEN_SHARE_MODAL)
    assert (reply.status, reply.body) == (200, "")
    form = opened_form(sandbox)
    assert form["callback_id"] == View.SHARE
    assert input_ids(form)[0] == Block.CHANNEL  # opened from the Home tab: it asks where to post
    assert json.loads(form["private_metadata"]) == {"channel_id": None, "share_id": None}

    assert sandbox.sim.submit(form, SHARE_FORM | {Block.CHANNEL: YOUTH}, user=AMIRA).body == ""
    [post] = sandbox.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == YOUTH
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)
    [share] = shares(sandbox.sessions)
    assert (share.author_id, share.channel_id, share.title, share.message_ts) == (
        AMIRA,
        YOUTH,
        "Walking bus to school",
        post.response["ts"],
    )


def test_ask_for_collaboration_on_the_home_tab_opens_the_request_form_asking_where_and_posts_there(sandbox):
    reply = click_on_home(sandbox, open_home(sandbox), Action.OPEN_COLLAB_MODAL)
    assert (reply.status, reply.body) == (200, "")
    form = opened_form(sandbox)
    assert form["callback_id"] == View.COLLAB
    assert input_ids(form) == [Block.REQUEST, Block.NEEDED_BY, Block.CHANNEL]
    assert json.loads(form["private_metadata"]) == {"channel_id": None, "share_id": None}

    assert sandbox.sim.submit(form, {Block.REQUEST: REQUEST, Block.CHANNEL: YOUTH}, user=AMIRA).body == ""
    [post] = sandbox.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == YOUTH
    wait_until(lambda: requests(sandbox.sessions)[0].message_ts)
    [request] = requests(sandbox.sessions)
    assert (request.requester_id, request.channel_id, request.body, request.needed_by, request.message_ts) == (
        AMIRA,
        YOUTH,
        REQUEST,
        None,
        post.response["ts"],
    )


def test_write_an_agreement_on_the_home_tab_opens_the_agreement_form_with_its_writer_as_a_party(sandbox):
    reply = click_on_home(sandbox, open_home(sandbox), Action.OPEN_AGREEMENT_MODAL)
    assert (reply.status, reply.body) == (200, "")
    form = opened_form(sandbox)
    assert form["callback_id"] == View.AGREEMENT_PARTIES
    [people] = [b for b in form["blocks"] if b.get("block_id") == Block.PARTY_USERS]
    assert people["element"]["initial_users"] == [AMIRA]
    answer = sandbox.sim.submit(
        form,
        {
            Block.AGREEMENT_TITLE: "Summer sports hall",
            Block.CHANNEL: YOUTH,
            Block.PARTY_USERS: [AMIRA, "U_BEN"],
        },
        user=AMIRA,
    )
    assert answer.json()["response_action"] == "update"  # on to step 2: who does what
    assert answer.json()["view"]["callback_id"] == View.AGREEMENT_DETAILS


def test_invite_to_an_event_on_the_home_tab_opens_the_event_form_and_posts_the_event_where_chosen(sandbox):
    reply = click_on_home(sandbox, open_home(sandbox), Action.OPEN_MEETUP_MODAL)
    assert (reply.status, reply.body) == (200, "")
    form = opened_form(sandbox)
    assert form["callback_id"] == View.MEETUP
    answer = sandbox.sim.submit(
        form,
        {
            Block.MEETUP_TITLE: "Youth forum open evening",
            Block.MEETUP_DATE: "2026-12-03",
            Block.MEETUP_TIME: "16:00",
            Block.PLACE: "Riverside Hall",
            Block.CHANNEL: YOUTH,
        },
        user=AMIRA,
    )
    assert answer.body == ""
    [post] = sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == YOUTH)
    assert "Youth forum open evening" in all_text(post.args["blocks"])


NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)  # the clock fixture's Friday morning
LONDON = ZoneInfo("Europe/London")


def test_home_shows_your_open_requests_with_their_offers_what_you_offered_on_agreements_and_events(sandbox):
    with sandbox.sessions.begin() as session:
        mine = rs.add_request(session, team_id="T0001", requester_id=AMIRA, channel_id=CHANNEL, body=REQUEST, now=NOW)
        for offerer in ("U_DEV", "U_EVE"):
            rs.add_offer(session, team_id="T0001", request_id=mine.id, user_id=offerer, now=NOW)
        done = rs.add_request(session, team_id="T0001", requester_id=AMIRA, channel_id=CHANNEL, body="Old", now=NOW)
        rs.resolve_request(session, team_id="T0001", request_id=done.id, now=NOW)
        bens = rs.add_request(
            session, team_id="T0001", requester_id="U_BEN", channel_id=CHANNEL, body="A <b>hall</b> & kit", now=NOW
        )
        rs.add_offer(session, team_id="T0001", request_id=bens.id, user_id=AMIRA, now=NOW)
        ags.add_agreement(
            session,
            team_id="T0001",
            created_by=AMIRA,
            title="Walking bus rota",
            channel_id=CHANNEL,
            user_ids=[AMIRA],
            organisations=[],
            terms=Terms(
                ("Run it",), dt.date(2026, 11, 1), dt.date(2027, 6, 30), "a", "b", "c", dt.date(2026, 11, 28), 28
            ),
            now=NOW,
        )
        ags.add_agreement(
            session,
            team_id="T0001",
            created_by=AMIRA,
            title="Summer sports hall",
            channel_id=CHANNEL,
            user_ids=[AMIRA, "U_BEN"],
            organisations=[],
            terms=Terms(
                ("Book", "Coach"), dt.date(2026, 12, 1), dt.date(2027, 6, 30), "a", "b", "c", dt.date(2027, 1, 10), 28
            ),
            now=NOW,
        )
        for title, starts, invited in (("Youth forum", 3, [AMIRA]), ("Careers fair", 10, []), ("Not mine", 4, [])):
            card, _ = ms.add_meetup(
                session,
                team_id="T0001",
                created_by="U_BEN",
                channel_id=YOUTH,
                title=title,
                starts_at=NOW + dt.timedelta(days=starts),
                place="Riverside Hall",
                about="",
                channels=[YOUTH],
                invited_users=invited,
                now=NOW,
            )
            if title == "Careers fair":
                ms.save_answer(session, team_id="T0001", meetup_id=card.id, user_id=AMIRA, answer="going", now=NOW)
    home = open_home(sandbox)
    assert part(home, "🤝 Your open requests") == [
        f"• {REQUEST}\n   _asked Fri 27 Nov_ · 🙋 <@U_DEV> and <@U_EVE> offered to help"
    ]
    assert part(home, "🙋 Requests you offered to help with") == [
        "• <@U_BEN>: A &lt;b&gt;hall&lt;/b&gt; &amp; kit\n   _open_"
    ]
    assert part(home, "📝 Your agreements") == [
        "*#1* Walking bus rota\n_✅ agreed · next review Sat 28 Nov (tomorrow)_",
        "*#2* Summer sports hall\n"
        "_📝 draft, waiting for everyone to confirm · next review Sun 10 Jan 2027 (in 44 days)_",
    ]
    assert part(home, "📅 Your upcoming events") == [
        "• *Youth forum*\n   _Mon 30 Nov at 10:00 · Riverside Hall · you're invited_\n"
        "• *Careers fair*\n   _Mon 7 Dec at 10:00 · Riverside Hall · you're going_"
    ]
    [(label, action)] = [
        (b["accessory"]["text"]["text"], b["accessory"]["value"]) for b in home["blocks"] if b.get("accessory")
    ]
    assert (label, action) == ("Record review", "1:2026-11-28")  # due within three days; the draft has none


def test_record_review_on_the_home_tab_opens_the_review_form_for_that_date(sandbox):
    with sandbox.sessions.begin() as session:
        ags.add_agreement(
            session,
            team_id="T0001",
            created_by=AMIRA,
            title="Walking bus rota",
            channel_id=CHANNEL,
            user_ids=[AMIRA],
            organisations=[],
            terms=Terms(
                ("Run it",), dt.date(2026, 11, 1), dt.date(2027, 6, 30), "a", "b", "c", dt.date(2026, 11, 27), 28
            ),
            now=NOW - dt.timedelta(days=30),
        )
    reply = click_on_home(sandbox, open_home(sandbox), Action.RECORD_REVIEW)
    assert (reply.status, reply.body) == (200, "")
    form = opened_form(sandbox)
    assert form["callback_id"] == View.AGREEMENT_REVIEW
    assert json.loads(form["private_metadata"])["review_date"] == "2026-11-27"


def test_champions_see_what_needs_attention_and_the_last_four_weeks(sandbox):
    old = NOW - dt.timedelta(days=8)
    with sandbox.sessions.begin() as session:
        roles.add_role(
            session, team_id="T0001", user_id=AMIRA, role=roles.RoleName.CHAMPION, appointed_by="U_X", now=old
        )
        waiting = rs.add_request(
            session, team_id="T0001", requester_id="U_BEN", channel_id=CHANNEL, body="Still waiting", now=old
        )
        rs.add_request(session, team_id="T0001", requester_id="U_BEN", channel_id=CHANNEL, body="New", now=NOW)
        ags.add_agreement(
            session,
            team_id="T0001",
            created_by="U_BEN",
            title="Overdue one",
            channel_id=CHANNEL,
            user_ids=["U_BEN"],
            organisations=[],
            terms=Terms(
                ("Run it",), dt.date(2026, 10, 1), dt.date(2027, 6, 30), "a", "b", "c", dt.date(2026, 11, 20), 28
            ),
            now=old,
        )
        failed = ledger.claim(
            session,
            team_id="T0001",
            kind=ledger.Kind.DIGEST,
            target=YOUTH,
            period_key="2026-W48",
            scheduled_for=NOW - dt.timedelta(days=4),
            now=NOW,
        )
        assert failed is not None
        ledger.finish(session, delivery_id=failed, status=ledger.Status.FAILED, now=NOW, error="channel_not_found")
    home = open_home(sandbox)
    assert part(home, "🔔 Needs attention") == [
        "*Requests nobody has offered on*\n• <@U_BEN>: Still waiting\n   _8 days without an offer_",
        "*Agreement reviews overdue*\n• *#1* Overdue one: review was due Fri 20 Nov (7 days ago)",
        "*Channels whose digest was not delivered*\n• <#C_YOUTH>: channel_not_found, Mon 23 Nov at 10:00",
    ]
    assert part(home, "📊 The last 4 weeks") == [
        "*0* shares | *2* requests | *0* offers of help | *0* requests resolved | *0* highlights | "
        "*1* agreement written | *0* events held"
    ]
    assert waiting.id == 1
    assert "🔔 Needs attention" not in sections(open_home(sandbox, "U_BEN"))


def test_following_a_tag_refreshes_the_home_tab_of_someone_who_has_opened_it_and_no_one_else(sandbox):
    open_home(sandbox)
    reply, _ = sandbox.sim.command(Command.TALKS, "follow #send", user=AMIRA, channel=CHANNEL)
    assert reply.status == 200
    refreshed = home_of(sandbox, AMIRA, count=2)
    assert sections(refreshed)[-1].startswith("You follow #send (`/talks unfollow #tag` to stop)")
    assert h.WELCOME in sections(refreshed)  # still their first visit: the welcome stays until they come back

    sandbox.sim.command(Command.TALKS, "follow #send", user="U_BEN", channel=CHANNEL)
    sandbox.slack.wait_for("response_url", count=2)
    sandbox.slack.assert_no_call("views.publish", where=lambda c: c.args["user_id"] == "U_BEN")


def test_a_new_request_shows_on_its_authors_home_tab_without_them_opening_it_again(sandbox):
    open_home(sandbox)
    message = {"ts": "1764237000.000100", "text": REQUEST}
    sandbox.sim.shortcut(message, Shortcut.ASK_FROM_MESSAGE, user=AMIRA, channel=CHANNEL, author=AMIRA)
    [opened] = sandbox.slack.wait_for("views.open")
    form = opened.response["view"]
    assert sandbox.sim.submit(form, {Block.REQUEST: REQUEST, Block.CHANNEL: YOUTH}, user=AMIRA).body == ""
    refreshed = home_of(sandbox, AMIRA, count=2)
    [line] = part(refreshed, "🤝 Your open requests")
    assert line.startswith(f"• {REQUEST}\n   _asked Fri 27 Nov · <https://example.slack.com/archives/{YOUTH}/p")
    assert line.endswith("|open>_ · No offers yet")


def test_an_offer_shows_on_the_requesters_home_tab_at_once(sandbox):
    open_home(sandbox)
    sandbox.sim.command(Command.COLLAB, REQUEST, user=AMIRA, channel=CHANNEL)
    wait_until(lambda: requests(sandbox.sessions) and requests(sandbox.sessions)[0].message_ts)
    message = sandbox.slack.messages(CHANNEL)[-1]
    sandbox.sim.click(message, Action.OFFER_HELP, user="U_BEN", channel=CHANNEL)
    wait_until(
        lambda: "<@U_BEN> offered to help" in " ".join(sections(published_for(sandbox, AMIRA)[-1].response["view"]))
    )


def test_a_full_home_tab_for_a_champion_stays_within_slacks_100_blocks():
    people = tuple(f"U{i}" for i in range(60))
    snapshot = h.HomeSnapshot(
        user_id=AMIRA,
        first_visit=True,
        role="champion",
        requests=h.Counted(
            tuple(
                h.MyRequest(i, "&" * 2000, NOW, dt.date(2027, 1, 1), "https://x.org/" + "a" * 400, people)
                for i in range(5)
            ),
            995,
        ),
        offered=h.Counted(tuple(h.OfferedRequest(i, "U1", "<" * 2000, True, None) for i in range(5)), 3),
        agreements=h.Counted(
            tuple(h.MyAgreement(i, ">" * 200, "agreed", dt.date(2026, 11, 27), "https://x.org") for i in range(5)), 7
        ),
        meetups=h.Counted(tuple(h.MyMeetup(i, "&" * 150, NOW, "&" * 500, "going") for i in range(5)), 9),
        follows=tuple(f"tag-{i}" for i in range(50)),
        attention=h.Attention(
            unanswered=tuple(h.Unanswered(i, "U1", "&" * 2000, NOW - dt.timedelta(days=9)) for i in range(5)),
            more_unanswered=40,
            overdue=tuple(h.OverdueReview(i, "&" * 200, dt.date(2026, 11, 1)) for i in range(5)),
            more_overdue=2,
            failed=tuple(h.FailedDigest(f"C{i}", "channel_not_found", NOW) for i in range(5)),
        ),
        recent=h.RecentCounts(100_000, 20_000, 30_000, 5_000, 900, 40, 12),
    )
    view = home_view(snapshot, now=NOW, tz=LONDON)
    assert isinstance(view, SlackView)
    blocks = view.to_dict()["blocks"]  # slack_sdk checks each block's limits as it builds the dict
    assert len(blocks) == 29  # welcome, buttons, 4 lists (3 + 3 + 7 + 3), attention (6), counts (2), questions (3)
    assert max(len(b.get("text", {}).get("text", "")) for b in blocks) <= 3000


# ---- the help message in a channel ---------------------------------------------------------------------------


def test_share_practice_on_the_help_message_opens_the_share_form_for_that_channel_and_posts_there(sandbox):
    message = help_message(sandbox, Command.SHARE)
    reply, _ = sandbox.sim.click(message, Action.OPEN_SHARE_MODAL, user=AMIRA, channel=CHANNEL)
    assert (reply.status, reply.body) == (200, "")
    form = opened_form(sandbox)
    assert form["callback_id"] == View.SHARE
    assert Block.CHANNEL not in input_ids(form)  # opened in a channel: it posts there
    assert json.loads(form["private_metadata"]) == {"channel_id": CHANNEL, "share_id": None}

    assert sandbox.sim.submit(form, SHARE_FORM, user=AMIRA).body == ""
    [post] = sandbox.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == CHANNEL
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)
    [share] = shares(sandbox.sessions)
    assert (share.author_id, share.channel_id, share.body, share.message_ts) == (
        AMIRA,
        CHANNEL,
        SHARE_FORM[Block.BODY],
        post.response["ts"],
    )


def test_ask_for_collaboration_on_the_help_message_opens_the_request_form_for_that_channel_and_posts_there(sandbox):
    message = help_message(sandbox, Command.TALKS)
    reply, _ = sandbox.sim.click(message, Action.OPEN_COLLAB_MODAL, user=AMIRA, channel=CHANNEL)
    assert (reply.status, reply.body) == (200, "")
    form = opened_form(sandbox)
    assert form["callback_id"] == View.COLLAB
    assert input_ids(form) == [Block.REQUEST, Block.NEEDED_BY]
    assert json.loads(form["private_metadata"]) == {"channel_id": CHANNEL, "share_id": None}

    answer = sandbox.sim.submit(form, {Block.REQUEST: REQUEST, Block.NEEDED_BY: "2026-12-18"}, user=AMIRA)
    assert answer.body == ""
    [post] = sandbox.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == CHANNEL
    wait_until(lambda: requests(sandbox.sessions)[0].message_ts)
    [request] = requests(sandbox.sessions)
    assert (request.requester_id, request.channel_id, request.body, str(request.needed_by)) == (
        AMIRA,
        CHANNEL,
        REQUEST,
        "2026-12-18",
    )
