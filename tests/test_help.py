"""`/talks help` tells people, in plain words, how to have a break from the app's messages and choose which they get."""

from __future__ import annotations


def test_help_says_how_to_pause_resume_and_choose_direct_messages(sandbox):
    reply, _ = sandbox.sim.command("/talks", "help", user="U_BEN")
    sections = [b["text"]["text"] for b in reply.json()["blocks"] if b["type"] == "section"]
    assert (
        "*Time away, and which messages you get*\n"
        "`/talks pause 2 weeks` (or `/talks pause until 2027-01-04`) stops my direct messages while you're away, "
        "except asking you to confirm an agreement you're part of. When you're back you get one message with what "
        "you missed. `/talks resume` ends the pause sooner; `/talks pause` on its own says whether you're paused.\n"
        "`/talks dms` lists the kinds of direct message I send you. `/talks dms follow off` turns one off, and "
        "`/talks dms follow on` turns it back on.\n"
        "Champions and admins: `/talks digest pause 2 weeks` or `/talks prompt pause 2 weeks` in a channel pauses "
        "its digest or meeting prompt for a while; `/talks digest resume` or `/talks prompt resume` starts it sooner."
    ) in sections
