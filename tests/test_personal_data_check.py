"""The personal-data check before anything is posted: it helps rather than blocks.

Quick `/share` and `/collab`: what was found is shown to its author alone, marked, with Edit (the form, filled in)
and "It holds no child's or private personal data: post it" (recorded in the audit trail). Forms are shown again
with every word kept and what was found at the top, and a box to tick. Strict mode gives the words back instead.
Driven over signed HTTP against the local Slack stand-in, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.devkit.local_slack import Call
from domain.personal_data import find_personal_data
from handlers.blocks import MESSAGE_TEXT_CHARS
from handlers.ids import Action, Block, View
from handlers.personal_data import OVERRIDE_VALUE
from handlers.shares.blocks import flagged_blocks
from storage import audit
from storage.models import Agreement, CollabRequest, HeldPost, Meetup, Share
from tests.helpers import all_text, assert_safe_mrkdwn, count, response_to, shares, wait_until
from tests.helpers.agreements import AMIRA, first_step
from tests.helpers.agreements import details as agreement_details
from tests.helpers.limits import posted, sent, typed

CHANNEL, ADMIN, STAFF = "C_PRACTICE", "U_ADMIN", "U_BEN"
JO = "Jo Bloggs, aged 12, in care at 14 Elm Road, now attends"
TOM = "Need foster placement for Tom Smith (age 9) by 15 June"
EDIT, POST_IT = "Edit", "It holds no child's or private personal data: post it"
ALREADY = "Nothing more to do: those words were already posted or sent from the form (or, after 12 hours, forgotten)."
KEPT = "Only you can see this. Nothing has been posted; I'll keep your words for 12 hours."
MARKED_SHARE = (
    "⚠️ *Before I post your share: it looks like it holds personal data.* I found a name next to an age "
    "(“Jo Bloggs, aged 12”) and a street address (“14 Elm Road”), marked ⟦like this⟧ below. Please take it out, or "
    "describe people without naming them (“a Year 7 pupil”, “a parent”). If it holds no child's or private personal "
    "data, you can post it as it is.\n"
    "⟦Jo Bloggs, aged 12⟧, in care at ⟦14 Elm Road⟧, now attends"
)


def audit_trail(sandbox) -> list[tuple]:
    with sandbox.sessions.begin() as session:
        entries = audit.list_entries(session, team_id="T0001", since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    return [(e.actor_id, e.action, e.subject, e.details) for e in entries]


def held(sandbox) -> list[str]:
    with sandbox.sessions() as session:
        return list(session.scalars(select(HeldPost.text).order_by(HeldPost.id)))


def ask(sandbox, command: str, text: str, user: str = STAFF) -> tuple[dict, str]:
    """Type a quick command whose words hold personal data: the question asked (the acknowledgement), and its URL."""
    reply, url = sandbox.sim.command(command, text, user=user, channel=CHANNEL)
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    return answer, url


def strict_mode(sandbox) -> None:
    sandbox.slack.add_user(ADMIN, is_admin=True)
    _, url = sandbox.sim.command("/talks", "personal-data strict", user=ADMIN, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"].startswith("✅ Done. The personal-data check here is *strict*")


def opened_view(sandbox, callback_id: str) -> dict:
    calls = sandbox.slack.wait_for("views.open", where=lambda c: c.args["view"]["callback_id"] == callback_id)
    return calls[-1].args["view"]


def initial_values(view: dict) -> dict:
    found = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            found[block["block_id"]] = next((element[key] for key in element if key.startswith("initial_")), None)
    return found


# ---- the quick path ---------------------------------------------------------------------------------------------


def test_a_quick_share_naming_a_child_in_care_at_an_address_is_not_posted_and_its_author_alone_is_asked(sandbox):
    answer, _ = ask(sandbox, "/share", JO)
    assert all_text(answer["blocks"]) == "\n".join([MARKED_SHARE, EDIT, POST_IT, KEPT])
    sandbox.slack.assert_no_call("chat.postMessage")
    assert count(sandbox.sessions, Share) == 0
    assert held(sandbox) == [JO]  # held for the buttons, never in them: they carry its id
    assert [e.get("value") for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]] == ["1", "1"]
    assert audit_trail(sandbox) == []


def test_a_quick_request_naming_a_foster_child_with_his_age_is_not_posted_and_its_author_alone_is_asked(sandbox):
    answer, _ = ask(sandbox, "/collab", TOM)
    assert all_text(answer["blocks"]) == (
        "⚠️ *Before I post your request: it looks like it holds personal data.* I found a name next to an age "
        "(“Tom Smith (age 9)”), marked ⟦like this⟧ below. Please take it out, or describe people without naming them "
        "(“a Year 7 pupil”, “a parent”). If it holds no child's or private personal data, you can post it as it is.\n"
        f"Need foster placement for ⟦Tom Smith (age 9)⟧ by 15 June\n{EDIT}\n{POST_IT}\n{KEPT}"
    )
    sandbox.slack.assert_no_call("chat.postMessage")
    assert count(sandbox.sessions, CollabRequest) == 0


def test_edit_opens_the_share_form_with_their_words_and_what_was_found_and_the_changed_share_posts_once(sandbox):
    answer, _ = ask(sandbox, "/share", JO)
    reply, _ = sandbox.sim.click(answer, Action.EDIT_FLAGGED, user=STAFF, channel=CHANNEL)
    assert (reply.status, reply.body) == (200, "")
    view = opened_view(sandbox, View.SHARE)
    assert initial_values(view)[Block.BODY] == JO  # their words, every one, to change
    assert all_text(view["blocks"][:2]) == (
        "⚠️ *This looks like it holds personal data.* I found a name next to an age (“Jo Bloggs, aged 12”) and a "
        "street address (“14 Elm Road”), marked ⟦like this⟧ below. Please take it out, or describe people without "
        "naming them (“a Year 7 pupil”, “a parent”). If it holds no child's or private personal data (an "
        "organisation's own details, say), tick the box at the bottom and press *Share* again.\n"
        "*What we did*\n⟦Jo Bloggs, aged 12⟧, in care at ⟦14 Elm Road⟧, now attends"
    )
    assert Block.PERSONAL_DATA_OVERRIDE not in initial_values(view)  # the box comes only if it still holds any
    changed = "A Year 7 pupil in care now attends homework club every week"
    values = {Block.TITLE: "Homework club for children in care", Block.BODY: changed, Block.CONSENT: True}
    assert sandbox.sim.submit(view, values, user=STAFF).body == ""
    [post] = sandbox.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == CHANNEL and changed in all_text(post.args["blocks"])
    wait_until(lambda: shares(sandbox.sessions)[0].message_ts)
    assert [s.body for s in shares(sandbox.sessions)] == [changed]
    assert held(sandbox) == []  # sent from the form: the held words are forgotten
    assert [action for _, action, _, _ in audit_trail(sandbox)] == []  # nothing was overridden
    _, url = sandbox.sim.click(answer, Action.POST_FLAGGED, user=STAFF, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"] == (ALREADY)
    assert len(sandbox.slack.messages(CHANNEL)) == 1


def test_edit_opens_the_request_form_with_the_request_and_its_date(sandbox):
    answer, _ = ask(sandbox, "/collab", TOM)
    sandbox.sim.click(answer, Action.EDIT_FLAGGED, user=STAFF, channel=CHANNEL)
    view = opened_view(sandbox, View.COLLAB)
    assert initial_values(view) == {
        Block.REQUEST: "Need foster placement for Tom Smith (age 9)",
        Block.NEEDED_BY: "2027-06-15",
    }
    assert "*What partner or help you are looking for*\nNeed foster placement for ⟦Tom Smith (age 9)⟧" in all_text(
        view["blocks"]
    )


def test_posting_it_anyway_saves_and_posts_it_and_records_the_override_with_the_kinds_found(sandbox):
    answer, _ = ask(sandbox, "/share", JO)
    reply, url = sandbox.sim.click(answer, Action.POST_FLAGGED, user=STAFF, channel=CHANNEL)
    assert (reply.status, reply.body) == (200, "")
    [post] = sandbox.slack.wait_for("chat.postMessage")
    assert all_text(post.args["blocks"]) == f"💡 Practice share\n{JO}\nShared by <@{STAFF}>"
    said = response_to(sandbox.slack, url).args
    assert (said["text"], said["replace_original"]) == (f"✅ Posted in <#{CHANNEL}>. Thank you for checking it.", True)
    [share] = shares(sandbox.sessions)
    assert audit_trail(sandbox) == [
        (
            STAFF,
            audit.Action.PERSONAL_DATA_OVERRIDE,
            f"share:{share.id}",
            {"kinds": ["address", "child"], "where": "/share"},
        )
    ]
    assert held(sandbox) == []
    _, again = sandbox.sim.click(answer, Action.POST_FLAGGED, user=STAFF, channel=CHANNEL)  # pressed twice
    assert response_to(sandbox.slack, again).args["text"] == (ALREADY)
    assert len(sandbox.slack.messages(CHANNEL)) == 1 and count(sandbox.sessions, Share) == 1
    assert len(audit_trail(sandbox)) == 1


def test_in_strict_mode_flagged_words_are_given_back_and_cannot_be_posted_anyway(sandbox):
    answer, _ = ask(sandbox, "/collab", TOM)  # asked while the workspace was in standard mode
    strict_mode(sandbox)
    assert audit_trail(sandbox) == [
        (
            ADMIN,
            audit.Action.SETTING_CHANGED,
            None,
            {"setting": "personal_data_mode", "from": "standard", "to": "strict"},
        )
    ]
    strict, _ = ask(sandbox, "/share", JO)
    assert all_text(strict["blocks"]) == (
        "⚠️ *I haven't posted your share: it looks like it holds personal data.* I found a name next to an age "
        "(“Jo Bloggs, aged 12”) and a street address (“14 Elm Road”), marked ⟦like this⟧ below. This workspace doesn't "
        "post anything that looks like personal data, so please take it out: press *Edit* to change it in the form, "
        "or copy your words from below.\n"
        "⟦Jo Bloggs, aged 12⟧, in care at ⟦14 Elm Road⟧, now attends\n"
        f"Here is what you wrote:\n```{JO}```\n{EDIT}\n{KEPT}"
    )
    _, url = sandbox.sim.click(answer, Action.POST_FLAGGED, user=STAFF, channel=CHANNEL)  # the older question
    assert response_to(sandbox.slack, url).args["text"] == (
        "This workspace doesn't post anything that looks like personal data, so I can't post this as it is. Press "
        "*Edit* to change it."
    )
    sandbox.slack.assert_no_call("chat.postMessage", where=lambda c: c.args["channel"] == CHANNEL)
    assert count(sandbox.sessions, Share) + count(sandbox.sessions, CollabRequest) == 0
    _, url = sandbox.sim.command("/talks", "personal-data standard", user=STAFF, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"] == (
        "Sorry, only workspace owners and admins can change how the personal-data check works. Nothing has changed."
    )
    _, url = sandbox.sim.command("/talks", "personal-data", user=STAFF, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"].startswith("The personal-data check here is *strict*")


def test_held_words_are_forgotten_after_twelve_hours(sandbox, clock):
    answer, _ = ask(sandbox, "/share", JO)
    clock.advance(hours=12)
    _, url = sandbox.sim.click(answer, Action.EDIT_FLAGGED, user=STAFF, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"] == (
        "Sorry, I no longer have those words: I keep them for 12 hours, and only until they are posted or sent from "
        "the form. Please type them again."
    )
    _, url = sandbox.sim.click(answer, Action.POST_FLAGGED, user=STAFF, channel=CHANNEL)
    assert response_to(sandbox.slack, url).args["text"] == ALREADY
    sandbox.slack.assert_no_call("views.open")
    ask(sandbox, "/collab", TOM)  # holding new words forgets, in every workspace, what has expired
    assert held(sandbox) == [TOM]
    assert count(sandbox.sessions, Share) == 0


def test_a_clean_share_and_an_organisations_own_address_and_switchboard_post_at_once(sandbox):
    for text in (
        "Texting parents the night before doubled homework club attendance #attendance",
        "Referrals to info@riversidetrust.org.uk or our switchboard 0113 496 0000",
    ):
        reply, _ = sandbox.sim.command("/share", text, user=STAFF, channel=CHANNEL)
        assert (reply.status, reply.body) == (200, "")
    posts = sandbox.slack.wait_for("chat.postMessage", count=2)
    assert sorted(all_text(p.args["blocks"]).splitlines()[1] for p in posts) == [
        "Referrals to info@riversidetrust.org.uk or our switchboard 0113 496 0000",
        "Texting parents the night before doubled homework club attendance",  # its tag is shown below it
    ]
    assert held(sandbox) == [] and audit_trail(sandbox) == []


def test_a_raw_here_in_flagged_text_is_escaped_in_the_marked_message(sandbox):
    answer, _ = ask(sandbox, "/share", "<!here> Jamie, 14, needs a lift to <@U_MALLORY>'s club")
    [marked] = [b["text"]["text"] for b in answer["blocks"][1:2]]
    assert marked == "&lt;!here&gt; ⟦Jamie, 14⟧, needs a lift to &lt;@U_MALLORY&gt;'s club"
    assert_safe_mrkdwn(Call("response_url", {"blocks": answer["blocks"], "text": answer.get("text")}, 0, 200, {}))


# ---- forms ------------------------------------------------------------------------------------------------------


def test_the_share_form_with_personal_data_keeps_every_word_shows_what_was_found_and_posts_once_ticked(sandbox):
    sandbox.sim.command("/share", "", user=STAFF, channel=CHANNEL)
    form = opened_view(sandbox, View.SHARE)
    values = {
        Block.TITLE: "Homework club",
        Block.BODY: "Jamie, 14, came every week; his mum is on 07700 900123",
        Block.IMPACT: "Better homework",
        Block.TAGS: "homework",
        Block.CONSENT: True,
    }
    answer = sandbox.sim.submit(form, values, user=STAFF).json()
    assert answer["response_action"] == "update"
    again = answer["view"]
    assert (again["callback_id"], again["private_metadata"]) == (View.SHARE, form["private_metadata"])
    assert initial_values(again) == {
        Block.TITLE: "Homework club",
        Block.BODY: "Jamie, 14, came every week; his mum is on 07700 900123",
        Block.IMPACT: "Better homework",
        Block.TAGS: "homework",
        Block.LINK: None,
        Block.CONSENT: [
            {
                "text": {
                    "type": "plain_text",
                    "text": "It names no child or young person and holds no personal data about them.",
                    "emoji": True,
                },
                "value": "no_personal_data",
            }
        ],
        Block.NAME_CONSENT: None,
        Block.PERSONAL_DATA_OVERRIDE: None,
    }
    assert all_text(again["blocks"][:2]) == (
        "⚠️ *This looks like it holds personal data.* I found a name next to an age (“Jamie, 14”) and a phone number, "
        "marked ⟦like this⟧ below. Please take it out, or describe people without naming them (“a Year 7 pupil”, "
        "“a parent”). If it holds no child's or private personal data (an organisation's own details, say), tick the "
        "box at the bottom and press *Share* again.\n"
        "*What we did*\n⟦Jamie, 14⟧, came every week; his mum is on ⟦07700 900123⟧"
    )
    override = again["blocks"][-1]
    assert (override["block_id"], override["element"]["options"][0]["text"]["text"]) == (
        Block.PERSONAL_DATA_OVERRIDE,
        POST_IT,
    )
    assert "optional" not in override or override["optional"] is False  # required: it must be ticked to post
    assert count(sandbox.sessions, Share) == 0
    sandbox.slack.assert_no_call("chat.postMessage")
    # Sent again without ticking it: asked again, still nothing saved.
    assert sandbox.sim.submit(again, values, user=STAFF).json()["response_action"] == "update"
    assert count(sandbox.sessions, Share) == 0
    assert sandbox.sim.submit(again, values | {Block.PERSONAL_DATA_OVERRIDE: True}, user=STAFF).body == ""
    sandbox.slack.wait_for("chat.postMessage")
    [share] = shares(sandbox.sessions)
    assert share.body == values[Block.BODY]
    assert audit_trail(sandbox) == [
        (
            STAFF,
            audit.Action.PERSONAL_DATA_OVERRIDE,
            f"share:{share.id}",
            {"kinds": ["child", "phone"], "where": View.SHARE},
        )
    ]


def test_a_form_in_strict_mode_keeps_the_words_with_no_box_to_tick(sandbox):
    strict_mode(sandbox)
    sandbox.sim.command("/collab", "", user=STAFF, channel=CHANNEL)
    form = opened_view(sandbox, View.COLLAB)
    values = {Block.REQUEST: TOM}
    answer = sandbox.sim.submit(form, values | {Block.PERSONAL_DATA_OVERRIDE: [OVERRIDE_VALUE]}, user=STAFF).json()
    again = answer["view"]
    assert initial_values(again) == {Block.REQUEST: TOM, Block.NEEDED_BY: None}
    assert all_text(again["blocks"][:1]) == (
        "⚠️ *This looks like it holds personal data.* I found a name next to an age (“Tom Smith (age 9)”), marked "
        "⟦like this⟧ below. This workspace doesn't post anything that looks like personal data, so please take it out "
        "and press *Post request* again. Everything you wrote is still in the form."
    )
    assert count(sandbox.sessions, CollabRequest) == 0


def test_an_agreement_with_personal_data_in_its_terms_is_saved_once_its_author_ticks_the_box(sandbox):
    second = first_step(sandbox).json()["view"]
    terms = agreement_details(3, **{Block.COMMS_EXTERNAL: "Call Jo on 07700 900123 before posting"})
    answer = sandbox.sim.submit(second, terms, user=AMIRA).json()
    assert answer["response_action"] == "update"
    again = answer["view"]
    assert initial_values(again)[Block.COMMS_EXTERNAL] == "Call Jo on 07700 900123 before posting"
    assert (
        all_text(again["blocks"][1:2]) == "*How you'll talk about it outside*\nCall Jo on ⟦07700 900123⟧ before posting"
    )
    assert count(sandbox.sessions, Agreement) == 0
    assert sandbox.sim.submit(again, terms | {Block.PERSONAL_DATA_OVERRIDE: True}, user=AMIRA).body == ""
    wait_until(lambda: count(sandbox.sessions, Agreement) == 1)
    assert audit_trail(sandbox) == [
        (
            AMIRA,
            audit.Action.PERSONAL_DATA_OVERRIDE,
            "agreement:1",
            {"kinds": ["phone"], "where": View.AGREEMENT_DETAILS},
        )
    ]


def test_an_agreement_whose_partner_contact_is_a_personal_email_is_asked_about_at_the_first_step(sandbox):
    answer = first_step(sandbox, **{Block.PARTY_ORGANISATIONS: "Riverside Trust, sam.patel@gmail.com"}).json()
    assert answer["response_action"] == "update"
    assert answer["view"]["callback_id"] == View.AGREEMENT_PARTIES
    assert "*Organisations outside Slack*\nRiverside Trust, ⟦sam.patel@gmail.com⟧" in all_text(answer["view"]["blocks"])
    info = first_step(sandbox, **{Block.PARTY_ORGANISATIONS: "Riverside Trust, info@riversidetrust.org.uk"}).json()
    assert info["view"]["callback_id"] == View.AGREEMENT_DETAILS  # an organisation's own address: on to step 2


def test_an_event_with_personal_data_is_posted_once_its_author_ticks_the_box(sandbox):
    sandbox.sim.command("/event", "", user=AMIRA, channel=CHANNEL)
    form = opened_view(sandbox, View.MEETUP)
    values = {
        Block.MEETUP_TITLE: "Youth forum open evening",
        Block.MEETUP_DATE: "2026-12-03",
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "Riverside Hall",
        Block.ABOUT: "Ring Jo's mum on 07700 900123 for a lift",
        Block.CHANNEL: CHANNEL,
    }
    answer = sandbox.sim.submit(form, values, user=AMIRA).json()
    assert answer["response_action"] == "update"
    assert initial_values(answer["view"])[Block.MEETUP_DATE] == "2026-12-03"
    assert "*What it is*\nRing Jo's mum on ⟦07700 900123⟧ for a lift" in all_text(answer["view"]["blocks"])
    assert count(sandbox.sessions, Meetup) == 0
    assert sandbox.sim.submit(answer["view"], values | {Block.PERSONAL_DATA_OVERRIDE: True}, user=AMIRA).body == ""
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHANNEL)
    [(actor, action, subject, details)] = audit_trail(sandbox)
    assert (actor, action, subject, details) == (
        AMIRA,
        audit.Action.PERSONAL_DATA_OVERRIDE,
        subject,
        {"kinds": ["phone"], "where": View.MEETUP},
    )
    assert subject.startswith("event:")


# ---- Slack's limits ---------------------------------------------------------------------------------------------


def test_the_question_fits_slacks_limits_whatever_the_words():
    for kind in ("ampersands", "angles", "mixed"):
        text = "Jamie, 14, " + typed(kind, 2489)
        findings = find_personal_data(text)
        assert findings
        for strict in (False, True):
            shown = sent(flagged_blocks("share", text, findings, 7, strict=strict))
            assert "".join(b["text"]["text"] for b in shown if b["type"] == "section").count("⟦") >= 1
    ordinary = "Jamie, 14, came every week to homework club. " * 50
    posted(flagged_blocks("share", ordinary, find_personal_data(ordinary), 7, strict=False))
    assert MESSAGE_TEXT_CHARS <= 12_000
