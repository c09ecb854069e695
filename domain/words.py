"""Small pieces of wording used everywhere: lists of names, counts of things, and the two questions.

Pure functions over plain strings. They add no mrkdwn escaping of their own: callers pass text that is already
safe (mentions such as <@U123>, or escaped user text).
"""

from __future__ import annotations

from collections.abc import Sequence

# The seed of Programme Talks: every brief, digest and meeting prompt asks these, in these words.
TWO_QUESTIONS = (
    "What collaborative opportunities are there?",
    "Is there an opportunity to share any best practice?",
)

# What people type to ask a command for help.
HELP_WORDS = frozenset({"help", "?", "-h", "--help"})

_IRREGULAR = {"person": "people", "match": "matches"}


def plural(number: int, noun: str, many: str | None = None) -> str:
    """ "1 share", "2 shares", "0 people": the number and the noun, plural unless there is exactly one."""
    return f"{number} {noun if number == 1 else (many or _IRREGULAR.get(noun) or noun + 's')}"


def join_and(items: Sequence[str]) -> str:
    """Items in plain English: "A"; "A and B"; "A, B and C" ("" for none)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# What replaces an erased person's id in the records kept for others (storage.erasure), and how they are shown.
ERASED = "erased-person"
FORMER_MEMBER = "a former member"


def mention(user_id: str | None, *, first: bool = False) -> str:
    """A person as Slack shows them (<@U123>), or "a former member" once they are erased (or nobody is recorded);
    `first` capitalises it to begin a sentence."""
    if user_id and user_id != ERASED:
        return f"<@{user_id}>"
    return FORMER_MEMBER.capitalize() if first else FORMER_MEMBER


def mentions(user_ids: Sequence[str], *, limit: int | None = None) -> str:
    """Mentions of these people in plain English, the first `limit` of them then "and N others"."""
    shown = [mention(user_id) for user_id in (user_ids if limit is None else user_ids[:limit])]
    if limit is not None and len(user_ids) > limit:
        shown.append(plural(len(user_ids) - limit, "other"))
    return join_and(shown)
