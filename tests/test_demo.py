"""The demo command plays its whole scene against the local Slack stand-in and says what Slack would show."""

from __future__ import annotations

import io

from bot.demo import run_demo
from handlers.blocks import TWO_QUESTIONS


def test_demo_plays_every_step_and_shows_what_people_would_see(tmp_path) -> None:
    out = io.StringIO()

    code = run_demo(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}", out=out)

    shown = out.getvalue()
    assert code == 0, shown
    assert "Texting parents the night before doubled attendance at our homework club" in shown
    assert "== 💡 Peer mentors for Year 7 transition ==" in shown
    assert "@Dev offered to help with your collaboration request" in shown
    assert "Great session today @here &lt;!channel&gt; see https://evil.example" in shown
    assert "Stored in the database: 3 shares and 1 collaboration request." in shown
    for question in TWO_QUESTIONS:
        assert question in shown
