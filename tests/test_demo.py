"""The demo command plays its whole week against the local Slack stand-in and prints what Slack would show people:
their messages, forms and Home tab drawn for a terminal, in their names, never as ids, keys or job names."""

from __future__ import annotations

import io
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.devkit.demo import run_demo
from bot.devkit.demo.narration import Narrator, wants_color
from domain.words import TWO_QUESTIONS
from storage.ledger import Kind, Status


class Terminal(io.StringIO):
    """What the demo prints to, as if to a person's terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """Where the demo writes its last scene's newsletter and chart."""
    return tmp_path_factory.mktemp("demo-files")


@pytest.fixture(scope="module")
def shown(tmp_path_factory, files) -> str:
    """What the demo printed to a terminal whose person set NO_COLOR, played once for this module; it must have
    finished with exit code 0."""
    out = Terminal()
    database = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NO_COLOR", "1")
        code = run_demo(database_url=database, out=out, files=files)
    assert code == 0, out.getvalue()
    return out.getvalue()


def scene(shown: str, title: str) -> str:
    """What the demo printed under the scene with this title (after its number), up to the next scene."""
    [after] = re.split(rf"\n── \d+\. {re.escape(title)} ─+\n", shown)[1:]
    return after.split("\n── ")[0]


def framed(*lines: str) -> str:
    """Lines of what Slack shows, as the demo frames them."""
    return "".join(f"  │ {line}".rstrip() + "\n" for line in lines)


def test_no_colour_was_asked_for_so_no_escape_codes_are_printed(shown) -> None:
    assert "\x1b" not in shown


def test_bold_and_italics_are_drawn_only_for_a_terminal_whose_person_has_not_set_no_color() -> None:
    assert wants_color(Terminal(), {}) is True
    assert wants_color(Terminal(), {"NO_COLOR": "1"}) is False
    assert wants_color(Terminal(), {"NO_COLOR": ""}) is True  # set but empty counts as not set (no-color.org)
    assert wants_color(io.StringIO(), {}) is False  # a file or a pipe


def test_slacks_text_is_drawn_for_a_terminal_as_slack_shows_it() -> None:
    out = io.StringIO()
    narrator = Narrator(out, color=True, users={"U_DEV": "Dev"}, channels={"C_PRACTICE": "practice"})
    text = "*Walking bus* _every_ day &amp; <https://example.org/bus|how we did it> with <@U_DEV> in <#C_PRACTICE>"
    narrator.show("Dev sees:", [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
    narrator.say(f"Only Dev sees: {narrator.words('&lt;b&gt; is not bold, *this* is')}")
    assert out.getvalue().splitlines() == [
        "Dev sees:",
        "  │ \x1b[1mWalking bus\x1b[22m \x1b[3mevery\x1b[23m day & how we did it (https://example.org/bus) "
        "with @Dev in #practice",
        "Only Dev sees: <b> is not bold, \x1b[1mthis\x1b[22m is",
    ]


def test_what_slack_shows_in_the_demo_has_no_mark_up_left(shown) -> None:
    """Bold, italics, links, mentions and escaped characters are all drawn; what someone typed is theirs."""
    typed = re.compile(r"^\w+ types in #\w+:  /")
    mark_up = re.compile(r"&(?:amp|lt|gt);|<[@#]|<https?:|(?<!\w)[*_~][^\W_]|\w[*~](?!\w)")
    assert [line for line in shown.splitlines() if mark_up.search(line) and not typed.match(line)] == []


def test_the_demo_names_people_and_channels_and_never_shows_ids_ledger_keys_or_job_names(shown) -> None:
    slack_ids = re.findall(r"\b[UCDGTW](?:_[A-Z0-9_]+|\d{4,}|[A-Z0-9]{8,})\b", shown)
    ledger_keys = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d+:\d{4}-\d\d-\d\d:d[-+]\d+|\bevent-\d+", shown)
    kinds = [kind.value for kind in Kind if "_" in kind.value and kind.value in shown]
    narrated = "\n".join(line for line in shown.splitlines() if not line.startswith("  │"))  # not Slack's words
    statuses = [s.value for s in Status if s != Status.DELIVERED and re.search(rf"\b{s.value}\b", narrated)]
    assert (slack_ids, ledger_keys, kinds, statuses) == ([], [], [], [])
    assert not re.search(r"^\s*(?:posted|could not post) ", shown, re.MULTILINE)  # the scheduler's own lines
    assert "run-due at" not in shown and "slack.com/archives" not in shown
    assert not re.search(r"\b[a-z_]+(?:\.[a-z_]+)+:[a-z_]+\b", shown)  # a job's "module:function"


def test_amira_sees_a_welcome_on_her_first_visit_to_the_home_tab(shown) -> None:
    assert scene(shown, "Amira opens Programme Talks for the first time").startswith(
        "She clicks Programme Talks in Slack's sidebar. Its Home tab is hers alone: a welcome on her first\n"
        "visit, buttons for what she can do, and (empty for now) her requests, agreements and events.\n"
        "Amira sees:\n"
        + framed(
            "👋 Welcome to Programme Talks.",
            "  • Share practice that worked with children and young people, so others can try it.",
            "  • Ask for collaboration when you need a partner or help; anyone can offer with one click.",
            "  • Everything you're part of shows here: your requests, offers, agreements and events.",
            "   [Share practice] [Ask for collaboration] [Write an agreement] [Invite to an event]",
            "== 🤝 Your open requests ==",
            "You have no open requests. Ask for collaboration above when you need a partner or help.",
        )
    )


def test_a_one_line_share_shows_its_words_then_its_link_and_tags_once(shown) -> None:
    assert scene(shown, "Amira shares practice in one line") == (
        "Amira types in #practice:  /share Texting parents the night before doubled attendance at our homework club "
        "#attendance #parents https://example.org/homework-club\n"
        "Programme Talks posts in #practice:\n"
        + framed(
            "== 💡 Practice share ==",
            "Texting parents the night before doubled attendance at our homework club",
            "🔗 https://example.org/homework-club",
            "   [⋯]",
            "   Shared by @Amira · #attendance #parents",
        )
    )


def test_dev_gets_one_message_a_day_for_the_tags_he_follows(shown) -> None:
    followed = scene(shown, "Dev follows the tags he cares about")
    assert "Only Dev sees: ✅ You now follow #transition #attendance." in followed
    assert scene(shown, "Saturday morning: what's new for the tags Dev follows").startswith(
        "The scheduler wakes up every minute. At 09:00 it finds something for Dev:\n"
        "Saturday 09:00: Dev gets one direct message with what's new for the tags they follow\n"
        "Dev's direct message:\n"
        + framed(
            "🔖 New for the tags you follow (#attendance #transition)",
            "  • 💡 Practice shared by @Ben: Peer mentors for Year 7 transition",
            "#transition · open",
        )
    )


def test_amira_shares_devs_message_as_practice_and_he_is_credited_once_he_accepts(shown) -> None:
    captured = scene(shown, "Amira shares Dev's message as practice, and he agrees to be credited")
    assert captured.startswith(
        "Dev writes in #practice:\n"
        + framed(
            "Our walking bus has halved lateness since September! 🎉 Parents & carers take turns to walk children in "
            "from the estate each morning.",
            "▎ It's the best bit of my day - a Year 8 walker",
            "Ask me here or in #partners if you'd like to start one #parents",
        )
        + "Amira thinks everyone should see it. On Dev's message she opens ⋯ and chooses “Share as practice”.\n"
        "A form opens for Amira, filled in from the message: “Share practice”\n"
        + framed(
            "   📎 From a message by @Dev in #practice. You'll be the author; I'll ask @Dev whether they'd like to be "
            "credited, and nobody is named unless they agree.",
            "Post in: this channel",
            "Title: Our walking bus has halved lateness since September!",
            "What we did: Our walking bus has halved lateness since September! :tada: Parents & carers take turns to "
            "walk children in from the estate each morning.",
            "             It's the best bit of my day - a Year 8 walker",
            "             Ask me here or in #partners if you'd like to start one #parents",
        )
    )
    assert captured.endswith(
        "Nobody is named without agreeing, so Dev gets a direct message:\n"
        + framed(
            "👋 @Amira shared your message as practice in #practice (open). May it say “From a message by you” under "
            "it? Nothing names you unless you accept.",
            "   [Accept] [No thanks]",
        )
        + "Dev clicks “Accept”.\n"
        "His message now reads: ✅ Thank you: it now says it came from your message.\n"
        "Under the share in #practice, in its thread:\n" + framed("📎 From a message by @Dev (open)")
    )


def test_leos_request_shows_only_him_earlier_practice_that_may_help(shown) -> None:
    matched = scene(shown, "Leo asks for ideas, and is shown practice that may help")
    assert (
        "A moment later, only Leo gets a direct message:\n"
        + framed(
            "💡 Practice that may help with your request (see the request):",
            "▎ Ideas to help Year 6 children settle when they move up to secondary school? #transition",
            "  • Peer mentors for Year 7 transition",
            "Year 9 volunteers met each new Year 7 twice in the summer and once a week in September.",
            "Shared by @Ben · #transition #mentoring · open",
            "  • Our walking bus has halved lateness since September!",
        )
    ) in matched
    assert matched.endswith(
        "   @Ben and @Amira have done something like this: why not ask them how it went? Only you can see this.\n"
        "Nobody else is told. Dev follows #transition, so Leo's request will be in his next daily message.\n"
    )


def test_the_demo_plays_every_scene_and_counts_what_the_database_holds(shown) -> None:
    assert (
        "Only Priya sees: ✅ @Chloe is now a champion." in shown
        and "Only Priya sees: ✅ @Leo is now a leader." in shown
    )
    assert "The first is on Monday 30 November at 09:00." in shown
    assert "│ == 💡 Peer mentors for Year 7 transition ==" in shown
    assert "│ 🙋 @Dev offered to help with your collaboration request (see the request):" in shown
    assert "│ Great work today @here <!channel> see https://evil.example\n" in shown
    summary = shown.split("── Summary ")[1].split("\n", 1)[1]
    assert re.sub(r"http://127\.0\.0\.1:\d+/api/", "http://127.0.0.1:PORT/api/", summary) == (
        "Stored in the database: 4 shares, 2 collaboration requests, 1 agreement and 1 event.\n"
        "Also 1 highlight, 2 reactions, 1 author credited with their agreement, and 2 earlier shares suggested\n"
        "to someone asking for help.\n"
        "Delivered once each by the scheduler: 4 digests, 2 daily messages for followed tags, 3 review nudges and "
        "1 event reminder.\n"
        "No Slack account was used: everything went to the pretend Slack on this computer, "
        "http://127.0.0.1:PORT/api/\n"
        "\n"
        "Two questions every team should ask when it meets:\n" + "".join(f"  • {q}\n" for q in TWO_QUESTIONS)
    )


def test_chloe_writes_an_agreement_with_riverside_trust_in_two_steps_and_it_is_agreed_when_dev_confirms(
    shown,
) -> None:
    written = scene(shown, "Chloe and Dev write down how they'll work with Riverside Trust")
    assert "Step 1 of 2: who is it between?" in written and "[Cancel]  [Next]" in written
    assert "Step 2 of 2: who does what?" in written and "[Cancel]  [Save and share]" in written
    assert framed("Riverside Trust (contact: Sam Patel)", "What they will do: ____") in written
    draft = written.split("Programme Talks posts in #practice:")[1]
    assert framed("== 🤝 Agreement #1: Saturday sports sessions at Riverside ==") in draft
    assert framed("Status: 📝 Draft, waiting for everyone to confirm") in draft
    assert framed("Dates: Tuesday 1 December 2026 to Saturday 27 February 2027") in draft
    assert framed("Next review: Thursday 10 December 2026, then every 4 weeks") in draft
    assert framed("   Confirmed by @Chloe; waiting for @Dev · Version 1") in draft
    assert "Dev gets a direct message:\n" + framed("👋 @Chloe has written down an agreement with you.")[:-1] in draft

    agreed = scene(shown, "Dev confirms, so the agreement is agreed")
    assert "His message now begins: ✅ Thank you. Everyone has confirmed, so agreement #1 is agreed." in agreed
    assert (
        framed(
            "== 🤝 Agreement #1: Saturday sports sessions at Riverside ==",
            "Status: ✅ Agreed by everyone",
            "   …",
            "   Confirmed by @Chloe and @Dev · Version 1",
            "   …",
            "   [Propose a change] [Record review] [⋯]",
        )
        in agreed.split("The summary in #practice now reads")[1]
    )
    assert framed("🎉 Everyone has confirmed agreement #1: it's agreed.") in agreed


def test_amiras_event_is_posted_and_invited_and_shows_who_is_going_and_interested(shown) -> None:
    posted = scene(shown, "Amira invites people to an event")
    assert framed("== 📅 Youth forum open evening ==", "When: Thursday 3 December 2026 at 16:00") in posted
    assert framed("✅ Youth forum open evening is posted in #practice and #partners.") in posted
    assert "Ben gets the invitation by direct message:\n" + framed("👋 @Amira invited you to an event.")[:-1] in posted

    answered = scene(shown, "Ben is going; Dev is interested")
    assert "Ben sees, only to Ben: ✅ You're going: Youth forum open evening, Thursday 3 December" in answered
    assert framed("✅ Going: 1 (@Ben)", "👀 Interested: 1", "   [✅ Going] [👀 Interested] [⋯]") in answered


def test_mondays_digest_is_told_in_peoples_terms_and_credits_leos_highlight(shown) -> None:
    digest = scene(shown, "The week passes: Monday's digest")
    assert digest.startswith(
        "Monday 09:00: the week's digest arrives in #practice\n"
        "Monday 09:00: Chloe, a champion, gets a copy by direct message, with what needs a champion first\n"
        "Monday 09:00: Dev gets one direct message with what's new for the tags they follow\n"
    )
    in_channel, champion = digest.split("Chloe's copy begins with what needs a champion:")
    assert (
        framed(
            "== ⭐ Leaders' highlights ==",
            "Peer mentors for Year 7 transition",
            "Year 9 volunteers met each new Year 7 twice in the summer and once a week in September.",
            "⭐ Highlighted by @Leo",
            "Shared by @Ben · 27 Nov · 👏 1 · open",
        )
        in in_channel
    )
    assert (
        framed(
            "== 📅 Upcoming events ==",
            "Thu 3 Dec, 16:00 · Youth forum open evening · Riverside Hall · 1 going, 1 interested · open",
        )
        in in_channel
    )
    assert "Agreement reviews due" not in in_channel  # the first review, on 10 December, is more than 7 days away
    assert "│ == 🔔 Needs your attention ==\n  │ ✅ Nothing needs you" in champion

    again = scene(shown, "The scheduler wakes again at the same minute")
    assert again == (
        "Say a second copy of the app is running, or someone looking after it wakes it by hand:\n"
        "Monday 09:00: the scheduler wakes up and finds nothing new to send.\n"
        "Still one digest in #practice and one for Chloe: the app remembers what went out.\n"
    )


def test_before_tuesdays_team_meeting_the_two_questions_arrive_in_practice(shown) -> None:
    asked = scene(shown, "Chloe asks for the two questions before each team meeting")
    assert asked.startswith("Chloe types in #practice:  /talks prompt here weekly tue 09:45\nOnly Chloe sees: ✅ ")
    prompted = scene(shown, "Tuesday: a quarter of an hour before the team meets")
    assert prompted == (
        "Tuesday 09:45: the two questions arrive in #practice, before the team meets\n"
        "Programme Talks posts in #practice:\n"
        + framed(
            "🗓️ Two questions for your team meeting",
            *(f"  • {question}" for question in TWO_QUESTIONS),
            "   [Share practice] [Ask for collaboration]",
            "🤝 Still open in this channel: could someone here help?",
            "  • Looking for a partner with a sports hall for Saturday youth sessions",
            "asked by @Chloe · 28 Nov · needed by 15 Jan · 1 offer · open",
            "  • Ideas to help Year 6 children settle when they move up to secondary school? #transition",
            "asked by @Leo · 28 Nov · no offers yet · open",
            "🔁 Agreement reviews coming up",
            "#1 Saturday sports sessions at Riverside — review due Thu 10 Dec (in 9 days) · @Chloe, @Dev, "
            "Riverside Trust",
            "   💬 Reply in this thread with what worked or what you need. Afterwards, Capture replies asks each "
            "person who replied whether their words may be shared as practice: nothing is shared unless they say yes.",
            "   [Capture replies]",
        )
        + "\n📅 Wednesday 2 December\n"
    )


def test_a_careless_share_is_shown_as_plain_words_that_notify_nobody(shown) -> None:
    assert scene(shown, "A careless share cannot ping anyone") == (
        "Amira pastes in text from elsewhere, with @here, Slack's code for alerting everyone (<!channel>),\n"
        "and a link hidden behind the word “this”:\n"
        "Amira types in #practice:  /share Great work today @here <!channel> see <https://evil.example|this>\n"
        "Programme Talks posts in #practice:\n"
        + framed(
            "== 💡 Practice share ==",
            "Great work today @here <!channel> see",
            "🔗 https://evil.example",
            "   [⋯]",
            "   Shared by @Amira",
        )
        + "Nobody gets a notification: @here and <!channel> show as plain words, not as alerts to everyone in the\n"
        "channel, and the link shows the address it really goes to instead of hiding it behind “this”.\n"
    )


def test_only_ben_who_is_going_is_reminded_the_day_before(shown) -> None:
    reminded = scene(shown, "The day before the event")
    assert reminded == (
        "Wednesday 09:00: Ben, who is going, gets a reminder of tomorrow's event\n"
        "Ben's direct message:\n"
        + framed(
            "⏰ Reminder: Youth forum open evening is tomorrow at 16:00.",
            "Where: Riverside Hall",
            "",
            "You said you're going. See you there!",
            "   Can't make it now? Press Going again on the event in #practice to take your answer back.",
        )
        + "Dev is only interested, so he gets no reminder.\n\n📅 Monday 7 December\n"
    )


def test_three_days_before_the_first_review_the_channel_chloe_and_dev_are_nudged_once(shown) -> None:
    nudged = scene(shown, "Three days before the agreement's first review")
    assert nudged.startswith(
        "Monday 09:00: the week's digest arrives in #practice\n"
        "Monday 09:00: Chloe, a champion, gets a copy by direct message, with what needs a champion first\n"
        "Monday 09:00: a nudge to review the agreement arrives in #practice\n"
        "Monday 09:00: Chloe gets the same nudge by direct message\n"
        "Monday 09:00: Dev gets the same nudge by direct message\n"
        "Programme Talks posts in #practice:\n"
        + framed(
            "⏰ Agreement #1 Saturday sports sessions at Riverside is due for review on Thu 10 Dec (in 3 days).",
            "It only takes a couple of minutes: how it's going, and whether everyone has been credited.",
            "   Parties: @Chloe, @Dev, Riverside Trust (contact: Sam Patel)",
            "   [Record review]",
        )
    )
    assert nudged.endswith(
        "Woken again at the same minute:\n"
        "Monday 09:00: the scheduler wakes up and finds nothing new to send.\n"
        "Still one nudge in #practice and one each for Chloe and Dev.\n"
    )


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.images: list[dict] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "h2"
        self.h2 += [""] if self._in else []
        self.images += [dict(attrs)] if tag == "img" else []

    def handle_endtag(self, tag):
        self._in = self._in and tag != "h2"

    def handle_data(self, data):
        if self._in:
            self.h2[-1] += data


def test_the_demo_ends_with_novembers_newsletter_and_a_chart_written_to_files_it_names(shown, files) -> None:
    last = scene(shown, "Chloe drafts November's newsletter and asks for a chart")
    names = ["programme-talks-activity-12-months.png", "programme-talks-newsletter-2026-11.html"]
    names.append("programme-talks-newsletter-2026-11.md")
    assert last.endswith(
        "Chloe presses Download, then asks for a chart of the last 12 months:\n"
        "Chloe types in #practice:  /talks chart activity 12 months\n"
        "Programme Talks sends them to her direct messages. Open them on this computer:\n"
        + "".join(f"  {files / name}\n" for name in names)
    )
    assert sorted(path.name for path in files.iterdir()) == names
    page = Headings()
    page.feed((files / names[1]).read_text())
    page.close()
    assert page.h2 == [
        "Leaders’ highlights",
        "Practice shared this month",
        "Collaborations that found a partner",
        "Agreements started",
        "Agreement reviews completed",
        "Events",
        "The month in charts",
        "Over to you",
    ]
    assert [image["alt"][:19] for image in page.images] == ["Activity per month,", "Median days for a r"]
    png = (files / names[0]).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1200, 600)
    assert (files / names[2]).read_text().startswith("# Test Team: Programme Talks newsletter, November 2026\n")
