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
from handlers.publish import reason
from storage import agreements as ags
from storage import ledger, roles
from storage import meetups as ms
from storage import requests as rs
from storage import subscriptions as subs
from storage.models import HomeVisit, Meetup, MeetupRsvp, QueuedJob
from tests.helpers import all_text, requests, response_to, run_due, shares, wait_until
from tests.helpers.agreements import agreement, confirm, details, opened, summary, write_agreement
from tests.helpers.meetups import answer as answer_event
from tests.helpers.meetups import create_event

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


# ---- kept fresh: published again when something on it changes, for people who have opened it -------------------

BEN, CHLOE, DAN, EVE, ADMIN = "U_BEN", "U_CHLOE", "U_DAN", "U_EVE", "U_ADMIN"


def refreshed(sandbox, user: str, count: int) -> dict:
    """The `count`th Home tab published for someone, and none after it: one change, one refresh."""
    home = home_of(sandbox, user, count=count)
    seen = published_for(sandbox, user)
    sandbox.slack.assert_no_call(
        "views.publish", where=lambda c: c.args["user_id"] == user and not any(c is s for s in seen)
    )
    return home


def never_published(sandbox, *users: str) -> None:
    sandbox.slack.assert_no_call("views.publish", where=lambda c: c.args["user_id"] in users)


def link_to(message: dict, channel: str) -> str:
    """How the Home tab links to a message the app posted (the stand-in's permalinks)."""
    return f"<https://example.slack.com/archives/{channel}/p{message['ts'].replace('.', '')}|open>"


def record_review_button(home: dict) -> str | None:
    """The value of the Record review button on the tab, if it has one."""
    values = [b["accessory"]["value"] for b in home["blocks"] if (b.get("accessory") or {}).get("text")]
    assert len(values) <= 1
    return values[0] if values else None


def jobs_not_done(sandbox) -> list[tuple[str, str]]:
    with sandbox.sessions() as session:
        return [(j.name, j.status) for j in session.scalars(select(QueuedJob)) if j.status != "done"]


DRAFT, AGREED = "📝 draft, waiting for everyone to confirm", "✅ agreed"


def agreement_line(status: str, review: str, link: str) -> str:
    """How the Home tab lists the agreement the helpers write (agreement #1)."""
    return f"*#1* Summer sports hall\n_{status} · next review {review} · {link}_"


NO_REQUESTS = "You have no open requests. *Ask for collaboration* above when you need a partner or help."
NO_EVENTS = "No events coming up for you. *Invite to an event* above to bring people to something you run."


def test_an_offer_and_resolving_show_on_the_requesters_and_the_offerers_home_tabs(sandbox):
    open_home(sandbox, AMIRA)
    open_home(sandbox, BEN)
    sandbox.sim.command(Command.COLLAB, REQUEST, user=AMIRA, channel=CHANNEL)
    asked = refreshed(sandbox, AMIRA, 2)
    message = sandbox.slack.messages(CHANNEL)[-1]
    link = link_to(message, CHANNEL)
    assert part(asked, "🤝 Your open requests") == [f"• {REQUEST}\n   _asked Fri 27 Nov · {link}_ · No offers yet"]

    sandbox.sim.click(message, Action.OFFER_HELP, user=BEN, channel=CHANNEL)
    offered = refreshed(sandbox, AMIRA, 3)
    assert part(offered, "🤝 Your open requests") == [
        f"• {REQUEST}\n   _asked Fri 27 Nov · {link}_ · 🙋 <@{BEN}> offered to help"
    ]
    assert part(refreshed(sandbox, BEN, 2), "🙋 Requests you offered to help with") == [
        f"• <@{AMIRA}>: {REQUEST}\n   _open · {link}_"
    ]

    sandbox.sim.click(sandbox.slack.messages(CHANNEL)[-1], Action.RESOLVE_REQUEST, user=AMIRA, channel=CHANNEL)
    assert part(refreshed(sandbox, AMIRA, 4), "🤝 Your open requests") == [NO_REQUESTS]
    assert part(refreshed(sandbox, BEN, 3), "🙋 Requests you offered to help with") == [
        f"• <@{AMIRA}>: {REQUEST}\n   _✅ resolved · {link}_"
    ]


def test_sharing_practice_publishes_nobodys_home_tab_as_shares_are_not_on_it(sandbox):
    open_home(sandbox, AMIRA)
    sandbox.sim.command(Command.SHARE, "Texting parents doubled homework club attendance", user=AMIRA, channel=CHANNEL)
    wait_until(lambda: shares(sandbox.sessions) and shares(sandbox.sessions)[0].message_ts)
    refreshed(sandbox, AMIRA, 1)


def test_writing_an_agreement_shows_it_on_the_home_tab_of_each_party_who_has_opened_theirs_and_nobody_else(sandbox):
    open_home(sandbox, AMIRA)
    open_home(sandbox, BEN)
    write_agreement(sandbox, step_one={Block.PARTY_USERS: [AMIRA, BEN, CHLOE]})
    link = link_to(summary(sandbox), CHANNEL)
    line = agreement_line(DRAFT, "Mon 7 Dec (in 10 days)", link)
    assert part(refreshed(sandbox, AMIRA, 2), "📝 Your agreements") == [line]
    assert part(refreshed(sandbox, BEN, 2), "📝 Your agreements") == [line]
    never_published(sandbox, CHLOE)
    assert visits(sandbox) == [(AMIRA, 1), (BEN, 1)]  # a refresh is not a visit


def test_confirming_and_changing_an_agreement_show_its_status_on_the_parties_home_tabs(sandbox):
    open_home(sandbox, AMIRA)
    open_home(sandbox, BEN)
    write_agreement(sandbox)
    link = link_to(summary(sandbox), CHANNEL)
    draft = agreement_line(DRAFT, "Mon 7 Dec (in 10 days)", link)
    for person in (AMIRA, BEN):
        assert part(refreshed(sandbox, person, 2), "📝 Your agreements") == [draft]

    assert confirm(sandbox, BEN) == "✅ Thank you. Everyone has confirmed, so agreement #1 is agreed."
    agreed = agreement_line(AGREED, "Mon 7 Dec (in 10 days)", link)
    for person in (AMIRA, BEN):
        assert part(refreshed(sandbox, person, 3), "📝 Your agreements") == [agreed]

    sandbox.sim.click(summary(sandbox), Action.PROPOSE_CHANGE, user=BEN, channel=CHANNEL)
    changed = details(3, **{Block.CHANGE_NOTE: "The hall is free from the 14th", Block.FIRST_REVIEW: "2026-12-14"})
    assert sandbox.sim.submit(opened(sandbox, View.AGREEMENT_CHANGE), changed, user=BEN).body == ""
    again = agreement_line(DRAFT, "Mon 14 Dec (in 17 days)", link)
    for person in (AMIRA, BEN):
        assert part(refreshed(sandbox, person, 4), "📝 Your agreements") == [again]


def test_a_review_recorded_from_the_home_tab_moves_the_next_review_on_every_partys_tab(sandbox, clock):
    open_home(sandbox, AMIRA)
    open_home(sandbox, BEN)
    write_agreement(sandbox)
    confirm(sandbox, BEN)
    link = link_to(summary(sandbox), CHANNEL)
    for person in (AMIRA, BEN):
        refreshed(sandbox, person, 3)
    clock.set(dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC))  # the review's day
    amiras = open_home(sandbox, AMIRA)
    bens = open_home(sandbox, BEN)
    assert record_review_button(bens) == "1:2026-12-07"

    assert click_on_home(sandbox, bens, Action.RECORD_REVIEW, user=BEN).body == ""
    form = opened(sandbox, View.AGREEMENT_REVIEW)
    [next_review] = [b["element"] for b in form["blocks"] if b.get("block_id") == Block.NEXT_REVIEW]
    assert next_review["initial_date"] == "2027-01-04"  # a cadence on, as suggested
    answers = {Block.OUTCOME: "on_track", Block.ACHIEVED: "Twelve Saturday sessions", Block.CREDITED: "yes"}
    assert sandbox.sim.submit(form, answers | {Block.NEXT_REVIEW: "2027-01-04"}, user=BEN).body == ""
    moved = agreement_line(AGREED, "Mon 4 Jan 2027 (in 28 days)", link)
    for person in (AMIRA, BEN):
        home = refreshed(sandbox, person, 5)
        assert part(home, "📝 Your agreements") == [moved]
        assert record_review_button(home) is None

    # Amira's tab from before still showed the button: pressing it says so, and brings her tab up to date.
    assert click_on_home(sandbox, amiras, Action.RECORD_REVIEW, user=AMIRA).body == ""
    notice = sandbox.slack.wait_for("views.open", where=lambda c: c.args["view"]["title"]["text"] == "Record review")
    assert sections(notice[-1].args["view"]) == [
        f"<@{BEN}> already recorded the review due Mon 7 Dec. The next one is on Monday 4 January 2027."
    ]
    assert part(refreshed(sandbox, AMIRA, 6), "📝 Your agreements") == [moved]


def test_a_review_coming_due_puts_record_review_on_the_home_tab_of_parties_who_have_opened_it(
    sandbox, env, capsys, clock
):
    open_home(sandbox, AMIRA)
    write_agreement(sandbox)
    confirm(sandbox, BEN)
    assert record_review_button(refreshed(sandbox, AMIRA, 3)) is None  # ten days away
    clock.set(dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC))
    run_due("2026-12-04T09:00", capsys)  # the first nudge, three days before
    home = refreshed(sandbox, AMIRA, 4)
    link = link_to(summary(sandbox), CHANNEL)
    assert part(home, "📝 Your agreements") == [agreement_line(AGREED, "Mon 7 Dec (in 3 days)", link)]
    assert record_review_button(home) == "1:2026-12-07"
    never_published(sandbox, BEN)


def test_an_event_shows_on_the_home_tab_of_each_person_invited_who_has_opened_theirs(sandbox):
    open_home(sandbox, BEN)
    create_event(sandbox, **{Block.INVITE_PEOPLE: [BEN, CHLOE]})
    event = sandbox.slack.messages(CHANNEL)[-1]
    assert part(refreshed(sandbox, BEN, 2), "📅 Your upcoming events") == [
        "• *Youth forum open evening*\n"
        f"   _Thu 3 Dec at 16:00 · Riverside Hall · you're invited · {link_to(event, CHANNEL)}_"
    ]
    never_published(sandbox, AMIRA, CHLOE)


def test_going_interested_and_taking_it_back_show_on_the_home_tab_of_whoever_answers(sandbox):
    open_home(sandbox, DAN)
    create_event(sandbox)
    link = link_to(sandbox.slack.messages(CHANNEL)[-1], CHANNEL)
    shown = f"• *Youth forum open evening*\n   _Thu 3 Dec at 16:00 · Riverside Hall · you're {{}} · {link}_"
    answer_event(sandbox, CHANNEL, Action.MEETUP_GOING, DAN)
    assert part(refreshed(sandbox, DAN, 2), "📅 Your upcoming events") == [shown.format("going")]
    answer_event(sandbox, CHANNEL, Action.MEETUP_INTERESTED, DAN)
    assert part(refreshed(sandbox, DAN, 3), "📅 Your upcoming events") == [shown.format("interested")]
    answer_event(sandbox, CHANNEL, Action.MEETUP_INTERESTED, DAN)  # pressed again: taken back
    assert part(refreshed(sandbox, DAN, 4), "📅 Your upcoming events") == [NO_EVENTS]
    never_published(sandbox, AMIRA)


def test_someone_made_a_champion_sees_what_needs_attention_until_they_stand_down(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)
    open_home(sandbox, AMIRA)
    sandbox.sim.command(Command.TALKS, f"champion <@{AMIRA}> <@{BEN}>", user=ADMIN, channel=CHANNEL)
    champion = refreshed(sandbox, AMIRA, 2)
    assert part(champion, "🔔 Needs attention") == ["Nothing needs attention right now. 🎉"]
    assert part(champion, "📊 The last 4 weeks") == [
        "*0* shares | *0* requests | *0* offers of help | *0* requests resolved | *0* highlights | "
        "*0* agreements written | *0* events held"
    ]
    sandbox.sim.command(Command.TALKS, f"champion remove <@{AMIRA}>", user=ADMIN, channel=CHANNEL)
    stood_down = refreshed(sandbox, AMIRA, 3)
    assert "🔔 Needs attention" not in sections(stood_down) and "📊 The last 4 weeks" not in sections(stood_down)
    never_published(sandbox, BEN)


def test_a_reported_request_leaves_its_authors_home_tab_and_comes_back_when_restored(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)
    open_home(sandbox, AMIRA)
    sandbox.sim.command(Command.COLLAB, REQUEST, user=AMIRA, channel=CHANNEL)
    [line] = part(refreshed(sandbox, AMIRA, 2), "🤝 Your open requests")
    message = sandbox.slack.messages(CHANNEL)[-1]
    sandbox.sim.click(message, Action.REPORT_CONCERN, user=EVE, channel=CHANNEL, option="report")
    assert part(refreshed(sandbox, AMIRA, 3), "🤝 Your open requests") == [NO_REQUESTS]
    decide(sandbox, ADMIN, Action.RESTORE_REPORTED)
    assert part(refreshed(sandbox, AMIRA, 4), "🤝 Your open requests") == [line]


def test_a_reported_event_leaves_the_home_tabs_of_people_invited_and_going_and_stays_off_once_deleted(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)
    open_home(sandbox, BEN)
    open_home(sandbox, DAN)
    create_event(sandbox, **{Block.INVITE_PEOPLE: [BEN]})
    [invited] = part(refreshed(sandbox, BEN, 2), "📅 Your upcoming events")
    answer_event(sandbox, CHANNEL, Action.MEETUP_GOING, DAN)
    [going] = part(refreshed(sandbox, DAN, 2), "📅 Your upcoming events")
    assert (invited.count("you're invited"), going.count("you're going")) == (1, 1)
    sandbox.sim.click(
        sandbox.slack.messages(CHANNEL)[-1], Action.REPORT_CONCERN, user=EVE, channel=CHANNEL, option="report"
    )
    for person in (BEN, DAN):
        assert part(refreshed(sandbox, person, 3), "📅 Your upcoming events") == [NO_EVENTS]
    decide(sandbox, ADMIN, Action.DELETE_REPORTED)
    for person in (BEN, DAN):
        assert part(refreshed(sandbox, person, 4), "📅 Your upcoming events") == [NO_EVENTS]
    with sandbox.sessions() as session:
        assert session.scalars(select(Meetup)).all() == []


def decide(sandbox, user: str, action: str) -> None:
    """Press Restore or Delete in the direct message telling a champion or admin of a concern; wait for the answer."""
    notice = wait_until(
        lambda: next((m for m in sandbox.slack.messages(user) if "concern was reported" in m.get("text", "")), None)
    )
    _, url = sandbox.sim.click(notice, action, user=user, channel="D" + user)
    response_to(sandbox.slack, url)


def test_a_champion_sees_a_digest_the_app_paused_however_long_ago_until_it_is_started_again(sandbox):
    paused_at = NOW - dt.timedelta(days=20)
    why = reason("channel_not_found")
    with sandbox.sessions.begin() as session:
        roles.add_role(
            session, team_id="T0001", user_id=AMIRA, role=roles.RoleName.CHAMPION, appointed_by="U_X", now=paused_at
        )
        subs.save_subscription(
            session, team_id="T0001", channel_id="C_OLD", schedule="weekly mon 09:00", user_id=AMIRA, now=paused_at
        )
        subs.pause_subscription(session, team_id="T0001", channel_id="C_OLD", reason=why, now=paused_at)
        subs.save_subscription(
            session, team_id="T0001", channel_id=YOUTH, schedule="daily 08:30", user_id=AMIRA, now=paused_at
        )
        subs.pause_subscription(session, team_id="T0001", channel_id=YOUTH, reason=None, now=paused_at)  # "off"
    assert part(open_home(sandbox), "🔔 Needs attention") == [
        "*Channels whose digest was not delivered*\n"
        f"• <#C_OLD>: paused since Sat 7 Nov: {why}. "
        "To start it again, type `/talks digest here weekly mon 09:00` in it"
    ]
    with sandbox.sessions.begin() as session:
        subs.save_subscription(
            session, team_id="T0001", channel_id="C_OLD", schedule="weekly mon 09:00", user_id=AMIRA, now=NOW
        )
    assert part(open_home(sandbox), "🔔 Needs attention") == ["Nothing needs attention right now. 🎉"]


# ---- a tab Slack won't take -------------------------------------------------------------------------------------


def test_a_home_tab_slack_refuses_is_logged_and_the_answer_to_an_event_still_counts_everywhere(sandbox, caplog):
    open_home(sandbox, DAN)
    create_event(sandbox)
    sandbox.slack.fail("views.publish", status=500, times=4, where=lambda args: args.get("user_id") == DAN)
    note = answer_event(sandbox, CHANNEL, Action.MEETUP_GOING, DAN)
    assert note.startswith("✅ You're going: *Youth forum open evening*, Thursday 3 December 2026 at 16:00.")
    wait_until(lambda: f"<@{DAN}>" in all_text(sandbox.slack.messages(CHANNEL)[-1]["blocks"]))
    sandbox.slack.wait_for("views.publish", count=5, where=lambda c: c.args["user_id"] == DAN, timeout=15)
    wait_until(lambda: not jobs_not_done(sandbox))  # the job finished: not failed, nor waiting to be tried again
    with sandbox.sessions() as session:
        assert [(r.user_id, r.answer) for r in session.scalars(select(MeetupRsvp))] == [(DAN, "going")]
    assert f"could not publish the Home tab of {DAN}" in caplog.text


def test_a_home_tab_slack_refuses_does_not_stop_an_agreement_being_agreed_or_the_other_partys_tab(sandbox, caplog):
    open_home(sandbox, AMIRA)
    open_home(sandbox, BEN)
    write_agreement(sandbox)
    for person in (AMIRA, BEN):
        refreshed(sandbox, person, 2)
    sandbox.slack.fail("views.publish", error="user_not_found", where=lambda args: args.get("user_id") == AMIRA)
    assert confirm(sandbox, BEN) == "✅ Thank you. Everyone has confirmed, so agreement #1 is agreed."
    [line] = part(refreshed(sandbox, BEN, 3), "📝 Your agreements")
    assert line.startswith("*#1* Summer sports hall\n_✅ agreed · ")
    refused = home_of_call(sandbox, AMIRA, 3)
    assert refused.response == {"ok": False, "error": "user_not_found"}
    wait_until(lambda: not jobs_not_done(sandbox))
    assert agreement(sandbox, 1).status == "agreed"
    assert f"could not publish the Home tab of {AMIRA}: " in caplog.text


def home_of_call(sandbox, user: str, count: int):
    return sandbox.slack.wait_for("views.publish", count=count, where=lambda c: c.args["user_id"] == user)[count - 1]
