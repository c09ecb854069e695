"""Which columns hold a person, and what erasing that person does to each: the one list every new table joins.

The convention: a text column holds a Slack user id when its name says so (`holds_a_person`): it ends in `user_id`,
`_user`, `_by` or `_author`, begins with `author`, or is `requester_id`, `leader_id`, `actor_id` or `target` (the
delivery ledger's: a channel, a workspace or a person). Every such column in the models is in ERASURE, saying what
erasing a person (storage.erasure) does to the rows that name them there, and why:

- OWN: the rows are theirs (what they shared, asked, answered, followed...): deleted, with the rows that depend on
  them; with `also`, the rows these columns refer to go too (a share captured from their message is their words);
- SHARED: a record others rely on (an agreement, an event, a concern, a digest someone set up): kept, with their id
  replaced by domain.words.ERASED, shown as "a former member", and the `words` they wrote there removed;
- AUDIT: the audit trail keeps what happened with their id replaced (storage.audit.forget_person);
- NOT_A_PERSON: the name follows the convention but the column never holds a person (the app's bot, a worker).

tests/test_erasure.py walks every table of the models and fails on a column the convention finds that is not listed
here, so a table added later is decided on, not forgotten. What the convention can't see (an id inside JSON, a
mention in someone's words) is still swept from every text column (storage.workspace_data.replace_everywhere), and
the tests search every column of every table for the person's id and words after erasing them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Column, String

_PERSON_NAME = re.compile(r"author\w*|\w*_author|\w*user_id|\w*_user|\w+_by|requester_id|leader_id|actor_id|target")


def holds_a_person(column: Column) -> bool:
    """Whether a column may hold a Slack user id, by the naming convention (and being text)."""
    return isinstance(column.type, String) and bool(_PERSON_NAME.fullmatch(column.name))


class Fate(StrEnum):
    OWN = "deleted with them"
    SHARED = "kept for others, their id replaced"
    AUDIT = "the audit trail: kept, their id replaced"
    NOT_A_PERSON = "never a person"


@dataclass(frozen=True)
class Rule:
    fate: Fate
    why: str
    words: tuple[str, ...] = ()  # SHARED: columns of their own words in that row, removed with them
    also: tuple[str, ...] = ()  # OWN: columns referring to rows that go with them (by their foreign keys)


def _own(why: str, *, also: tuple[str, ...] = ()) -> Rule:
    return Rule(Fate.OWN, why, also=also)


def _shared(why: str, *words: str) -> Rule:
    return Rule(Fate.SHARED, why, words=words)


# fmt: off
ERASURE: Mapping[tuple[str, str], Rule] = {
    ("shares", "author_id"): _own("practice they shared: their words"),
    ("collab_requests", "requester_id"): _own("what they asked for help with: their words"),
    ("collab_offers", "user_id"): _own("their offers of help"),
    ("reactions", "user_id"): _own("their reactions"),
    ("highlights", "leader_id"): _own("shares they highlighted as a leader"),
    ("roles", "user_id"): _own("their roles"),
    ("roles", "appointed_by"): _shared("someone else's role stays; who appointed them is forgotten"),
    ("agreements", "created_by"): _shared("the agreement is its partners' record too"),
    ("agreement_parties", "user_id"): _shared(
        "partners keep a usable agreement: the party becomes “a former member” (storage.erasure), its "
        "responsibility kept as agreed"),
    ("agreement_versions", "changed_by"): _shared("earlier versions stay for the partners", "note"),
    ("agreement_reviews", "recorded_by"): _shared("the review's outcome stays for the partners",
                                                  "achieved", "credit_note"),
    ("events", "created_by"): _shared("the event stays for the people going", "about"),
    ("event_posts", "invited_user"): _own("invitations sent to them"),
    ("event_rsvps", "user_id"): _own("their answers"),
    ("digest_subscriptions", "created_by"): _shared("the channel's digest carries on"),
    ("deliveries", "target"): _own("the record of scheduled messages sent to them (a channel's or workspace's "
                                   "rows never match a person)"),
    ("home_visits", "user_id"): _own("their Home tab visits"),
    ("tag_follows", "user_id"): _own("tags they follow"),
    ("follow_notices", "user_id"): _own("posts waiting for their daily bundle"),
    ("held_posts", "author_id"): _own("words held for them after the personal-data check"),
    ("message_credits", "captured_by"): _own("messages they captured (their shares and requests go too)"),
    ("message_credits", "source_author"): _own("shares and requests captured from their messages are their words",
                                               also=("share_id", "request_id")),
    ("newsletter_drafts", "updated_by"): _shared("the month's newsletter stays; their introduction goes",
                                                 "introduction"),
    ("newsletter_drafts", "published_by"): _shared("that it was published, and where, stays"),
    ("newsletter_settings", "updated_by"): _shared("the workspace's choice stays"),
    ("concerns", "author_id"): _shared("accountability: what was reported and decided stays, without their name"),
    ("concerns", "reported_by"): _shared("accountability: the concern stays; who reported it is forgotten"),
    ("concerns", "decided_by"): _shared("accountability: the decision stays; who made it is forgotten"),
    ("concern_notices", "user_id"): _own("direct messages that told them of a concern"),
    ("audit_entries", "actor_id"): Rule(Fate.AUDIT, "accountability: what was done stays, not by whom"),
    ("installations", "installed_by"): _shared("the workspace's installation carries on"),
    ("installations", "bot_user_id"): Rule(Fate.NOT_A_PERSON, "the app's own bot user"),
    ("jobs", "claimed_by"): Rule(Fate.NOT_A_PERSON, "the worker process doing a job (a person's jobs are dropped "
                                                    "by what their payload holds: storage.erasure)"),
    # Partnerships, meeting prompts and pauses.
    ("partnership_invites", "created_by"): _shared("an invitation to another workspace stays until it expires"),
    ("partner_offers", "user_id"): _own("their offers of help to a partner organisation"),
    ("prompt_schedules", "created_by"): _shared("the channel's meeting prompt carries on"),
    ("channel_pauses", "paused_by"): _shared("the channel's pause carries on"),
    ("person_pauses", "user_id"): _own("their pause"),
    ("dm_choices", "user_id"): _own("their choices of direct messages"),
    ("held_notices", "user_id"): _own("direct messages held while they paused"),
    ("reply_asks", "author_id"): _own("their replies they were asked about sharing"),
    ("reply_asks", "asked_by"): _shared("someone else's reply, asked about: who asked is forgotten"),
}
# fmt: on


def columns_with(fate: Fate) -> dict[tuple[str, str], Rule]:
    """The listed columns meeting this fate."""
    return {key: rule for key, rule in ERASURE.items() if rule.fate is fate}
