"""The demo command plays its whole scene against the local Slack stand-in and says what Slack would show."""

from __future__ import annotations

import io

import pytest

from bot.demo import run_demo
from handlers.blocks import TWO_QUESTIONS

RUN_DUE = "$ programme-talks run-due --at 2026-11-30T09:00"


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> str:
    """What the demo printed, played once for this module; it must have finished with exit code 0."""
    out = io.StringIO()
    code = run_demo(database_url=f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}", out=out)
    assert code == 0, out.getvalue()
    return out.getvalue()


def test_demo_plays_every_step_and_shows_what_people_would_see(shown) -> None:
    assert "✅ @Chloe is now a champion." in shown and "✅ @Leo is now a leader." in shown
    assert "The first is on Monday 30 November at 09:00." in shown
    assert "Texting parents the night before doubled attendance at our homework club" in shown
    assert "== 💡 Peer mentors for Year 7 transition ==" in shown
    assert "@Dev offered to help with your collaboration request" in shown
    assert "Great session today @here &lt;!channel&gt; see https://evil.example" in shown
    assert "Stored in the database: 3 shares and 1 collaboration request." in shown
    assert "Also 1 highlight, 2 reactions, and 2 digests delivered." in shown
    for question in TWO_QUESTIONS:
        assert question in shown


def test_the_weeks_digest_credits_leos_highlight_and_chloe_sees_what_needs_her(shown) -> None:
    first_run = shown.split(RUN_DUE)[1]
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
    assert "== 🔔 Needs your attention ==\n  │ ✅ Nothing needs you" in champion_dm


def test_running_the_scheduler_again_at_the_same_moment_posts_nothing(shown) -> None:
    assert shown.count(RUN_DUE) == 2
    second_run = shown.split(RUN_DUE)[2].split("── Summary")[0]
    assert "run-due at 2026-11-30 09:00 GMT: nothing to do" in second_run
    assert "posted" not in second_run
