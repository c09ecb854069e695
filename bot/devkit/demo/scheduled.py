"""Scenes the scheduler plays: Dev's daily message for the tags he follows, Monday's digest (and nothing twice), the
agreement's first review nudge, and November's newsletter with a chart, written to files to open."""

from __future__ import annotations

from pathlib import Path

from bot.devkit.demo.cast import CHLOE, DEV, PRACTICE, StepFailed, at
from bot.devkit.demo.narration import note
from bot.devkit.demo.stage import Stage
from handlers.ids import Action, Command

BUNDLE_DUE = at(28, 9)  # Saturday: the first day's bundle for the tags Dev followed on Friday
DIGEST_DUE = at(30, 9)  # Monday morning, when the first weekly digest is due
PROMPT_DUE = at(1, 9, 45, month=12)  # Tuesday, a quarter of an hour before the team meets
NUDGE_DUE = at(7, 9, month=12)  # three days before the agreement's first review, on Thursday 10 December
DIGEST = "Programme Talks digest:"  # how a digest's notification text begins


def followed_tags(stage: Stage) -> None:
    stage.heading("Saturday morning: what's new for the tags Dev follows")
    stage.say("The scheduler wakes up every minute. At 09:00 it finds something for Dev:")
    stage.scheduler(BUNDLE_DUE)
    stage.show("Dev's direct message:", stage.message(DEV.id, "New for the tags you follow")["blocks"])
    stage.say("Whatever comes later waits for the next morning's message: one a day at most.")


def digest_is_posted(stage: Stage) -> None:
    stage.heading("The week passes: Monday's digest")
    stage.scheduler(DIGEST_DUE)
    stage.show("Programme Talks posts in #practice:", only(stage, PRACTICE, DIGEST)["blocks"])
    stage.show("Chloe's copy begins with what needs a champion:", champion_part(stage))
    stage.show("Dev's daily message:", stage.message(DEV.id, "New for the tags you follow")["blocks"])


def nothing_twice(stage: Stage) -> None:
    stage.heading("The scheduler wakes again at the same minute")
    stage.say("Say a second copy of the app is running, or someone looking after it wakes it by hand:")
    if stage.scheduler(DIGEST_DUE):
        raise StepFailed("a second run at the same moment did something again")
    only(stage, PRACTICE, DIGEST)
    only(stage, CHLOE.id, DIGEST)
    stage.say("Still one digest in #practice and one for Chloe: the app remembers what went out.")


def ask_for_a_meeting_prompt(stage: Stage) -> None:
    stage.heading("Chloe asks for the two questions before each team meeting")
    response_url = stage.command(CHLOE, Command.TALKS, "prompt here weekly tue 09:45")
    stage.say(f"Only Chloe sees: {stage.words(stage.answer(response_url)['text'])}")


def prompt_before_the_meeting(stage: Stage) -> None:
    stage.heading("Tuesday: a quarter of an hour before the team meets")
    stage.scheduler(PROMPT_DUE)
    stage.show("Programme Talks posts in #practice:", stage.latest(PRACTICE)["blocks"])


def nudge_the_first_review(stage: Stage) -> None:
    stage.heading("Three days before the agreement's first review")
    stage.scheduler(NUDGE_DUE)
    stage.show("Programme Talks posts in #practice:", review_nudge(stage, PRACTICE)["blocks"])
    review_nudge(stage, CHLOE.id)
    review_nudge(stage, DEV.id)
    stage.say("“Record review” opens a short form: how it's going, whether everyone has been credited as agreed, and")
    stage.say("when to look again. If nobody records it, they are nudged again on the day.")
    digest = stage.find(PRACTICE, DIGEST)[-1]
    stage.show("The week's digest in #practice lists it too:", digest_part(digest["blocks"], "Agreement reviews due"))
    stage.say("Woken again at the same minute:")
    if stage.scheduler(NUDGE_DUE):
        raise StepFailed("a second run at the same moment did something again")
    for target in (PRACTICE, CHLOE.id, DEV.id):
        review_nudge(stage, target)
    stage.say("Still one nudge in #practice and one each for Chloe and Dev.")


def newsletter_and_chart(stage: Stage, files: Path) -> None:
    """Chloe drafts November's newsletter, downloads it, and asks for a chart; the files are written to `files`."""
    stage.heading("Chloe drafts November's newsletter and asks for a chart")
    response_url = stage.command(CHLOE, Command.TALKS, "newsletter")
    stage.say(f"Only Chloe sees: {stage.words(stage.answer(response_url)['text'])}")
    draft = stage.message(CHLOE.id, "Draft newsletter for November 2026")
    stage.show("Her draft's first message (every item follows it):", draft["blocks"])
    stage.say("Chloe presses Download, then asks for a chart of the last 12 months:")
    stage.click(draft, Action.NEWSLETTER_DOWNLOAD, CHLOE, channel=f"D{CHLOE.id}", what="Download")
    stage.command(CHLOE, Command.TALKS, "chart activity 12 months")
    wanted, hers = (".html", ".md", ".png"), f"D{CHLOE.id}"

    def sent(upload: dict) -> bool:
        """Uploaded and then shared in her direct messages (files.completeUploadExternal), not only uploaded."""
        return upload["channel_id"] == hers and bool(upload["content"]) and upload["filename"].endswith(wanted)

    stage.wait_until(
        lambda: (
            {end for f in stage.slack.uploaded_files() if sent(f) for end in wanted if f["filename"].endswith(end)}
            == set(wanted)
        ),
        "Chloe did not get the newsletter's files and the chart",
        timeout=60,
    )
    files.mkdir(parents=True, exist_ok=True)
    written = []
    for upload in stage.slack.uploaded_files():
        if sent(upload):
            path = files / upload["filename"]
            path.write_bytes(upload["content"])
            written.append(path)
    stage.say("Programme Talks sends them to her direct messages. Open them on this computer:")
    for path in sorted(written):
        stage.say(f"  {path}")


def only(stage: Stage, where: str, starting: str) -> dict:
    stage.message(where, starting)
    return stage.only(where, starting)


def champion_part(stage: Stage) -> list[dict]:
    """The champion's copy of the digest up to where it is the same as the channel's, and a line saying so."""
    theirs, channels = only(stage, CHLOE.id, DIGEST)["blocks"], only(stage, PRACTICE, DIGEST)["blocks"]
    same = 0
    while same < min(len(theirs), len(channels)) - 2 and theirs[-1 - same] == channels[-1 - same]:
        same += 1
    return theirs[: len(theirs) - same] + (note("…then the same digest as in #practice.") if same else [])


def review_nudge(stage: Stage, where: str) -> dict:
    """The one review nudge for agreement #1 in a channel (or to a person); a step failure if there are more."""
    return only(stage, where, "Agreement #1 review due")


def digest_part(blocks: list[dict], title: str) -> list[dict]:
    """One part of a digest: its header (which contains `title`) and the blocks up to the next header."""
    start = next(i for i, b in enumerate(blocks) if b["type"] == "header" and title in b["text"]["text"])
    end = next((i for i in range(start + 1, len(blocks)) if blocks[i]["type"] in ("header", "divider")), len(blocks))
    return blocks[start:end]
