"""The demo command plays its whole scene against the local Slack stand-in and says what Slack would show."""

from __future__ import annotations

import io
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.devkit.demo import run_demo
from domain.words import TWO_QUESTIONS

DIGEST_DUE, REMINDER_DUE, NUDGE_DUE = "2026-11-30T09:00", "2026-12-02T09:00", "2026-12-07T09:00"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """Where the demo writes its last scene's newsletter and chart."""
    return tmp_path_factory.mktemp("demo-files")


@pytest.fixture(scope="module")
def shown(tmp_path_factory, files) -> str:
    """What the demo printed, played once for this module; it must have finished with exit code 0."""
    out = io.StringIO()
    database = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    code = run_demo(database_url=database, out=out, files=files)
    assert code == 0, out.getvalue()
    return out.getvalue()


def step(shown: str, title: str) -> str:
    """What the demo printed under the step with this title, up to the next step."""
    return shown.split(f" {title} ", 1)[1].split("\n── ")[0]


def runs(shown: str, moment: str) -> list[str]:
    """What each `run-due --at moment` printed, and what the demo showed after it, up to the next step."""
    return [part.split("\n── ")[0] for part in shown.split(f"$ programme-talks run-due --at {moment}")[1:]]


def test_demo_plays_every_step_and_shows_what_people_would_see(shown) -> None:
    assert "✅ @Chloe is now a champion." in shown and "✅ @Leo is now a leader." in shown
    assert "The first is on Monday 30 November at 09:00." in shown
    assert "Texting parents the night before doubled attendance at our homework club" in shown
    assert "== 💡 Peer mentors for Year 7 transition ==" in shown
    assert "@Dev offered to help with your collaboration request" in shown
    assert "Great session today @here &lt;!channel&gt; see https://evil.example" in shown
    assert "Stored in the database: 3 shares, 1 collaboration request, 1 agreement and 1 event." in shown
    assert (
        "Also 1 highlight and 2 reactions; delivered once each: 4 digests, 3 review nudges and 1 event reminder."
    ) in shown
    for question in TWO_QUESTIONS:
        assert question in shown


def test_chloe_writes_an_agreement_with_riverside_trust_in_two_steps_and_it_is_agreed_when_dev_confirms(
    shown,
) -> None:
    written = step(shown, "Chloe and Dev write down how they'll work with Riverside Trust")
    assert "Step 1 of 2: who is it between?" in written and "[Cancel]  [Next]" in written
    assert "Step 2 of 2: who does what?" in written and "[Cancel]  [Save and share]" in written
    assert "│ *Riverside Trust (contact: Sam Patel)*\n  │    What they will do: ____" in written
    draft = written.split("Programme Talks posts in #practice:")[1]
    assert "== 🤝 Agreement #1: Saturday sports sessions at Riverside ==" in draft
    assert "*Status:* 📝 Draft, waiting for everyone to confirm" in draft
    assert "*Dates:* Tuesday 1 December 2026 to Saturday 27 February 2027" in draft
    assert "Riverside Trust named on every poster and social post" in draft
    assert "*Next review:* Thursday 10 December 2026, then every 4 weeks" in draft
    assert "Confirmed by @Chloe; waiting for @Dev" in draft
    assert "Dev gets a direct message:\n  │ 👋 @Chloe has written down an agreement with you." in draft

    agreed = step(shown, "Dev confirms, so the agreement is agreed")
    assert "His message now begins: ✅ Thank you. Everyone has confirmed, so agreement #1 is agreed." in agreed
    summary = agreed.split("The summary in #practice now reads")[1]
    assert "*Status:* ✅ Agreed by everyone" in summary
    assert "Confirmed by @Chloe and @Dev · Version 1" in summary
    assert "[Propose a change] [Record review]" in summary
    assert "🎉 Everyone has confirmed agreement #1: it's agreed." in agreed


def test_amiras_event_is_posted_and_invited_and_shows_who_is_going_and_interested(shown) -> None:
    posted = step(shown, "Amira invites people to an event")
    assert "== 📅 Youth forum open evening ==" in posted
    assert "*When:* Thursday 3 December 2026 at 16:00\n  │ *Where:* Riverside Hall" in posted
    assert "Youth workers, teachers and partners planning work with young people" in posted
    assert "✅ *Youth forum open evening* is posted in #practice and #partners." in posted
    assert "Ben gets the invitation by direct message:\n  │ 👋 @Amira invited you to an event." in posted

    answered = step(shown, "Ben is going; Dev is interested")
    assert "Ben sees, only to Ben: ✅ You're going" in answered
    assert "I've noted you're interested" in answered
    event = answered.split("The event in #practice now reads:")[1]
    assert "│ ✅ *Going: 1* (@Ben)\n  │ 👀 *Interested: 1*\n  │    [✅ Going] [👀 Interested]" in event


def test_the_weeks_digest_credits_leos_highlight_and_chloe_sees_what_needs_her(shown) -> None:
    first_run = runs(shown, DIGEST_DUE)[0]
    assert "posted digest to C_PRACTICE 2026-11-30T09:00" in first_run
    assert "posted champion digest to U_CHLOE 2026-11-30T09:00" in first_run
    in_channel, champion_dm = first_run.split("Chloe, a champion, gets it by direct message")
    assert (
        "│ == ⭐ Leaders' highlights ==\n"
        "  │ *Peer mentors for Year 7 transition*\n"
        "  │ Year 9 volunteers met each new Year 7 twice in the summer and once a week in September.\n"
        "  │ ⭐ Highlighted by @Leo\n"
        "  │ _Shared by @Ben · 27 Nov · 👏 1 · "
    ) in in_channel
    assert "_Shared by @Amira · 27 Nov · 👏 1 · " in in_channel  # Dev's :clap:
    assert "_Asked by @Chloe · 28 Nov · needed by 15 Jan · 1 offer · " in in_channel
    assert (
        "│ == 📅 Upcoming events ==\n"
        "  │ Thu 3 Dec, 16:00 · Youth forum open evening · Riverside Hall · 1 going, 1 interested"
    ) in in_channel
    assert "Agreement reviews due" not in in_channel  # the first review, on 10 December, is more than 7 days away
    assert "== 🔔 Needs your attention ==\n  │ ✅ Nothing needs you" in champion_dm


def test_running_the_scheduler_again_at_the_same_moment_posts_nothing(shown) -> None:
    for moment, when in ((DIGEST_DUE, "2026-11-30 09:00"), (NUDGE_DUE, "2026-12-07 09:00")):
        first, second = runs(shown, moment)
        assert "posted" in first
        assert f"run-due at {when} GMT: nothing to do" in second
        assert "posted" not in second


def test_ben_who_is_going_is_reminded_the_day_before_and_dev_who_is_interested_is_not(shown) -> None:
    [reminders] = runs(shown, REMINDER_DUE)
    assert "run-due at 2026-12-02 09:00 GMT: 1 thing done\n    posted event_reminder to U_BEN event-1" in reminders
    assert "Ben, who is going, gets a direct message:" in reminders
    assert "│ ⏰ *Reminder:* Youth forum open evening is tomorrow at 16:00.\n  │ *Where:* Riverside Hall" in reminders
    assert "Dev is only interested, so he gets no reminder." in reminders


def test_three_days_before_the_first_review_the_channel_chloe_and_dev_are_nudged_to_record_it(shown) -> None:
    nudges = runs(shown, NUDGE_DUE)[0]
    for target in ("C_PRACTICE", "U_CHLOE", "U_DEV"):
        assert f"posted review_nudge to {target} 1:2026-12-10:d-3" in nudges
    assert "posted digest to C_PRACTICE 2026-12-07T09:00" in nudges  # Monday: the week's digest is due too
    nudge = nudges.split("Programme Talks posts in #practice:")[1]
    assert (
        "│ ⏰ Agreement *#1 Saturday sports sessions at Riverside* is due for review on Thu 10 Dec (in 3 days).\n"
    ) in nudge
    assert "│    Parties: @Chloe, @Dev, Riverside Trust (contact: Sam Patel)\n  │    [Record review]" in nudge
    assert "Chloe and Dev each get the same by direct message." in nudge
    assert (
        "│ == 🔁 Agreement reviews due ==\n"
        "  │ #1 Saturday sports sessions at Riverside — review due Thu 10 Dec (in 3 days) · "
        "@Chloe, @Dev, Riverside Trust"
    ) in nudge


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
    last = step(shown, "Chloe drafts November's newsletter and asks for a chart")
    names = ["programme-talks-activity-12-months.png", "programme-talks-newsletter-2026-11.html"]
    names.append("programme-talks-newsletter-2026-11.md")
    assert "Open them on this computer:\n" + "".join(f"  {files / name}\n" for name in names) in last
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
