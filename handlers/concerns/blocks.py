"""Block Kit for reported concerns: the direct message telling champions and admins (who reported it, what it
says, Restore and Delete), what it becomes once decided, what its author is told, and `/talks personal-data`.

Pure functions over storage.concerns' records. Who reported something is shown to champions and admins only: never
to its author, and never in the channel. People's words are escaped into verbatim mrkdwn and fitted after escaping.
Someone since erased is "a former member"; once what was reported is deleted, its words are never shown again.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject

from domain import text as t
from domain.words import mention
from handlers.blocks import context, section, user_sections
from handlers.ids import Action
from handlers.report_menu import NOUNS
from storage.concerns import ConcernRecord, Status, Subject
from storage.workspaces import STRICT

WORDS_CHARS = 6000  # of what was reported, escaped, in the message asking champions and admins to decide
TITLE_CHARS = 80  # of its title or first words, in a sentence

THANKS = (
    "Thank you for raising it. I've hidden it everywhere I posted it and told Programme Talks champions and workspace "
    "admins, who will restore or delete it. Only they can see that you reported it."
)
ALREADY_REPORTED = (
    "Thank you. Someone has already reported this, and it's hidden while it's reviewed, so there's nothing more to do."
)
GONE = "That's no longer here, so there's nothing to report."
NOT_ALLOWED = (
    "Sorry, only Programme Talks champions and workspace admins can restore or delete something that was reported. "
    "Nothing has changed."
)


def notice_text(concern: ConcernRecord) -> str:
    """The notification text of a champion's or admin's direct message."""
    return f"A concern was reported about a {NOUNS[concern.kind]} in Programme Talks"


def author_text(concern: ConcernRecord) -> str:
    """The notification text of what the author is told."""
    return f"About your {NOUNS[concern.kind]} that someone reported"


def reviewer_notice(concern: ConcernRecord, subject: Subject) -> list[Block]:
    """The direct message asking a champion or admin to decide: who reported what, where, what it says, and
    Restore or Delete (with a confirmation, since deleting can't be undone)."""
    noun = NOUNS[concern.kind]
    return [
        section(
            f"🚩 *A concern was reported* about a {noun} by {mention(concern.author_id)} in <#{concern.channel_id}>. "
            f"{mention(concern.reported_by, first=True)} reported it. I've hidden it everywhere I posted it until one "
            "of you restores or deletes it."
        ),
        *user_sections(subject.words, heading="*What it says*\n", room=WORDS_CHARS),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Restore", action_id=Action.RESTORE_REPORTED, value=str(concern.id), style="primary"
                ),
                ButtonElement(
                    text="Delete",
                    action_id=Action.DELETE_REPORTED,
                    value=str(concern.id),
                    style="danger",
                    confirm=ConfirmObject(
                        title="Delete it?",
                        text=f"This removes the {noun} from Programme Talks and its messages from Slack. It can't be "
                        "undone.",
                        confirm="Delete",
                        deny="Cancel",
                    ),
                ),
            ]
        ),
        context(
            "*Restore* shows it again; *Delete* removes it. Only Programme Talks champions and workspace admins can "
            "do either, and only they can see who reported it."
        ),
    ]


def decided_notice(concern: ConcernRecord) -> list[Block]:
    """What a champion's or admin's direct message says once someone has decided, or what was reported has gone
    (what it said is left out)."""
    noun, decider = NOUNS[concern.kind], mention(concern.decided_by, first=True)
    if concern.status is Status.RESTORED and concern.subject_deleted_at:
        said = f"✅ {decider} restored it.\nThe reported {noun} has since been deleted."
    elif concern.status is Status.RESTORED:
        said = f"✅ {decider} restored it: it's visible again."
    elif concern.status is Status.REMOVED:
        said = f"🗑️ {decider} deleted it."
    else:
        said = f"The reported {noun} has since been deleted, before anyone decided."
    return [
        section(
            f"🚩 A concern was reported about a {noun} by {mention(concern.author_id)} in <#{concern.channel_id}>; "
            f"{mention(concern.reported_by)} reported it.\n{said}"
        )
    ]


def notice_blocks(concern: ConcernRecord, subject: Subject | None) -> list[Block]:
    """A champion's or admin's direct message about a concern as it stands: asking them to decide while it is open
    and what was reported is there, else what became of it."""
    if concern.status is Status.OPEN and subject is not None and not concern.subject_deleted_at:
        return reviewer_notice(concern, subject)
    return decided_notice(concern)


def author_reported(concern: ConcernRecord, subject: Subject) -> list[Block]:
    """The kind direct message telling an author their post is hidden while it is reviewed (not who reported it)."""
    noun = NOUNS[concern.kind]
    title = t.escaped_within(" ".join(subject.title.split()), TITLE_CHARS)
    return [
        section(
            f"🚩 Someone reported a concern about your {noun} “{title}” in <#{concern.channel_id}>, so I've hidden it "
            "while a Programme Talks champion or workspace admin looks at it. It often comes down to a detail that "
            "could identify a child or a family. You don't need to do anything now: I'll let you know what they "
            "decide."
        )
    ]


def author_decided(concern: ConcernRecord) -> list[Block]:
    """What an author is told once a champion or admin has decided."""
    noun, where = NOUNS[concern.kind], f"<#{concern.channel_id}>"
    if concern.status is Status.RESTORED:
        said = f"✅ Good news: {mention(concern.decided_by)} reviewed your {noun} in {where}, and it's visible again."
    else:
        said = (
            f"Your {noun} in {where} that someone reported has been removed after review by "
            f"{mention(concern.decided_by)}. "
            "If you'd like to know why, or to share it again without the details, have a word with them."
        )
    return [section(said)]


def decider_told(concern: ConcernRecord) -> str:
    if concern.status is Status.RESTORED:
        return (
            f"✅ Restored: it's visible again everywhere I posted it, and I've let {mention(concern.author_id)} know."
        )
    return f"🗑️ Deleted: I've removed it and its messages, and let {mention(concern.author_id)} know."


def already_decided(concern: ConcernRecord) -> str:
    if concern.status is Status.GONE:
        return (
            f"The reported {NOUNS[concern.kind]} has since been deleted, so there's nothing to decide. "
            "Nothing has changed."
        )
    did = "restored" if concern.status is Status.RESTORED else "deleted"
    return f"{mention(concern.decided_by, first=True)} already {did} this, so nothing more has changed."


def own_post(concern: ConcernRecord) -> str:
    return f"This is your own {NOUNS[concern.kind]}, so another champion or admin will decide. Nothing has changed."


# ---- /talks personal-data -------------------------------------------------------------------------------------


def mode_text(mode: str) -> str:
    """What `/talks personal-data` says about the workspace's choice."""
    if mode == STRICT:
        now = (
            "*strict*: when I find what looks like personal data (a child's name with their age, an address, a "
            "private phone number or email…), I don't post it; I show its author what I found and give their words "
            "back to change."
        )
    else:
        now = (
            "*standard*: when I find what looks like personal data (a child's name with their age, an address, a "
            "private phone number or email…), I show its author what I found, and post it only if they say it "
            "holds no child's or private personal data (recorded in the audit trail)."
        )
    return (
        f"The personal-data check here is {now} Workspace owners and admins change it with "
        "`/talks personal-data strict` or `/talks personal-data standard`."
    )


def mode_changed(before: str, mode: str) -> str:
    if before == mode:
        return f"The personal-data check was already *{mode}*, so nothing has changed."
    return f"✅ Done. {mode_text(mode)}"


def mode_usage(word: str) -> str:
    return (
        f"I don't know `/talks personal-data {t.escaped_within(word, 40)}`. Try `/talks personal-data strict`, "
        "`/talks personal-data standard`, or `/talks personal-data` to see how it works now."
    )
